"""django-helpdesk's pages, measured in its own virtualenv on command from ``bench/run.py``.

``bench/run.py`` starts this once and keeps it (so the peer's figures interleave with the
project's, round by round): it reads one JSON line per command, ``{"figure": name, "n": runs}``,
and answers one JSON line, ``{"samples": [seconds…], "queries": most}``. A figure is what a
staff member waits for to see a page of 100 tickets: the ticket list page (``/tickets/``) plus the
``datatables_ticket_list`` JSON its table loads, both in-process through Django's test client, as
the project's pages are measured.
"""

import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk_site.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from helpdesk.query import query_to_base64  # noqa: E402

PAGE = 100


def figures(search: str, queue: int) -> dict[str, tuple[str, dict, int]]:
    """name → (the list page's query string, the table's query, the first row)."""
    default = {"filtering": {"status__in": [1, 2]}, "sorting": "created", "search_string": "", "sortreverse": False}
    filtered = {**default, "filtering": {"status__in": [1], "queue__id__in": [queue]}}
    every = {**default, "filtering": {}}
    searched = {**every, "search_string": search}
    return {
        "default": ("status=1&status=2", default, 0),
        "filtered": (f"status=1&queue={queue}", filtered, 0),
        "page50": ("", every, 49 * PAGE),
        "search": (urlencode({"q": search}), searched, 0),
    }


def measure(client: Client, spec: tuple[str, dict, int], n: int) -> dict:
    page_query, table_query, start = spec
    list_url = f"/tickets/?{page_query}"
    params = {"draw": 1, "start": start, "length": PAGE}
    table_url = f"/datatables_ticket_list/{query_to_base64(table_query)}?{urlencode(params)}"
    samples, most = [], 0
    for _ in range(n):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            for url in (list_url, table_url):
                response = client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"{url} answered {response.status_code}")
            samples.append(time.perf_counter() - began)
        most = max(most, len(captured.captured_queries))
    return {"samples": samples, "queries": most}


def main() -> int:
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-staff"))
    spec = json.loads(sys.stdin.readline())  # {"search": …, "queue": …}
    table = figures(spec["search"], spec["queue"])
    for name in table:  # warm: templates, translations, the first connection
        measure(client, table[name], 1)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        print(json.dumps(measure(client, table[command["figure"]], command["n"])), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
