from datetime import date

from django.core.management.base import BaseCommand, CommandError

from sla.models import ReminderKind
from sla.services import sla_sweep


class Command(BaseCommand):
    help = "运行时效巡检：对即将到期或已超时的案件发送提醒（每案件×类型×到期日仅一次）"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="以该日期（YYYY-MM-DD）为今天运行，默认为上海时间今天")

    def handle(self, *args, today=None, **options):
        try:
            day = date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"--today 须为 YYYY-MM-DD 格式的日期，收到 {today!r}") from exc
        result = sla_sweep(today=day)
        if result["calendar_missing"]:
            self.stderr.write(f"工作日历未覆盖 {result['calendar_missing']} 年：仅发送了已超时提醒")
        if result["undated"]:
            self.stderr.write(f"{result['undated']} 个进行中的案件因工作日历缺失没有最迟完成日，未能判断是否到期")
        counts = "，".join(f"{kind}={result[kind]}" for kind in ReminderKind.values)
        self.stdout.write(f"{result['today']} 巡检完成：新提醒 {result['reminded']} 条（{counts}）")
