"""Intake rules of the handbook's second reading: the hotline and 重疾绿通, hospital and expert
choices, the 120 subsidy's cap and fee kinds."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.errors import CaseValidationError
from cases.models import Case, CaseEvent, DocumentKind
from cases.services import DocumentUpload, case_start_review, case_submit
from entitlements.models import TopHospital
from tests.cases.conftest import REVIEWED_REQUEST
from tests.factories.cases import pdf_bytes, service

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# ---------------------------------------------------------------- 6. 95500 takes no 重疾绿通 request


@pytest.mark.parametrize("code", ["ci-top3a-expert-appointment", "ci-expert-ward", "ci-escort"])
def test_hotline_takes_no_critical_illness_green_channel_request(intake, enroll, medical_record, code):
    """四、服务申请 注 "如为重疾绿通类服务 … 一般通过“太平洋寿险”微信公众号自助提交，95500 客服仅支持权益
    查询和服务咨询"."""
    enrollment = enroll("puhui-2023" if code == "ci-expert-ward" else "2023-pro")
    with pytest.raises(CaseValidationError) as refused:
        case_submit(
            actor=intake,
            channel="hotline",
            beneficiary=enrollment.insured,
            service=service(code),
            enrollment=enrollment,
            documents=[medical_record],
            **REVIEWED_REQUEST,
        )
    message = refused.value.errors["channel"][0]
    assert "95500 热线仅支持权益查询和服务咨询" in message and "微信公众号" in message
    assert not Case.objects.exists()


def test_back_office_entry_of_a_critical_illness_request_with_documents_records_who_keyed_it(
    intake, enrollment_2023_pro, medical_record
):
    """后台录入 with the 病史资料 stays possible; the person who keyed it in is kept."""
    case = case_submit(
        actor=intake,
        channel="backoffice",
        beneficiary=enrollment_2023_pro.insured,
        service=service("ci-top3a-expert-appointment"),
        enrollment=enrollment_2023_pro,
        documents=[medical_record],
        **REVIEWED_REQUEST,
    )
    assert (case.channel, case.keyed_in_by) == ("backoffice", intake)


def test_wechat_requests_record_no_staff_keyer(submit, enrollment_2023_pro):
    assert submit(enrollment_2023_pro).keyed_in_by is None


def test_hotline_still_takes_requests_for_services_without_service_conditions(intake, enroll):
    """95500 "中文服务转 2 申请或咨询": what is not 重疾绿通 may be requested by phone."""
    enrollment = enroll("2021-pro")
    case = case_submit(
        actor=intake, channel="hotline", beneficiary=enrollment.insured, service=service("escort"), city="上海"
    )
    assert (case.channel, case.keyed_in_by) == ("hotline", intake)


def test_hotline_form_tells_the_agent_to_guide_the_customer_to_wechat(client, intake, enrollment_2023_pro):
    """The hotline form: the refusal is shown on the channel field."""
    client.force_login(intake)
    data = {
        "channel": "hotline",
        "beneficiary_id_number": enrollment_2023_pro.insured.id_number,
        "service": "ci-top3a-expert-appointment",
        "applicant_relation": "self",
        "city": "上海",
        "diagnosis": "肺恶性肿瘤",
        "suspected": "on",
        "diagnosing_hospital": "上海市第一人民医院",
        "diagnosing_hospital_level": "3",
        "diagnosing_hospital_ownership": "public",
        "medical_record": SimpleUploadedFile("病历.pdf", pdf_bytes(), content_type="application/pdf"),
    }
    response = client.post(reverse("admin:cases_case_add"), data)
    assert "微信公众号" in response.context["form"].errors["channel"][0]
    assert not Case.objects.exists()


# ---------------------------------------------------------------- 8. hospital and expert choices


