from django.core.management.base import BaseCommand

from cases.services.documents import documents_sweep


class Command(BaseCommand):
    help = "完成或删除中断的请求留下的材料文件（默认只处理一小时前的文件）"

    def add_arguments(self, parser):
        parser.add_argument("--older-than-minutes", type=int, default=60)

    def handle(self, *args, **options):
        counts = documents_sweep(older_than_seconds=options["older_than_minutes"] * 60)
        self.stdout.write(f"已完成改名 {counts['finished']} 个，已删除遗留文件 {counts['removed']} 个")
