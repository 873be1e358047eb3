"""config.rows.insert_rows: the submission's rows written by one prepared statement are the rows the
ORM writes, database defaults included."""

import pytest
from django.db import connection
from django.forms.models import model_to_dict

from audit.models import AuditEvent
from cases.models import Case, CaseEvent
from config.rows import insert_rows
from notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _stored(model, pk) -> dict:
    row = model_to_dict(model.objects.get(pk=pk))
    row.pop("id")
    return row


def test_the_rows_written_are_the_rows_the_orm_writes(submit, enroll, intake):
    case = submit(enroll("2021-pro"), "escort", documents=[])
    ours = [CaseEvent(case=case, actor=intake, kind="note", note=f"第{n}条", extra={"n": n}) for n in range(2)]
    orms = [CaseEvent(case=case, actor=intake, kind="note", note=f"第{n}条", extra={"n": n}) for n in range(2)]
    insert_rows(ours)
    CaseEvent.objects.bulk_create(orms)

    assert all(event.pk and not event._state.adding for event in ours)
    for mine, theirs in zip(ours, orms, strict=True):
        mine_row, their_row = _stored(CaseEvent, mine.pk), _stored(CaseEvent, theirs.pk)
        assert mine_row.pop("at") <= their_row.pop("at")  # each row stamped when written
        assert mine_row == their_row
    copy = Case.objects.get(pk=case.pk)
    copy.pk, copy.number, copy.quota_hold = None, case.number + "-B", None
    insert_rows([copy])
    expected, written = _stored(Case, case.pk), _stored(Case, copy.pk)
    for changed in ("number", "quota_hold", "created_at", "updated_at"):
        expected.pop(changed, None), written.pop(changed, None)
    assert written == expected


def test_database_defaults_are_written_and_read_back_as_the_orm_does(submit, enroll):
    """A field left to its database default is written DEFAULT and its value read back, converted as
    the ORM converts it (a JSON list, not its text)."""
    message = OutboxMessage(topic="notify", payload={"kind": "x"})  # next_attempt_at: the database's now()
    insert_rows([message])
    assert message.pk and message.next_attempt_at is not None
    case = submit(enroll("2021-pro"), "escort", documents=[])
    assert case.claim_fee_kinds == [] and Case.objects.get(pk=case.pk).claim_fee_kinds == []


def test_the_statement_is_prepared_once_per_connection(intake):
    event = AuditEvent(actor_id=intake.pk, actor_username=intake.username, action="view", summary="一", extra={})
    again = AuditEvent(actor_id=intake.pk, actor_username=intake.username, action="view", summary="二", extra={})
    insert_rows([event])
    insert_rows([again])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ['INSERT INTO "audit_auditevent"%']
        )
        assert cursor.fetchone()[0] == 1
    assert AuditEvent.objects.get(pk=event.pk).summary == "一"
    assert AuditEvent.objects.get(pk=again.pk).summary == "二"
