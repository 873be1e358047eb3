"""Two-factor sign-in (TOTP, django-otp) for the roles that may reveal personal data or decide cases.

The admin login form — the portal's only interactive sign-in — asks for a one-time code after the
password; a user whose role needs it cannot sign in without an enrolled device. A code from the
authenticator app or one of the recovery codes (django-otp static tokens, each usable once) passes.
IT resets a user's devices from the user admin ("重置双因素认证"): a new secret and new recovery
codes, shown once on the page.
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from dataclasses import dataclass

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditAction
from audit.services import REVEAL_PERMISSION, audit_record

# Deciding a case: review, dispatch, arrangement, closure, payment.
DECISION_PERMISSIONS = (
    "cases.review_case",
    "cases.dispatch_case",
    "cases.arrange_case",
    "cases.close_case",
    "cases.pay_claim",
)
RECOVERY_CODES = 10


def otp_required(user) -> bool:
    if not (user and user.is_active and user.is_authenticated):
        return False
    if user.is_superuser or user.has_perm(REVEAL_PERMISSION):
        return True
    return any(user.has_perm(code) for code in DECISION_PERMISSIONS)


@dataclass(frozen=True)
class Enrolment:
    secret_base32: str
    config_url: str
    recovery_codes: list[str]


@transaction.atomic
def otp_enrol(*, user, actor=None, key_hex: str | None = None) -> Enrolment:
    """Replace every device of ``user`` with a new TOTP secret and fresh recovery codes."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    totp = TOTPDevice.objects.create(
        user=user, name="身份验证器", confirmed=True, **({"key": key_hex} if key_hex else {})
    )
    static = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes = [secrets.token_hex(4) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=user, summary=f"重置 {user} 的双因素认证")
    secret = b32encode(totp.bin_key).decode().rstrip("=")
    return Enrolment(secret_base32=secret, config_url=totp.config_url, recovery_codes=codes)


class TwoFactorAuthenticationForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        label=_("动态验证码"),
        required=False,
        max_length=16,
        help_text=_("身份验证器 App 中的 6 位数字，或一个恢复码（审核、派单、录入等角色必填）"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is None or not otp_required(user):
            return cleaned
        if not any(True for _ in devices_for_user(user)):
            raise forms.ValidationError(
                _("您的角色须使用双因素认证，但尚未启用。请联系管理员重置双因素认证。"), code="otp_missing"
            )
        token = (self.cleaned_data.get("otp_token") or "").strip().replace(" ", "")
        device = match_token(user, token) if token else None
        if device is None:
            # Counted like a wrong password: the audit trail records it and django-axes locks the
            # (user, address) pair after AXES_FAILURE_LIMIT (TOTP devices also back off by themselves).
            user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=self.request)
            raise forms.ValidationError(_("动态验证码错误或未填写"), code="otp_invalid")
        # Marked verified on the session once Django has logged the user in (otp_mark_verified).
        self.request._lanben_otp_device = device
        return cleaned


def otp_mark_verified(sender, request, user, **kwargs) -> None:
    device = getattr(request, "_lanben_otp_device", None) if request is not None else None
    if device is not None and device.user_id == user.pk:
        otp_login(request, device)
