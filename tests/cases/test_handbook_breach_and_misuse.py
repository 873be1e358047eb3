"""Issue #18 items 12 and 13, each test named for its rule and quoting the handbook.

12. 专家预约 "通常 7 个工作日内安排就诊（医院内特殊情况除外）": a breach caused by the hospital may be
    exempted by a coordinator (reason required, audited), revoked only by a manager; the manager
    report shows on-time with and without exemptions.
"""

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from audit import roles as audit_roles
from audit.models import AuditEvent
from cases import services
from cases.errors import CasePermissionDenied, CaseValidationError
from cases.models import Case, CaseState
from sla.services import workday_ranks_sync
from tests.factories.audit import api_key
from tests.factories.cases import CaseFactory, UserFactory

pytestmark = pytest.mark.django_db

S = CaseState
SH = ZoneInfo("Asia/Shanghai")
HOSPITAL_EXCEPTION = "医院内特殊情况除外"


def production_user(key: str):
    """A user holding exactly the permissions the role table (audit/roles.py) gives the role."""
    audit_roles.roles_sync()
    user = UserFactory(username=f"{key}-member")
    user.groups.add(Group.objects.get(name=audit_roles.role_by_key(key).name))
    return user


@pytest.fixture
def coordinator_member():
    return production_user("coordinator")


@pytest.fixture
def manager_member():
    return production_user("manager")


def late_case(**fields) -> Case:
    """Arranged on 20 Nov 2026, after its deadline of 10 Nov: late by the clock."""
    stopped = datetime(2026, 11, 20, 15, 0, tzinfo=SH)
    values = {
        "state": S.ARRANGED,
        "sla_started_on": date(2026, 10, 26),
        "sla_target_due": date(2026, 11, 4),
        "sla_deadline_due": date(2026, 11, 10),
        "sla_stopped_at": stopped,
        **fields,
    }
    return CaseFactory(quota_hold=None, **values)


def on_time_case() -> Case:
    return late_case(sla_stopped_at=datetime(2026, 11, 3, 15, 0, tzinfo=SH))


# --- 12. "医院内特殊情况除外" -------------------------------------------------------------------


def test_hospital_exception_coordinator_exempts_a_late_case_with_the_reason(coordinator_member):
    """专家预约："通常 7 个工作日内安排就诊（医院内特殊情况除外）"."""
    case = late_case()

    case = services.case_sla_exempt(case=case, actor=coordinator_member, reason="医院专家临时停诊，改约至下周")

    case.refresh_from_db()
    assert case.state == S.ARRANGED  # the mark changes no state
    assert case.sla_exempt_reason == "医院专家临时停诊，改约至下周"
    assert case.sla_exempt_at is not None and case.sla_exempt_by == coordinator_member
    event = case.events.get(transition="sla_exempt")
    assert event.actor == coordinator_member and "医院专家临时停诊" in event.note
    audit = AuditEvent.objects.filter(object_id=str(case.pk), extra__transition="sla_exempt").get()
    assert audit.actor_id == coordinator_member.pk


def test_hospital_exception_a_running_case_past_its_deadline_can_be_exempted(coordinator_member):
    """“医院内特殊情况除外” covers a case still waiting for the hospital past the deadline."""
    with time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=SH), tick=False):
        case = late_case(state=S.DISPATCHED, sla_stopped_at=None)
        services.case_sla_exempt(case=case, actor=coordinator_member, reason="医院床位紧张，排队入院")

    case.refresh_from_db()
    assert case.sla_exempt_at is not None


def test_hospital_exception_refused_when_the_case_is_not_late(coordinator_member):
    """Only a breach can be exempted ("医院内特殊情况除外" excuses a late arrangement, nothing else)."""
    case = on_time_case()

    with pytest.raises(CaseValidationError) as refused:
        services.case_sla_exempt(case=case, actor=coordinator_member, reason="医院原因")

    assert "未超时" in refused.value.errors["sla_deadline_due"][0]
    case.refresh_from_db()
    assert case.sla_exempt_at is None
    assert not case.events.filter(transition="sla_exempt").exists()


