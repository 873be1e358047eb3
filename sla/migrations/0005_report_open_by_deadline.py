# The report's aggregates count the open cases by deadline (sla.report_aggregates.LAYOUT 3), so "open
# past deadline" and "at risk" are read from the margins instead of from every open case. The old
# build's rows are dropped first (derived data: the layout change sets the build aside anyway, and the
# next compaction rebuilds it in the new layout), so the keys are rebuilt on empty tables; the case
# table's trigger functions are replaced to write the new columns, and now also fire on a state change.

from django.db import migrations, models
from django_migration_linter import IgnoreMigration

from sla.report_aggregates import UNINSTALL_SQL, install_sql

EMPTY = "DELETE FROM sla_reportdelta; DELETE FROM sla_reportcell; DELETE FROM sla_reportmargin;"
# Rolled back, the trigger functions of this layout would write columns that no longer exist: they are
# dropped and the aggregates marked unbuilt, so the report counts the cases directly until the release
# is rolled forward again (its compaction then rebuilds them).
SET_ASIDE = UNINSTALL_SQL + "UPDATE sla_reportaggregatestate SET built_at = NULL;"


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0004_report_day_margins'),
    ]

    # The linter refuses a new unique constraint on an existing table: these are built on the tables
    # just emptied (derived data, rebuilt by the next compaction), so they take no time and lock nothing.
    operations = [
        IgnoreMigration(),
        migrations.RunSQL(EMPTY, migrations.RunSQL.noop),
        migrations.RemoveConstraint(
            model_name='reportcell',
            name='sla_reportcell_key',
        ),
        migrations.RemoveConstraint(
            model_name='reportmargin',
            name='sla_reportmargin_key',
        ),
        migrations.AddField(
            model_name='reportcell',
            name='open',
            field=models.IntegerField(db_default=0, default=0, verbose_name='办理中'),
        ),
        migrations.AddField(
            model_name='reportcell',
            name='open_due',
            field=models.DateField(null=True, verbose_name='办理中案件的最迟完成日'),
        ),
        migrations.AddField(
            model_name='reportdelta',
            name='open',
            field=models.IntegerField(db_default=0, default=0, verbose_name='办理中'),
        ),
        migrations.AddField(
            model_name='reportdelta',
            name='open_due',
            field=models.DateField(null=True, verbose_name='办理中案件的最迟完成日'),
        ),
        migrations.AddField(
            model_name='reportmargin',
            name='due',
            field=models.DateField(null=True, verbose_name='最迟完成日'),
        ),
        migrations.AddField(
            model_name='reportmargin',
            name='open',
            field=models.IntegerField(db_default=0, default=0, verbose_name='办理中'),
        ),
        migrations.AddConstraint(
            model_name='reportcell',
            constraint=models.UniqueConstraint(fields=('day', 'provider_id', 'service_id', 'city', 'arrange_days', 'review_days', 'open_due'), name='sla_reportcell_key', nulls_distinct=False),
        ),
        migrations.AddConstraint(
            model_name='reportmargin',
            constraint=models.UniqueConstraint(fields=('grain', 'period', 'dim', 'value', 'measure', 'days', 'due'), name='sla_reportmargin_key', nulls_distinct=False),
        ),
        migrations.RunSQL(UNINSTALL_SQL + install_sql(), SET_ASIDE),
    ]
