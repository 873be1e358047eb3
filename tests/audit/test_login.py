import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from tests.factories.audit import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")


def _login(client, username, password=PASSWORD, ip="10.0.0.8"):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
        HTTP_USER_AGENT="pytest-browser",
    )


def test_successful_login_is_recorded(client, staff):
    user = staff("manager")
    response = _login(client, user.username)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert (event.actor_id, event.ip, event.user_agent) == (user.pk, "10.0.0.8", "pytest-browser")


def test_failed_login_is_recorded_without_the_password(client, staff):
    user = staff("manager")
    response = _login(client, user.username, password="wrong-password-1")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.extra == {"username": user.username}
    assert event.actor_id is None
    assert "wrong-password-1" not in str(event.extra) + event.summary


def test_logout_is_recorded(client, staff):
    user = staff("manager")
    client.force_login(user)
    client.post(reverse("admin:logout"))
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, actor_id=user.pk).exists()


def test_login_is_locked_after_five_failures_even_with_the_right_password(client, staff, settings):
    user = staff("manager")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user.username, password="wrong-password-1")
    response = _login(client, user.username)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditAction.LOCKOUT, extra__username=user.username).exists()


def test_lockout_does_not_spill_onto_a_colleague_behind_the_same_gateway(client, staff, settings):
    mistyper, colleague = staff("manager"), staff("manager")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, mistyper.username, password="wrong-password-1")
    assert _login(client, colleague.username).status_code == 302


def test_success_before_the_limit_resets_the_count(client, staff, settings):
    user = staff("manager")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, user.username, password="wrong-password-1")
    assert _login(client, user.username).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, user.username, password="wrong-password-1")
    assert _login(client, user.username).status_code == 302


def test_login_without_a_request_still_authenticates(client, staff):
    # The shell, management commands and the test client's login() carry no request to throttle.
    user = staff("manager")
    assert client.login(username=user.username, password=PASSWORD)
