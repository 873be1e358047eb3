"""Issue #18 items 12 and 13, each test named for its rule and quoting the handbook.

12. 专家预约 "通常 7 个工作日内安排就诊（医院内特殊情况除外）": a breach caused by the hospital may be
    exempted by a coordinator (reason required, audited), revoked only by a manager; the manager
    report shows on-time with and without exemptions.
13. 第二章 1 "若本公司查明使用本服务的非被保险人本人或其直系亲属，本公司有权立即拒绝提供本服务并保留追偿的
    权利": a case may be stopped as misuse from any state, its held quota unit released (a used one
    stays used), a recovery (追偿) record kept, the provider holding it told.
"""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
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


# --- 13. 第二章 1: misuse ------------------------------------------------------------------------

MISUSE = "若本公司查明使用本服务的非被保险人本人或其直系亲属，本公司有权立即拒绝提供本服务并保留追偿的权利"
FINDING = "核实就诊人为被保险人同事，非本人或直系亲属"


@pytest.fixture
def reviewer_member():
    return production_user("reviewer")


def test_misuse_stops_the_case_and_releases_the_held_unit(coordinator_member, provider):
    """第二章 1 "…有权立即拒绝提供本服务": stopped at once; the unit not yet used goes back."""
    case = CaseFactory(state=S.DISPATCHED, provider=provider)
    bucket = case.quota_hold.bucket
    held_before = type(bucket).objects.get(pk=bucket.pk).held

    case = services.case_misuse_stop(case=case, actor=coordinator_member, finding=FINDING)

    case.refresh_from_db()
    assert case.state == S.MISUSE_STOPPED and case.get_state_display() == "中止（冒用）"
    case.quota_hold.refresh_from_db()
    assert case.quota_hold.status == "released"
    assert type(bucket).objects.get(pk=bucket.pk).held == held_before - 1
    assert FINDING in case.events.get(transition="misuse_stop").note


def test_misuse_keeps_a_used_unit_used(reviewer_member):
    """第二章 1 "保留追偿的权利": a service already given is claimed back, not given back to the quota."""
    from entitlements.services import quota_use

    case = CaseFactory(state=S.CLOSED)
    quota_use(hold=case.quota_hold)
    bucket = type(case.quota_hold.bucket).objects.get(pk=case.quota_hold.bucket_id)

    services.case_misuse_stop(case=case, actor=reviewer_member, finding=FINDING, amount=Decimal("1200.00"))

    case.refresh_from_db()
    case.quota_hold.refresh_from_db()
    assert case.state == S.MISUSE_STOPPED  # from a closed case too
    assert case.quota_hold.status == "used"
    assert type(bucket).objects.get(pk=bucket.pk).used == bucket.used


def test_misuse_keeps_a_recovery_record(coordinator_member):
    """第二章 1 "保留追偿的权利": the recovery is recorded, 待追偿, with the finding and the amount."""
    from cases.models import Recovery

    case = CaseFactory(state=S.ARRANGED)

    services.case_misuse_stop(case=case, actor=coordinator_member, finding=FINDING, amount=Decimal("800.00"))

    recovery = Recovery.objects.get(case=case)
    assert (recovery.status, recovery.get_status_display()) == ("pending", "待追偿")
    assert recovery.finding == FINDING and recovery.amount == Decimal("800.00")
    assert recovery.created_by == coordinator_member
    assert AuditEvent.objects.filter(object_type="cases.recovery", object_id=str(recovery.pk)).exists()


