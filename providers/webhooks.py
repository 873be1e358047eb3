"""Dispatch notices to providers: e-mail to the provider's contacts and an HMAC-signed webhook.

Both go through the outbox in the dispatch's transaction, so a notice exists if and only if the
dispatch committed; the webhook is one outbox message per event and provider (dedupe key), retried
with the outbox's backoff. The provider's secret is never stored: it is
HMAC-SHA256(WEBHOOK_SIGNING_KEY, nonce), shown once when the nonce is rotated.

A request carries ``X-Lanben-Signature`` = hex HMAC-SHA256(secret, f"{timestamp}.{body}"),
``X-Lanben-Timestamp`` (Unix seconds), ``X-Lanben-Event-Id`` (the same on every retry: the receiver
drops duplicates by it) and ``X-Lanben-Event``.
"""

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings

from notifications.models import OutboxMessage
from notifications.services import outbox_enqueue, outbox_handler, outbox_key
from providers.models import Provider
from providers.selectors import ProviderChannels, provider_channels

TOPIC = "provider_webhook"


class WebhookRefused(Exception):
    """The URL may not be called (a private address, a non-HTTP scheme)."""


def webhook_secret(provider: Provider) -> str:
    return hmac.new(settings.WEBHOOK_SIGNING_KEY.encode(), provider.webhook_nonce.encode(), hashlib.sha256).hexdigest()


def webhook_secret_rotate(*, provider: Provider) -> str:
    """A new secret for ``provider``; the old one stops working. The caller shows it once."""
    provider.webhook_nonce = secrets.token_hex(16)
    provider.save(update_fields=["webhook_nonce"])
    return webhook_secret(provider)


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def webhook_url_check(url: str) -> None:
    """Refuse URLs that would let a provider's setting reach inside our network (SSRF): only http(s),
    and no private, loopback or link-local address unless allowed or the host is listed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused(f"Webhook 地址须为 http(s)：{url}")
    host = parts.hostname
    if settings.WEBHOOK_ALLOW_PRIVATE or host in settings.WEBHOOK_ALLOWED_HOSTS:
        return
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, parts.port or 443)}
    except socket.gaierror as exc:
        raise WebhookRefused(f"无法解析 Webhook 主机 {host}") from exc
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise WebhookRefused(f"Webhook 地址 {host} 指向内网地址 {ip}，已拒绝")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could lead past the address check: refused, like any other failure, and retried.
    def redirect_request(self, *args, **kwargs):
        return None


def webhook_post(*, url: str, secret: str, event: str, event_id: str, body: bytes) -> int:
    webhook_url_check(url)
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 — the scheme is checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "lanben-desk-webhook/1",
            "X-Lanben-Event": event,
            "X-Lanben-Event-Id": event_id,
            "X-Lanben-Timestamp": timestamp,
            "X-Lanben-Signature": webhook_signature(secret=secret, timestamp=timestamp, body=body),
        },
    )
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
        if not 200 <= response.status < 300:
            raise OSError(f"webhook answered {response.status}")
        return response.status


@outbox_handler(TOPIC)
def _deliver_webhook(message: OutboxMessage) -> list:
    data = message.payload
    provider = Provider.objects.get(pk=data["provider_id"])
    if not provider.webhook_url or not provider.webhook_nonce:
        return []  # the webhook was switched off since the event: nothing to send
    body = json.dumps(data["body"], ensure_ascii=False, sort_keys=True).encode()
    webhook_post(
        url=provider.webhook_url,
        secret=webhook_secret(provider),
        event=data["event"],
        event_id=data["event_id"],
        body=body,
    )
    return []


def provider_dispatch_notify(*, provider: Provider, event: str, event_id: str, case: dict) -> ProviderChannels:
    """Tell ``provider`` a case was dispatched (or re-dispatched) to it by webhook, once per event;
    the e-mail goes as the workflow's notice. ``case`` is the notice's body: number, service, city, due dates.
    Returns the channels used (none: the caller warns the coordinator)."""
    channels = provider_channels(provider=provider)
    # The e-mail to the provider's contacts is the workflow's own notice of the dispatch (its row's
    # next actor is the provider, cases.notifications): one e-mail per event, not two.
    if channels.webhook_url:
        provider_event_webhook(provider=provider, event=event, event_id=event_id, case=case)
    return channels


def provider_event_webhook(*, provider: Provider, event: str, event_id: str, case: dict) -> None:
    """One webhook event to ``provider`` through the outbox, once per event id and provider."""
    body = {"event": event, "event_id": event_id, "provider": provider.code, "case": case}
    outbox_enqueue(
        topic=TOPIC,
        payload={"provider_id": provider.pk, "event": event, "event_id": event_id, "body": body},
        dedupe_key=outbox_key("provider-webhook", event_id, provider.pk),
    )
