"""The review queue's 我的 / 未认领 counts from a partial index of the queue's cases by holder, built
CONCURRENTLY; the single-column index on ``sla_target_due``, which nothing looks up or sorts by,
dropped CONCURRENTLY (docs/operations.md, Releases)."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0017_board_indexes_board_listed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="sla_target_due",
                    field=models.DateField(blank=True, null=True, verbose_name="目标完成日"),
                ),
            ],
            # The name Django gave the index of the field's db_index=True.
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX CONCURRENTLY IF EXISTS cases_case_sla_target_due_8ab6612e",
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS cases_case_sla_target_due_8ab6612e"
                    " ON cases_case (sla_target_due)",
                ),
            ],
        ),
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(
                condition=models.Q(("state__in", ("submitted", "in_review", "returned"))),
                fields=["holder", "state", "id"],
                name="case_review_holder_idx",
            ),
        ),
    ]
