import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, models, transaction
from django.test import RequestFactory

from audit.models import AuditAction, AuditEvent, AuditImmutableError
from audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(staff):
    return audit_record(actor=staff("coordinator"), action=AuditAction.EXPORT, summary="导出 SLA 报表")


def test_saving_an_audit_row_again_is_refused(event):
    event.summary = "改写"
    with pytest.raises(AuditImmutableError):
        event.save()


def test_deleting_an_audit_row_through_the_orm_is_refused(event):
    with pytest.raises(AuditImmutableError):
        event.delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="改写")


def test_database_refuses_an_update_that_bypasses_the_model(event):
    plain = models.QuerySet(model=AuditEvent)  # the stock queryset, without the model's guard
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        plain.filter(pk=event.pk).update(summary="改写")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        plain.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == "导出 SLA 报表"


def test_database_refuses_raw_sql_update_and_delete(event):
    for sql in (
        "UPDATE audit_auditevent SET summary = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, summary="导出 SLA 报表").exists()


def test_record_keeps_who_what_when_and_where(staff):
    user = staff("manager", username="wang.li")
    request = RequestFactory().get("/admin/", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Firefox/140")
    request.user = user
    event = audit_record(action=AuditAction.REVEAL, obj=user, summary="查看完整手机号", request=request)
    assert (event.actor_id, event.actor_username) == (user.pk, "wang.li")
    assert (event.object_type, event.object_id) == ("auth.user", str(user.pk))
    assert (event.ip, event.user_agent) == ("10.1.2.3", "Firefox/140")
    assert event.at is not None


def test_address_comes_from_the_trusted_proxy_not_the_client(settings):
    settings.AUDIT_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    event = audit_record(action=AuditAction.API_CALL, request=request)
    assert event.ip == "203.0.113.9"


def test_forwarded_header_is_ignored_without_a_trusted_proxy():
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert audit_record(action=AuditAction.API_CALL, request=request).ip == "198.51.100.7"


def test_empty_action_is_refused_naming_the_field():
    with pytest.raises(ValueError, match="action"):
        audit_record(action="")


def test_record_rolls_back_with_the_action_it_describes():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action=AuditAction.EXPORT, summary="导出")
        raise RuntimeError("export failed")
    assert not AuditEvent.objects.filter(summary="导出").exists()


def test_deleting_a_user_keeps_their_trail(event):
    get_user_model().objects.filter(pk=event.actor_id).delete()
    assert AuditEvent.objects.get(pk=event.pk).actor_username == event.actor_username


def test_calendar_edit_in_the_admin_is_recorded(admin_client):
    from workdays.models import CalendarYear

    year = CalendarYear.objects.get(year=2026)
    admin_client.post(
        "/admin/workdays/calendarday/add/",
        {"calendar_year": year.pk, "date": "2026-11-27", "kind": "holiday", "name": "临时休假"},
        REMOTE_ADDR="10.9.8.7",
    )
    event = AuditEvent.objects.get(object_type="workdays.calendarday", action=AuditAction.CREATE)
    assert event.actor_username == "admin"
    assert event.ip == "10.9.8.7"
    assert "临时休假" in event.summary