def test_hospital_exception_refused_when_already_exempt(coordinator_member):
    """“医院内特殊情况除外”: one exemption per breach; a second is refused with the reason."""
    case = late_case()
    services.case_sla_exempt(case=case, actor=coordinator_member, reason="医院停诊")

    with pytest.raises(CaseValidationError) as refused:
        services.case_sla_exempt(case=case, actor=coordinator_member, reason="再次豁免")

    assert "已标记院方原因豁免" in refused.value.errors["sla_exempt_at"][0]


@pytest.mark.parametrize("reason", ["", "   "])
def test_hospital_exception_needs_its_reason(coordinator_member, reason):
    """“医院内特殊情况除外”: the special circumstance must be named."""
    case = late_case()

    with pytest.raises(CaseValidationError) as refused:
        services.case_sla_exempt(case=case, actor=coordinator_member, reason=reason)

    assert "请填写院方原因" in refused.value.errors["reason"][0]


def test_hospital_exception_reason_is_at_most_500_characters(coordinator_member):
    case = late_case()

    with pytest.raises(CaseValidationError) as refused:
        services.case_sla_exempt(case=case, actor=coordinator_member, reason="院" * 501)

    assert "不能超过 500 字" in refused.value.errors["reason"][0]


@pytest.mark.parametrize("role", ["reviewer", "intake", "manager", "provider"])
def test_hospital_exception_only_a_coordinator_exempts(role):
    """Who may excuse a breach "医院内特殊情况除外": the coordinators, who chase the hospital."""
    case = late_case()

    with pytest.raises(CasePermissionDenied):
        services.case_sla_exempt(case=case, actor=production_user(role), reason="医院停诊")


def test_hospital_exception_revoked_only_by_a_manager(coordinator_member, manager_member):
    """“医院内特殊情况除外” is a judgement a manager may take back; the coordinator who made it may not."""
    case = late_case()
    services.case_sla_exempt(case=case, actor=coordinator_member, reason="医院停诊")

    with pytest.raises(CasePermissionDenied):
        services.case_sla_exempt_revoke(case=case, actor=coordinator_member, reason="撤销")
    with pytest.raises(CaseValidationError) as refused:
        services.case_sla_exempt_revoke(case=case, actor=manager_member, reason=" ")
    assert "请填写撤销豁免的原因" in refused.value.errors["reason"][0]
    services.case_sla_exempt_revoke(case=case, actor=manager_member, reason="核实为服务商未及时预约")

    case.refresh_from_db()
    assert (case.sla_exempt_reason, case.sla_exempt_at, case.sla_exempt_by) == ("", None, None)
    event = case.events.get(transition="sla_exempt_revoke")
    assert event.actor == manager_member and event.extra["revoked_reason"] == "医院停诊"
    assert AuditEvent.objects.filter(object_id=str(case.pk), extra__transition="sla_exempt_revoke").exists()


def test_hospital_exception_board_shows_the_error_beside_the_reason_field(client, coordinator_member):
    """“医院内特殊情况除外”: an empty reason is sent back with the error beside the field."""
    case = late_case()
    client.force_login(coordinator_member)

    response = client.post(
        f"/board/cases/{case.number}/",
        {"action": "sla_exempt", "sla_exempt-expected_state": case.state, "sla_exempt-reason": "  "},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_sla_exempt-reason-errors"' in page
    assert "院方原因：请填写院方原因" in page


def test_hospital_exception_offered_on_a_late_case_only(client, coordinator_member):
    late, on_time = late_case(), on_time_case()
    client.force_login(coordinator_member)

    assert 'id="action-sla_exempt"' in client.get(f"/board/cases/{late.number}/").content.decode()
    assert 'id="action-sla_exempt"' not in client.get(f"/board/cases/{on_time.number}/").content.decode()


def test_hospital_exception_shown_on_the_case_page_and_in_the_staff_api(client, api_client, coordinator_member):
    case = late_case()
    services.case_sla_exempt(case=case, actor=coordinator_member, reason="医院设备检修，检查顺延")
    client.force_login(coordinator_member)

    page = client.get(f"/board/cases/{case.number}/").content.decode()
    admin_page = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(coordinator_member)}")
    data = api_client.get(f"/api/v1/cases/{case.number}").json()

    assert "院方原因豁免 · 医院设备检修，检查顺延" in page
    assert "院方原因豁免 · 医院设备检修，检查顺延" in admin_page
    case.refresh_from_db()
    assert data["sla_exempt_reason"] == "医院设备检修，检查顺延"
    assert datetime.fromisoformat(data["sla_exempt_at"]) == case.sla_exempt_at


