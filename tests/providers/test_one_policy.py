"""One of each: the same refusal answers the same body on both APIs; one recipients policy
addresses a provider alike from case notices, the SLA sweep and the board's reminders."""

import pytest

from cases.models import CaseState
from cases.notifications import event_recipients
from cases.recipients import provider_addresses_of
from notifications.services import outbox_put_many
from tests.factories.cases import role_user
from tests.factories.providers import ProviderContactFactory
from tests.providers.conftest import dispatched_case

pytestmark = pytest.mark.django_db


def test_a_stale_action_answers_the_same_409_body_on_the_staff_and_the_provider_api(
    client_a, api_client, provider_a, coordinator
):
    case = dispatched_case(provider=provider_a, actor=coordinator)
    assert client_a.post(f"/api/v1/provider/cases/{case.number}/accept").status_code == 200

    provider_side = client_a.post(f"/api/v1/provider/cases/{case.number}/accept")
    api_client.force_authenticate(role_user("coordinator", "api-coordinator"))
    staff_side = api_client.post(
        f"/api/v1/cases/{case.number}/actions/dispatch",
        {"provider": provider_a.pk, "expected_state": "approved"},
        format="json",
    )

    assert provider_side.status_code == staff_side.status_code == 409
    assert set(provider_side.json()) == set(staff_side.json()) == {"detail", "state", "state_label"}
    assert provider_side.json()["state"] == staff_side.json()["state"] == CaseState.ACCEPTED
    assert staff_side.json()["state_label"] == "服务商已接单"


def test_a_provider_is_addressed_alike_by_notices_sweep_and_reminders(provider_a, coordinator):
    from sla.services import sla_sweep

    provider_a.contact_email = "desk@a.example"
    provider_a.save(update_fields=["contact_email"])
    ProviderContactFactory(provider=provider_a, email="chaser@a.example")
    ProviderContactFactory(provider=provider_a, email="finance@a.example", receives_reminders=False)
    case = dispatched_case(provider=provider_a, actor=coordinator)
    expected = ["chaser@a.example", "desk@a.example"]

    assert sorted(provider_addresses_of(provider=provider_a)) == expected
    dispatched = case.events.get(transition="dispatch")
    assert sorted(event_recipients(event=dispatched)[1]) == expected

    case.sla_deadline_due = case.sla_started_on  # due today: the sweep reminds
    case.save(update_fields=["sla_deadline_due"])
    sla_sweep(today=case.sla_started_on)
    reminder = case.sla_reminders.get()
    assert sorted(reminder.message.payload["emails"]) == expected


def test_bulk_writers_record_each_message_once_by_its_key(django_capture_on_commit_callbacks):
    entries = [("reminder:1:breached:2026-12-01", {"subject": "a"}), ("reminder:2:breached:2026-12-01", {})]
    with django_capture_on_commit_callbacks() as kicks:
        first = outbox_put_many(topic="notify", entries=entries)
    again = outbox_put_many(topic="notify", entries=entries)

    assert set(first) == {key for key, _ in entries}
    assert again == first  # the same messages, not new ones
    assert len(kicks) == 1  # handed to a worker in one batch after commit
