"""Case.reviewed_at: the moment of the review decision, kept on the case for the manager report.

Existing cases get it from their history: the first event that took the case out of 医学审核中 into
待派单, 审核不通过 or 已核定金额 (the decision the review transitions record). One set-based UPDATE
over the decision events (read through the partial index ``caseevent_review_decision_idx``).
"""

from django.db import migrations, models

BACKFILL = """
UPDATE cases_case
   SET reviewed_at = decision.at
  FROM (
        SELECT case_id, MIN(at) AS at
          FROM cases_caseevent
         WHERE from_state = 'in_review' AND to_state IN ('approved', 'rejected', 'claim_approved')
         GROUP BY case_id
       ) AS decision
 WHERE decision.case_id = cases_case.id
   AND cases_case.reviewed_at IS NULL
"""


def reviewed_at_backfill(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(BACKFILL)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_caseevent_caseevent_review_decision_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="reviewed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="审核结论时间"),
        ),
        # Reversed by removing the column (the AddField above): nothing to undo here.
        migrations.RunPython(reviewed_at_backfill, migrations.RunPython.noop, elidable=True),
    ]
