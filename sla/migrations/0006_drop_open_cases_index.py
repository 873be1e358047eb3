# The report reads its open cases' counts by deadline from the aggregates (sla 0005): the covering
# partial index it counted them from (sla 0003) is read by nothing and only costs case writes. Dropped
# CONCURRENTLY (the case table keeps taking writes), hence outside a transaction.

from django.db import migrations


OPEN_CASES_INDEX = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS sla_case_open_report_idx ON cases_case (submitted_at)
    INCLUDE (provider_id, service_id, city, sla_deadline_due)
    WHERE sla_stopped_at IS NULL AND state IN ('approved', 'dispatched', 'accepted')
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("sla", "0005_report_open_by_deadline"),
    ]

    operations = [
        migrations.RunSQL("DROP INDEX CONCURRENTLY IF EXISTS sla_case_open_report_idx", OPEN_CASES_INDEX),
    ]
