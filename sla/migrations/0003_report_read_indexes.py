# The manager report's reads from the aggregates: the trend's totals of a run of periods, and the open
# cases it counts "open past deadline" and "at risk" from.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

# The cases whose clock runs (cases.states.CLOCK_RUNNING, not stopped), with every column the report
# reads from them, so that they are counted from the index alone. Built CONCURRENTLY: the case table
# keeps taking writes meanwhile (hence a migration outside a transaction).
OPEN_CASES_INDEX = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS sla_case_open_report_idx ON cases_case (submitted_at)
    INCLUDE (provider_id, service_id, city, sla_deadline_due)
    WHERE sla_stopped_at IS NULL AND state IN ('approved', 'dispatched', 'accepted')
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("sla", "0002_report_aggregates"),
        ("cases", "0012_sla_exemption"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="reportmargin",
            index=models.Index(fields=["grain", "dim", "period"], name="sla_reportmargin_trend_idx"),
        ),
        migrations.RunSQL(OPEN_CASES_INDEX, "DROP INDEX CONCURRENTLY IF EXISTS sla_case_open_report_idx"),
    ]
