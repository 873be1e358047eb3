"""Every reminder (催办) is on the case timeline with its recipients and channels; the board says
how many were actually sent and warns when none could be (issue 16)."""

import pytest

from cases.models import CaseEvent
from notifications.models import OutboxMessage
from providers.webhooks import TOPIC, webhook_secret_rotate
from tests.factories.providers import ProviderContactFactory, ProviderFactory
from tests.providers.conftest import dispatched_case

pytestmark = pytest.mark.django_db
BOARD = "/board/"


@pytest.fixture
def board_client(client, coordinator):
    client.force_login(coordinator)
    return client


def test_a_reminder_is_on_the_timeline_with_its_recipients_and_channels(board_client, coordinator, webhook_receiver):
    provider = ProviderFactory(name="甲服务商", code="jia", webhook_url=webhook_receiver.url)
    webhook_secret_rotate(provider=provider)
    ProviderContactFactory(provider=provider, email="desk@jia.example")
    case = dispatched_case(provider=provider, actor=coordinator)
    response = board_client.post(BOARD, {"action": "remind", "selected": [case.pk]}, follow=True)
    assert f"已催办 1 件：{case.number}" in response.content.decode()
    event = case.events.get(kind=CaseEvent.Kind.NOTE, extra__reminder__isnull=False)
    assert event.extra["recipients"] == [provider.contact_email, "desk@jia.example"]
    assert event.extra["channels"] == ["邮件", "Webhook"]
    assert event.actor == coordinator
    page = board_client.get(f"/board/cases/{case.number}/").content.decode()
    assert "催办服务商甲服务商" in page and "desk@jia.example" in page
    assert OutboxMessage.objects.filter(topic=TOPIC, payload__event="case.reminder").count() == 1


def test_reminding_providers_with_no_channel_sends_nothing_and_says_so(board_client, coordinator):
    silent = ProviderFactory(name="无声服务商", code="silent", contact_email="")
    cases = [dispatched_case(provider=silent, actor=coordinator) for _ in range(2)]
    response = board_client.post(BOARD, {"action": "remind", "selected": [c.pk for c in cases]}, follow=True)
    text = response.content.decode()
    assert "已催办" not in text
    assert "没有发出任何催办" in text
    assert "无声服务商没有联系邮箱也没有 Webhook，催办无法送达" in text
    for case in cases:
        warning = case.events.get(kind=CaseEvent.Kind.WARNING)
        assert warning.note.startswith("催办未发出")
        assert not case.provider_reminders.exists()


def test_the_count_is_of_reminders_actually_sent(board_client, coordinator, provider_a):
    silent = ProviderFactory(name="无声服务商", code="silent", contact_email="")
    reachable = dispatched_case(provider=provider_a, actor=coordinator)
    unreachable = dispatched_case(provider=silent, actor=coordinator)
    response = board_client.post(BOARD, {"action": "remind", "selected": [reachable.pk, unreachable.pk]}, follow=True)
    text = response.content.decode()
    assert f"已催办 1 件：{reachable.number}" in text
    assert f"{unreachable.number}：无声服务商没有联系邮箱" in text
