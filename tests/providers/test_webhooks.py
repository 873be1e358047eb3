"""Dispatch notices reach the provider: e-mail to its contacts and a signed webhook, through the
outbox, retried with backoff, once per event and recipient; a provider with no channel is warned
about (issue 16)."""

import datetime
import hashlib
import hmac
import json

import pytest
from django.core import mail
from django.utils import timezone

from cases.services import case_redispatch
from notifications.models import OutboxMessage
from notifications.services import MAX_ATTEMPTS, outbox_deliver, retry_delay
from providers.selectors import provider_channels, provider_reachable
from providers.webhooks import (
    TOPIC,
    WebhookRefused,
    provider_dispatch_notify,
    webhook_secret,
    webhook_secret_rotate,
    webhook_url_check,
)
from tests.factories.providers import ProviderContactFactory, ProviderFactory
from tests.providers.conftest import approved_case, dispatched_case

pytestmark = pytest.mark.django_db


def verify(secret: str, headers: dict, body: bytes) -> bool:
    expected = hmac.new(secret.encode(), f"{headers['x-lanben-timestamp']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), headers["x-lanben-signature"])


@pytest.fixture
def hooked(webhook_receiver):
    provider = ProviderFactory(name="钩子服务商", code="hooked", webhook_url=webhook_receiver.url)
    return provider, webhook_secret_rotate(provider=provider)


def test_dispatch_posts_a_signed_webhook_and_mails_the_contacts(
    hooked, webhook_receiver, coordinator, django_capture_on_commit_callbacks
):
    provider, secret = hooked
    ProviderContactFactory(provider=provider, email="desk@hooked.example")
    with django_capture_on_commit_callbacks(execute=True):
        case = dispatched_case(provider=provider, actor=coordinator)
    [(headers, body)] = webhook_receiver.requests
    assert verify(secret, headers, body)
    assert headers["x-lanben-event"] == "case.dispatched"
    assert headers["x-lanben-event-id"] == f"dispatch-{case.dispatches.get().pk}"
    assert json.loads(body)["case"]["number"] == case.number
    assert abs(int(headers["x-lanben-timestamp"]) - timezone.now().timestamp()) < 60
    # The contacts get the dispatch notice, each exactly once (the webhook does not add a second e-mail).
    notices = [m for m in mail.outbox if case.number in m.subject]
    assert sorted(address for m in notices for address in m.to) == sorted(
        [provider.contact_email, "desk@hooked.example"]
    )


def test_redispatch_notifies_the_new_provider(hooked, webhook_receiver, coordinator, provider_a):
    provider, _ = hooked
    case = dispatched_case(provider=provider_a, actor=coordinator)
    case_redispatch(case=case, actor=coordinator, provider=provider, note="甲方无号源")
    message = OutboxMessage.objects.get(topic=TOPIC)
    assert message.payload["event"] == "case.redispatched" and message.payload["provider_id"] == provider.pk


def test_each_event_is_delivered_once_per_recipient(hooked, webhook_receiver):
    provider, _ = hooked
    for _ in range(2):
        provider_dispatch_notify(provider=provider, event="case.dispatched", event_id="dispatch-x", case={})
    message = OutboxMessage.objects.get(topic=TOPIC)
    assert outbox_deliver(message_id=message.pk) is True
    assert outbox_deliver(message_id=message.pk) is False
    assert len(webhook_receiver.requests) == 1


def test_a_failing_webhook_is_retried_with_backoff_then_given_up(hooked, webhook_receiver):
    provider, _ = hooked
    webhook_receiver.status = 503
    provider_dispatch_notify(provider=provider, event="case.dispatched", event_id="dispatch-y", case={})
    message = OutboxMessage.objects.get(topic=TOPIC)
    with pytest.raises(OSError):
        outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.attempts == 1 and message.delivered_at is None and message.failed_at is None
    assert datetime.timedelta(seconds=25) < message.next_attempt_at - timezone.now() <= datetime.timedelta(seconds=30)
    # Not due yet: a worker passes over it.
    assert outbox_deliver(message_id=message.pk) is False
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=MAX_ATTEMPTS - 1, next_attempt_at=timezone.now())
    with pytest.raises(OSError):
        outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.attempts == MAX_ATTEMPTS and message.failed_at is not None
    assert "503" in message.last_error


def test_backoff_doubles_from_30_seconds_up_to_an_hour():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 7, 8, 12)] == [30, 60, 120, 1920, 3600, 3600]


def test_private_and_loopback_addresses_are_refused_unless_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.WEBHOOK_ALLOWED_HOSTS = []
    for url in ("http://127.0.0.1:8080/hook", "http://10.0.0.5/hook", "http://169.254.169.254/latest", "ftp://x.cn/"):
        with pytest.raises(WebhookRefused):
            webhook_url_check(url)
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    webhook_url_check("http://127.0.0.1:8080/hook")


def test_a_refused_address_is_not_called(hooked, webhook_receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    provider, _ = hooked
    provider_dispatch_notify(provider=provider, event="case.dispatched", event_id="dispatch-z", case={})
    message = OutboxMessage.objects.get(topic=TOPIC)
    with pytest.raises(WebhookRefused):
        outbox_deliver(message_id=message.pk)
    assert webhook_receiver.requests == []
    message.refresh_from_db()
    assert "内网地址" in message.last_error


def test_the_secret_is_derived_not_stored_and_rotation_changes_it(hooked):
    provider, secret = hooked
    provider.refresh_from_db()
    assert secret == webhook_secret(provider)
    assert secret not in {provider.webhook_nonce, provider.webhook_url}
    assert webhook_secret_rotate(provider=provider) != secret


def test_the_admin_shows_a_rotated_secret_once_on_the_page_not_in_a_message(client, admin_user, hooked):
    provider, _ = hooked
    client.force_login(admin_user)
    response = client.post(
        "/admin/providers/provider/",
        {"action": "webhook_secret_rotate", "_selected_action": [provider.pk]},
    )
    provider.refresh_from_db()
    secret = webhook_secret(provider)
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert secret not in str(response.cookies)
    assert secret not in client.get("/admin/providers/provider/").content.decode()


def test_a_provider_without_address_or_webhook_is_unreachable_and_warned_about(client, coordinator):
    silent = ProviderFactory(name="无声服务商", code="silent", contact_email="")
    assert not provider_reachable(provider=silent) and provider_channels(provider=silent).names == []
    case = approved_case()
    client.force_login(coordinator)
    response = client.post(
        f"/board/cases/{case.number}/",
        {"action": "dispatch", "dispatch-provider": silent.pk, "dispatch-expected_state": "approved"},
        follow=True,
    )
    assert "无声服务商没有联系邮箱也没有 Webhook" in response.content.decode()
    board = client.get("/board/").content.decode()
    assert "无通知渠道" in board
