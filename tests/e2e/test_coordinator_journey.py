"""A coordinator's morning: find the breached cases, dispatch one, record the arrangement the
provider phoned in."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from cases.models import CaseState
from providers.models import Provider
from tests.e2e.conftest import PASSWORD, login
from tests.factories.cases import CaseFactory, UserFactory
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


@pytest.mark.django_db(transaction=True)
def test_coordinator_filters_breached_dispatches_and_records_arrangement(page, live_server, screenshot, journey_data):
    coordinator, breached, on_track = journey_data
    login(page, live_server, coordinator.username)

    page.goto(f"{live_server.url}/board/")
    page.select_option("#id_sla_status", "breached")
    page.click("#board-filters button[type=submit]")
    page.wait_for_load_state()
    rows = page.locator("#board-table tbody tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-number") == breached.number
    assert "已超时" in rows.first.inner_text()
    assert on_track.number not in page.content()
    screenshot("coordinator-board-breached")

    page.click(f"text={breached.number}")
    page.wait_for_load_state()
    suggested = Provider.objects.get(code="cpic-health-mgmt")  # equal coverage and workload: the first seeded
    assert page.locator("#action-dispatch select[name=dispatch-provider]").input_value() == str(suggested.pk)
    assert suggested.name in page.locator("#suggestion").inner_text()
    screenshot("coordinator-dispatch-form")
    chenxi = Provider.objects.get(code="chenxi")
    page.select_option("#action-dispatch select[name=dispatch-provider]", str(chenxi.pk))
    page.fill("#action-dispatch textarea[name=dispatch-note]", "客户已超时，请今日内联系")
    page.click("#action-dispatch button[type=submit]")
    page.wait_for_load_state()
    assert "已派单" in page.locator(".messages").inner_text()
    assert page.locator("#current-provider").inner_text() == "北京宸汐健康科技有限公司"
    screenshot("coordinator-dispatched")

    # The provider takes the case on (accept comes before arrange), then phones in the arrangement.
    from django.contrib.auth.models import Permission

    from cases.services import provider_accept

    provider_user = UserFactory(username="chenxi-desk")
    provider_user.user_permissions.add(Permission.objects.get(content_type__app_label="cases", codename="provider_act"))
    breached.refresh_from_db()
    provider_accept(case=breached, actor=provider_user)
    page.reload()
    arranged_on = timezone.localdate() + datetime.timedelta(days=2)

    form = page.locator("#action-arrange")
    form.locator("input[name=arrange-hospital]").fill("北京协和医院")
    form.locator("input[name=arrange-department]").fill("肿瘤内科")
    form.locator("input[name=arrange-doctor]").fill("李医生")
    form.locator("select[name=arrange-doctor_title]").select_option("主任医师")
    form.locator("input[name=arrange-arranged_at]").fill(f"{arranged_on}T14:00")
    form.locator("input[name=arrange-address]").fill("北京市东城区帅府园1号")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已记录安排结果" in page.locator(".messages").inner_text()
    assert "北京协和医院" in page.locator("#arrangement").inner_text()
    screenshot("coordinator-arranged")

    breached.refresh_from_db()
    assert breached.state == CaseState.ARRANGED
    assert breached.provider == chenxi
    assert breached.sla_stopped_at is not None
    assert timezone.localtime(breached.arranged_at).strftime("%Y-%m-%d %H:%M") == f"{arranged_on} 14:00"
