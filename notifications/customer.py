"""Text messages to customers (短信 / 微信模板消息) through the outbox, behind an adapter.

A case event that the customer should hear about puts one message in the outbox, keyed by the
event, so it is sent once however often the event is replayed. A worker renders nothing: the text
is fixed when the event happens, from the editable ``MessageTemplate``. The adapter is chosen by
``settings.CUSTOMER_MESSAGE_BACKEND``: a file in development, the SMS/WeChat gateway in production.
The adapter is given the outbox key as its idempotency key, so a send retried after a lost commit
is recognised by a gateway that honours it.
"""

import json
import urllib.request
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.dispatch import Signal
from django.utils import timezone
from django.utils.module_loading import import_string

from notifications.models import CustomerMessage, MessageTemplate, Notification, OutboxMessage
from notifications.services import outbox_enqueue, outbox_handler

TOPIC = "customer_message"
DEFAULT_BACKEND = "notifications.customer.FileBackend"
# Sent inside the delivery's transaction with the CustomerMessage row: the cases app puts it on
# the case's timeline.
customer_message_sent = Signal()


# The wording product staff start from; edited in the admin (客户消息模板), never overwritten.
DEFAULT_TEMPLATES = [
    (
        "case_arranged",
        "已安排",
        "【太保蓝本】{name}您好，您申请的{service}（案件{number}）已安排：{arrangement}。如有疑问请致电95500。",
    ),
    (
        "case_returned",
        "退回补充材料",
        "【太保蓝本】{name}您好，您申请的{service}（案件{number}）需补充材料：{message}。"
        "请通过“太平洋寿险”微信公众号-会员福利-太保蓝本提交。",
    ),
    (
        "case_rejected",
        "审核不通过",
        "【太保蓝本】{name}您好，您申请的{service}（案件{number}）未通过审核，原因：{reason}。如有疑问请致电95500。",
    ),
    ("case_closed", "已结案", "【太保蓝本】{name}您好，您申请的{service}（案件{number}）已办结，感谢您的信任。"),
]


def templates_ensure(*, using: str = "default") -> None:
    """Create the templates that do not exist yet (a fresh or flushed database); edits stay."""
    for key, name, text in DEFAULT_TEMPLATES:
        MessageTemplate.objects.using(using).get_or_create(key=key, defaults={"name": name, "text": text})


class Backend(Protocol):
    name: str

    def send(self, *, phone: str, text: str, idempotency_key: str) -> str:
        """Send one message; returns the gateway's reference. Raises on failure (retried)."""


class FileBackend:
    """Development: each message is one JSON line in ``CUSTOMER_MESSAGE_FILE`` (var/customer-messages.jsonl)."""

    name = "file"

    def send(self, *, phone: str, text: str, idempotency_key: str) -> str:
        path = Path(
            getattr(settings, "CUSTOMER_MESSAGE_FILE", Path(settings.BASE_DIR) / "var" / "customer-messages.jsonl")
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {"phone": phone, "text": text, "key": idempotency_key, "at": timezone.now().isoformat()}
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        return idempotency_key


class GatewayBackend:
    """Production: the SMS / WeChat-template gateway's HTTP API (``CUSTOMER_MESSAGE_GATEWAY_URL``,
    token ``CUSTOMER_MESSAGE_GATEWAY_TOKEN``), one JSON POST per message; the answer's ``id`` is kept."""

    name = "gateway"

    def send(self, *, phone: str, text: str, idempotency_key: str) -> str:
        body = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's configuration
            getattr(settings, "CUSTOMER_MESSAGE_GATEWAY_URL", ""),
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {getattr(settings, 'CUSTOMER_MESSAGE_GATEWAY_TOKEN', '')}",
                "Idempotency-Key": idempotency_key,
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return str(json.loads(response.read() or b"{}").get("id", ""))


def backend() -> Backend:
    return import_string(getattr(settings, "CUSTOMER_MESSAGE_BACKEND", DEFAULT_BACKEND))()


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def template_render(*, key: str, context: dict) -> str | None:
    """The template's text filled from ``context`` (an unknown placeholder stays empty), or None
    when the template is missing or switched off."""
    template = MessageTemplate.objects.filter(key=key, active=True).first()
    if template is None:
        return None
    return template.text.format_map(_Blank(context)).strip()


def customer_message_enqueue(
    *, template_key: str, context: dict, phone: str, case_number: str, dedupe_key: str
) -> OutboxMessage | None:
    """Put one message to a customer in the outbox, in the caller's transaction (once per key)."""
    text = template_render(key=template_key, context=context)
    if not text or not phone:
        return None
    payload = {"template_key": template_key, "phone": phone, "text": text, "case_number": case_number}
    return outbox_enqueue(topic=TOPIC, payload=payload, dedupe_key=dedupe_key)


@outbox_handler(TOPIC)
def _deliver(message: OutboxMessage) -> list[Notification]:
    if CustomerMessage.objects.filter(message=message).exists():
        return []
    payload, sender = message.payload, backend()
    reference = sender.send(phone=payload["phone"], text=payload["text"], idempotency_key=message.dedupe_key or "")
    sent = CustomerMessage.objects.create(
        message=message,
        template_key=payload["template_key"],
        case_number=payload.get("case_number", ""),
        phone=payload["phone"],
        text=payload["text"],
        backend=sender.name,
        provider_ref=reference[:128],
        sent_at=timezone.now(),
    )
    customer_message_sent.send(sender=CustomerMessage, message=sent)
    return []
