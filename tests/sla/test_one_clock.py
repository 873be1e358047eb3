"""One clock (issue 16, item 1): for every demo case, each surface that shows a clock figure shows
the figure ``cases.clock.clock_figures`` computes — the board's row, its CSV, the board's case page,
the admin's case page, the staff API and the manager report — stopped and paused cases included.

Each surface is a function in ``SURFACES`` returning, for the cases it shows, the figures it shows
(a subset of ``FIGURES``); a new surface is one more entry.
"""

import csv
import io
import re
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from cases.clock import clock_figures
from cases.models import Case, CaseState
from sla.selectors import manager_report, report_case_working_days
from sla.services import workday_ranks_sync
from tests.factories.audit import api_key
from workdays.calendar import calendar_invalidate

pytestmark = pytest.mark.django_db
FIGURES = ("started_on", "stopped_on", "paused_days", "used_working_days")
Shown = dict[str, dict[str, str]]  # case number → {figure: text as the surface shows it}


def _text(value) -> str:
    return "" if value is None else str(value)


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    """The demo story, seeded once for the module inside a transaction that is rolled back at its
    end: every test here only reads it (each test's own changes, a login's session, an API key,
    are rolled back to the savepoint its ``db`` fixture opens inside this transaction)."""
    with django_db_blocker.unblock(), override_settings(DEBUG=True):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo")
            workday_ranks_sync()  # the report counts working days from the rank table
            yield list(Case.objects.select_related("service").order_by("number"))
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            calendar_invalidate()


@pytest.fixture
def demo(demo_once, settings):
    settings.DEBUG = True
    return demo_once


@pytest.fixture
def coordinator_client(client):
    client.force_login(get_user_model().objects.get(username="coordinator"))
    return client


# --- the surfaces -----------------------------------------------------------------------------

_ROW = re.compile(r'<tr data-number="(?P<number>[^"]+)">(?P<row>.*?)</tr>', re.S)
_CELL = re.compile(r'data-clock="(?P<name>\w+)">\s*(?P<value>[^<\s]*)')


def _clock_spans(html: str) -> dict[str, str]:
    found = {m["name"]: m["value"].replace("—", "") for m in _CELL.finditer(html)}
    return found


def board_rows(client, cases) -> Shown:
    response = client.get("/board/", {"per_page": 200})
    assert response.status_code == 200
    return {m["number"]: _clock_spans(m["row"]) for m in _ROW.finditer(response.content.decode())}


def board_csv(client, cases) -> Shown:
    response = client.get("/board/", {"export": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    columns = {
        "started_on": "启动日",
        "paused_days": "暂停工作日",
        "stopped_on": "停止日",
        "used_working_days": "已用工作日",
    }
    return {row["案件编号"]: {figure: row[column] for figure, column in columns.items()} for row in rows}


def _page_spans(client, url: str) -> dict[str, str]:
    html = client.get(url).content.decode()
    match = re.search(r'id="sla-clock".*?</span>(?=</td>)', html, re.S)
    spans = _clock_spans(match.group(0)) if match else {}
    # The page names a paused-day count or a stop only when there is one.
    return {"paused_days": "0", "stopped_on": "", **spans} if spans else {}


def board_case_pages(client, cases) -> Shown:
    return {case.number: _page_spans(client, f"/board/cases/{case.number}/") for case in cases if case.sla_started_on}


def admin_case_pages(client, cases) -> Shown:
    return {
        case.number: _page_spans(client, f"/admin/cases/case/{case.pk}/change/")
        for case in cases
        if case.sla_started_on
    }


def staff_api(client, cases) -> Shown:
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(get_user_model().objects.get(username='coordinator'))}")
    shown = {}
    for case in cases:
        data = api.get(f"/api/v1/cases/{case.number}").json()
        shown[case.number] = {figure: _text(data[f"sla_{figure}"]) for figure in FIGURES}
    return shown


def manager_report_per_case(client, cases) -> Shown:
    """The report counts working days only for stopped clocks (its medians and breaches)."""
    days = report_case_working_days(Case.objects.all())
    return {
        case.number: {"used_working_days": _text(days[case.pk])}
        for case in cases
        if case.pk in days and days[case.pk] is not None
    }


SURFACES: dict[str, Callable[..., Shown]] = {
    "board": board_rows,
    "board CSV": board_csv,
    "board case page": board_case_pages,
    "admin case page": admin_case_pages,
    "staff API": staff_api,
    "manager report": manager_report_per_case,
}


def _expected(case: Case, today) -> dict[str, str]:
    figures = clock_figures(case, today=today)
    return {figure: _text(getattr(figures, figure)) for figure in FIGURES}


@pytest.mark.parametrize("surface", SURFACES)
def test_every_surface_shows_the_clock_figures_of_every_demo_case(surface, demo, coordinator_client):
    today = timezone.localdate()
    shown = SURFACES[surface](coordinator_client, demo)
    assert shown, f"{surface} shows no case"
    by_number = {case.number: case for case in demo}
    for number, figures in shown.items():
        expected = _expected(by_number[number], today)
        assert figures == {name: expected[name] for name in figures}, (surface, number, by_number[number].state)


def test_the_demo_covers_stopped_paused_and_running_clocks(demo):
    today = timezone.localdate()
    figures = [clock_figures(case, today=today) for case in demo]
    assert any(f.stopped_on for f in figures)
    assert any(f.paused for f in figures)
    assert any(f.used_working_days is not None and not f.stopped_on and not f.paused for f in figures)


def test_the_board_shows_a_stopped_and_a_paused_case_frozen(demo, coordinator_client):
    shown = board_rows(coordinator_client, demo)
    states = {case.number: case.state for case in demo}
    assert any(states[n] == CaseState.WAITING_CUSTOMER for n in shown)
    assert any(states[n] == CaseState.ARRANGED for n in shown)


def test_the_reports_totals_are_the_clock_figures_of_its_cases(demo):
    today = timezone.localdate()
    report = manager_report(Case.objects.all(), today=today)
    received = [case for case in demo if case.submitted_at]
    figures = [clock_figures(case, today=today) for case in received]
    stopped = [f for f in figures if f.stopped_on and f.used_working_days is not None]
    assert report.summary["arranged"] == len([f for f in figures if f.stopped_on])
    assert report.summary["arranged_late"] == len([f for f in stopped if f.late])
    assert report.summary["on_time"] == len([f for f in stopped if not f.late and f.deadline_due])
