"""Screens the role guides show that the journeys don't pass through: the intake agent's 权益查询,
the catalogue admin's tables and calendar, the provider integrator's API docs, the audit trail.
One test, so the live database is set up once."""

import pytest

from demo.people import CUSTOMERS
from demo.story import PASSWORD, _customer_create, staff_create
from entitlements.models import Edition
from tests.e2e.conftest import SCREENSHOTS, login
from tests.workdays.test_import import NOTICE_2027

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_guide_screens_for_intake_catalogue_provider_and_manager(page, live_server, screenshot):
    staff_create()
    customer = _customer_create(next(c for c in CUSTOMERS if c.key == "zhangwei"), 0)["zhangwei"]

    # 录入客服: 权益查询 by ID number — what each beneficiary may still use, ID numbers masked.
    login(page, live_server, "intake", PASSWORD)
    page.goto(f"{live_server.url}/admin/entitlements/person/inquiry/")
    page.fill("#id_query", customer.id_number)
    with page.expect_navigation():
        page.press("#id_query", "Enter")
    body = page.inner_text("#content")
    assert "重疾三甲专家预约" in body and "仅限被保险人使用" in body
    assert customer.id_number not in body and customer.id_number_masked in body
    screenshot("intake-inquiry")
    page.context.clear_cookies()

    # 产品配置: an edition's table as the handbook prints it, and the calendar's coverage warning.
    login(page, live_server, "catalog", PASSWORD)
    edition = Edition.objects.get(code="2023-premium-2")
    page.goto(f"{live_server.url}/admin/entitlements/edition/{edition.pk}/change/")
    assert "重疾三甲专家病房" in page.content()
    screenshot("catalog-edition")
    page.goto(f"{live_server.url}/admin/workdays/calendaryear/")
    assert "2027 年工作日历为按《全国年节及纪念日放假办法》推算的暂定安排" in page.inner_text("body")
    screenshot("catalog-calendar")
    # Entering the State Council's notice: the days read, shown before anything is saved.
    page.click("text=导入年度安排")
    page.fill("#id_text", NOTICE_2027)
    with page.expect_navigation():
        page.click("input[name=preview]")
    assert "预览：2027 年，放假 23 天，调休上班 3 天" in page.inner_text("#schedule-preview")
    screenshot("catalog-calendar-import")
    page.context.clear_cookies()

    # 运营管理: the audit trail shows the inquiry above.
    login(page, live_server, "manager", PASSWORD)
    page.goto(f"{live_server.url}/admin/audit/auditevent/")
    assert "intake" in page.inner_text("#result_list")
    page.screenshot(path=str(SCREENSHOTS / "manager-audit.png"))  # the first screenful: the list is long
    page.context.clear_cookies()

    # 服务商对接: the interactive API documentation.
    login(page, live_server, "it-admin", PASSWORD)
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock", timeout=30000)
    assert "/api/v1/provider/cases" in page.inner_text("body")
    screenshot("provider-api-docs")
