"""Migration 0004 fills Case.reviewed_at from the history: the first review decision's moment."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cases.models import Case, CaseState
from tests.factories.cases import CaseFactory

pytestmark = pytest.mark.django_db(transaction=True)
S = CaseState
BEFORE = [("cases", "0003_caseevent_caseevent_review_decision_idx")]
AFTER = [("cases", "0004_case_reviewed_at")]
NOON = datetime(2026, 9, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture
def cases_at_0003():
    """Cases made with today's models, then the schema taken back to before the column existed."""
    made = {
        "approved": CaseFactory(state=S.APPROVED, quota_hold=None),
        "rejected": CaseFactory(state=S.REJECTED, quota_hold=None),
        "subsidy": CaseFactory(state=S.CLAIM_APPROVED, quota_hold=None),
        "returned_then_approved": CaseFactory(state=S.APPROVED, quota_hold=None),
        "undecided": CaseFactory(state=S.IN_REVIEW, quota_hold=None),
        "skipped_review": CaseFactory(state=S.APPROVED, quota_hold=None),
    }
    migrate(BEFORE)
    try:
        yield {name: case.pk for name, case in made.items()}
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def event(case_id: int, at: datetime, transition: str, from_state: str, to_state: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_caseevent (case_id, kind, at, transition, from_state, to_state, note, extra)"
            " VALUES (%s, 'transition', %s, %s, %s, %s, '', '{}')",
            [case_id, at, transition, from_state, to_state],
        )


def test_backfill_takes_the_first_review_decision(cases_at_0003):
    ids = cases_at_0003
    hour = timedelta(hours=1)
    event(ids["approved"], NOON, "start_review", S.SUBMITTED, S.IN_REVIEW)
    event(ids["approved"], NOON + hour, "approve", S.IN_REVIEW, S.APPROVED)
    event(ids["approved"], NOON + 2 * hour, "dispatch", S.APPROVED, S.DISPATCHED)
    event(ids["rejected"], NOON + 3 * hour, "reject", S.IN_REVIEW, S.REJECTED)
    event(ids["subsidy"], NOON + 4 * hour, "claim_approve", S.IN_REVIEW, S.CLAIM_APPROVED)
    event(ids["returned_then_approved"], NOON, "return_to_applicant", S.IN_REVIEW, S.RETURNED)
    event(ids["returned_then_approved"], NOON + 5 * hour, "approve", S.IN_REVIEW, S.APPROVED)
    # Two decision rows (history written twice): the earlier one is the decision.
    event(ids["returned_then_approved"], NOON + 6 * hour, "approve", S.IN_REVIEW, S.APPROVED)
    event(ids["undecided"], NOON, "start_review", S.SUBMITTED, S.IN_REVIEW)
    event(ids["skipped_review"], NOON, "skip_review", S.SUBMITTED, S.APPROVED)

    migrate(AFTER)

    reviewed = dict(Case.objects.values_list("pk", "reviewed_at"))
    assert reviewed[ids["approved"]] == NOON + hour
    assert reviewed[ids["rejected"]] == NOON + 3 * hour
    assert reviewed[ids["subsidy"]] == NOON + 4 * hour
    assert reviewed[ids["returned_then_approved"]] == NOON + 5 * hour
    assert reviewed[ids["undecided"]] is None
    assert reviewed[ids["skipped_review"]] is None


def test_migration_reverses_by_dropping_the_column(cases_at_0003):
    migrate(AFTER)
    migrate(BEFORE)

    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, "cases_case")]
    assert "reviewed_at" not in columns
