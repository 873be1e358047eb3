"""The ledger follows the case (held, used, released) and the clocks follow the working days."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from cases.models import CaseEvent, CaseState
from cases.services import (
    case_arrange,
    case_await_customer,
    case_cancel,
    case_customer_replied,
    case_dispatch,
    case_resubmit,
    case_start_review,
    case_withdraw,
    provider_accept,
    review_reject,
    review_return,
)
from entitlements.selectors import entitlement_check
from tests.factories.cases import service

pytestmark = pytest.mark.django_db


def _remaining(case):
    return entitlement_check(
        enrollment=case.enrollment, beneficiary=case.beneficiary, service=case.service, on=datetime.date.today()
    )


def test_quota_is_held_on_submission(submit, enrollment_2023_pro):
    case = submit(enrollment_2023_pro)

    availability = _remaining(case)
    assert (availability.held, availability.used, availability.remaining) == (1, 0, 0)


def test_quota_is_released_on_rejection(submit, enrollment_2023_pro, reviewer):
    case = case_start_review(case=submit(enrollment_2023_pro), actor=reviewer)

    case = review_reject(case=case, actor=reviewer, reason="disease_not_listed")

    assert case.quota_hold.status == "released"
    assert case.reject_reason == "disease_not_listed"
    assert _remaining(case).remaining == 1


def test_quota_is_released_on_withdrawal(submit, enrollment_2023_pro, intake):
    case = case_withdraw(case=submit(enrollment_2023_pro), actor=intake, note="客户已自行挂号")

    assert case.state == CaseState.WITHDRAWN
    assert case.quota_hold.status == "released"
    assert _remaining(case).remaining == 1


def test_quota_is_released_on_cancellation(approved_case, coordinator):
    case = case_cancel(case=approved_case, actor=coordinator, note="客户失联")

    assert case.quota_hold.status == "released"


def test_quota_is_used_on_arrangement_and_the_clock_stops(approved_case, coordinator, provider, provider_user):
    case = case_dispatch(case=approved_case, actor=coordinator, provider=provider)
    case = provider_accept(case=case, actor=provider_user)

    case = case_arrange(
        case=case,
        actor=provider_user,
        hospital="复旦大学附属中山医院",
        department="胸外科",
        doctor="王医生",
        doctor_title="主任医师",
        arranged_at=timezone.now() + datetime.timedelta(days=2),
    )

    assert case.state == CaseState.ARRANGED
    assert case.quota_hold.status == "used"
    assert case.sla_stopped_at is not None
    assert (_remaining(case).held, _remaining(case).used) == (0, 1)


def test_expert_service_needs_an_associate_chief_or_chief_physician(
    approved_case, coordinator, provider, provider_user
):
    from cases.errors import CaseValidationError

    case = case_dispatch(case=approved_case, actor=coordinator, provider=provider)
    case = provider_accept(case=case, actor=provider_user)

    with pytest.raises(CaseValidationError) as refused:
        case_arrange(
            case=case,
            actor=coordinator,
            hospital="某医院",
            doctor_title="主治医师",
            arranged_at=timezone.now() + datetime.timedelta(days=2),
        )

    assert "arranged_doctor_title" in refused.value.errors
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    assert case.quota_hold.status == "held"


@time_machine.travel(datetime.datetime(2026, 9, 30, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_review_due_counts_working_days_across_national_day(submit, enrollment_2023_pro):
    # Wednesday 30 Sept 2026 + 2 working days: 1–7 Oct are the National Day holiday.
    case = submit(enrollment_2023_pro)

    assert case.review_due == datetime.date(2026, 10, 9)


def test_return_pauses_the_review_clock_until_the_applicant_answers(submit, enrollment_2023_pro, reviewer, intake):
    with time_machine.travel(datetime.datetime(2026, 11, 2, 2, 0, tzinfo=datetime.UTC), tick=False):
        case = case_start_review(case=submit(enrollment_2023_pro), actor=reviewer)  # Monday
        case = review_return(case=case, actor=reviewer, message="请补充病理报告")
        assert case.review_due == datetime.date(2026, 11, 4)
    with time_machine.travel(datetime.datetime(2026, 11, 5, 2, 0, tzinfo=datetime.UTC), tick=False):
        case = case_resubmit(case=case, actor=intake, note="已补充病理报告")  # three working days later

    assert case.state == CaseState.IN_REVIEW
    assert case.review_paused_days == 3
    assert case.review_due == datetime.date(2026, 11, 9)


def test_waiting_for_the_customer_moves_the_deadline_out(approved_case, coordinator, provider, provider_user):
    with time_machine.travel(datetime.datetime(2026, 11, 2, 2, 0, tzinfo=datetime.UTC), tick=False):
        case = case_dispatch(case=approved_case, actor=coordinator, provider=provider)
        case = provider_accept(case=case, actor=provider_user)
        case = case_await_customer(case=case, actor=provider_user, note="请客户确认就诊日期")
    before = case.sla_deadline_due
    with time_machine.travel(datetime.datetime(2026, 11, 4, 2, 0, tzinfo=datetime.UTC), tick=False):
        case = case_customer_replied(case=case, actor=provider_user, note="客户确认周五就诊")

    assert case.state == CaseState.ACCEPTED
    assert case.sla_paused_days == 2
    assert case.sla_deadline_due > before


@time_machine.travel(datetime.datetime(2026, 12, 28, 2, 0, tzinfo=datetime.UTC), tick=False)
def test_deadline_in_an_uncovered_year_is_left_empty_with_a_warning(submit, enroll, intake, without_2027):
    # 陪诊服务 (no review) starts its clock at once; 10 working days from 28 Dec 2026 reach into 2027.
    case = submit(enroll("2021-pro"), "escort", documents=[])

    assert case.state == CaseState.APPROVED
    assert case.sla_target_due is None
    warning = case.events.get(kind=CaseEvent.Kind.WARNING)
    assert "2027" in warning.note


@pytest.mark.django_db(transaction=True)
def test_notifications_go_out_only_after_commit(intake, reviewer, enroll, medical_record):
    from cases.services import case_submit

    reviewer.email = "reviewer@lanben.test"
    reviewer.save()
    enrollment = enroll()
    case_submit(
        actor=intake,
        channel="wechat",
        beneficiary=enrollment.insured,
        service=service("ci-top3a-expert-appointment"),
        documents=[medical_record],
        city="上海",
        diagnosis="肺恶性肿瘤",
        suspected=True,
        diagnosing_hospital="上海市第一人民医院",
        diagnosing_hospital_level=3,
        diagnosing_hospital_ownership="public",
    )

    assert [m.to for m in mail.outbox] == [["reviewer@lanben.test"]]
    assert "已提交" in mail.outbox[0].subject
    assert enrollment.insured.id_number not in mail.outbox[0].body


def test_case_whose_policy_lapsed_cannot_be_approved(submit, enrollment_2023_pro, reviewer):
    from cases.errors import CaseValidationError
    from cases.services import review_approve
    from tests.cases.conftest import CHECKLIST_ALL

    case = case_start_review(case=submit(enrollment_2023_pro), actor=reviewer)
    enrollment_2023_pro.policy.status = "lapsed"
    enrollment_2023_pro.policy.save()

    with pytest.raises(CaseValidationError) as refused:
        review_approve(case=case, actor=reviewer, checklist=CHECKLIST_ALL)

    assert refused.value.errors == {"enrollment": ["保单已失效或终止，权益不再可用"]}


def test_reviewer_can_save_ticks_before_deciding(submit, enrollment_2023_pro, reviewer, intake):
    from cases.errors import CasePermissionDenied
    from cases.services import review_checklist_save

    case = case_start_review(case=submit(enrollment_2023_pro), actor=reviewer)

    case = review_checklist_save(case=case, actor=reviewer, checklist={"check_hospital_level": True})

    assert case.check_hospital_level and not case.checklist_complete
    with pytest.raises(CasePermissionDenied):
        review_checklist_save(case=case, actor=intake, checklist={"check_documents_complete": True})
