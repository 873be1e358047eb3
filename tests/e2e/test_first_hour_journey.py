"""The first hour, end to end: a request keyed in by the back office, medical review with a round trip for more
information, dispatch, the provider's arrangement through the API, closing, and the manager's report.

Each step's screenshot lands in docs/screenshots/journey-*.png and is what the role guides show.
"""

import json

import pytest
from django.utils import timezone

from cases.models import Case, CaseState
from demo.documents import render_pdf
from demo.people import CUSTOMERS
from demo.story import PASSWORD, _customer_create, staff_create
from providers.models import Provider
from tests.e2e.conftest import SCREENSHOTS

CHECKLIST = ("check_hospital_level", "check_specialist_diagnosis", "check_disease_listed", "check_documents_complete")
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _context_page(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(30000)
    page.on("dialog", lambda dialog: dialog.accept())  # 结案 asks first; the coordinator confirms
    return context, page


def _login(page, live_server, username):
    from tests.e2e.conftest import login

    login(page, live_server, username, PASSWORD)


@pytest.fixture
def cast():
    from workdays.models import CalendarYear
    from workdays.services import calendar_sync

    if not CalendarYear.objects.exists():
        calendar_sync()
    users = staff_create()
    customer = next(c for c in CUSTOMERS if c.key == "zhangwei")
    people = _customer_create(customer, 0)
    return users, people["zhangwei"]


def test_hotline_request_to_manager_report(browser, live_server, screenshot, cast, tmp_path):
    _users, customer = cast
    record = tmp_path / "门诊病历.pdf"
    record.write_bytes(render_pdf(["门诊病历 · 张伟", "诊断：肺部占位，考虑恶性肿瘤"]))

    # 1. The agent keys in the request with the medical record the customer sent: 重疾绿通 is not
    # taken on the 95500 line ("95500 客服仅支持权益查询和服务咨询"), so it is 后台录入.
    context, page = _context_page(browser)
    _login(page, live_server, "intake")
    page.goto(f"{live_server.url}/admin/cases/case/add/")
    page.select_option("#id_channel", "backoffice")
    page.fill("#id_beneficiary_id_number", customer.id_number)
    page.select_option("#id_service", "ci-top3a-expert-appointment")
    page.fill("#id_province", "上海")
    page.fill("#id_city", "上海")
    page.fill("#id_preferred_hospital", "复旦大学附属中山医院")
    page.fill("#id_preferred_department", "胸外科")
    page.fill("#id_diagnosis", "肺部占位，考虑恶性肿瘤")
    page.check("#id_suspected")
    page.fill("#id_diagnosing_hospital", "上海市第一人民医院")
    page.select_option("#id_diagnosing_hospital_level", "3")
    page.select_option("#id_diagnosing_hospital_ownership", "public")
    page.set_input_files("#id_medical_record", str(record))
    screenshot_page(page, "journey-1-intake-form")
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit] >> nth=-1")
    case = Case.objects.get(beneficiary=customer)
    assert case.state == CaseState.SUBMITTED and case.channel == "backoffice"
    assert case.keyed_in_by is not None and case.keyed_in_by.username == "intake"
    assert case.number in page.content()
    context.close()

    # 2. The reviewer asks for more information; the agent adds it; the reviewer approves.
    context, page = _context_page(browser)
    _login(page, live_server, "reviewer")
    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")
    page.click("#action-start_review button")
    page.fill("#id_return_to_applicant-message", "请补充病理报告")
    with page.expect_navigation():
        page.click("#action-return_to_applicant button")
    assert page.inner_text("#case-state") == "退回补充材料"
    screenshot_page(page, "journey-2-returned")

    agent_context, agent = _context_page(browser)
    _login(agent, live_server, "intake")
    agent.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")
    agent.set_input_files("#action-resubmit input[type=file]", str(record))
    agent.click("#action-resubmit button")
    agent.wait_for_load_state()
    assert agent.inner_text("#case-state") == "医学审核中"
    agent_context.close()

    page.reload()
    for name in CHECKLIST:
        page.check(f"#id_approve-{name}")
    with page.expect_navigation():
        page.click("#action-approve button")
    assert page.inner_text("#case-state") == "待派单"
    timeline = page.inner_text("#case-timeline")
    assert "退回补充材料" in timeline and "待派单" in timeline
    screenshot_page(page, "journey-3-approved")
    context.close()

    # 3. The coordinator dispatches it from the board.
    provider = Provider.objects.get(code="cpic-health-mgmt")
    context, page = _context_page(browser)
    _login(page, live_server, "coordinator")
    page.goto(f"{live_server.url}/board/")
    with page.expect_navigation():
        page.click(f"text={case.number}")
    page.select_option("#action-dispatch select[name=dispatch-provider]", str(provider.pk))
    page.fill("#action-dispatch textarea[name=dispatch-note]", "请三个工作日内反馈")
    with page.expect_navigation():
        page.click("#action-dispatch button[type=submit]")
    assert page.locator("#current-provider").inner_text() == provider.name
    screenshot_page(page, "journey-4-dispatched")

    # 4. The provider accepts and reports the arrangement through its API.
    from django.contrib.auth import get_user_model

    from audit.tokens import api_token_issue

    token = api_token_issue(user=get_user_model().objects.get(username="provider-cpic-hm"))
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    base = f"{live_server.url}/api/v1/provider/cases/{case.number}"
    listed = page.request.get(f"{live_server.url}/api/v1/provider/cases", headers=headers)
    assert case.number in listed.text()
    assert page.request.post(f"{base}/accept", headers={**headers, "Idempotency-Key": "a-1"}).status == 200
    arrangement = {
        "hospital": "复旦大学附属中山医院",
        "department": "胸外科",
        "doctor": "王立",
        "doctor_title": "主任医师",
        "arranged_at": (timezone.now() + timezone.timedelta(days=3)).isoformat(),
        "address": "上海市徐汇区枫林路180号 门诊楼3楼",
    }
    response = page.request.post(
        f"{base}/arrangement", headers={**headers, "Idempotency-Key": "a-2"}, data=json.dumps(arrangement)
    )
    assert response.status == 200, response.text()
    case.refresh_from_db()
    assert case.state == CaseState.ARRANGED and case.sla_stopped_at is not None

    # 5. The coordinator closes the case.
    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")
    with page.expect_navigation():
        page.click("#action-close button")
    assert page.inner_text("#case-state") == "已结案"
    screenshot_page(page, "journey-5-closed")
    context.close()

    # 6. The manager sees it in the report, arranged on time.
    context, page = _context_page(browser)
    _login(page, live_server, "manager")
    today = timezone.localdate().isoformat()
    page.goto(f"{live_server.url}/reports/?date_from={today}&date_to={today}")
    assert page.locator('[data-figure="received"]').inner_text() == "1"
    assert "100.0%" in page.locator('[data-figure="on_time_pct"]').inner_text()
    screenshot_page(page, "journey-6-report")
    context.close()


def screenshot_page(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
