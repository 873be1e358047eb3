"""The manager report's aggregates, maintained by PostgreSQL as cases move.

A year of the report from the direct statement reads every case received in the year (hundreds of
thousands at a million cases). The aggregates hold the same counts at the grain that statement
counts before its grouping sets — day received × provider × service × city × working days to
arrangement × working days to review — so the report reads a few thousand rows instead.

Kept exact on every write path: statement-level triggers on ``cases_case`` (insert, update, delete,
with transition tables) append each changed case's old contribution, negated, and its new one to
``sla_reportdelta``; nothing updates a shared row, so concurrent case writes never wait on each
other. The beat task ``compact_report_aggregates`` folds the deltas into ``sla_reportcell``; the
report reads cells and deltas together, so it is exact whether or not compaction has run. A
TRUNCATE of the case table (a fresh data set) marks the aggregates unbuilt.

Working days come from the rank table (``sla_workdayrank``), as in the direct statement. A calendar
change rebuilds the rank table (``workday_ranks_sync``), which leaves the aggregates built from the
old ranks: the report then uses the direct statement until the rebuild the sync enqueues has run
(``manage.py report_aggregates rebuild`` does the same by hand). "Open past deadline" and "at risk"
depend on the report's day, so they are counted from the open cases themselves (a partial index
holds them), as the direct statement counts them.
"""

from django.db import connection, transaction
from django.utils import timezone

TZ = "Asia/Shanghai"
KEY = ("day", "provider_id", "service_id", "city", "arrange_days", "review_days", "open_due")
COUNTS = ("received", "arranged", "on_time", "exempt_late", "arranged_late", "reviewed", "review_on_time", "open")
# The columns whose change moves a case's contribution.
WATCHED = (
    "state",
    "submitted_at",
    "provider_id",
    "service_id",
    "city",
    "sla_started_on",
    "sla_stopped_at",
    "sla_paused_days",
    "sla_deadline_due",
    "reviewed_at",
    "review_paused_days",
    "review_due",
    "sla_exempt_at",
)
LOCK = 7_302_001  # advisory lock: one rebuild or compaction at a time
# The tables a build writes: 1 cells with weekly and monthly margins, 2 also daily margins, 3 also the
# open cases by deadline (``open``, ``open_due``; margin measure o). Raised
# whenever a release changes what the report reads; a build of another layout is not read.
LAYOUT = 3

# Each case's contribution, counted per key: the same definitions as the direct statement
# (sla.selectors._REPORT_SQL): working days in (a, b] = rank(b) - rank(a) when both days lie in one
# run of covered years, less the paused working days.
CONTRIBUTION_SQL = """
SELECT day, provider_id, service_id, city, arrange_days, review_days, open_due,
       {sign} * COUNT(*) AS received,
       {sign} * COUNT(*) FILTER (WHERE arranged_on IS NOT NULL) AS arranged,
       {sign} * COUNT(*) FILTER (WHERE arranged_on <= sla_deadline_due) AS on_time,
       {sign} * COUNT(*) FILTER (WHERE arranged_on > sla_deadline_due AND sla_exempt_at IS NOT NULL) AS exempt_late,
       {sign} * COUNT(*) FILTER (WHERE arranged_on > sla_deadline_due) AS arranged_late,
       {sign} * COUNT(*) FILTER (WHERE decided_on IS NOT NULL) AS reviewed,
       {sign} * COUNT(*) FILTER (WHERE decided_on <= review_due) AS review_on_time,
       {sign} * COUNT(*) FILTER (WHERE is_open) AS open
  FROM (
        SELECT x.submitted_on AS day, c.provider_id, c.service_id, c.city, x.arranged_on, x.decided_on,
               c.sla_deadline_due, c.sla_exempt_at, c.review_due, x.is_open,
               CASE WHEN x.is_open THEN c.sla_deadline_due END AS open_due,
               CASE WHEN ra.run_start = rb.run_start THEN rb.rank - ra.rank - c.sla_paused_days END AS arrange_days,
               CASE WHEN rs.run_start = rd.run_start THEN rd.rank - rs.rank - c.review_paused_days END AS review_days
          FROM {source} AS c
         CROSS JOIN LATERAL (
               SELECT (c.submitted_at AT TIME ZONE '{tz}')::date AS submitted_on,
                      CASE WHEN c.sla_started_on IS NOT NULL THEN (c.sla_stopped_at AT TIME ZONE '{tz}')::date END
                          AS arranged_on,
                      (c.reviewed_at AT TIME ZONE '{tz}')::date AS decided_on,
                      c.state IN ({running}) AND c.sla_stopped_at IS NULL AS is_open
               ) AS x
          LEFT JOIN sla_workdayrank AS ra ON ra.day = c.sla_started_on
          LEFT JOIN sla_workdayrank AS rb ON rb.day = x.arranged_on
          LEFT JOIN sla_workdayrank AS rs ON rs.day = x.submitted_on
          LEFT JOIN sla_workdayrank AS rd ON rd.day = x.decided_on
         WHERE c.submitted_at IS NOT NULL
       ) AS d
 GROUP BY day, provider_id, service_id, city, arrange_days, review_days, open_due
"""
_COLUMNS = ", ".join((*KEY, *COUNTS))
MARGIN_KEY = ("grain", "period", "dim", "value", "measure", "days", "due")
GRAINS = (("w", "week"), ("m", "month"), ("d", "day"))