def test_top50_option_is_refused_on_a_service_whose_text_names_no_hospital(intake, enroll):
    """专家预约 "不指定医院及专家": no top-50 choice."""
    enrollment = enroll("2020-tier-2")
    with pytest.raises(CaseValidationError) as refused:
        case_submit(
            actor=intake,
            channel="hotline",
            beneficiary=enrollment.insured,
            service=service("expert-appointment"),
            city="上海",
            preferred_hospital="北京协和医院",
            hospital_is_top50=True,
        )
    assert "不支持指定全国排名前50三甲医院" in refused.value.errors["hospital_is_top50"][0]


def test_top50_hospital_is_checked_against_the_editable_list(submit, enrollment_2023_pro):
    """重疾三甲专家预约 "支持指定全国排名前 50 三甲医院", against the list product staff keep."""
    TopHospital.objects.create(name="北京协和医院", aliases=["协和医院"], rank=1)
    with pytest.raises(CaseValidationError) as refused:
        submit(enrollment_2023_pro, preferred_hospital="某县人民医院", hospital_is_top50=True)
    assert "不在全国前50三甲医院名单中" in refused.value.errors["preferred_hospital"][0]
    case = submit(enrollment_2023_pro, preferred_hospital="协和医院", hospital_is_top50=True)
    assert case.hospital_is_top50


def test_top50_choice_without_a_configured_list_is_taken_with_a_warning(submit, enrollment_2023_pro):
    """The handbook prints no list: until product staff enter it, the choice is not checked, and said so."""
    case = submit(enrollment_2023_pro, preferred_hospital="北京协和医院", hospital_is_top50=True)
    warnings = case.events.filter(kind=CaseEvent.Kind.WARNING).values_list("note", flat=True)
    assert "全国前50三甲医院名单尚未配置，意向医院未核对名单" in warnings


@pytest.mark.parametrize(("code", "level"), [("wuyou-2023-pro", "expert"), ("wuyou-2023-premium", "famous")])
def test_wuyou_pro_may_name_an_expert_and_premium_a_famous_expert(submit, enroll, client, reviewer, code, level):
    """无忧管家 重疾三甲专家门诊预约 "1次/年 (可指定专家)" · "1次/年 (可指定著名专家)"."""
    case = submit(enroll(code), "ci-top3a-outpatient-appointment", named_expert="王建国 主任医师")
    assert case.named_expert_level == level
    case_start_review(case=case, actor=reviewer)
    client.force_login(reviewer)
    html = client.get(reverse("cases:case", args=[case.number])).content.decode()
    assert ("可指定著名专家" if level == "famous" else "（权益：可指定专家）") in html


# ---------------------------------------------------------------- 9. 120 急救补贴


def _claim(intake, enrollment, amount: str, **details):
    invoice = DocumentUpload(kind=DocumentKind.INVOICE, content=pdf_bytes("invoice"), name="发票.pdf")
    return case_submit(
        actor=intake,
        channel="wechat",
        beneficiary=enrollment.insured,
        service=service("ambulance-120"),
        enrollment=enrollment,
        documents=[invoice],
        city="上海",
        claimed_amount=Decimal(amount),
        **details,
    )


def test_a_claim_above_200_yuan_is_taken_with_a_warning(intake, enroll):
    """120 急救补贴 "单次最高报销 200 元"."""
    enrollment = enroll("2023-premium-1")
    case = _claim(intake, enrollment, "350.00")
    warnings = list(case.events.filter(kind=CaseEvent.Kind.WARNING).values_list("note", flat=True))
    assert "申请金额350.00元超过单次最高报销200.00元，核定金额不超过200.00元" in warnings
    assert not _claim(intake, enrollment, "200.00").events.filter(kind=CaseEvent.Kind.WARNING).exists()


def test_the_hotline_form_shows_the_200_yuan_warning(client, intake, enrollment_2023_pro):
    """ "单次最高报销 200 元", said to the agent as he keys the claim in."""
    client.force_login(intake)
    data = {
        "channel": "hotline",
        "beneficiary_id_number": enrollment_2023_pro.insured.id_number,
        "service": "ambulance-120",
        "applicant_relation": "self",
        "city": "上海",
        "claimed_amount": "260",
        "claim_fee_kinds": ["出车费", "急救费"],
        "invoice": SimpleUploadedFile("发票.pdf", pdf_bytes("invoice"), content_type="application/pdf"),
    }
    response = client.post(reverse("admin:cases_case_add"), data, follow=True)
    assert any("超过单次最高报销200.00元" in m for m in _messages(response))
    assert Case.objects.get().claim_fee_kinds == ["出车费", "急救费"]


