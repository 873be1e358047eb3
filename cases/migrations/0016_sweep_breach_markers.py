# The SLA sweep's breach markers: the due date whose breach reminder has been sent, on the case, and
# two partial indexes of the clocks not reminded for their current due date. The markers of the
# reminders already sent are filled in before the indexes are built, so those cases never enter them.
# Built CONCURRENTLY: the case table keeps taking writes meanwhile (hence outside a transaction).

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

BACKFILL = """
UPDATE cases_case c SET sla_breach_reminded_for = c.sla_deadline_due
 WHERE c.state IN ('approved', 'dispatched', 'accepted') AND c.sla_stopped_at IS NULL
   AND EXISTS (SELECT 1 FROM sla_reminder r
                WHERE r.case_id = c.id AND r.kind = 'breached' AND r.deadline = c.sla_deadline_due);
UPDATE cases_case c SET review_breach_reminded_for = c.review_due
 WHERE c.state IN ('submitted', 'in_review')
   AND EXISTS (SELECT 1 FROM sla_reminder r
                WHERE r.case_id = c.id AND r.kind = 'review_breached' AND r.deadline = c.review_due);
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0015_intakekey"),
        ("sla", "0003_report_read_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="review_breach_reminded_for",
            field=models.DateField(
                blank=True, editable=False, null=True, verbose_name="审核超时提醒对应的审核应完成日"
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="sla_breach_reminded_for",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="超时提醒对应的最迟完成日"),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(
                condition=models.Q(
                    ("sla_stopped_at__isnull", True),
                    ("state__in", ("approved", "dispatched", "accepted")),
                    models.Q(
                        ("sla_breach_reminded_for__isnull", True),
                        ("sla_breach_reminded_for__lt", models.F("sla_deadline_due")),
                        ("sla_breach_reminded_for__gt", models.F("sla_deadline_due")),
                        _connector="OR",
                    ),
                ),
                fields=["sla_deadline_due", "id"],
                name="case_sla_unreminded_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(
                condition=models.Q(
                    ("state__in", ("submitted", "in_review")),
                    models.Q(
                        ("review_breach_reminded_for__isnull", True),
                        ("review_breach_reminded_for__lt", models.F("review_due")),
                        ("review_breach_reminded_for__gt", models.F("review_due")),
                        _connector="OR",
                    ),
                ),
                fields=["review_due", "id"],
                name="case_review_unreminded_idx",
            ),
        ),
    ]
