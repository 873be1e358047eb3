"""Sign-in attacked as it was: five bad passwords behind the proxy locking a user out everywhere,
password spraying under the per-user limit, and roles that reveal or decide signing in with a
password alone."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.management.commands.otp_code import current_code
from audit.twofactor import otp_enrol
from tests.factories.audit import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = reverse("admin:login")
PROXY = "10.0.0.1"


def _login(client, username, password=PASSWORD, client_address="203.0.113.5", otp=""):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "otp_token": otp, "next": "/admin/"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=client_address,
    )


@pytest.fixture(autouse=True)
def behind_the_documented_proxy(settings):
    settings.AUDIT_PROXY_COUNT = 1


def test_five_bad_passwords_from_one_client_do_not_lock_the_user_out_elsewhere(client, staff, settings):
    user = staff("manager")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user.username, password="wrong-password-1", client_address="198.51.100.66")

    assert _login(client, user.username, client_address="198.51.100.66").status_code == 429
    assert _login(client, user.username, client_address="203.0.113.5").status_code == 302


def test_the_lockout_page_is_chinese_and_says_how_long(client, staff, settings):
    user = staff("manager")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user.username, password="wrong-password-1")

    page = _login(client, user.username)

    assert page.status_code == 429
    text = page.content.decode()
    assert "登录已暂时锁定" in text
    minutes = int(text.split('id="lockout-minutes">')[1].split("<")[0])
    assert 29 <= minutes <= settings.AXES_COOLOFF_TIME.total_seconds() / 60


def test_spraying_a_few_guesses_at_every_user_locks_the_address(client, staff, settings):
    users = [staff("manager") for _ in range(6)]
    for user in users:
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):  # under the per-user limit
            _login(client, user.username, password="wrong-password-1", client_address="192.0.2.77")

    assert _login(client, users[0].username, client_address="192.0.2.77").status_code == 429
    assert _login(client, users[0].username, client_address="203.0.113.5").status_code == 302


@pytest.mark.parametrize("role", ["intake", "reviewer", "coordinator"])
def test_a_role_that_reveals_or_decides_cannot_sign_in_with_a_password_alone(client, staff, role, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the device's own back-off after a wrong code is not under test
    user = staff(role)
    page = _login(client, user.username)
    assert page.status_code == 200 and "_auth_user_id" not in client.session
    assert "双因素认证" in page.content.decode()

    otp_enrol(user=user)
    page = _login(client, user.username, otp="000000")
    assert page.status_code == 200 and "动态验证码错误" in page.content.decode()

    code = current_code(TOTPDevice.objects.get(user=user))
    assert _login(client, user.username, otp=code).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_signs_in_once(client, staff):
    user = staff("reviewer")
    code = otp_enrol(user=user).recovery_codes[0]

    assert _login(client, user.username, otp=code).status_code == 302
    client.logout()
    assert _login(client, user.username, otp=code).status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_a_manager_who_neither_reveals_nor_decides_signs_in_with_a_password(client, staff):
    assert _login(client, staff("manager").username).status_code == 302


def test_it_resets_two_factor_and_the_new_secret_is_shown_once(client, staff):
    user = staff("coordinator")
    old = otp_enrol(user=user)
    client.force_login(staff(None, is_superuser=True))

    page = client.post(reverse("admin:auth_user_changelist"), {"action": "otp_reset", "_selected_action": [user.pk]})

    text = page.content.decode()
    secret = text.split('class="otp-secret">')[1].split("<")[0]
    assert secret and secret != old.secret_base32 and "no-store" in page["Cache-Control"]
    assert not StaticToken.objects.filter(device__user=user, token=old.recovery_codes[0]).exists()
    client.logout()
    assert _login(client, user.username, otp=current_code(TOTPDevice.objects.get(user=user))).status_code == 302


def test_a_role_without_it_cannot_reset_anyones_two_factor(client, staff):
    user = staff("coordinator")
    client.force_login(staff("manager"))
    client.post(reverse("admin:auth_user_changelist"), {"action": "otp_reset", "_selected_action": [user.pk]})
    assert not TOTPDevice.objects.filter(user=user).exists()
