from django.core.management.base import BaseCommand

from dispatch.services import IDEMPOTENCY_RETENTION_DAYS, idempotency_records_purge


class Command(BaseCommand):
    help = "删除超过保留期的服务商接口幂等记录（默认 30 天）"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=IDEMPOTENCY_RETENTION_DAYS)

    def handle(self, *args, days: int, **options):
        deleted = idempotency_records_purge(older_than_days=days)
        self.stdout.write(f"已删除 {deleted} 条幂等记录")