# Fine rows (``source``: the cells' columns, with ``counts``) summed per period and dimension: the
# counts (measure n) and, per dimension, how many cases took each number of working days (a, r) and
# how many open cases are due on each day (o).
MARGIN_SQL = """
SELECT '{code}' AS grain, period, {dim_value}
       CASE WHEN GROUPING(arrange_days) = 0 THEN 'a' WHEN GROUPING(review_days) = 0 THEN 'r'
            WHEN GROUPING(open_due) = 0 THEN 'o' ELSE 'n' END AS measure,
       CASE WHEN GROUPING(arrange_days) = 0 THEN arrange_days
            WHEN GROUPING(review_days) = 0 THEN review_days END AS days,
       CASE WHEN GROUPING(open_due) = 0 THEN open_due END AS due,
       {sums}
  FROM (SELECT DATE_TRUNC('{grain}', f0.day::timestamp)::date AS period, f0.* FROM {source} AS f0) AS f
 GROUP BY GROUPING SETS ({sets})
HAVING (GROUPING(arrange_days) = 1 OR arrange_days IS NOT NULL)
   AND (GROUPING(review_days) = 1 OR review_days IS NOT NULL)
   AND (GROUPING(open_due) = 1 OR open_due IS NOT NULL)
"""


_SETS = (
    "(period), (period, provider_id), (period, service_id), (period, city), "
    "(period, arrange_days), (period, provider_id, arrange_days), (period, service_id, arrange_days), "
    "(period, city, arrange_days), "
    "(period, review_days), (period, provider_id, review_days), (period, service_id, review_days), "
    "(period, city, review_days), "
    "(period, open_due), (period, provider_id, open_due), (period, service_id, open_due), (period, city, open_due)"
)
_TOTAL_SETS = "(period), (period, arrange_days), (period, review_days), (period, open_due)"
_DIM_VALUE = """CASE WHEN GROUPING(provider_id) = 0 THEN 'p' WHEN GROUPING(service_id) = 0 THEN 's'
            WHEN GROUPING(city) = 0 THEN 'c' ELSE 't' END AS dim,
       CASE WHEN GROUPING(provider_id) = 0 THEN COALESCE(provider_id::text, '')
            WHEN GROUPING(service_id) = 0 THEN service_id::text
            WHEN GROUPING(city) = 0 THEN city ELSE '' END AS value,"""
_TOTAL_DIM_VALUE = "'t' AS dim, '' AS value,"


def margin(source: str, code: str, grain: str, counts=COUNTS, *, total_only: bool = False) -> str:
    """``source``'s rows as margins of ``grain``; ``total_only``: the total dimension (t) alone."""
    sums = ", ".join(f"SUM({name}) AS {name}" for name in counts)
    sets, dim_value = (_TOTAL_SETS, _TOTAL_DIM_VALUE) if total_only else (_SETS, _DIM_VALUE)
    return MARGIN_SQL.format(code=code, grain=grain, source=source, sums=sums, sets=sets, dim_value=dim_value)


def margins(source: str, counts=COUNTS) -> str:
    return " UNION ALL ".join(margin(source, code, grain, counts) for code, grain in GRAINS)


_MARGIN_COLUMNS = ", ".join((*MARGIN_KEY, *COUNTS))

# The rebuild's weekly and monthly margins, summed from its daily ones: a margin is a sum over the
# days of its period for each key, so the longer grains need not group the cells again (at ten
# million cases, 1.5 million daily rows instead of 7 million cells, sixteen grouping sets each).
_MARGINS_FROM_DAYS_SQL = " UNION ALL ".join(
    f"""SELECT '{code}' AS grain, DATE_TRUNC('{grain}', period::timestamp)::date AS period, dim, value,
       measure, days, due,
       {", ".join(f"SUM({name})" for name in COUNTS)}
  FROM sla_reportmargin WHERE grain = 'd'
 GROUP BY 2, dim, value, measure, days, due"""  # noqa: S608  (fixed names only)
    for code, grain in GRAINS
    if code != "d"
)


