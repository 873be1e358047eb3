"""A coordinator's morning on the board, the whole workspace: find the breached cases, dispatch one,
chase the provider, record the arrangement the provider phoned in, complete and close it; the saved
views and their counts, the search, a pause while the customer answers, a paid 120 claim closed;
and what a read-only manager sees."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from cases.models import CaseState
from providers.models import Provider
from tests.e2e.conftest import PASSWORD, login
from tests.factories.cases import CaseFactory, UserFactory, service
from workdays.calendar import calendar_invalidate, sub_workdays


@pytest.fixture
def journey_data(celery_eager):
    from workdays.models import CalendarYear
    from workdays.services import calendar_sync

    if not CalendarYear.objects.exists():
        calendar_sync()
    calendar_invalidate()
    importlib.import_module("providers.migrations.0003_seed_handbook_providers").seed(django_apps, None)
    today = timezone.localdate()
    coordinator = UserFactory(username="coordinator-zhou", role="coordinator", password=PASSWORD)
    breached = CaseFactory(
        state=CaseState.APPROVED,
        province="北京",
        city="北京",
        preferred_hospital="北京协和医院",
        preferred_department="肿瘤内科",
        sla_started_on=sub_workdays(today, 12),
        sla_target_due=today - datetime.timedelta(days=5),
        sla_deadline_due=today - datetime.timedelta(days=1),
    )
    on_track = CaseFactory(
        state=CaseState.APPROVED,
        sla_started_on=sub_workdays(today, 1),
        sla_target_due=today + datetime.timedelta(days=9),
        sla_deadline_due=today + datetime.timedelta(days=14),
    )
    yield coordinator, breached, on_track
    calendar_invalidate()


@pytest.fixture
def paid_claim(journey_data):
    return CaseFactory(
        state=CaseState.PAID,
        service=service("ambulance-120"),
        diagnosis="急性心肌梗死",
        claimed_amount=Decimal("180.00"),
        approved_amount=Decimal("180.00"),
    )


@pytest.mark.django_db(transaction=True)
def test_coordinator_filters_breached_dispatches_and_records_arrangement(page, live_server, screenshot, journey_data):
    coordinator, breached, on_track = journey_data
    login(page, live_server, coordinator.username)

    page.goto(f"{live_server.url}/board/")
    page.select_option("#id_sla_status", "breached")
    with page.expect_navigation():
        page.click("#board-filters button[type=submit]")
    rows = page.locator("#board-table tbody tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-number") == breached.number
    assert "已超时" in rows.first.inner_text()
    assert on_track.number not in page.content()
    screenshot("coordinator-board-breached")

    with page.expect_navigation():
        page.click(f"text={breached.number}")
    suggested = Provider.objects.get(code="cpic-health-mgmt")  # equal coverage and workload: the first seeded
    assert page.locator("#action-dispatch select[name=dispatch-provider]").input_value() == str(suggested.pk)
    assert suggested.name in page.locator("#suggestion").inner_text()
    screenshot("coordinator-dispatch-form")
    chenxi = Provider.objects.get(code="chenxi")
    page.select_option("#action-dispatch select[name=dispatch-provider]", str(chenxi.pk))
    page.fill("#action-dispatch textarea[name=dispatch-note]", "客户已超时，请今日内联系")
    with page.expect_navigation():
        page.click("#action-dispatch button[type=submit]")
    assert "已派单" in page.locator(".messagelist").inner_text()
    assert page.locator("#current-provider").inner_text() == "北京宸汐健康科技有限公司"
    screenshot("coordinator-dispatched")

    # 催办: the seeded provider has no contact address, so nothing is sent and the board says so.
    with page.expect_navigation():
        page.click("#remind-form button[type=submit]")
    assert "催办无法送达" in page.locator(".messagelist").inner_text()

    # The provider takes the case on (accept comes before arrange), then phones in the arrangement.
    from django.contrib.auth.models import Permission

    from cases.services import provider_accept

    provider_user = UserFactory(username="chenxi-desk")
    provider_user.user_permissions.add(Permission.objects.get(content_type__app_label="cases", codename="provider_act"))
    breached.refresh_from_db()
    provider_accept(case=breached, actor=provider_user)
    # The case was dispatched yesterday and the appointment was this morning (an arrangement may
    # not predate the dispatch; completion may not precede the appointment).
    from cases.models import Dispatch

    Dispatch.objects.filter(case=breached).update(at=timezone.now() - datetime.timedelta(days=1))
    page.reload()
    appointment = timezone.localtime() - datetime.timedelta(hours=2)
    arranged_on = appointment.date()
    arranged_time = appointment.strftime("%H:%M")

    form = page.locator("#action-arrange")
    form.locator("input[name=arrange-hospital]").fill("北京协和医院")
    form.locator("input[name=arrange-department]").fill("肿瘤内科")
    form.locator("input[name=arrange-doctor]").fill("李医生")
    form.locator("select[name=arrange-doctor_title]").select_option("主任医师")
    form.locator("input[name=arrange-arranged_at]").fill(f"{arranged_on}T{arranged_time}")
    form.locator("input[name=arrange-address]").fill("北京市东城区帅府园1号")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "已记录安排结果" in page.locator(".messagelist").inner_text()
    assert "北京协和医院" in page.locator("#arrangement").inner_text()
    screenshot("coordinator-arranged")
    clock = page.locator("#sla-clock").inner_text()
    assert "停止日" in clock and "已停止计时" in clock

    page.locator("#action-complete button[type=submit]").click()
    page.wait_for_load_state()
    assert "服务完成" in page.locator("#case-state").inner_text()
    page.locator("#action-close textarea").fill("客户确认已就诊")
    page.locator("#action-close button[type=submit]").click()  # asks 确定结案？ first; the journey answers yes
    page.wait_for_load_state()
    assert "已结案" in page.locator(".messagelist").inner_text()
    assert page.locator("#case-state").inner_text() == "已结案"
    screenshot("coordinator-closed")

    breached.refresh_from_db()
    assert breached.state == CaseState.CLOSED
    assert breached.provider == chenxi
    assert breached.sla_stopped_at is not None
    assert timezone.localtime(breached.arranged_at).strftime("%Y-%m-%d %H:%M") == f"{arranged_on} {arranged_time}"


@pytest.mark.django_db(transaction=True)
def test_coordinator_works_the_saved_views_pauses_a_case_and_closes_a_paid_claim(
    page, live_server, screenshot, journey_data, paid_claim
):
    coordinator, _breached, on_track = journey_data
    login(page, live_server, coordinator.username)
    page.goto(f"{live_server.url}/board/")
    views = page.locator("#board-views")
    assert "120补贴待结案 1" in views.inner_text() and "已超时 1" in views.inner_text()
    screenshot("coordinator-board-views")

    page.fill("#id_q", on_track.number[-6:])
    with page.expect_navigation():
        page.click("#board-filters button[type=submit]")
    rows = page.locator("#board-table tbody tr")
    assert rows.count() == 1 and rows.first.get_attribute("data-number") == on_track.number

    with page.expect_navigation():
        page.click(f"text={on_track.number}")
    assert "肺恶性肿瘤" in page.locator("#diagnosis").inner_text()
    chenxi = Provider.objects.get(code="chenxi")
    page.select_option("#action-dispatch select[name=dispatch-provider]", str(chenxi.pk))
    with page.expect_navigation():
        page.click("#action-dispatch button[type=submit]")
    page.locator("#action-await_customer textarea").fill("请客户确认可就诊日期")
    page.locator("#action-await_customer button[type=submit]").click()
    page.wait_for_load_state()
    assert "时效已暂停" in page.locator(".messagelist").inner_text()
    assert "暂停中" in page.locator("#sla-clock").inner_text()
    screenshot("coordinator-waiting-customer")
    page.locator("#action-customer_replied button[type=submit]").click()
    page.wait_for_load_state()
    assert "时效已恢复" in page.locator(".messagelist").inner_text()

    page.goto(f"{live_server.url}/board/")
    with page.expect_navigation():
        page.click("[data-view=claims_to_close]")
    rows = page.locator("#board-table tbody tr")
    assert rows.count() == 1 and "待结案" in rows.first.inner_text()
    with page.expect_navigation():
        page.click(f"text={paid_claim.number}")
    screenshot("coordinator-paid-claim")
    page.locator("#action-close button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#case-state").inner_text() == "已结案"
    paid_claim.refresh_from_db()
    assert paid_claim.state == CaseState.CLOSED


@pytest.mark.django_db(transaction=True)
def test_a_manager_reads_the_board_without_controls_he_cannot_use(page, live_server, screenshot, journey_data):
    from django.contrib.auth.models import Group

    from audit.roles import role_by_key, roles_sync

    roles_sync()
    manager = UserFactory(username="manager-qian", password=PASSWORD)
    manager.groups.add(Group.objects.get(name=role_by_key("manager").name))
    login(page, live_server, manager.username)
    page.goto(f"{live_server.url}/board/")
    assert page.locator("#bulk-form").count() == 0 and page.locator("#lookup-form").count() == 0
    assert "只读" in page.locator("#read-only-note").inner_text()
    screenshot("manager-board-read-only")
