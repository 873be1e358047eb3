from django.core.management.base import BaseCommand

from sla.report_aggregates import LAYOUT, aggregates_compact, aggregates_rebuild, aggregates_status


class Command(BaseCommand):
    help = "时效报表汇总表：rebuild 从案件重新统计；compact 合并增量；status 查看状态"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "compact", "status"])

    def handle(self, *args, action, **options):
        if action == "rebuild":
            result = aggregates_rebuild()
            self.stdout.write(f"已重建报表汇总表：{result['cells']} 格，用时 {result['seconds']} 秒")
        elif action == "compact":
            result = aggregates_compact()
            if result.get("rebuilt"):
                self.stdout.write(f"汇总表结构已更新，已重建：{result['rebuilt']['cells']} 格")
            elif result.get("skipped"):
                self.stdout.write("另一个重建或合并正在进行，本次跳过")
            else:
                self.stdout.write(f"已合并 {result['deltas']} 条增量")
        else:
            status = aggregates_status()
            usable = "可用（报表读取汇总表）" if status["usable"] else "不可用（报表直接统计案件）"
            self.stdout.write(f"状态：{usable}")
            self.stdout.write(f"生成时间：{status['built_at'] or '未生成'}")
            self.stdout.write(f"日历版本：{status['rank_token'] or '—'}（当前 {status['current_rank_token'] or '—'}）")
            self.stdout.write(f"最近合并：{status['compacted_at'] or '—'}")
            self.stdout.write(
                f"汇总结构版本：{status['layout'] if status['layout'] is not None else '—'}（当前 {LAYOUT}）"
            )
            self.stdout.write(f"汇总格 {status['cells']}，周期汇总 {status['margins']}，待合并增量 {status['deltas']}")