def test_fee_kinds_are_recorded_and_shown_to_the_reviewer(client, intake, reviewer, enrollment_2023_pro):
    """ "救护车出车费、救护车医护人员出诊费及对急救对象实施救治的急救费等"."""
    case = _claim(intake, enrollment_2023_pro, "180.00", claim_fee_kinds=["出车费", "出诊费"])
    client.force_login(reviewer)
    html = client.get(reverse("cases:case", args=[case.number])).content.decode()
    assert "费用类型：出车费、出诊费" in html


def test_a_fee_kind_outside_the_subsidy_is_refused_by_name(intake, enrollment_2023_pro):
    with pytest.raises(CaseValidationError) as refused:
        _claim(intake, enrollment_2023_pro, "150.00", claim_fee_kinds=["出车费", "挂号费"])
    assert "挂号费" in refused.value.errors["claim_fee_kinds"][0]


# ---------------------------------------------------------------- 11. the qualifying policy's status


def _policy_row(policy, **status):
    from entitlements.services import policy_upsert

    return policy_upsert(
        policy_no=policy.policy_no,
        insured=policy.insured,
        product_name=policy.product_name,
        category=policy.category,
        annual_premium=policy.annual_premium,
        sum_insured=policy.sum_insured,
        effective_date=policy.effective_date,
        payment_term_years=policy.payment_term_years,
        payment_mode=policy.payment_mode,
        **status,
    )


def test_a_surrendered_policy_ends_the_service_period_and_flags_open_cases(
    submit, enrollment_2023_pro, coordinator, django_capture_on_commit_callbacks
):
    """ "服务有效期同保费达标保单的交费期": a policy no longer in force carries no service."""
    import datetime

    from notifications.models import Notification

    case = submit(enrollment_2023_pro)
    with django_capture_on_commit_callbacks(execute=True):
        _policy_row(enrollment_2023_pro.policy, status="surrendered", status_on=datetime.date(2026, 10, 1))
    enrollment_2023_pro.refresh_from_db()
    assert enrollment_2023_pro.service_end == datetime.date(2026, 9, 30)
    warning = case.events.get(kind=CaseEvent.Kind.WARNING, transition="policy_ended")
    assert "已于2026-10-01退保，服务期至2026-09-30终止" in warning.note
    notice = Notification.objects.get(case_number=case.number, kind="case.policy_ended")
    assert notice.recipient == coordinator


def test_a_feed_row_without_a_status_leaves_an_ended_policy_ended(enrollment_2023_pro):
    import datetime

    policy = _policy_row(enrollment_2023_pro.policy, status="lapsed", status_on=datetime.date(2025, 3, 1))
    policy = _policy_row(policy)
    assert (policy.status, policy.status_on) == ("lapsed", datetime.date(2025, 3, 1))


def test_the_enrollment_feed_carries_the_policy_status_and_its_date():
    """The core system's feed: status and date, or the row is refused by field."""
    import io

    from entitlements.importers import enrollments_import
    from entitlements.models import Enrollment
    from tests.entitlements.test_imports import HEADER, enrollment_line

    header = HEADER + ",policy_status,policy_status_date"
    report = enrollments_import(stream=io.StringIO(f"{header}\n{enrollment_line()},lapsed,\n"))
    assert [(e.field, e.reason) for e in report.errors] == [
        ("policy_status_date", "保单已失效、退保或终止时须填写其日期")
    ]
    report = enrollments_import(stream=io.StringIO(f"{header}\n{enrollment_line()},terminated,2030-03-01\n"))
    assert report.ok
    assert Enrollment.objects.get().service_end.isoformat() == "2030-02-28"


