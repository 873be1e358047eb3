"""Idempotent provider writes: a retry carrying the same ``Idempotency-Key`` gets the first answer.

Providers' systems retry on timeouts; without this a retried "accept" could log twice and a retried
"arrangement" could overwrite a later correction. The record row is inserted inside the same
transaction as the write: a concurrent retry with the same key blocks on the unique index until the
first request commits, then reads its stored answer instead of acting again.
"""

import hashlib
import json
from collections.abc import Callable
from typing import cast

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from providers.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 128
REPLAY_HEADER = "Idempotent-Replayed"

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=_("重试时携带同一个键：同键同请求体返回首次结果；同键不同请求体返回 422。"),
)


def body_fingerprint(request: Request) -> str:
    """A hash of the request body that ignores key order and whitespace of JSON payloads."""
    raw = request.body or b""
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, ensure_ascii=False).encode()
    except ValueError:
        canonical = raw
    return hashlib.sha256(canonical).hexdigest()


def _replay(record: IdempotencyRecord, *, method: str, path: str, fingerprint: str) -> Response:
    if record.method != method or record.path != path or record.body_hash != fingerprint:
        return Response(
            {"detail": "同一 Idempotency-Key 已用于不同的请求，请为新的请求使用新的键。", "key": record.key},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    response = Response(record.response_body, status=record.status_code)
    response[REPLAY_HEADER] = "true"
    return response


def idempotent_call(request: Request, perform: Callable[[], Response]) -> tuple[Response, bool]:
    """Run ``perform`` once per (user, Idempotency-Key); returns the response and whether it was replayed."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return perform(), False
    if len(key) > MAX_KEY_LENGTH:
        return Response({HEADER: [f"不能超过 {MAX_KEY_LENGTH} 个字符。"]}, status=400), False
    # Behind the provider API's IsProviderMember: the user is a signed-in provider member.
    user = cast(User, request.user)
    method, path, fingerprint = request.method or "", request.path, body_fingerprint(request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user, key=key, method=method, path=path, body_hash=fingerprint
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.get(user=user, key=key)
            return _replay(record, method=method, path=path, fingerprint=fingerprint), True
        response = perform()
        record.status_code = response.status_code
        # Stored exactly as it went over the wire, so the replay is byte-for-byte the same answer.
        record.response_body = json.loads(JSONRenderer().render(response.data))
        record.save(update_fields=["status_code", "response_body"])
    return response, False
