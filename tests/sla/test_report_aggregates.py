"""The report from the aggregates holds every figure equal to the direct statement on the same
data: after a rebuild, and as cases are created, move, are re-dispatched, exempted, deleted, get
late events, before and after compaction, and through a calendar change."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command

from cases.models import Case, CaseState
from sla.filters import ReportFilter
from sla.models import ReportCell, ReportDelta
from sla.report_aggregates import LAYOUT, aggregates_compact, aggregates_rebuild, aggregates_usable
from sla.selectors import PeriodCover, manager_report, margins_possible
from sla.services import workday_ranks_sync
from tests.factories.cases import CaseFactory
from tests.factories.providers import ProviderFactory
from tests.sla.report_fixture import REPORT_DAY, at, build_report_fixture, d
from workdays.calendar import calendar_invalidate

pytestmark = pytest.mark.django_db
S = CaseState
TABLES = ("summary", "providers", "services", "cities", "trend")


@pytest.fixture
def fixture_cases():
    workday_ranks_sync()
    return build_report_fixture()


def _cleaned(filters: dict) -> dict:
    filterset = ReportFilter({"grain": "week", **filters}, queryset=Case.objects.all())
    assert filterset.is_valid(), filterset.form.errors
    return filterset.form.cleaned_data


def _report(filters: dict, source: str, today: date = REPORT_DAY):
    data = {"grain": "week", **filters}
    filterset = ReportFilter(data, queryset=Case.objects.all())
    assert filterset.is_valid(), filterset.form.errors
    cleaned = filterset.form.cleaned_data
    return manager_report(filterset.qs, today=today, grain=cleaned["grain"], filters=cleaned, source=source)


def _figures(report) -> dict:
    return {name: getattr(report, name) for name in TABLES}


FILTERS = [
    {"date_from": "2026-09-01", "date_to": "2026-09-30"},
    {"date_from": "2026-08-01", "date_to": "2026-10-31", "grain": "month"},
    {"date_from": "2026-09-08", "date_to": "2026-09-23"},
    {"date_from": "2026-08-15", "date_to": "2026-10-10", "grain": "month"},
    {"date_from": "2026-09-02", "date_to": "2026-09-05"},
    {"date_from": "2026-09-07", "date_to": "2026-09-27"},
    {"date_from": "2026-08-20", "date_to": "2026-10-05"},
    {"date_from": "2026-08-01", "date_to": "2026-09-30"},
    # whole months, then whole weeks inside the rest of a month, then single days
    {"date_from": "2026-07-01", "date_to": "2026-09-27"},
    {"date_from": "2026-07-01", "date_to": "2026-09-27", "grain": "month"},
    {"date_from": "2026-08-12", "date_to": "2026-10-10"},
    {"date_from": "2026-08-12", "date_to": "2026-10-10", "grain": "month"},
    {"date_from": "2026-08-17", "date_to": "2026-09-20"},
    {"city": "上海"},
    {},
]


def assert_same_figures(fixture, today: date = REPORT_DAY) -> None:
    variants = [*FILTERS]
    for key in ("p1", "p2"):
        variants.append({"date_from": "2026-09-01", "date_to": "2026-09-30", "provider": fixture[key].pk})
    for key in ("a", "b"):
        variants.append({"date_from": "2026-09-01", "date_to": "2026-09-30", "service": fixture[key].pk})
    for filters in variants:
        direct = _report(filters, "direct", today)
        assert direct.source == "direct"
        sources = ["cells", "margins"] if margins_possible(_cleaned(filters)) else ["cells"]
        for source in sources:
            aggregated = _report(filters, source, today)
            assert aggregated.source == source
            assert _figures(aggregated) == _figures(direct), (filters, source)


def test_rebuilt_aggregates_give_every_figure_of_the_direct_statement(fixture_cases):
    assert not aggregates_usable()
    assert _report(FILTERS[0], "auto").source == "direct"  # not built yet: the direct statement serves

    aggregates_rebuild()

    assert aggregates_usable()
    assert _report(FILTERS[0], "auto").source == "margins"  # dates only, however short: the margins
    assert _report(FILTERS[1], "auto").source == "margins"  # three months, dates only: the period margins
    assert _report({**FILTERS[1], "city": "上海"}, "auto").source == "cells"
    assert ReportDelta.objects.count() == 0 and ReportCell.objects.count() > 0
    assert_same_figures(fixture_cases)
    assert _report(FILTERS[0], "aggregates").summary["received"] == 10


def test_a_rebuild_before_any_report_was_opened_counts_with_current_ranks():
    """A data set loaded before anyone opened the report has no rank table yet: the rebuild builds it
    first, so the aggregates count working days and serve the report at once."""
    from sla.models import WorkdayRank, WorkdayRankState

    fixture = build_report_fixture()
    assert not WorkdayRankState.objects.filter(built_at__isnull=False).exists()

    aggregates_rebuild()

    assert WorkdayRank.objects.exists() and aggregates_usable()
    assert not workday_ranks_sync()  # nothing left to sync: the report's own sync keeps the aggregates
    assert aggregates_usable() and _report(FILTERS[0], "auto").source == "margins"
    assert_same_figures(fixture)


def test_aggregates_follow_every_change_of_the_cases(fixture_cases):
    aggregates_rebuild()
    cases = fixture_cases["cases"]
    p3 = ProviderFactory(name="丙服务商", code="bing")

    # created: a new case received and dispatched; another arranged late in the same call
    new = CaseFactory(state=S.DISPATCHED, quota_hold=None, provider=fixture_cases["p2"], service=fixture_cases["a"])
    Case.objects.filter(pk=new.pk).update(
        submitted_at=at("09-16"), sla_started_on=d("09-16"), sla_deadline_due=d("09-25"), city="杭州"
    )
    # transitions: #5 arranged (clock stopped), #6 waiting for the customer then back with a paused day
    Case.objects.filter(pk=cases[5].pk).update(state=S.ARRANGED, sla_stopped_at=at("09-29"))
    case6 = Case.objects.get(pk=cases[6].pk)
    case6.sla_paused_days, case6.sla_deadline_due = 2, d("10-12")
    case6.save()  # a whole-row save, as the services do
    # re-dispatch: #7 from 甲 to 丙
    Case.objects.filter(pk=cases[7].pk).update(provider=p3)
    # exemption: #2 excused (the plain figures keep it late)
    Case.objects.filter(pk=cases[2].pk).update(sla_exempt_reason="医院停诊", sla_exempt_at=at("09-19"))
    # a late event: #9's review decision recorded today for last week
    Case.objects.filter(pk=cases[9].pk).update(state=S.APPROVED, reviewed_at=at("09-25"), sla_started_on=d("09-28"))
    # several cases in one statement, and a deletion
    Case.objects.filter(pk__in=[cases[1].pk, cases[3].pk]).update(sla_paused_days=1)
    Case.objects.filter(pk=cases[10].pk).delete()

    assert ReportDelta.objects.exists()
    assert_same_figures(fixture_cases)
    providers = {row["label"] for row in _report(FILTERS[0], "aggregates").providers}
    assert "丙服务商" in providers

    aggregates_compact()

    assert ReportDelta.objects.count() == 0
    assert_same_figures(fixture_cases)
    # compaction dropped the cells no case counts in any more
    assert not ReportCell.objects.filter(received=0, arranged=0, reviewed=0).exists()


def test_open_cases_are_counted_by_deadline_through_a_change_of_state_alone(fixture_cases):
    """ "Open past deadline" and "at risk" come from the open cases' counts by deadline: a case that only
    changes state (paused for the customer, then resumed) leaves and rejoins them, compacted or not."""
    aggregates_rebuild()
    cases = fixture_cases["cases"]
    year = {"date_from": "2026-07-01", "date_to": "2026-10-31"}  # the period margins serve it
    assert _report(year, "margins").summary["open_late"] == 1

    Case.objects.filter(pk=cases[5].pk).update(state=S.WAITING_CUSTOMER)  # the state, nothing else

    assert _report(year, "margins").summary["open_late"] == 0
    assert_same_figures(fixture_cases)
    aggregates_compact()
    assert_same_figures(fixture_cases)

    Case.objects.filter(pk=cases[5].pk).update(state=S.DISPATCHED)

    assert _report(year, "margins").summary["open_late"] == 1
    assert_same_figures(fixture_cases)


def test_figures_depending_on_the_day_follow_the_report_day(fixture_cases):
    aggregates_rebuild()

    for today in (REPORT_DAY, REPORT_DAY + timedelta(days=8), date(2026, 9, 15)):
        assert_same_figures(fixture_cases, today)


def test_a_calendar_change_sets_the_aggregates_aside_until_rebuilt(fixture_cases):
    from workdays.models import CalendarDay, CalendarYear, DayKind

    aggregates_rebuild()
    before = _report(FILTERS[0], "direct").summary["arrange_median"]

    # Monday 14 September becomes a holiday: every case open across it takes a working day less.
    CalendarDay.objects.create(
        calendar_year=CalendarYear.objects.get(year=2026), date=date(2026, 9, 14), kind=DayKind.HOLIDAY, name="测试"
    )
    calendar_invalidate()
    assert workday_ranks_sync()

    assert not aggregates_usable()
    assert _report(FILTERS[0], "auto").source == "direct"
    assert _report(FILTERS[0], "direct").summary["arrange_median"] != before

    aggregates_rebuild()

    assert aggregates_usable()
    assert_same_figures(fixture_cases)


def test_a_series_filter_is_counted_directly(fixture_cases):
    aggregates_rebuild()

    assert _report({**FILTERS[0], "series": "2023"}, "auto").source == "direct"


def test_the_command_rebuilds_and_reports_its_status(fixture_cases, capsys):
    call_command("report_aggregates", "status")
    assert "不可用" in capsys.readouterr().out

    call_command("report_aggregates", "rebuild")
    assert "已重建报表汇总表" in capsys.readouterr().out

    call_command("report_aggregates", "status")
    out = capsys.readouterr().out
    assert (
        "可用（报表读取汇总表）" in out and "待合并增量 0" in out and f"汇总结构版本：{LAYOUT}（当前 {LAYOUT}）" in out
    )


def test_aggregates_of_an_older_layout_are_set_aside_and_the_next_compaction_rebuilds_them(fixture_cases, capsys):
    """A release that changes what the report reads (the daily margins) leaves the last build's
    tables behind: the report counts the cases until the beat's compaction has rebuilt them."""
    from sla.models import ReportAggregateState, ReportMargin

    aggregates_rebuild()
    ReportMargin.objects.filter(grain="d").delete()  # as the previous release built them
    ReportAggregateState.objects.filter(pk=1).update(layout=1)

    assert not aggregates_usable()
    assert _report(FILTERS[0], "auto").source == "direct"

    call_command("report_aggregates", "compact")

    assert "汇总表结构已更新，已重建" in capsys.readouterr().out
    assert aggregates_usable() and ReportMargin.objects.filter(grain="d").exists()
    assert _report(FILTERS[1], "auto").source == "margins"
    assert_same_figures(fixture_cases)


