"""Every transition, allowed and refused, per production role (audit/roles.py): one table."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from audit import roles as audit_roles
from cases import services
from cases.errors import CaseConflict, CasePermissionDenied
from cases.models import CaseState, DocumentKind
from cases.services.documents import DocumentUpload, document_check, document_store
from cases.workflow import ACTIONS
from providers.models import Provider
from tests.cases.conftest import CHECKLIST_ALL
from tests.factories.cases import CaseFactory, UserFactory, pdf_bytes, service

pytestmark = pytest.mark.django_db

S = CaseState
# The portal's own roles, and a signed-in member of staff holding none of them.
ROLES = [*(role.key for role in audit_roles.ROLES), "outsider"]


def production_user(key: str):
    """A user holding exactly the permissions the role table gives the role ``key``."""
    from django.contrib.auth.models import Group

    audit_roles.roles_sync()
    user = UserFactory(username=f"{key}-member")
    if key != "outsider":
        user.groups.add(Group.objects.get(name=audit_roles.role_by_key(key).name))
    return user


def _other_provider():
    return Provider.objects.create(code="other", name="另一家服务商")


def _arranged_at():
    return timezone.now() + datetime.timedelta(days=3)


# Arranged on 20 Nov 2026 after a deadline of 10 Nov: late by the clock ("医院内特殊情况除外" may excuse it).
LATE = {
    "sla_started_on": datetime.date(2026, 10, 26),
    "sla_deadline_due": datetime.date(2026, 11, 10),
    "sla_stopped_at": datetime.datetime(2026, 11, 20, 7, 0, tzinfo=datetime.UTC),
}


# action: (service, state the case is in, case fields, call arguments, roles allowed, state after)
TABLE = {
    "start_review": (services.case_start_review, S.SUBMITTED, {}, {}, {"reviewer"}, S.IN_REVIEW),
    "approve": (
        services.review_approve,
        S.IN_REVIEW,
        {"record": True},
        {"checklist": CHECKLIST_ALL},
        {"reviewer"},
        S.APPROVED,
    ),
    "reject": (services.review_reject, S.IN_REVIEW, {}, {"reason": "not_specialist"}, {"reviewer"}, S.REJECTED),
    "return_to_applicant": (
        services.review_return,
        S.IN_REVIEW,
        {},
        {"message": "请补充出院小结"},
        {"reviewer"},
        S.RETURNED,
    ),
    "resubmit": (services.case_resubmit, S.RETURNED, {}, {"note": "已补充出院小结"}, {"intake"}, S.IN_REVIEW),
    "withdraw": (services.case_withdraw, S.APPROVED, {}, {}, {"intake"}, S.WITHDRAWN),
    "cancel": (services.case_cancel, S.APPROVED, {}, {"note": "重复申请"}, {"coordinator"}, S.CANCELLED),
    "dispatch": (services.case_dispatch, S.APPROVED, {}, {"provider": "provider"}, {"coordinator"}, S.DISPATCHED),
    "redispatch": (
        services.case_redispatch,
        S.DISPATCHED,
        {"provider": "provider"},
        {"provider": "other", "note": "原服务商无法覆盖"},
        {"coordinator"},
        S.DISPATCHED,
    ),
    "provider_accept": (
        services.provider_accept,
        S.DISPATCHED,
        {"provider": "provider"},
        {},
        {"provider", "coordinator"},
        S.ACCEPTED,
    ),
    "provider_decline": (
        services.provider_decline,
        S.DISPATCHED,
        {"provider": "provider"},
        {"reason": "该城市暂无合作医院"},
        {"provider", "coordinator"},
        S.APPROVED,
    ),
    "await_customer": (
        services.case_await_customer,
        S.ACCEPTED,
        {"provider": "provider"},
        {"note": "请客户确认就诊日期"},
        {"provider", "coordinator"},
        S.WAITING_CUSTOMER,
    ),
    "customer_replied": (
        services.case_customer_replied,
        S.WAITING_CUSTOMER,
        {"provider": "provider", "resume_state": S.ACCEPTED},
        {},
        {"provider", "coordinator"},
        S.ACCEPTED,
    ),
    "arrange": (
        services.case_arrange,
        S.ACCEPTED,
        {"provider": "provider"},
        {"hospital": "复旦大学附属中山医院", "doctor_title": "主任医师", "arranged_at": "soon"},
        {"provider", "coordinator"},
        S.ARRANGED,
    ),
    "complete": (services.case_complete, S.ARRANGED, {}, {}, {"provider", "coordinator"}, S.COMPLETED),
    "close": (services.case_close, S.COMPLETED, {}, {}, {"coordinator"}, S.CLOSED),
    "take_over": (services.case_take_over, S.IN_REVIEW, {}, {"reason": "原审核人休假"}, {"reviewer"}, S.IN_REVIEW),
    "claim_approve": (
        services.claim_approve,
        S.IN_REVIEW,
        {"claim": True},
        {"amount": "150"},
        {"reviewer"},
        S.CLAIM_APPROVED,
    ),
    "pay": (services.claim_pay, S.CLAIM_APPROVED, {"claim": True}, {}, {"reviewer"}, S.PAID),
    "sla_exempt": (services.case_sla_exempt, S.ARRANGED, LATE, {"reason": "医院停诊"}, {"coordinator"}, S.ARRANGED),
    "sla_exempt_revoke": (
        services.case_sla_exempt_revoke,
        S.ARRANGED,
        {**LATE, "sla_exempt_reason": "医院停诊", "sla_exempt_at": timezone.now()},
        {"reason": "核实非院方原因"},
        {"manager"},
        S.ARRANGED,
    ),
    "misuse_stop": (
        services.case_misuse_stop,
        S.CLOSED,
        {},
        {"finding": "使用人为被保险人同事，非直系亲属"},
        {"reviewer", "coordinator"},
        S.MISUSE_STOPPED,
    ),
}


def _resolve(values: dict, provider: Provider) -> dict:
    resolved = {}
    for key, value in values.items():
        if value == "provider":
            value = provider
        elif value == "other":
            value = _other_provider()
        elif value == "soon":
            value = _arranged_at()
        resolved[key] = value
    return resolved


def _case(state, fields: dict, provider: Provider):
    fields = _resolve(fields, provider)
    if fields.pop("claim", False):
        case = CaseFactory(
            state=state,
            service=service("ambulance-120"),
            claimed_amount=Decimal("180.00"),
            approved_amount=Decimal("150.00") if state == S.CLAIM_APPROVED else None,
            **fields,
        )
        upload = DocumentUpload(kind=DocumentKind.INVOICE, content=pdf_bytes("invoice"), name="发票.pdf")
        document_store(case=case, actor=None, checked=document_check(upload=upload))
        return case
    if fields.pop("record", False):
        # The checklist's 材料齐全 is compared with the documents the case holds (cases.checklist).
        case = CaseFactory(state=state, **fields)
        upload = DocumentUpload(kind=DocumentKind.MEDICAL_RECORD, content=pdf_bytes(), name="病历.pdf")
        document_store(case=case, actor=None, checked=document_check(upload=upload))
        return case
    return CaseFactory(state=state, **fields)


def test_the_table_covers_every_action_a_person_takes():
    assert set(TABLE) == {row.name for row in ACTIONS.values() if row.places}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(TABLE))
def test_transition_allowed_only_to_its_roles(action, role, provider):
    service_call, state, fields, arguments, allowed, after = TABLE[action]
    case = _case(state, fields, provider)
    actor = production_user(role)

    if role in allowed:
        case = service_call(case=case, actor=actor, **_resolve(arguments, provider))
        assert case.state == after
        assert case.events.filter(transition__isnull=False).last().actor == actor
    else:
        with pytest.raises(CasePermissionDenied):
            service_call(case=case, actor=actor, **_resolve(arguments, provider))
        case.refresh_from_db()
        assert case.state == state
        assert not case.events.filter(kind="transition").exists()


@pytest.mark.parametrize(
    ("action", "wrong_state"),
    [
        ("approve", S.SUBMITTED),
        ("start_review", S.APPROVED),
        ("dispatch", S.IN_REVIEW),
        ("arrange", S.APPROVED),
        ("close", S.DISPATCHED),
        ("withdraw", S.ARRANGED),
        ("pay", S.IN_REVIEW),
        ("resubmit", S.CLOSED),
    ],
)
def test_transition_refused_from_a_state_that_does_not_allow_it(action, wrong_state, provider):
    service_call, _, fields, arguments, allowed, _ = TABLE[action]
    case = _case(wrong_state, {**fields, "provider": "provider"}, provider)
    actor = production_user(sorted(allowed)[0])

    with pytest.raises(CaseConflict) as refused:
        service_call(case=case, actor=actor, **_resolve(arguments, provider))

    assert str(CaseState(wrong_state).label) in refused.value.message


def test_approve_on_a_120_claim_is_never_offered(payer, reviewer, provider):
    from cases.selectors import case_available_actions

    claim = _case(S.IN_REVIEW, {"claim": True}, provider)

    assert "approve" not in case_available_actions(case=claim, user=reviewer)
    assert case_available_actions(case=claim, user=payer) == ["claim_approve"]


def test_reviewer_is_offered_the_review_decisions(reviewer, provider):
    from cases.selectors import case_available_actions

    case = _case(S.IN_REVIEW, {}, provider)

    assert case_available_actions(case=case, user=reviewer) == [
        "approve",
        "return_to_applicant",
        "reject",
        "misuse_stop",
    ]
