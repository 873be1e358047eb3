"""The intake agent's journey (issue 15 items 5–6): inquiry → 为此服务发起申请 → the form pre-filled →
errors beside their fields → the duplicate warning → confirmed → a double click creating one case.

Screenshots land in docs/screenshots/intake-*.png (the intake guide shows them)."""

import datetime

import pytest

from cases.models import Case, CaseState
from cases.sla import local_today
from demo.documents import render_pdf
from demo.people import CUSTOMERS
from demo.story import PASSWORD, _customer_create, staff_create
from tests.e2e.conftest import SCREENSHOTS, login
from tests.factories.cases import CaseFactory, service

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SERVICE = "ci-top3a-expert-appointment"


@pytest.fixture
def customer():
    from workdays.models import CalendarYear
    from workdays.services import calendar_sync

    if not CalendarYear.objects.exists():
        calendar_sync()
    staff_create()
    person = _customer_create(next(c for c in CUSTOMERS if c.key == "zhangwei"), 0)["zhangwei"]
    earlier = CaseFactory(
        enrollment=person.enrollments.first(), beneficiary=person, service=service(SERVICE), state=CaseState.IN_REVIEW
    )
    return person, earlier


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _fill_request(page, record) -> None:
    page.select_option("#id_channel", "backoffice")
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


def test_inquiry_to_one_confirmed_case(page, live_server, customer, tmp_path):
    person, earlier = customer
    record = tmp_path / "门诊病历.pdf"
    record.write_bytes(render_pdf(["门诊病历 · 张伟", "诊断：肺部占位，考虑恶性肿瘤"]))
    login(page, live_server, "intake", PASSWORD)

    # 1. The inquiry shows the person's open case and offers a request per available service.
    page.goto(f"{live_server.url}/admin/entitlements/person/inquiry/")
    page.fill("#id_query", person.phone)
    with page.expect_navigation():
        page.click("form.inquiry-form input[type=submit]")
    assert earlier.number in page.inner_text(".person-cases")
    _shot(page, "intake-1-inquiry")
    with page.expect_navigation():
        page.click(f"a.start-intake[href*='service={SERVICE}'] >> nth=0")
    assert page.input_value("#id_service") == SERVICE
    assert person.name in page.inner_text(".intake-person") and person.id_number not in page.content()

    # 2. A bad phone and a past date: each error beside its field, naming the reason.
    _fill_request(page, record)
    page.fill("#id_applicant_phone", "abc")
    page.fill("#id_preferred_date_from", (local_today() - datetime.timedelta(days=2)).isoformat())
    with page.expect_navigation():
        page.click("#intake-form input[type=submit]")
    phone_row = page.locator(".form-row", has=page.locator("#id_applicant_phone"))
    date_row = page.locator(".form-row", has=page.locator("#id_preferred_date_from"))
    assert "电话格式不正确" in phone_row.inner_text() and "不能早于今天" in date_row.inner_text()
    _shot(page, "intake-2-errors-beside-fields")
    assert not Case.objects.exclude(pk=earlier.pk).exists()

    # 3. Corrected, the same person and service with an open case: the warning links the other case.
    page.fill("#id_applicant_phone", "13816620431")
    page.fill("#id_preferred_date_from", (local_today() + datetime.timedelta(days=3)).isoformat())
    page.set_input_files("#id_medical_record", str(record))
    with page.expect_navigation():
        page.click("#intake-form input[type=submit]")
    warning = page.inner_text(".duplicate-warning")
    assert earlier.number in warning and "仍要申请" in warning
    _shot(page, "intake-3-duplicate-warning")

    # 4. Confirmed, and the submit button clicked twice: one new case.
    page.check("#id_confirm_duplicate")
    page.set_input_files("#id_medical_record", str(record))
    with page.expect_navigation():
        page.dblclick("#intake-form input[type=submit]")
    page.wait_for_selector("#case-state, .messagelist")
    new_cases = Case.objects.filter(beneficiary=person).exclude(pk=earlier.pk)
    assert new_cases.count() == 1
    assert new_cases.get().number in page.content()
    _shot(page, "intake-4-submitted")
