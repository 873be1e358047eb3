"""The SLA sweep at the data set's today: one first sweep, then steady sweeps, each with its wall
time, statements and SQL time, then what the sweeps wrote undone (reminders, outbox messages, the
cases' breach markers) and the tables vacuumed, so the next run starts from the same data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lanben_bench .venv/bin/python bench/sweep_steady.py [--steady 5]

Run it from two checkouts in turn against the same database to compare two versions of the sweep
(docs/benchmarks.md, "The SLA sweep: breach markers"). ``--keep`` leaves the reminders for a
``--no-first`` run of the other checkout: its steady sweeps against the same reminders. The undo
forgets every reminder above the marks read at the start: run the last invocation without
``--keep`` with the marks of the first (``--since REMINDER_ID,MESSAGE_ID``, printed by every run).
"""

import argparse
import json
import logging
import os
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.clock import anchor_read
from bench.run import sweep_marks, sweep_undo, vacuum  # sets Django up with the benchmark settings
from sla.services import sla_sweep


def _sweep(today, slowest: int = 0) -> dict:
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        result = sla_sweep(today=today)
        wall = time.perf_counter() - began
    figures = {
        "ms": round(wall * 1000, 1),
        "reminded": result["reminded"],
        "statements": len(queries),
        "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
    }
    if slowest:
        ranked = sorted(queries, key=lambda q: -float(q["time"]))[:slowest]
        figures["slowest"] = [[round(float(q["time"]) * 1000, 1), " ".join(q["sql"].split())[:90]] for q in ranked]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steady", type=int, default=5, help="steady sweeps after the first")
    parser.add_argument("--no-first", action="store_true", help="steady sweeps only (reminders written already)")
    parser.add_argument("--since", help="REMINDER_ID,MESSAGE_ID: undo what was written above these")
    parser.add_argument("--slowest", type=int, default=0, help="print the first sweep's N slowest statements")
    parser.add_argument("--keep", action="store_true", help="leave what the sweeps wrote (for a --no-first run)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    anchor = anchor_read(connection)
    today = datetime.fromisoformat(anchor).date() if anchor else timezone.localdate()
    marks = tuple(int(part) for part in args.since.split(",")) if args.since else sweep_marks()
    first = None if args.no_first else _sweep(today, args.slowest)
    vacuum("sla_reminder", "notifications_outboxmessage", "cases_case")
    steady = [_sweep(today) for _ in range(args.steady)]
    if not args.keep:
        sweep_undo(marks)
    load = round(os.getloadavg()[0], 2)
    since = ",".join(str(mark) for mark in marks)
    print(json.dumps({"today": today.isoformat(), "load": load, "since": since, "first": first, "steady": steady}))
    print(f"reproduce: DATABASE_URL={os.environ.get('DATABASE_URL', '')} .venv/bin/python bench/sweep_steady.py")


if __name__ == "__main__":
    main()
