"""A coordinator excuses a late case for a hospital-side reason ("医院内特殊情况除外"), the manager reads
the on-time rate with and without exemptions, and a reviewer stops a case as misuse (第二章 1)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from audit import roles as audit_roles
from cases.models import Case, CaseState, Recovery
from tests.cases.test_handbook_breach_and_misuse import SH, late_case, on_time_case
from tests.e2e.conftest import PASSWORD, login
from tests.factories.cases import CaseFactory, UserFactory


def _member(key: str, username: str):
    audit_roles.roles_sync()
    UserFactory(username=username, first_name=username)
    user = get_user_model().objects.get(username=username)
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name=audit_roles.role_by_key(key).name))
    return user


@pytest.mark.django_db(transaction=True)
def test_coordinator_exempts_a_late_case_and_the_manager_sees_both_rates(page, live_server, screenshot):
    from datetime import datetime

    from sla.services import workday_ranks_sync

    workday_ranks_sync()
    _member("coordinator", "coord-li")
    _member("manager", "ops-wang")
    on_time, late, other_late = on_time_case(), late_case(), late_case()
    Case.objects.filter(pk__in=[on_time.pk, late.pk, other_late.pk]).update(
        submitted_at=datetime(2026, 10, 26, 9, tzinfo=SH)
    )

    login(page, live_server, "coord-li")
    page.goto(f"{live_server.url}/board/cases/{late.number}/")
    form = page.locator("#action-sla_exempt")
    form.locator("textarea[name='sla_exempt-reason']").fill("   ")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    error = page.locator("#id_sla_exempt-reason-errors")
    assert "院方原因：请填写院方原因" in error.inner_text()
    assert error.is_visible()
    screenshot("breach-exempt-reason-required")

    page.locator("#action-sla_exempt textarea[name='sla_exempt-reason']").fill("医院专家临时停诊一周，院方改约")
    page.locator("#action-sla_exempt button[type=submit]").click()
    page.wait_for_load_state()
    assert "院方原因豁免 · 医院专家临时停诊一周，院方改约" in page.locator("#case-sla-exempt").inner_text()
    assert page.locator("#action-sla_exempt").count() == 0  # exempted once: no longer offered
    screenshot("breach-exempted")

    page.context.clear_cookies()
    login(page, live_server, "ops-wang")
    page.goto(f"{live_server.url}/reports/?date_from=2026-10-01&date_to=2026-10-31")
    assert page.locator('#summary [data-figure="on_time_pct"]').inner_text() == "33.3%"
    assert page.locator('#summary [data-figure="on_time_exempt_pct"]').inner_text() == "66.7%"
    headers = page.locator("#by-provider thead th").all_inner_texts()
    assert "按时率" in headers and "按时率（含豁免）" in headers
    screenshot("manager-report-with-exemptions")


@pytest.mark.django_db(transaction=True)
def test_reviewer_stops_a_case_as_misuse(page, live_server, screenshot):
    from django.urls import reverse

    reviewer = _member("reviewer", "review-zhao")
    case = CaseFactory(state=CaseState.DISPATCHED)
    assert reviewer.has_perm("cases.review_case")

    login(page, live_server, "review-zhao")
    page.goto(f"{live_server.url}{reverse('admin:cases_case_change', args=[case.pk])}")
    form = page.locator("#action-misuse_stop")
    form.locator("textarea[name='misuse_stop-finding']").fill(
        "服务商核对证件发现就诊人为被保险人同事，非本人或直系亲属"
    )
    form.locator("input[name='misuse_stop-amount']").fill("1500.00")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    assert page.locator("#case-state").inner_text() == "中止（冒用）"
    screenshot("misuse-stopped")
    case.refresh_from_db()
    case.quota_hold.refresh_from_db()
    assert case.quota_hold.status == "released"
    assert Recovery.objects.get(case=case).get_status_display() == "待追偿"
