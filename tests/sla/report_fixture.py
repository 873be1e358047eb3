"""Ten received cases with hand-chosen dates in September 2026, and the figures worked out by hand.

September 2026 has a make-up working Sunday (20th), the Mid-Autumn holiday (Friday 25th) and the
National Day week right after it (1–7 October). The report day is Wednesday 30 September, whose next
working day is 8 October.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group

from cases.models import Case, CaseEvent, CaseState
from entitlements.models import Service
from tests.factories.cases import CaseFactory, UserFactory
from tests.factories.providers import ProviderFactory

SH = ZoneInfo("Asia/Shanghai")
REPORT_DAY = date(2026, 9, 30)
S = CaseState


def at(day: str, time: str = "12:00") -> datetime:
    return datetime.fromisoformat(f"2026-{day}T{time}").replace(tzinfo=SH)


def d(day: str) -> date:
    return date.fromisoformat(f"2026-{day}")


def _case(state, provider, service, submitted, **fields) -> Case:
    decided = fields.pop("decided", None)
    decision = fields.pop("decision", S.APPROVED)
    case = CaseFactory(state=state, quota_hold=None, provider=provider, service=service, **fields)
    # The decision as the review services leave it: on the case (reviewed_at) and in its history.
    Case.objects.filter(pk=case.pk).update(submitted_at=submitted, reviewed_at=decided)
    if decided:
        CaseEvent.objects.create(case=case, at=decided, transition="approve", from_state=S.IN_REVIEW, to_state=decision)
    return case


def build_report_fixture() -> dict:
    p1 = ProviderFactory(name="甲服务商", code="jia")
    p2 = ProviderFactory(name="乙服务商", code="yi")
    a = Service.objects.get(code="ci-top3a-expert-appointment")
    b = Service.objects.get(code="expert-ward")
    cases = {
        # submitted 00:30 in Shanghai = 31 August in UTC: still a September case.
        1: _case(
            S.ARRANGED,
            p1,
            a,
            at("09-01", "00:30"),
            decided=at("09-01", "15:00"),
            review_due=d("09-03"),
            sla_started_on=d("09-01"),
            sla_deadline_due=d("09-15"),
            sla_stopped_at=at("09-10"),
        ),
        2: _case(
            S.CLOSED,
            p1,
            a,
            at("09-02"),
            decided=at("09-04"),
            review_due=d("09-03"),
            sla_started_on=d("09-04"),
            sla_deadline_due=d("09-16"),
            sla_stopped_at=at("09-18"),
        ),
        3: _case(
            S.COMPLETED,
            p1,
            b,
            at("09-14"),
            decided=at("09-15"),
            review_due=d("09-16"),
            sla_started_on=d("09-15"),
            sla_deadline_due=d("09-28"),
            sla_stopped_at=at("09-21"),
            sla_paused_days=1,
        ),
        # arranged 00:15 in Shanghai = 20 September in UTC: counted on the 21st.
        4: _case(
            S.ARRANGED,
            p2,
            a,
            at("09-07"),
            decided=at("09-09"),
            review_due=d("09-09"),
            sla_started_on=d("09-09"),
            sla_deadline_due=d("09-21"),
            sla_stopped_at=at("09-21", "00:15"),
        ),
        5: _case(S.DISPATCHED, p2, b, at("09-08"), sla_started_on=d("09-08"), sla_deadline_due=d("09-22")),
        6: _case(S.ACCEPTED, p2, a, at("09-21"), sla_started_on=d("09-21"), sla_deadline_due=d("10-08")),
        7: _case(S.DISPATCHED, p1, b, at("09-22"), sla_started_on=d("09-22"), sla_deadline_due=d("10-09")),
        8: _case(S.WAITING_CUSTOMER, p1, a, at("09-23"), sla_started_on=d("09-10"), sla_deadline_due=d("09-25")),
        9: _case(S.IN_REVIEW, None, a, at("09-24"), review_due=d("09-29")),
        10: _case(S.REJECTED, None, b, at("09-28"), decided=at("09-29"), decision=S.REJECTED, review_due=d("10-09")),
        # received before the period: never counted
        11: _case(
            S.CLOSED,
            p1,
            a,
            at("08-20"),
            decided=at("08-20"),
            review_due=d("08-24"),
            sla_started_on=d("08-20"),
            sla_deadline_due=d("08-21"),
            sla_stopped_at=at("08-28"),
        ),
    }
    return {"p1": p1, "p2": p2, "a": a, "b": b, "cases": cases}


def make_manager(username: str = "manager"):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get_or_create(name="运营管理")[0])
    return user


# Worked out by hand (see docs/sla.md for the definitions).
# Working days to arrangement: #1 (1 Sep, 10 Sep] = 7; #2 (4 Sep, 18 Sep] = 10;
# #3 (15 Sep, 21 Sep] = 5 with the make-up Sunday, less 1 paused = 4; #4 (9 Sep, 21 Sep] = 9.
EXPECTED_SUMMARY = {
    "received": 10,
    "arranged": 4,
    "on_time": 3,
    "on_time_pct": 75.0,
    "arrange_median": 8.0,  # of 4, 7, 9, 10
    "arrange_p90": 9.7,  # 9 + 0.7 × (10 − 9)
    "arranged_late": 1,  # #2
    "open_late": 1,  # #5 (#8 is paused: waiting for the customer)
    "breaches": 2,
    "at_risk": 1,  # #6, due 8 Oct, the next working day
    "reviewed": 5,  # #1 0, #2 2, #3 1, #4 2, #10 1 working days
    "review_median": 1.0,
    "review_on_time": 4,  # #2 decided after its review_due
    "review_on_time_pct": 80.0,
}
EXPECTED_PROVIDERS = {
    "甲服务商": {
        "received": 5,
        "arranged": 3,
        "on_time": 2,
        "on_time_pct": 66.7,
        "arrange_median": 7.0,
        "arrange_p90": 9.4,
        "breaches": 1,
        "at_risk": 0,
    },
    "乙服务商": {
        "received": 3,
        "arranged": 1,
        "on_time": 1,
        "on_time_pct": 100.0,
        "arrange_median": 9.0,
        "arrange_p90": 9.0,
        "breaches": 1,
        "at_risk": 1,
    },
    "（未派单）": {
        "received": 2,
        "arranged": 0,
        "on_time": 0,
        "on_time_pct": None,
        "arrange_median": None,
        "arrange_p90": None,
        "breaches": 0,
        "at_risk": 0,
    },
}
EXPECTED_SERVICES = {
    "a": {
        "received": 6,
        "arranged": 3,
        "on_time": 2,
        "arrange_median": 9.0,
        "arrange_p90": 9.8,
        "breaches": 1,
        "at_risk": 1,
    },
    "b": {
        "received": 4,
        "arranged": 1,
        "on_time": 1,
        "arrange_median": 4.0,
        "arrange_p90": 4.0,
        "breaches": 1,
        "at_risk": 0,
    },
}
EXPECTED_WEEKS = [(d("08-31"), 2), (d("09-07"), 2), (d("09-14"), 1), (d("09-21"), 4), (d("09-28"), 1)]