@pytest.mark.django_db(transaction=True)
def test_a_stale_layout_is_rebuilt_once_not_queued_behind_a_running_rebuild():
    """The beat compacts every minute; a rebuild at ten million cases takes minutes. While one holds
    the lock, the next compaction skips instead of queueing a second rebuild behind it."""
    import psycopg
    from django.db import connection

    from sla.models import ReportAggregateState
    from sla.report_aggregates import LOCK

    workday_ranks_sync()
    build_report_fixture()
    aggregates_rebuild()
    ReportAggregateState.objects.filter(pk=1).update(layout=1)
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
    ) as other:
        other.execute("BEGIN")
        other.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])  # a rebuild under way elsewhere
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")  # waiting for the lock fails the test, not hangs it
        try:
            assert aggregates_compact() == {"skipped": True}
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        assert not aggregates_usable()

    assert "rebuilt" in aggregates_compact()  # the lock released: this compaction rebuilds
    assert aggregates_usable()
    assert aggregates_compact().get("deltas") == 0  # and the next one compacts as usual


def test_an_announced_calendar_change_rebuilds_ranks_and_aggregates_once_committed(
    fixture_cases, django_capture_on_commit_callbacks, monkeypatch
):
    from sla import tasks
    from sla.models import WorkdayRankState
    from workdays.models import CalendarDay, CalendarYear, DayKind
    from workdays.services import calendar_changes_announce

    aggregates_rebuild()
    ranks_before = WorkdayRankState.objects.get(pk=1).token
    # the worker's part, run here: the rebuild task the rank sync enqueues
    monkeypatch.setattr(tasks.rebuild_report_aggregates, "delay", lambda: tasks.rebuild_report_aggregates.apply())

    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.create(
            calendar_year=CalendarYear.objects.get(year=2026), date=date(2026, 9, 15), kind=DayKind.HOLIDAY, name="测试"
        )
        calendar_changes_announce(first=date(2026, 9, 15), last=date(2026, 9, 15))

    assert WorkdayRankState.objects.get(pk=1).token != ranks_before  # the ranks follow the calendar
    assert aggregates_usable()  # and the aggregates were rebuilt on them
    assert_same_figures(fixture_cases)


def test_a_period_is_covered_by_months_weeks_and_days_once_each():
    for start in (date(2026, 1, 1) + timedelta(days=n) for n in range(0, 400, 7)):
        for length in (0, 3, 6, 13, 30, 45, 61, 62, 95, 364, 365):
            end = start + timedelta(days=length)
            cover = PeriodCover.of(start, end)
            days = [*cover.days]
            month = cover.month_first
            while month < cover.month_stop:
                assert month.day == 1
                following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
                days += [month + timedelta(days=n) for n in range((following - month).days)]
                month = following
            for monday in cover.weeks:
                assert monday.weekday() == 0 and (monday + timedelta(days=6)).month == monday.month
                days += [monday + timedelta(days=n) for n in range(7)]
            assert sorted(days) == [start + timedelta(days=n) for n in range(length + 1)], (start, end)
            # what is left to single days is at most six days at each end of each month's part
            assert len(cover.days) <= 24
