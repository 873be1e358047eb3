"""The clock's figures (cases.clock.clock_figures): what every surface shows a coordinator."""

import datetime
import zoneinfo

import pytest

from cases.clock import clock_figures
from cases.models import Case, CaseState
from tests.factories.cases import service

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date


def _case(**fields) -> Case:
    return Case(service=service("ci-top3a-expert-appointment"), **fields)


def test_a_running_clock_counts_working_days_to_today():
    # Mon 2026-11-16 → Wed 2026-11-25: 7 working days in (16th, 25th].
    figures = clock_figures(_case(state=CaseState.ACCEPTED, sla_started_on=D(2026, 11, 16)), today=D(2026, 11, 25))
    assert figures.used_working_days == 7
    assert figures.stopped_on is None and figures.paused is False and figures.paused_days == 0


def test_an_arranged_case_stops_counting_at_the_arrangement():
    stopped = datetime.datetime(2026, 11, 19, 9, 30, tzinfo=SHANGHAI)  # Thursday: 3 working days
    case = _case(state=CaseState.ARRANGED, sla_started_on=D(2026, 11, 16), sla_stopped_at=stopped)
    for today in (D(2026, 11, 19), D(2026, 12, 31)):
        figures = clock_figures(case, today=today)
        assert figures.stopped_on == D(2026, 11, 19)
        assert figures.used_working_days == 3


def test_a_paused_case_is_frozen_while_the_customer_answers():
    # Started Mon 16th, paused Wed 18th (2 used); whatever the day, 2 stays 2.
    case = _case(state=CaseState.WAITING_CUSTOMER, sla_started_on=D(2026, 11, 16), sla_paused_on=D(2026, 11, 18))
    for today in (D(2026, 11, 18), D(2026, 11, 24), D(2026, 12, 2)):
        figures = clock_figures(case, today=today)
        assert figures.paused is True
        assert figures.used_working_days == 2


def test_closed_pauses_are_taken_off():
    case = _case(state=CaseState.ACCEPTED, sla_started_on=D(2026, 11, 16), sla_paused_days=3)
    assert clock_figures(case, today=D(2026, 11, 25)).used_working_days == 4
    api = clock_figures(case, today=D(2026, 11, 25)).as_api()
    assert api["sla_started_on"] == "2026-11-16" and api["sla_paused_days"] == 3 and api["sla_stopped_on"] is None


def test_a_case_that_ended_without_an_arrangement_shows_no_count():
    case = _case(state=CaseState.CANCELLED, sla_started_on=D(2026, 11, 16))
    assert clock_figures(case, today=D(2026, 11, 25)).used_working_days is None


def test_a_running_clock_is_late_the_day_after_its_deadline_weekend_included():
    # Deadline Friday 2026-11-27: on Saturday no working day was added, yet the case is late —
    # the same day the board lists it under 已超时.
    case = _case(state=CaseState.ACCEPTED, sla_started_on=D(2026, 11, 6), sla_deadline_due=D(2026, 11, 27))
    assert clock_figures(case, today=D(2026, 11, 27)).late is False
    saturday = clock_figures(case, today=D(2026, 11, 28))
    assert saturday.late is True
    assert saturday.used_working_days == clock_figures(case, today=D(2026, 11, 27)).used_working_days


def test_a_paused_clock_is_not_late_while_the_customer_answers():
    case = _case(
        state=CaseState.WAITING_CUSTOMER,
        sla_started_on=D(2026, 11, 6),
        sla_paused_on=D(2026, 11, 20),
        sla_deadline_due=D(2026, 11, 27),
    )
    assert clock_figures(case, today=D(2026, 12, 2)).late is False
