# The queue filtered by service and edition counted its first 1,000 cases by hashing every case of the
# service (115 ms at ten million cases): an index on (enrollment, service) lets it walk the edition's
# enrollments and probe each for the service (17 ms). It begins with the enrollment, so it also serves
# every lookup the foreign key's own index served, which is dropped: one index fewer per case written.
# Both CONCURRENTLY (the case table keeps taking writes), hence outside a transaction; the new index
# is built before the old one goes.

import django.db.models.deletion
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

FK_INDEX = "cases_case_enrollment_id_60dbdbcf"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0018_review_holder_idx"),
        ("entitlements", "0006_person_name_prefix_idx"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(fields=["enrollment", "service"], name="case_enrollment_service_idx"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="enrollment",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="entitlements.enrollment",
                        verbose_name="权益",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX CONCURRENTLY IF EXISTS {FK_INDEX}",
                    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {FK_INDEX} ON cases_case (enrollment_id)",
                ),
            ],
        ),
    ]
