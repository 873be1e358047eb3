"""The audit trail against someone holding the application's database credentials, and against an
owner who edits it behind the triggers: the first is refused, the second is reported by
``manage.py audit verify``."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.chain import app_role_grant, audit_chain_verify
from audit.models import AuditAction
from audit.services import audit_record

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def app_role(django_db_setup, django_db_blocker):
    """The application's role on the test database, made by the same grant production runs."""
    with django_db_blocker.unblock():
        role = f"{connection.settings_dict['NAME']}_app"[:63]
        app_role_grant(role=role, create=True)
        yield role
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')


def _connect(role: str) -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, dbname=s["NAME"], user=role, autocommit=True
    )


REFUSED_AS_APP = [
    "UPDATE audit_auditevent SET summary = 'x'",
    "DELETE FROM audit_auditevent",
    "TRUNCATE audit_auditevent",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
    "SET session_replication_role = replica",
    "DROP TRIGGER audit_event_chain ON audit_auditevent",
]


@pytest.mark.django_db(transaction=True)
def test_application_role_cannot_tamper_with_the_trail(app_role):
    audit_record(action=AuditAction.EXPORT, summary="导出 SLA 报表")
    with _connect(app_role) as app:
        for statement in REFUSED_AS_APP:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
    assert audit_chain_verify().intact


@pytest.mark.django_db(transaction=True)
def test_application_role_adds_and_reads_but_cannot_back_date(app_role):
    with _connect(app_role) as app:
        app.execute(
            "INSERT INTO audit_auditevent (at, actor_username, action, object_type, object_id, object_repr,"
            " summary, user_agent, extra, prev_hash, row_hash, chain_seq)"
            " VALUES ('2020-01-01', 'mallory', 'export', '', '', '', '补记', '', '{}', 'x', 'y', 1)"
        )
        at, seq = app.execute("SELECT at, chain_seq FROM audit_auditevent WHERE actor_username = 'mallory'").fetchone()
        # Everything else the portal needs stays writable.
        app.execute("UPDATE django_session SET expire_date = expire_date")
    assert at.year >= 2026
    report = audit_chain_verify()
    assert report.intact and report.head_seq == seq


@pytest.mark.django_db(transaction=True)
def test_verify_runs_as_the_application_role(app_role):
    audit_record(action=AuditAction.EXPORT, summary="导出")
    s = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{app_role}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "audit", "verify"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "审计记录完整" in done.stdout


@pytest.fixture
def trail(db):
    return [audit_record(action=AuditAction.EXPORT, summary=f"导出 {n}") for n in range(4)]


def _behind_the_triggers(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def _verify_output() -> tuple[bool, str]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("audit", "verify", stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


def test_verify_passes_an_untouched_trail(trail):
    ok, output = _verify_output()
    assert ok and "审计记录完整" in output


def test_verify_reports_a_deleted_row(trail):
    _behind_the_triggers("DELETE FROM audit_auditevent WHERE id = %s", [trail[1].pk])
    ok, output = _verify_output()
    assert not ok and "被删除" in output


def test_verify_reports_an_altered_row(trail):
    _behind_the_triggers("UPDATE audit_auditevent SET summary = '无事发生' WHERE id = %s", [trail[2].pk])
    ok, output = _verify_output()
    assert not ok and f"记录 {trail[2].pk}" in output and "被修改" in output


def test_verify_reports_a_back_dated_row_inserted_with_a_forged_link(trail):
    # The owner computes a link that fits the chain's head, but must give the row an earlier time.
    _behind_the_triggers(
        "INSERT INTO audit_auditevent (at, actor_username, action, object_type, object_id, object_repr, summary,"
        " user_agent, extra, chain_seq, prev_hash, row_hash)"
        " SELECT '2020-01-01', 'mallory', 'export', '', '', '', '补记', '', '{}', chain_seq + 1, row_hash, ''"
        " FROM audit_auditevent ORDER BY chain_seq DESC LIMIT 1"
    )
    _behind_the_triggers(
        "UPDATE audit_auditevent t SET row_hash = audit_event_digest(prev_hash, t) WHERE actor_username = 'mallory'"
    )
    ok, output = _verify_output()
    assert not ok and "乱序插入" in output and "被修改" not in output


def test_verify_reports_a_row_slipped_in_without_a_link(trail):
    _behind_the_triggers(
        "INSERT INTO audit_auditevent (at, actor_username, action, object_type, object_id, object_repr, summary,"
        " user_agent, extra, prev_hash, row_hash) VALUES (now(), 'mallory', 'export', '', '', '', '', '', '{}', '', '')"
    )
    ok, output = _verify_output()
    assert not ok and "不在哈希链上" in output


def test_verify_reports_a_trail_cut_back_past_a_noted_anchor(trail):
    head = audit_chain_verify()
    _behind_the_triggers("DELETE FROM audit_auditevent WHERE chain_seq >= %s", [head.head_seq - 1])
    assert audit_chain_verify().intact  # the remaining rows still chain...
    report = audit_chain_verify(anchor=(head.head_seq, head.head_hash))
    assert not report.intact and "已不存在" in report.problems[0]  # ...but the noted head is gone


@pytest.mark.django_db(transaction=True)
def test_migrate_runs_as_the_owner_and_grants_a_fresh_application_role(django_db_blocker):
    """The release step of the README: DATABASE_URL names the application's role (here one that
    holds nothing yet), DATABASE_MIGRATE_URL the owner; migrate leaves the role able to work and
    unable to touch the trail."""
    s = connection.settings_dict
    role = f"{s['NAME']}_fresh"[:63]
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{role}@{host}:{port}/{s['NAME']}",
            "DATABASE_MIGRATE_URL": f"postgres://{s['USER'] or 'postgres'}@{host}:{port}/{s['NAME']}",
        }
        done = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        with _connect(role) as app:
            app.execute("SELECT count(*) FROM cases_case").fetchone()
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute("TRUNCATE audit_auditevent")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')
