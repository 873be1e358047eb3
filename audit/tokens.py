"""API tokens: issued (shown once), rotated, revoked, and checked on every API request."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from audit.backends import PERMISSIONS_SQL, permissions_preload
from audit.models import ApiToken, AuditAction
from audit.services import audit_record
from config.rows import columns, prepared_cursor, split


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, user, actor=None, days: int | None = None) -> str:
    """A new token for ``user``; every other token of the user stops working now. Returns the key,
    which is stored nowhere: the caller shows it once."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    key = secrets.token_urlsafe(32)
    days = settings.API_TOKEN_DAYS if days is None else days
    token = ApiToken.objects.create(
        user=user, digest=token_digest(key), prefix=key[:8], expires_at=now + timedelta(days=days)
    )
    audit_record(actor=actor, action=AuditAction.CREATE, obj=token, summary=f"签发 API 令牌 {token.prefix}… 给 {user}")
    return key


@transaction.atomic
def api_token_revoke_all(*, user, actor=None) -> int:
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        audit_record(actor=actor, action=AuditAction.DELETE, obj=user, summary=f"吊销 {user} 的 API 令牌")
    return revoked


def _token_models() -> tuple[Any, Any, Any, Any]:
    user: Any = ApiToken._meta.get_field("user").related_model
    member: Any = user._meta.get_field("provider_member").related_model  # the provider API's users
    return ApiToken, user, member, member._meta.get_field("provider").related_model


@functools.cache  # written once, on first use
def _token_sql() -> str:
    token, user, member, provider = _token_models()
    return f"""
        SELECT {columns(token, "t")}, {columns(user, "u")}, {columns(member, "m")}, {columns(provider, "pr")},
               {PERMISSIONS_SQL.format(user="t.user_id")}
        FROM {token._meta.db_table} t
        JOIN {user._meta.db_table} u ON u.id = t.user_id
        LEFT JOIN {member._meta.db_table} m ON m.user_id = u.id
        LEFT JOIN {provider._meta.db_table} pr ON pr.id = m.provider_id
        WHERE t.digest = %s
    """  # noqa: S608 - the models' own table and column names; the digest is a parameter


def token_with_user(digest: str) -> tuple[ApiToken, list[str]] | None:
    """The token with this digest, its user (and the user's provider membership with its provider,
    or none, already loaded) and the user's permissions; None for an unknown digest. Written out
    rather than built by the ORM: every API request reads it, and compiling the four-table query
    cost more than running it."""
    with prepared_cursor() as cursor:
        cursor.execute(_token_sql(), [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    token, user, member, provider = split(row, *_token_models())
    token.user = user
    if member is not None:
        member.provider = provider
    user._meta.get_field("provider_member").set_cached_value(user, member)
    return token, row[-1]


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` checked against the stored digest: unknown, revoked or expired
    keys, inactive users and deactivated provider members (or providers) are refused with 401."""

    def authenticate_credentials(self, key):
        # One statement: the token, its user (and provider) and the user's permissions, read afresh
        # on every request, so a revocation or a changed role counts from the next request on.
        found = token_with_user(token_digest(key))
        if found is None or found[0].revoked_at is not None:
            raise exceptions.AuthenticationFailed("令牌无效或已吊销")
        token, permissions = found
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("令牌已过期，请联系管理员重新签发")
        user = token.user
        permissions_preload(user, permissions)
        if not user.is_active:
            raise exceptions.AuthenticationFailed("用户已停用")
        member = getattr(user, "provider_member", None)
        if member is not None and not (member.active and member.provider.active):
            raise exceptions.AuthenticationFailed("该服务商接口用户已停用")
        return user, token
