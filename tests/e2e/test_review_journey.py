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


def _second_case(intake_username: str = "hotline-agent", **facts):
    from django.contrib.auth.models import User

    from cases.models import DocumentKind
    from cases.services import DocumentUpload, case_submit
    from entitlements.models import Edition, Service
    from tests.factories.cases import UserFactory, pdf_bytes
    from tests.factories.entitlements import EnrollmentFactory, PolicyFactory

    intake = User.objects.filter(username=intake_username).first() or UserFactory(
        username=intake_username, role="intake"
    )
    enrollment = EnrollmentFactory(
        policy=PolicyFactory(effective_date=datetime.date(2024, 3, 1)), edition=Edition.objects.get(code="2023-pro")
    )
    request = {
        "city": "上海",
        "diagnosis": "急性心肌梗死",
        "suspected": True,
        "diagnosing_hospital": "某民营医院",
        "diagnosing_hospital_level": 2,
        "diagnosing_hospital_ownership": "private",
        **facts,
    }
    return case_submit(
        actor=intake,
        channel="wechat",
        beneficiary=enrollment.insured,
        service=Service.objects.get(code="ci-top3a-expert-appointment"),
        documents=[DocumentUpload(kind=DocumentKind.MEDICAL_RECORD, content=pdf_bytes(), name="门诊病历.pdf")],
        **request,
    )


def _no_page_scroll_to(page, selector: str) -> bool:
    """The element lies inside the 1280×800 viewport without scrolling the page."""
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] + box["height"] <= 800 and page.evaluate("window.scrollY") == 0


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_review_desk_queue_holder_take_over_workspace_and_next_case(browser, page, live_server, screenshot):
    from tests.factories.cases import UserFactory

    first = _reviewed_case()
    contradicted = _second_case()
    UserFactory(username="dr-second", first_name="第二审核", role="reviewer", password=PASSWORD)

    # The home page's queue figures are the queue's own.
    login(page, live_server, "dr-review")
    home = page.inner_text("#home-review-queue")
    assert "待审核 2" in home and "退回待补充 0" in home
    page.click("#home-review-queue th a")
    assert "医学审核队列 · 待审核" in page.inner_text("#content h1")
    assert "全部（2）" in page.inner_text("#queue-views") and "未认领（2）" in page.inner_text("#queue-views")
    screenshot("reviewer-queue-tabs")

    # 开始审核 makes dr-review the holder; the workspace shows documents beside the decisions.
    page.click(f"text={first.number}")
    page.click("#action-start_review button")
    assert "审核医生" in page.inner_text("#case-holder")
    assert _no_page_scroll_to(page, "#action-approve button")
    assert _no_page_scroll_to(page, "#action-reject button")
    assert _no_page_scroll_to(page, "#action-return_to_applicant button")
    viewer, side = page.locator("#document-viewer").bounding_box(), page.locator("#case-actions").bounding_box()
    assert viewer["x"] + viewer["width"] <= side["x"]  # two columns
    page.screenshot(path="docs/screenshots/reviewer-workspace.png")  # the viewport as the reviewer sees it

    # J/K page through the documents; typing J into a field is text, not a shortcut.
    assert page.locator("[data-doc-panel='0']").is_visible()
    page.click("#shortcut-legend")  # the keys belong to the page, not to the PDF viewer's frame
    page.keyboard.press("j")
    assert page.locator("[data-doc-panel='1']").is_visible() and not page.locator("[data-doc-panel='0']").is_visible()
    page.keyboard.press("k")
    assert page.locator("[data-doc-panel='0']").is_visible()
    page.fill("#id_approve-note", "j")
    assert page.locator("[data-doc-panel='0']").is_visible()
    assert "J" in page.inner_text("#shortcut-legend") and "下一件" in page.inner_text("#shortcut-legend")

    # A second reviewer sees who holds it and must take it over, with a reason.
    other = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 800})
    second = other.new_page()
    second.set_default_timeout(15000)
    login(second, live_server, "dr-second")
    second.goto(f"{live_server.url}/admin/cases/case/{first.pk}/change/")
    assert "本案由「审核医生」审核中" in second.inner_text("#holder-banner")
    assert second.locator("#action-approve").count() == 0
    second.screenshot(path="docs/screenshots/reviewer-held-by-other.png")
    second.fill("#id_take_over-reason", "原审核人临时外出，患者病情紧急")
    second.click("#action-take_over button")
    assert "已接手审核" in second.inner_text("ul.messagelist")
    assert "第二审核" in second.inner_text("#case-holder")
    assert "原审核人临时外出" in second.inner_text("#case-timeline")

    # The first reviewer's approval is now refused, with the reason.
    page.reload()
    assert page.locator("#action-approve").count() == 0
    assert "第二审核" in page.inner_text("#holder-banner")

    # The second reviewer approves; 下一件 (N) opens the next queue case: the private hospital's.
    for name in (
        "check_hospital_level",
        "check_specialist_diagnosis",
        "check_disease_listed",
        "check_documents_complete",
    ):
        second.check(f"#id_approve-{name}")
    second.click("#action-approve button")
    assert second.inner_text("#case-state") == "待派单"
    second.keyboard.press("n")
    second.wait_for_url(f"**/admin/cases/case/{contradicted.pk}/change/")
    second.click("#action-start_review button")

    # The record contradicts 二级及以上公立医院: approval is refused beside that item.
    assert not second.is_checked("#id_approve-check_hospital_level")  # not pre-filled for a 民营 hospital
    for name in (
        "check_hospital_level",
        "check_specialist_diagnosis",
        "check_disease_listed",
        "check_documents_complete",
    ):
        second.check(f"#id_approve-{name}")
    second.click("#action-approve button")
    beside = second.inner_text("#id_approve-check_hospital_level-errors")
    assert "为民营医院，不符合二级及以上公立医院" in beside
    assert second.inner_text("#case-state") == "医学审核中"
    second.screenshot(path="docs/screenshots/reviewer-checklist-contradiction.png")
    other.close()