def contribution(source: str, sign: int) -> str:
    from cases.states import CLOCK_RUNNING

    running = ", ".join(f"'{state}'" for state in CLOCK_RUNNING)  # the states' fixed names
    return CONTRIBUTION_SQL.format(source=source, sign=sign, tz=TZ, running=running)


def install_sql() -> str:
    """The triggers on the case table (run by migration sla 0002).

    Inserts and deletes: statement-level, one grouped INSERT over the transition table however many
    rows. Updates: row-level, fired only when a watched column changed (the WHEN clause is evaluated
    without calling the function), each subtracting the row's old contribution and adding its new
    one — a statement-level update trigger would have to join the old and new transition tables,
    which carry no index (seconds for a thousand rows)."""
    changed = " OR ".join(f"OLD.{name} IS DISTINCT FROM NEW.{name}" for name in WATCHED)
    # Column names and fixed text only: no value is interpolated.
    return f"""
CREATE OR REPLACE FUNCTION sla_report_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO sla_reportdelta ({_COLUMNS}) {contribution("new_rows", 1)};
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO sla_reportdelta ({_COLUMNS}) {contribution("old_rows", -1)};
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION sla_report_row_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- plpgsql keeps these statements' plans for the session (a SQL function would plan per call)
    INSERT INTO sla_reportdelta ({_COLUMNS}) {contribution("(SELECT OLD.*)", -1)};
    INSERT INTO sla_reportdelta ({_COLUMNS}) {contribution("(SELECT NEW.*)", 1)};
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION sla_report_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM sla_reportcell;
    DELETE FROM sla_reportdelta;
    DELETE FROM sla_reportmargin;
    UPDATE sla_reportaggregatestate SET built_at = NULL;
    RETURN NULL;
END $$;

CREATE TRIGGER sla_report_insert AFTER INSERT ON cases_case
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sla_report_delta();
CREATE TRIGGER sla_report_update AFTER UPDATE ON cases_case
    FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION sla_report_row_update();
CREATE TRIGGER sla_report_delete AFTER DELETE ON cases_case
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sla_report_delta();
CREATE TRIGGER sla_report_truncate AFTER TRUNCATE ON cases_case
    FOR EACH STATEMENT EXECUTE FUNCTION sla_report_truncated();
-- A bulk load with session_replication_role = replica (bench/generate.py) skips the row triggers;
-- its TRUNCATE still marks the aggregates unbuilt.
ALTER TABLE cases_case ENABLE ALWAYS TRIGGER sla_report_truncate;
"""  # noqa: S608


UNINSTALL_SQL = """
DROP TRIGGER IF EXISTS sla_report_insert ON cases_case;
DROP TRIGGER IF EXISTS sla_report_update ON cases_case;
DROP TRIGGER IF EXISTS sla_report_delete ON cases_case;
DROP TRIGGER IF EXISTS sla_report_truncate ON cases_case;
DROP FUNCTION IF EXISTS sla_report_delta();
DROP FUNCTION IF EXISTS sla_report_truncated();
DROP FUNCTION IF EXISTS sla_report_row_update();
"""


def _rank_token() -> str:
    from sla.models import WorkdayRankState

    return WorkdayRankState.objects.filter(pk=1, built_at__isnull=False).values_list("token", flat=True).first() or ""


# In key order: a day's cells lie together on disk, so the days a report reads from the cells (the
# edges of its period) take a few pages each rather than a page per cell.
_REBUILD_CELLS_SQL = f"""
INSERT INTO sla_reportcell ({_COLUMNS})
SELECT * FROM ({contribution("cases_case", 1)}) AS c ORDER BY {", ".join(KEY)}
"""  # noqa: S608


