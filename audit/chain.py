"""Checking the audit trail's hash chain, and the database role the application connects as."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connections
from psycopg import sql

VERIFY_SQL = """
SELECT id, chain_seq, at, prev_hash, row_hash, audit_event_digest(prev_hash, t)
FROM audit_auditevent t ORDER BY chain_seq NULLS LAST, id
"""


@dataclass
class ChainReport:
    rows: int = 0
    head_seq: int = 0
    head_hash: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def audit_chain_verify(*, using: str = "default", anchor: tuple[int, str] | None = None) -> ChainReport:
    """Walk the chain in order: a row whose digest does not match its fields was altered; a break in
    the numbering or in the link to the previous row means rows were deleted; a row without a link,
    or stamped earlier than the row before it, was inserted out of order. ``anchor`` is a (seq, hash)
    noted earlier (e.g. in the operations log): it must still be there, unchanged — this catches a
    trail emptied or cut back to an earlier point."""
    report = ChainReport()
    previous_seq, previous_hash, previous_at = 0, "", None
    anchor_seen = False
    with connections[using].cursor() as cursor:
        cursor.execute(VERIFY_SQL)
        while batch := cursor.fetchmany(5000):
            for row_id, seq, at, prev_hash, row_hash, expected in batch:
                report.rows += 1
                if seq is None:
                    report.problems.append(f"记录 {row_id}：不在哈希链上（绕过触发器插入）")
                    continue
                if row_hash != expected:
                    report.problems.append(f"记录 {row_id}（链序号 {seq}）：内容已被修改")
                if seq != previous_seq + 1 or prev_hash != previous_hash:
                    missing = f"链序号 {previous_seq + 1}–{seq - 1}" if seq > previous_seq + 1 else "前一条"
                    report.problems.append(f"记录 {row_id}（链序号 {seq}）之前的记录被删除或替换（{missing}）")
                if previous_at is not None and at < previous_at:
                    report.problems.append(f"记录 {row_id}（链序号 {seq}）：时间早于前一条，为乱序插入")
                if anchor and seq == anchor[0]:
                    anchor_seen = True
                    if row_hash != anchor[1]:
                        report.problems.append(f"锚点链序号 {seq}：摘要与记下的不同")
                previous_seq, previous_hash, previous_at = seq, row_hash, at
    report.head_seq, report.head_hash = previous_seq, previous_hash
    if anchor and not anchor_seen:
        report.problems.append(f"锚点链序号 {anchor[0]} 已不存在：审计记录被清空或截断")
    return report


# The application's role: every table's rows, except that audit rows are only added and read.
GRANT_STATEMENTS = [
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
    "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
    "REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_auditevent FROM {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
]


def app_role_grant(*, role: str, using: str = "default", create: bool = False, password: str = "") -> None:
    """Give ``role`` the application's privileges on the current database. Run as the tables' owner
    (the migration role). ``create`` makes the role first (the owner needs CREATEROLE)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        owner = connection.settings_dict["USER"] or ""
        if owner and owner == role:
            raise ValueError("role: 应用角色不能是数据表的所有者（迁移角色）")
        if create:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                create_role = sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
                cursor.execute(create_role.format(sql.Identifier(role)))
            if password:
                set_password = sql.SQL("ALTER ROLE {} PASSWORD {}")
                cursor.execute(set_password.format(sql.Identifier(role), sql.Literal(password)))
        cursor.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(connection.settings_dict["NAME"]), sql.Identifier(role)
            )
        )
        for grant in GRANT_STATEMENTS:
            cursor.execute(sql.SQL(grant).format(role=sql.Identifier(role)))
