"""A medical reviewer's day, in the browser: the queue, the documents, the decision, the history."""

import datetime
import os

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from tests.e2e.conftest import PASSWORD, login


def _reviewed_case():
    from django.contrib.auth.models import Permission

    from cases.models import DocumentKind
    from cases.services import DocumentUpload, case_submit
    from entitlements.models import Edition, Service
    from tests.factories.cases import UserFactory, pdf_bytes, png_bytes
    from tests.factories.entitlements import EnrollmentFactory, PolicyFactory
    from workdays.services import calendar_sync

    calendar_sync()
    intake = UserFactory(username="hotline-agent", role="intake")
    enrollment = EnrollmentFactory(
        policy=PolicyFactory(effective_date=datetime.date(2024, 3, 1)), edition=Edition.objects.get(code="2023-pro")
    )
    case = case_submit(
        actor=intake,
        channel="wechat",
        beneficiary=enrollment.insured,
        service=Service.objects.get(code="ci-top3a-expert-appointment"),
        documents=[
            DocumentUpload(kind=DocumentKind.MEDICAL_RECORD, content=pdf_bytes(), name="病历.pdf"),
            DocumentUpload(kind=DocumentKind.OTHER, content=png_bytes("lightblue"), name="检查报告.png"),
        ],
        city="上海",
        diagnosis="肺恶性肿瘤",
        suspected=True,
        diagnosing_hospital="上海市第一人民医院",
        diagnosing_hospital_level=3,
        diagnosing_hospital_ownership="public",
    )
    reviewer = UserFactory(username="dr-review", first_name="审核医生", role="reviewer", password=PASSWORD)
    assert reviewer.has_perm("cases.review_case") and Permission.objects.exists()
    return case


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_reviewer_opens_the_queue_views_a_document_and_approves(page, live_server, screenshot):
    case = _reviewed_case()

    login(page, live_server, "dr-review")
    page.goto(f"{live_server.url}/admin/cases/case/")
    assert case.number in page.inner_text("#result_list")
    screenshot("reviewer-queue")

    page.click(f"text={case.number}")
    page.click("#action-start_review button")
    assert "医学审核中" in page.inner_text("#case-state")

    with page.expect_popup() as popup_info:
        page.click("a.document-link >> text=检查报告.png")
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.evaluate("document.contentType") == "image/png"
    popup.close()
    assert page.locator("iframe.document-preview").count() == 1
    screenshot("reviewer-review")

    for name in (
        "check_hospital_level",
        "check_specialist_diagnosis",
        "check_disease_listed",
        "check_documents_complete",
    ):
        page.check(f"#id_approve-{name}")
    page.click("#action-approve button")

    assert "已批准" in page.inner_text("ul.messagelist")
    assert page.inner_text("#case-state") == "待派单"
    timeline = page.inner_text("#case-timeline")
    assert "医学审核中 → 待派单" in timeline and "审核医生" in timeline
    screenshot("reviewer-approved")
    case.refresh_from_db()
    assert case.state == "approved"
