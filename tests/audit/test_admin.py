import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from audit.services import audit_record

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:audit_auditevent_changelist")


@pytest.fixture
def trail(staff):
    coordinator = staff("coordinator", username="zhao.coord")
    audit_record(actor=coordinator, action=AuditAction.EXPORT, summary="导出派单报表")
    audit_record(actor=coordinator, action=AuditAction.REVEAL, summary="查看完整手机号")
    return AuditEvent.objects.filter(actor_id=coordinator.pk)


def test_manager_browses_and_filters_the_trail(client, staff, trail, django_assert_max_num_queries):
    client.force_login(staff("manager"))
    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST, {"action__exact": AuditAction.REVEAL})
    body = response.content.decode()
    assert response.status_code == 200
    assert "查看完整手机号" in body
    assert "导出派单报表" not in body


def test_manager_searches_the_trail_by_username(client, staff, trail):
    client.force_login(staff("manager"))
    response = client.get(CHANGELIST, {"q": "zhao.coord"})
    assert "导出派单报表" in response.content.decode()


def test_manager_opens_a_record_read_only(client, staff, trail):
    client.force_login(staff("manager"))
    event = trail.first()
    response = client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    response = client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"summary": "改写"})
    assert response.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).summary == event.summary


@pytest.mark.parametrize("role", ["manager", None])
def test_nobody_adds_or_deletes_audit_rows_in_the_admin(client, staff, admin_user, trail, role):
    client.force_login(staff(role) if role else admin_user)
    event = trail.first()
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("role", ["intake", "reviewer", "coordinator", "catalogue_admin"])
def test_other_roles_cannot_read_the_trail(client, staff, role):
    client.force_login(staff(role))
    assert client.get(CHANGELIST).status_code == 403
