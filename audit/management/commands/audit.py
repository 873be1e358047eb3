"""``manage.py audit verify`` checks the trail's hash chain; ``manage.py audit grant ROLE`` gives the
application's database role its privileges (INSERT and SELECT only on the audit table)."""

from django.core.management.base import BaseCommand, CommandError

from audit.chain import app_role_grant, audit_chain_verify


class Command(BaseCommand):
    help = "审计记录：verify 校验哈希链；grant ROLE 为应用数据库角色授权（审计表仅可插入与查询）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        verify = sub.add_parser("verify", help="校验哈希链：删除、修改、乱序插入的记录")
        verify.add_argument("--anchor", default="", help="此前记下的「链序号:摘要」，须仍在链上")
        grant = sub.add_parser("grant", help="为应用角色授权（以迁移角色运行）")
        grant.add_argument("role")
        grant.add_argument("--create", action="store_true", help="角色不存在时创建")
        grant.add_argument("--password", default="")

    def handle(self, *args, verb: str, **options):
        if verb == "grant":
            try:
                app_role_grant(role=options["role"], create=options["create"], password=options["password"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"已授权 {options['role']}：审计表仅 INSERT、SELECT")
            return
        anchor = None
        if options["anchor"]:
            seq, _, digest = options["anchor"].partition(":")
            if not seq.isdigit() or len(digest) != 64:
                raise CommandError("--anchor: 格式应为「链序号:64位摘要」")
            anchor = (int(seq), digest)
        report = audit_chain_verify(anchor=anchor)
        for problem in report.problems:
            self.stdout.write(problem)
        self.stdout.write(f"共 {report.rows} 条；链头 {report.head_seq}:{report.head_hash}")
        if not report.intact:
            raise CommandError(f"审计记录校验失败：{len(report.problems)} 处问题")
        self.stdout.write("审计记录完整")
