# Who keyed a back-office entry in: a partial index (only those cases have one), built without
# blocking writes to the case table.

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('cases', '0010_handbook_second_reading'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='case',
            index=models.Index(condition=models.Q(('keyed_in_by__isnull', False)), fields=['keyed_in_by'], name='case_keyed_in_by_idx'),
        ),
    ]
