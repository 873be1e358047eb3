"""Notices carry reviewers' notes and customers' names: in the admin, as in the inbox, every user
reads their own and nobody else's — the catalogue admin and superusers included."""

import pytest
from django.urls import reverse

from notifications.models import Notification, OutboxMessage
from tests.factories.audit import StaffFactory

pytestmark = pytest.mark.django_db


def _notice(recipient, subject):
    message = OutboxMessage.objects.create(topic="test")
    return Notification.objects.create(message=message, recipient=recipient, kind="test", subject=subject)


@pytest.mark.parametrize("role", ["catalogue_admin", "manager", "reviewer", None])
def test_admin_lists_only_the_users_own_notices(client, role):
    reader = StaffFactory(role=role, is_superuser=role is None)
    reviewer = StaffFactory(role="reviewer")
    _notice(reader, "我的通知")
    other = _notice(reviewer, "医学审核备注：疑似肺恶性肿瘤")
    client.force_login(reader)

    listing = client.get(reverse("admin:notifications_notification_changelist")).content.decode()
    detail = client.get(reverse("admin:notifications_notification_change", args=[other.pk]))

    assert "我的通知" in listing
    assert "肺恶性肿瘤" not in listing
    assert "肺恶性肿瘤" not in detail.content.decode()
