"""Load django-helpdesk's database with as many tickets and follow-ups as the project has cases and events.

    HELPDESK_DATABASE_URL=postgres://postgres@127.0.0.1:5432/peer_helpdesk \\
    PROJECT_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lanben_bench \\
        $HELPDESK_VENV/bin/python bench/peers/helpdesk_load.py

Runs in the peer's virtualenv (``bench/peers/helpdesk_setup.sh``). One queue per service, one
ticket per case (its number, applicant, ID tail and city as the title, the diagnosis as the description, the
state as helpdesk's status: open, resolved for completed/paid, closed for the final states; its
creation and last-change times; assigned to the staff user when the case has a holder), one
follow-up per case event (the transition as its title, at the event's moment). Streamed table to
table with COPY (``COPY (SELECT …) TO STDOUT`` from the project, ``COPY … FROM STDIN`` into the
peer), secondary indexes dropped and rebuilt around the load, then ``VACUUM (ANALYZE)`` — the same
treatment ``bench/generate.py`` gives the project's tables.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk_site.settings")

import django

django.setup()

import psycopg  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from helpdesk.models import Queue, UserSettings  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

PROJECT = os.environ.get("PROJECT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lanben_bench")
STAFF = "bench-staff"
TOKEN = "bench0peer0helpdesk0token0000000000000000"[:40]

TICKETS_SQL = """
    SELECT c.id, left(c.number || ' ' || c.applicant_name || ' 尾号' || c.id_tail || ' ' || c.city, 200),
           c.created_at, c.updated_at,
           'customer' || c.beneficiary_id || '@example.com',
           CASE WHEN c.state IN ('closed', 'rejected', 'withdrawn', 'cancelled') THEN 4
                WHEN c.state IN ('completed', 'paid') THEN 3 ELSE 1 END,
           false, c.diagnosis || ' ' || c.preferred_hospital || ' ' || c.preferred_department, '',
           3, c.sla_deadline_due::timestamptz, NULL::timestamptz,
           CASE WHEN c.holder_id IS NULL THEN NULL ELSE {staff} END, c.service_id,
           md5(c.id::text)::uuid::text, NULL::int, NULL::int
    FROM cases_case c ORDER BY c.id
"""
TICKET_COLUMNS = (
    "id, title, created, modified, submitter_email, status, on_hold, description, resolution, priority,"
    " due_date, last_escalation, assigned_to_id, queue_id, secret_key, kbitem_id, merged_to_id"
)
FOLLOWUPS_SQL = """
    SELECT e.id, e.at, left(e.kind || ' ' || e.transition, 200), e.note, false,
           CASE WHEN e.to_state IN ('closed', 'rejected', 'withdrawn', 'cancelled') THEN 4
                WHEN e.to_state IN ('completed', 'paid') THEN 3 ELSE NULL END,
           e.case_id, CASE WHEN e.actor_id IS NULL THEN NULL ELSE {staff} END, NULL, NULL::interval, NULL::jsonb
    FROM cases_caseevent e ORDER BY e.id
"""
FOLLOWUP_COLUMNS = (
    "id, date, title, comment, public, new_status, ticket_id, user_id, message_id, time_spent, email_recipients"
)


def step(label: str, began: float) -> float:
    now = time.perf_counter()
    print(f"{label:<40} {now - began:7.1f} s", flush=True)
    return now


def stream(source, target, select: str, table: str, columns: str) -> None:
    with (
        source.cursor().copy(f"COPY ({select}) TO STDOUT") as out,
        target.copy(f"COPY {table} ({columns}) FROM STDIN") as into,
    ):
        for chunk in out:
            into.write(chunk)


def main() -> int:
    began = time.perf_counter()
    user_model = get_user_model()
    staff, _ = user_model.objects.get_or_create(
        username=STAFF, defaults={"is_staff": True, "is_superuser": True, "email": "staff@example.com"}
    )
    staff.set_password("bench-peer-password")
    staff.save()
    Token.objects.filter(user=staff).delete()
    Token.objects.create(user=staff, key=TOKEN)
    UserSettings.objects.update_or_create(user=staff, defaults={"tickets_per_page": 100})
    with psycopg.connect(PROJECT) as source:
        services = source.execute("SELECT id, code, name FROM entitlements_service ORDER BY id").fetchall()
        for service_id, code, name in services:
            Queue.objects.update_or_create(pk=service_id, defaults={"title": name[:100], "slug": f"s-{code}"[:50]})
        with connection.cursor() as wrapper:
            cur = wrapper.cursor
            cur.execute("TRUNCATE helpdesk_ticketchange, helpdesk_followup, helpdesk_ticket RESTART IDENTITY CASCADE")
            cur.execute(
                """SELECT i.indexname, i.indexdef FROM pg_indexes i
                   WHERE i.tablename IN ('helpdesk_ticket', 'helpdesk_followup') AND NOT EXISTS (
                     SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.contype IN ('p', 'u'))"""
            )
            indexes = cur.fetchall()
            for name, _ in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            cur.execute("SET session_replication_role = replica")  # the rows are consistent by construction
            at = step("queues, staff user, emptied", began)
            stream(source, cur, TICKETS_SQL.format(staff=staff.pk), "helpdesk_ticket", TICKET_COLUMNS)
            at = step("tickets", at)
            stream(source, cur, FOLLOWUPS_SQL.format(staff=staff.pk), "helpdesk_followup", FOLLOWUP_COLUMNS)
            at = step("follow-ups", at)
            cur.execute("SET session_replication_role = origin")
            for _, definition in indexes:
                cur.execute(definition)
            at = step(f"{len(indexes)} secondary indexes rebuilt", at)
            for table in ("helpdesk_ticket", "helpdesk_followup"):
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                cur.execute(f"SELECT setval({sequence}, COALESCE(MAX(id), 0) + 1, false) FROM {table}")
                cur.execute(f"VACUUM (ANALYZE) {table}")
            step("VACUUM (ANALYZE)", at)
            cur.execute("SELECT (SELECT COUNT(*) FROM helpdesk_ticket), (SELECT COUNT(*) FROM helpdesk_followup)")
            tickets, followups = cur.fetchone()
    print(f"loaded {tickets:,} tickets and {followups:,} follow-ups in {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