def aggregates_rebuild(*, wait: bool = True) -> dict:
    """Recount every cell from the cases, under one snapshot.

    ``wait`` false (the compaction's rebuild of an older layout, every minute while it is stale): skip
    when another rebuild holds the lock or has just written this layout, rather than queue behind it.

    REPEATABLE READ: the deletes remove only the deltas this snapshot sees (their cases' changes are
    in the snapshot too); a case written concurrently keeps its delta, so nothing is lost or counted
    twice. The advisory lock keeps compaction out meanwhile. The rank table is brought up to date
    with the calendar first: counted with stale ranks (or none, on a data set loaded before any report
    was opened), the aggregates would be unusable the moment they are built."""
    from sla.models import ReportAggregateState
    from sla.services import workday_ranks_sync

    began = timezone.now()
    workday_ranks_sync(rebuild_aggregates=False)
    nested = connection.in_atomic_block  # inside a caller's transaction (a test): its snapshot rules
    with transaction.atomic(), connection.cursor() as cursor:
        if not nested:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
        else:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK])
            if not cursor.fetchone()[0] or ReportAggregateState.objects.filter(pk=1, layout=LAYOUT).exists():
                return {"skipped": True}
        token = _rank_token()
        cursor.execute("DELETE FROM sla_reportdelta")
        cursor.execute("DELETE FROM sla_reportcell")
        cursor.execute("DELETE FROM sla_reportmargin")
        # In key order: a day's cells lie together on disk, so the days a report reads from the cells
        # (the edges of its period) take a few pages each rather than a page per cell.
        cursor.execute(_REBUILD_CELLS_SQL)
        cells = cursor.rowcount
        # In key order, as the cells: a period's margins lie together on disk, so the report's few
        # hundred rows of a period take a few pages, not a page each.
        order = ", ".join(MARGIN_KEY)
        for select in (margin("sla_reportcell", "d", "day"), _MARGINS_FROM_DAYS_SQL):
            insert = f"INSERT INTO sla_reportmargin ({_MARGIN_COLUMNS}) SELECT * FROM ({select}) AS m ORDER BY {order}"  # noqa: S608
            cursor.execute(insert)
        ReportAggregateState.objects.update_or_create(
            pk=1,
            defaults={
                "built_at": timezone.now(),
                "rank_token": token,
                "compacted_at": timezone.now(),
                "layout": LAYOUT,
            },
        )
    return {"cells": cells, "seconds": round((timezone.now() - began).total_seconds(), 2)}


_COMPACT_SQL = f"""
WITH moved AS (DELETE FROM sla_reportdelta RETURNING {_COLUMNS}),
cells AS (
    INSERT INTO sla_reportcell ({_COLUMNS})
    SELECT {", ".join(KEY)}, {", ".join(f"SUM({name})" for name in COUNTS)}
      FROM moved
     GROUP BY {", ".join(KEY)}
    ON CONFLICT ON CONSTRAINT sla_reportcell_key DO UPDATE SET
        {", ".join(f"{name} = sla_reportcell.{name} + EXCLUDED.{name}" for name in COUNTS)}
)
INSERT INTO sla_reportmargin ({_MARGIN_COLUMNS})
{margins("moved")}
ON CONFLICT ON CONSTRAINT sla_reportmargin_key DO UPDATE SET
    {", ".join(f"{name} = sla_reportmargin.{name} + EXCLUDED.{name}" for name in COUNTS)}
"""  # noqa: S608


_EMPTY_CELLS_SQL = "DELETE FROM sla_reportcell WHERE " + " AND ".join(f"{name} = 0" for name in COUNTS)  # noqa: S608


def aggregates_compact() -> dict:
    """Fold the deltas into the cells (one statement: the report never sees a delta twice or not at
    all), then drop the cells no case counts in any more. Aggregates built by an older release (another
    ``LAYOUT``) are rebuilt instead: the report counts the cases directly until then."""
    from sla.models import ReportAggregateState

    if ReportAggregateState.objects.filter(pk=1, built_at__isnull=False).exclude(layout=LAYOUT).exists():
        rebuilt = aggregates_rebuild(wait=False)
        return rebuilt if rebuilt.get("skipped") else {"rebuilt": rebuilt}

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK])
        if not cursor.fetchone()[0]:
            return {"skipped": True}
        cursor.execute("SELECT COUNT(*) FROM sla_reportdelta")
        deltas = cursor.fetchone()[0]
        cursor.execute(_COMPACT_SQL)
        cursor.execute(_EMPTY_CELLS_SQL)
        cursor.execute(_EMPTY_CELLS_SQL.replace("sla_reportcell", "sla_reportmargin"))
        ReportAggregateState.objects.filter(pk=1).update(compacted_at=timezone.now())
    return {"deltas": deltas}


def aggregates_status() -> dict:
    from sla.models import ReportAggregateState, ReportCell, ReportDelta, ReportMargin

    state = ReportAggregateState.objects.filter(pk=1).first()
    return {
        "built_at": state.built_at if state else None,
        "rank_token": state.rank_token if state else "",
        "current_rank_token": _rank_token(),
        "compacted_at": state.compacted_at if state else None,
        "layout": state.layout if state else None,
        "cells": ReportCell.objects.count(),
        "margins": ReportMargin.objects.count(),
        "deltas": ReportDelta.objects.count(),
        "usable": aggregates_usable(),
    }


def aggregates_usable() -> bool:
    """Built, in this release's layout, and from the rank table the report counts with now (one query)."""
    from django.db.models import Subquery

    from sla.models import ReportAggregateState, WorkdayRankState

    current = WorkdayRankState.objects.filter(pk=1, built_at__isnull=False).values("token")
    return ReportAggregateState.objects.filter(
        pk=1, built_at__isnull=False, layout=LAYOUT, rank_token=Subquery(current)
    ).exists()
