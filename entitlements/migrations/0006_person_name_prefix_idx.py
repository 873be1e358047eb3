"""The desk search's index on the beginning of a customer's name (LIKE '王%'), built concurrently."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("entitlements", "0005_policy_status_date")]

    operations = [
        AddIndexConcurrently(
            model_name="person",
            index=models.Index(fields=["name"], name="person_name_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ),
    ]
