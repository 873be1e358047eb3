"""A medical reviewer's day, in the browser: the queue, the documents, the decision, the history."""

import datetime
import os

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from tests.e2e.conftest import PASSWORD, login


def record_pdf() -> bytes:
    """A one-page PDF the browser's viewer shows (a scanned record, as a reviewer receives it)."""
    import io

    from PIL import Image, ImageDraw

    page = Image.new("RGB", (595, 842), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((40, 40, 555, 110), outline="black", width=2)
    draw.text((60, 65), "Shanghai First People's Hospital - outpatient record", fill="black")
    for row in range(14):
        draw.line((60, 150 + row * 40, 535, 150 + row * 40), fill="#9aa5b1", width=1)
    buffer = io.BytesIO()
    page.save(buffer, format="PDF")
    return buffer.getvalue()


def _reviewed_case():
    from django.contrib.auth.models import Permission

    from cases.models import DocumentKind
    from cases.services import DocumentUpload, case_submit
    from entitlements.models import Edition, Service
    from tests.factories.cases import UserFactory, png_bytes
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
            DocumentUpload(kind=DocumentKind.MEDICAL_RECORD, content=record_pdf(), name="病历.pdf"),
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
    from tests.factories.cases import UserFactory
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
        documents=[DocumentUpload(kind=DocumentKind.MEDICAL_RECORD, content=record_pdf(), name="门诊病历.pdf")],
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
    page.wait_for_timeout(1500)  # the browser's PDF viewer draws the record
    page.screenshot(path="docs/screenshots/reviewer-workspace.png")  # the viewport as the reviewer sees it

    # J/K page through the documents; typing J into a field is text, not a shortcut.
    assert page.locator("[data-doc-panel='0']").is_visible()
    page.click("#shortcut-legend", position={"x": 4, "y": 4})  # the keys: the page, not the PDF frame
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


def _deliver() -> None:
    """What the worker does after each commit: deliver the outbox, then send the e-mails."""
    from notifications.models import OutboxMessage
    from notifications.services import notification_send_emails, outbox_deliver

    for pk in OutboxMessage.objects.filter(delivered_at__isnull=True).values_list("pk", flat=True):
        outbox_deliver(message_id=pk)
    notification_send_emails()


class Dialogs:
    """The questions the page asks (window.confirm), answered as ``answer`` says."""

    def __init__(self, page) -> None:
        self.asked: list[str] = []
        self.answer = False
        page.on("dialog", self._handle)

    def _handle(self, dialog) -> None:
        self.asked.append(dialog.message)
        dialog.accept() if self.answer else dialog.dismiss()


def _context_page(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def _press_on_page(page, key: str) -> None:
    """Press ``key`` with the keyboard on the page, not in the PDF viewer's frame. The test's PDF
    has no page, so Chromium's viewer shows an error box that may take the focus once it has loaded:
    the reviewer (and the test) clicks the page again."""
    for _ in range(5):
        page.click("#shortcut-legend", position={"x": 4, "y": 4})
        if page.evaluate("document.activeElement.tagName") != "IFRAME":
            page.keyboard.press(key)
            if page.evaluate("document.activeElement.tagName") != "IFRAME":
                return
        page.wait_for_timeout(500)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_notices_keyboard_decisions_refusals_beside_fields_and_confirmations(browser, live_server):
    from django.conf import settings
    from django.contrib.auth.models import Permission
    from django.core import mail

    from cases.models import Case, CaseState
    from cases.workflow import ACTIONS
    from notifications.models import Notification
    from tests.e2e.conftest import SCREENSHOTS
    from tests.factories.cases import CaseFactory, UserFactory

    case = _reviewed_case()
    reviewer = UserFactory(username="dr-review")
    _deliver()

    # --- notices: the submission reaches the reviewer, in the portal and by e-mail ------------
    context, page = _context_page(browser)
    dialogs = Dialogs(page)
    login(page, live_server, "dr-review")
    assert page.inner_text("#desk-notices").replace(" ", "") == "通知1"
    page.click("#desk-notices")
    page.click("#inbox-tabs >> text=未读")
    assert case.number in page.inner_text("table.grid") and "未读" in page.inner_text("table.grid")
    page.screenshot(path=str(SCREENSHOTS / "reviewer-notices-unread.png"), full_page=True)
    sent = [m for m in mail.outbox if reviewer.email in m.to]
    assert len(sent) == 1
    body = sent[0].body
    assert f"{settings.SITE_BASE_URL.rstrip('/')}/admin/cases/case/{case.pk}/change/" in body
    assert "当前状态：已提交" in body and f"办理期限：审核应完成日 {case.review_due:%Y-%m-%d}" in body

    # Opening the case from the notice marks it read.
    with page.expect_navigation():
        page.click(f"table.grid a >> text={case.number}")
    assert page.url.endswith(f"/admin/cases/case/{case.pk}/change/")
    assert Notification.objects.get(recipient=reviewer).read_at is not None
    assert "desk-count" not in page.inner_html("#desk-notices")
    page.goto(f"{live_server.url}/notifications/?show=unread")
    assert "没有未读通知" in page.inner_text("#content")
    page.click("#inbox-tabs >> text=全部")
    assert "已读" in page.inner_text("table.grid")
    page.screenshot(path=str(SCREENSHOTS / "reviewer-notices.png"), full_page=True)

    # --- the keyboard: a decision's key puts the cursor in its form; Enter sends it ------------
    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")
    with page.expect_navigation():
        page.click("#action-start_review button")
    page.wait_for_load_state()
    assert page.inner_text("#case-state") == "医学审核中"
    legend = page.inner_text("#shortcut-legend")
    assert "A 审核通过" in legend and "X 审核不通过" in legend and "回车 提交结论" in legend
    _press_on_page(page, "x")
    assert _focused_id(page) == "id_reject-reason"
    assert "focused" in page.get_attribute("#action-reject", "class")
    assert "回车提交" in page.inner_text("#action-reject .action-title")  # the hint where the cursor is
    page.screenshot(path=str(SCREENSHOTS / "reviewer-keyboard.png"))
    page.keyboard.press("r")  # typed in the reason: not a shortcut
    assert _focused_id(page) == "id_reject-reason"
    page.select_option("#id_reject-reason", "not_specialist")
    page.focus("#id_reject-reason")
    page.keyboard.press("Enter")  # sends 审核不通过 — which asks first; the reviewer says no
    page.wait_for_timeout(300)
    assert dialogs.asked == [ACTIONS["reject"].confirm]
    assert page.inner_text("#case-state") == "医学审核中"
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    assert _focused_id(page) == "id_approve-note"
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    assert _focused_id(page) == "id_return_to_applicant-message"
    page.keyboard.type("请补充出院小结")
    page.keyboard.press("Shift+Enter")  # a new line, not the decision
    page.keyboard.type("及病理报告 j")  # the J typed is text: the viewer stays on the first document
    assert page.locator("[data-doc-panel='0']").is_visible()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.inner_text("#case-state") == "退回补充材料"
    returned = Case.objects.get(pk=case.pk).events.get(transition="return_to_applicant").note
    assert returned.splitlines() == ["请补充出院小结", "及病理报告 j"]  # Shift+Enter made a new line

    # No notice of the reviewer's own actions (开始审核, 退回).
    _deliver()
    assert not Notification.objects.filter(recipient=reviewer, read_at__isnull=True).exists()

    # --- 补充材料后重新提交 with nothing: refused beside the document, not at the page top ---------
    UserFactory(username="desk-intake", first_name="录入客服", role="intake", password=PASSWORD)
    intake_context, intake = _context_page(browser)
    login(intake, live_server, "desk-intake")
    intake.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")
    intake.click("#action-resubmit button")
    beside = intake.locator("#id_resubmit-document-errors")
    assert "需要附上补充材料" in beside.inner_text()
    field_box, error_box = intake.locator("#id_resubmit-document").bounding_box(), beside.bounding_box()
    assert 0 <= error_box["y"] - field_box["y"] < 60  # right under the file input
    assert "需要附上补充材料" not in intake.inner_text("ul.messagelist")
    intake.locator("#action-resubmit").screenshot(path=str(SCREENSHOTS / "intake-resubmit-refused.png"))
    intake.fill("#id_resubmit-note", "客户已补交出院小结（纸质件）")
    intake.click("#action-resubmit button")
    assert intake.inner_text("#case-state") == "医学审核中"
    intake_context.close()

    # The holder hears of the resubmission: one unread notice, in the header.
    _deliver()
    page.reload()
    assert page.inner_text("#desk-notices").replace(" ", "") == "通知1"
    page.click("#desk-notices")
    page.click("#inbox-tabs >> text=未读")
    unread = page.inner_text("table.grid")
    assert f"[{case.number}] 重疾三甲专家预约 · 医学审核中" in unread and "说明：客户已补交出院小结（纸质件）" in unread
    context.close()

    # --- 结案, 撤回, 取消 ask first: "no" leaves the case as it was, "yes" acts ------------------
    closer = UserFactory(username="desk-closer", first_name="结案专员", password=PASSWORD)
    closer.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="cases", codename__in=["close_case", "withdraw_case", "view_case"]
        )
    )
    completed, withdrawn, cancelled = (
        CaseFactory(state=CaseState.COMPLETED),
        CaseFactory(state=CaseState.APPROVED),
        CaseFactory(state=CaseState.APPROVED),
    )
    context, page = _context_page(browser)
    dialogs = Dialogs(page)
    login(page, live_server, "desk-closer")
    for target, name, fill in (
        (completed, "close", None),
        (withdrawn, "withdraw", None),
        (cancelled, "cancel", ("#id_cancel-note", "客户已自行就医")),
    ):
        page.goto(f"{live_server.url}/admin/cases/case/{target.pk}/change/")
        if fill:
            page.fill(*fill)
        dialogs.asked.clear()
        dialogs.answer = False
        page.click(f"#action-{name} button")
        page.wait_for_timeout(300)
        assert dialogs.asked == [ACTIONS[name].confirm], name
        target.refresh_from_db()
        assert target.state in (CaseState.COMPLETED, CaseState.APPROVED), name
        dialogs.answer = True
        with page.expect_navigation():
            page.click(f"#action-{name} button")
        target.refresh_from_db()
        assert target.state == {"close": "closed", "withdraw": "withdrawn", "cancel": "cancelled"}[name]
    context.close()