def test_hospital_exception_staff_api_exempts_and_answers_why_not(api_client, coordinator_member):
    late, on_time = late_case(), on_time_case()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(coordinator_member)}")

    done = api_client.post(f"/api/v1/cases/{late.number}/actions/sla_exempt", {"reason": "医院停诊"}, format="json")
    empty = api_client.post(f"/api/v1/cases/{on_time.number}/actions/sla_exempt", {}, format="json")
    refused = api_client.post(
        f"/api/v1/cases/{on_time.number}/actions/sla_exempt", {"reason": "医院停诊"}, format="json"
    )

    assert done.status_code == 200 and done.json()["sla_exempt_reason"] == "医院停诊"
    assert empty.status_code == 400 and "请填写院方原因" in empty.json()["reason"][0]
    assert refused.status_code == 400 and "未超时" in refused.json()["sla_deadline_due"][0]


def _report_cases(coordinator):
    """Three arranged cases received in November: one on time, two late, one of them exempted."""
    cases = [on_time_case(), late_case(), late_case()]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(submitted_at=datetime(2026, 10, 26, 9, tzinfo=SH))
    services.case_sla_exempt(case=cases[1], actor=coordinator, reason="医院停诊")
    return cases


def test_hospital_exception_report_shows_on_time_with_and_without_exemptions(coordinator_member):
    """The manager reads both: 按时率 (the handbook's 7 days) and 按时率（含豁免）("医院内特殊情况除外")."""
    from sla.selectors import manager_report

    workday_ranks_sync()
    _report_cases(coordinator_member)

    report = manager_report(Case.objects.all(), today=date(2026, 11, 30))

    assert report.summary["arranged"] == 3
    assert report.summary["on_time_pct"] == 33.3
    assert report.summary["exempt_late"] == 1
    assert report.summary["on_time_exempt_pct"] == 66.7
    assert [row["on_time_exempt_pct"] for row in report.services] == [66.7]
    assert report.summary["breaches"] == 2  # an exempted breach is still a breach in the plain figures


def test_hospital_exception_report_page_and_csv_show_both_rates(client, coordinator_member, manager_member):
    workday_ranks_sync()
    _report_cases(coordinator_member)
    client.force_login(manager_member)
    period = {"date_from": "2026-10-01", "date_to": "2026-10-31"}

    with time_machine.travel(datetime(2026, 11, 30, 10, 0, tzinfo=SH), tick=False):
        page = client.get("/reports/", period).content.decode()
        download = client.get("/reports/", {**period, "format": "csv"})

    assert 'data-figure="on_time_pct">33.3%<' in page
    assert 'data-figure="on_time_exempt_pct">66.7%<' in page
    assert '<th class="num">按时率</th><th class="num">按时率（含豁免）</th>' in page
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert ["按时率（%）", "33.3"] in rows
    assert ["按时率（含豁免）（%）", "66.7"] in rows


def test_hospital_exception_revoked_counts_late_again(coordinator_member, manager_member):
    from sla.selectors import manager_report

    workday_ranks_sync()
    cases = _report_cases(coordinator_member)
    services.case_sla_exempt_revoke(case=cases[1], actor=manager_member, reason="核实非院方原因")

    report = manager_report(Case.objects.all(), today=date(2026, 11, 30) + timedelta(days=0))

    assert report.summary["on_time_exempt_pct"] == report.summary["on_time_pct"] == 33.3
