import datetime

import pytest
from django.utils import timezone

from cases.models import CaseState
from providers.models import ProviderCoverage
from tests.factories.providers import ProviderCoverageFactory
from tests.providers.conftest import accepted_case, approved_case, dispatched_case

pytestmark = pytest.mark.django_db

ARRANGEMENT_FORM = {
    "hospital": "北京协和医院",
    "department": "肿瘤内科",
    "doctor": "李医生",
    "doctor_title": "主任医师",
    "arranged_at": f"{timezone.localdate() + datetime.timedelta(days=2)}T14:00",
    "address": "北京市东城区帅府园1号",
}


def page(number: str) -> str:
    return f"/board/cases/{number}/"


def action(name: str, **fields) -> dict:
    """A case page form as the browser sends it: the action's fields carry its name as prefix."""
    return {"action": name, **{f"{name}-{field}": value for field, value in fields.items()}}


def names(response) -> list[str]:
    return [item.name for item in response.context["actions"]]


@pytest.fixture
def signed_in(client, coordinator):
    client.force_login(coordinator)
    return client


def test_dispatch_form_preselects_the_suggested_provider(signed_in, provider_a):
    ProviderCoverage.objects.all().delete()
    ProviderCoverageFactory(provider=provider_a, province="上海")
    case = approved_case()
    response = signed_in.get(page(case.number))
    dispatch = next(item for item in response.context["actions"] if item.name == "dispatch")
    assert dispatch.form.initial["provider"] == provider_a
    assert "甲服务商" in response.context["suggestion"].reasons[0]


def test_coordinator_dispatches_from_the_case_page(signed_in, provider_a):
    case = approved_case()
    response = signed_in.post(
        page(case.number),
        action("dispatch", provider=provider_a.pk, note="客户希望下周", expected_state="approved"),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED and case.provider == provider_a
    assert case.dispatches.get().note == "客户希望下周"


def test_a_form_from_a_stale_page_is_refused_with_the_current_state(signed_in, provider_a, provider_b, coordinator):
    case = dispatched_case(provider=provider_a, actor=coordinator)
    response = signed_in.post(
        page(case.number), action("dispatch", provider=provider_b.pk, expected_state="approved"), follow=True
    )
    assert any("已派单" in str(m) for m in response.context["messages"])
    case.refresh_from_db()
    assert case.provider == provider_a and case.dispatches.count() == 1


def test_coordinator_records_an_arrangement_taken_by_phone(signed_in, provider_a, coordinator):
    case = accepted_case(provider=provider_a, actor=coordinator)
    response = signed_in.post(page(case.number), action("arrange", **ARRANGEMENT_FORM, expected_state="accepted"))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ARRANGED
    assert case.arranged_hospital == "北京协和医院" and case.sla_stopped_at is not None
    assert case.events.get(transition="arrange").actor == coordinator


def test_arrangement_form_errors_name_the_fields(signed_in, provider_a, coordinator):
    case = accepted_case(provider=provider_a, actor=coordinator)
    response = signed_in.post(page(case.number), action("arrange", hospital="", expected_state="accepted"))
    assert response.status_code == 400
    arrange = next(item for item in response.context["actions"] if item.name == "arrange")
    assert {"hospital", "arranged_at"} <= set(arrange.form.errors)
    assert "医院：该字段是必填项。" in response.content.decode()  # beside its field, naming it
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED


def test_phone_decline_returns_the_case_to_dispatch(client, phone_coordinator, provider_a):
    client.force_login(phone_coordinator)
    case = dispatched_case(provider=provider_a, actor=phone_coordinator)
    client.post(page(case.number), action("provider_decline", reason="电话告知无号源", expected_state="dispatched"))
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED and case.provider is None
    assert case.dispatches.get().decline_reason == "电话告知无号源"


def test_phone_accept_is_offered_only_to_coordinators_allowed_to_act_for_providers(
    client, signed_in, phone_coordinator, provider_a, coordinator
):
    case = dispatched_case(provider=provider_a, actor=coordinator)
    assert "provider_accept" not in names(signed_in.get(page(case.number)))
    client.force_login(phone_coordinator)
    assert "provider_accept" in names(client.get(page(case.number)))
    client.post(page(case.number), action("provider_accept", expected_state="dispatched"))
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED


def test_case_page_shows_the_whole_dispatch_history(signed_in, provider_a, provider_b, coordinator):
    case = dispatched_case(provider=provider_a, actor=coordinator)
    signed_in.post(
        page(case.number),
        action("redispatch", provider=provider_b.pk, note="改由乙方", expected_state="dispatched"),
    )
    response = signed_in.get(page(case.number))
    assert [d.provider for d in response.context["dispatches"]] == [provider_a, provider_b]
    assert "改由乙方" in response.content.decode()


def test_a_coordinator_records_an_acceptance_phoned_in_on_the_providers_behalf(client, provider_a, coordinator):
    """调度协调 "chases the provider": its role records what the provider reported by phone; the
    timeline and the audit trail say it was recorded for the provider, by whom."""
    from django.contrib.auth.models import Group

    from audit.models import AuditEvent
    from tests.factories.cases import UserFactory

    desk = UserFactory(username="desk-coordinator")
    desk.groups.add(Group.objects.get(name="调度协调"))
    case = dispatched_case(provider=provider_a, actor=coordinator)
    client.force_login(desk)
    assert "provider_accept" in names(client.get(page(case.number)))

    client.post(page(case.number), action("provider_accept", note="电话回报", expected_state="dispatched"))

    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED and case.dispatches.get(active=True).accepted_at is not None
    event = case.events.get(transition="provider_accept")
    assert event.actor == desk and event.note == "代甲服务商记录：电话回报"
    assert event.extra["on_behalf_of"] == provider_a.code
    audit = AuditEvent.objects.filter(actor_id=desk.pk, extra__transition="provider_accept").get()
    assert audit.extra["on_behalf_of"] == provider_a.code
    assert "代甲服务商记录" in client.get(page(case.number)).content.decode()


def test_the_providers_own_acceptance_is_not_marked_as_on_its_behalf(provider_a, coordinator):
    from tests.providers.conftest import provider_accepted

    case = provider_accepted(dispatched_case(provider=provider_a, actor=coordinator))

    event = case.events.get(transition="provider_accept")
    assert "on_behalf_of" not in event.extra and "代" not in event.note
