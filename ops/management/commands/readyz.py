"""Readiness of a worker or the scheduler, for their process supervisor (an exec probe):

    python manage.py readyz worker --node celery@$HOSTNAME   # the shared checks + celery inspect ping
    python manage.py readyz beat                             # the shared checks + the beat's last run
    python manage.py readyz web                              # what GET /readyz answers

Prints the same JSON as /readyz and exits 0 when ready, 1 when not.
"""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from django.core.management.base import BaseCommand, CommandError

from ops.views import run_checks


class Command(BaseCommand):
    help = "检查进程就绪状态（web / worker / beat），就绪时退出码为 0"

    def add_arguments(self, parser) -> None:
        parser.add_argument("process", choices=["web", "worker", "beat"])
        parser.add_argument("--node", help="worker 节点名（如 celery@host）；不填则任一 worker 应答即可")

    def handle(self, *args, process: str, node: str | None, **options) -> None:
        checks = async_to_sync(run_checks)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            document, ready = checks(process, node=node)
        else:  # called from code already running an event loop: the checks get a thread of their own
            with ThreadPoolExecutor(max_workers=1) as pool:
                document, ready = pool.submit(checks, process, node=node).result()
        self.stdout.write(json.dumps(document, ensure_ascii=False))
        if not ready:
            raise CommandError(f"未就绪：{', '.join(document['failing'])}", returncode=1)
