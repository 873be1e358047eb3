"""Reminders follow the case's clock through a pause and a resume made by the cases services."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases import sla as clocks
from cases.models import Case, CaseState
from cases.services import case_await_customer, case_customer_replied
from sla.models import Reminder
from sla.services import sla_sweep
from tests.factories.cases import role_user
from tests.sla.conftest import make_case

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def on(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=SH), tick=False)


def test_paused_case_is_not_reminded_and_its_moved_deadline_is(provider):
    coordinator = role_user("coordinator")
    # 重疾三甲专家门诊预约: 7 working days. Started Monday 14 Sep 2026 → due Tuesday 22 Sep
    # (Sunday 20 Sep is a make-up working day).
    case = make_case(provider=provider, holder=coordinator, sla_started_on=date(2026, 9, 14))
    clocks.sla_recompute(case)
    Case.objects.filter(pk=case.pk).update(sla_target_due=case.sla_target_due, sla_deadline_due=case.sla_deadline_due)
    assert case.sla_deadline_due == date(2026, 9, 22)

    assert sla_sweep(today=date(2026, 9, 21))["due_soon"] == 1
    with on(date(2026, 9, 21)):
        case_await_customer(case=Case.objects.get(pk=case.pk), actor=coordinator, note="请客户确认就诊日期")
    assert sla_sweep(today=date(2026, 9, 23))["reminded"] == 0  # paused: neither due nor late

    with on(date(2026, 9, 24)):
        resumed = case_customer_replied(case=Case.objects.get(pk=case.pk), actor=coordinator, note="客户已确认")
    # Paused 22–24 Sep (3 working days): the deadline moves to Monday 28 Sep, past the Mid-Autumn Friday.
    assert resumed.state == CaseState.DISPATCHED
    assert resumed.sla_deadline_due == date(2026, 9, 28)
    sla_sweep(today=date(2026, 9, 24))

    assert list(Reminder.objects.filter(case=case).order_by("deadline").values_list("kind", "deadline")) == [
        ("due_soon", date(2026, 9, 22)),
        ("due_soon", date(2026, 9, 28)),
    ]