def test_misuse_recovery_status_change_is_audited_in_the_admin(client, coordinator_member):
    """The recovery's course (待追偿 → 已追偿 / 无需追偿) is kept in the audit trail."""
    from cases.models import Recovery

    case = CaseFactory(state=S.ARRANGED)
    services.case_misuse_stop(case=case, actor=coordinator_member, finding=FINDING)
    recovery = Recovery.objects.get(case=case)
    client.force_login(coordinator_member)

    response = client.post(
        reverse("admin:cases_recovery_change", args=[recovery.pk]),
        {"status": "recovered", "amount": "650.00", "note": "客户已退还服务费用"},
    )

    assert response.status_code == 302
    recovery.refresh_from_db()
    assert recovery.get_status_display() == "已追偿"
    audit = AuditEvent.objects.filter(object_id=str(recovery.pk), action="update").get()
    assert "待追偿 → 已追偿" in audit.summary and audit.actor_id == coordinator_member.pk


@pytest.mark.parametrize("role", ["intake", "manager", "provider"])
def test_misuse_stop_is_for_reviewers_and_coordinators_only(role, provider):
    """第二章 1 "本公司查明": the insurer's reviewers and coordinators, not intake, managers or providers."""
    case = CaseFactory(state=S.DISPATCHED, provider=provider)

    with pytest.raises(CasePermissionDenied):
        services.case_misuse_stop(case=case, actor=production_user(role), finding=FINDING)

    case.refresh_from_db()
    assert case.state == S.DISPATCHED and case.quota_hold.status == "held"


def test_misuse_stop_needs_the_finding(reviewer_member):
    """第二章 1 "查明": the finding is what the stop rests on; without it, nothing happens."""
    case = CaseFactory(state=S.IN_REVIEW)

    with pytest.raises(CaseValidationError) as refused:
        services.case_misuse_stop(case=case, actor=reviewer_member, finding="  ")

    assert "请填写查明情况" in refused.value.errors["finding"][0]
    case.refresh_from_db()
    assert case.state == S.IN_REVIEW


@pytest.mark.parametrize("state", [S.SUBMITTED, S.RETURNED, S.WAITING_CUSTOMER, S.REJECTED, S.CANCELLED, S.CLOSED])
def test_misuse_stop_from_any_state_including_ended_ones(reviewer_member, state):
    """第二章 1: the finding may come at any time, after the case ended too."""
    case = CaseFactory(state=state, quota_hold=None)

    services.case_misuse_stop(case=case, actor=reviewer_member, finding=FINDING)

    case.refresh_from_db()
    assert case.state == S.MISUSE_STOPPED


def test_misuse_stopped_case_cannot_be_stopped_twice_or_moved_on(reviewer_member):
    from cases.errors import CaseConflict

    case = CaseFactory(state=S.DISPATCHED, quota_hold=None)
    services.case_misuse_stop(case=case, actor=reviewer_member, finding=FINDING)

    with pytest.raises(CaseConflict):
        services.case_misuse_stop(case=case, actor=reviewer_member, finding=FINDING)


def test_misuse_stop_tells_the_provider_through_the_outbox(coordinator_member, provider):
    """第二章 1 "立即拒绝提供本服务": the provider holding the case is told to stop."""
    from notifications.models import OutboxMessage
    from providers.models import ProviderContact

    ProviderContact.objects.create(provider=provider, name="对接人", email="desk@provider.example")
    case = CaseFactory(state=S.ACCEPTED, provider=provider)

    services.case_misuse_stop(case=case, actor=coordinator_member, finding=FINDING)

    message = OutboxMessage.objects.get(payload__case_number=case.number, payload__kind="case.misuse_stop")
    assert message.payload["emails"] == ["desk@provider.example"]


def test_misuse_stop_on_the_board_asks_first_and_shows_the_error_beside_the_finding(client, coordinator_member):
    case = CaseFactory(state=S.APPROVED)
    client.force_login(coordinator_member)

    page = client.get(f"/board/cases/{case.number}/").content.decode()
    refused = client.post(
        f"/board/cases/{case.number}/",
        {"action": "misuse_stop", "misuse_stop-expected_state": case.state, "misuse_stop-finding": " "},
    )

    assert 'id="action-misuse_stop"' in page and "确定中止？" in page
    assert refused.status_code == 400
    assert 'id="id_misuse_stop-finding-errors"' in refused.content.decode()
