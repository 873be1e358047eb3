# The report's aggregates gain daily margins (sla.report_aggregates.LAYOUT 2). A build of the old
# layout (0 here) is set aside: the report counts the cases directly until the next compaction (the
# beat task, every minute) has rebuilt the aggregates in the new layout.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0003_report_read_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='reportaggregatestate',
            name='layout',
            field=models.PositiveSmallIntegerField(db_default=0, default=0, verbose_name='汇总结构版本'),
        ),
    ]
