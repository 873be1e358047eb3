"""API tokens: issued (shown once), rotated, revoked, and checked on every API request."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from audit.backends import permissions_preload, token_user_permissions
from audit.models import ApiToken, AuditAction
from audit.services import audit_record


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


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` checked against the stored digest: unknown, revoked or expired
    keys, inactive users and deactivated provider members (or providers) are refused with 401."""

    def authenticate_credentials(self, key):
        # One statement: the token, its user (and provider) and the user's permissions, read afresh
        # on every request, so a revocation or a changed role counts from the next request on.
        tokens = ApiToken.objects.select_related("user__provider_member__provider")
        token = tokens.annotate(permissions=token_user_permissions()).filter(digest=token_digest(key)).first()
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("令牌无效或已吊销")
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("令牌已过期，请联系管理员重新签发")
        user = token.user
        permissions_preload(user, token.permissions)
        if not user.is_active:
            raise exceptions.AuthenticationFailed("用户已停用")
        member = getattr(user, "provider_member", None)
        if member is not None and not (member.active and member.provider.active):
            raise exceptions.AuthenticationFailed("该服务商接口用户已停用")
        return user, token