# ---------------------------------------------------------------- 10. the customer hears back


@pytest.fixture
def message_file(settings, tmp_path):
    settings.CUSTOMER_MESSAGE_BACKEND = "notifications.customer.FileBackend"
    settings.CUSTOMER_MESSAGE_FILE = tmp_path / "customer-messages.jsonl"
    return settings.CUSTOMER_MESSAGE_FILE


def _sent(path) -> list[dict]:
    import json

    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_the_customer_hears_when_his_request_is_returned_for_more_material(
    submit, enrollment_2023_pro, reviewer, message_file, django_capture_on_commit_callbacks
):
    """重疾绿通 "通常 … 反馈安排结果": the customer is told, through the outbox, once per event."""
    from cases.services import review_return

    case = case_start_review(case=submit(enrollment_2023_pro), actor=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        review_return(case=case, actor=reviewer, message="请补充近三个月的病理报告")
    (sent,) = _sent(message_file)
    assert sent["phone"] == enrollment_2023_pro.insured.phone
    assert "需补充材料：请补充近三个月的病理报告" in sent["text"] and case.number in sent["text"]
    timeline = case.events.filter(kind=CaseEvent.Kind.MESSAGE).values_list("note", flat=True)
    assert any("请补充近三个月的病理报告" in note for note in timeline)


def test_a_rejection_is_sent_once_however_often_the_outbox_is_delivered(
    submit, enrollment_2023_pro, reviewer, message_file, django_capture_on_commit_callbacks
):
    """Exactly once per event: a second delivery of the same outbox message sends nothing."""
    from cases.services import review_reject
    from notifications.models import CustomerMessage, OutboxMessage
    from notifications.services import outbox_deliver

    case = case_start_review(case=submit(enrollment_2023_pro), actor=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        review_reject(case=case, actor=reviewer, reason="disease_not_listed")
    message = OutboxMessage.objects.get(topic="customer_message")
    OutboxMessage.objects.filter(pk=message.pk).update(delivered_at=None)
    outbox_deliver(message_id=message.pk)
    assert len(_sent(message_file)) == 1 and CustomerMessage.objects.count() == 1
    assert "未通过审核，原因：疾病不在重症疾病范围列表内" in _sent(message_file)[0]["text"]


def test_the_guardian_who_applied_is_the_one_told(
    submit, enrollment_2023_pro, reviewer, message_file, django_capture_on_commit_callbacks
):
    """第二章 2 "本服务申请可由其监护人代其申请": the guardian hears back."""
    from cases.services import review_reject

    case = submit(
        enrollment_2023_pro, applicant_name="王监护", applicant_relation="guardian", applicant_phone="13911112222"
    )
    with django_capture_on_commit_callbacks(execute=True):
        review_reject(case=case_start_review(case=case, actor=reviewer), actor=reviewer, reason="duplicate")
    assert _sent(message_file)[0]["phone"] == "13911112222"
    assert _sent(message_file)[0]["text"].startswith("【太保蓝本】王监护您好")


def test_the_wording_is_an_editable_template(
    submit, enrollment_2023_pro, reviewer, message_file, django_capture_on_commit_callbacks
):
    from cases.services import review_reject
    from notifications.models import MessageTemplate

    MessageTemplate.objects.filter(key="case_rejected").update(text="{name}：案件{number}未获批准（{reason}）")
    case = case_start_review(case=submit(enrollment_2023_pro), actor=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        review_reject(case=case, actor=reviewer, reason="duplicate")
    assert (
        _sent(message_file)[0]["text"] == f"{enrollment_2023_pro.insured.name}：案件{case.number}未获批准（重复申请）"
    )


def test_a_template_with_an_unknown_placeholder_is_refused_in_the_admin():
    from notifications.admin import MessageTemplateForm

    form = MessageTemplateForm(data={"key": "case_closed", "name": "已结案", "text": "{姓名}您好", "active": "on"})
    assert not form.is_valid()
    assert "占位符" in form.errors["text"][0]
