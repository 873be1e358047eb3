"""The desk search's index on any part of a case number: pg_trgm, then a GIN trigram index built
without locking the table (a million cases are written to while it builds)."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import AddIndexConcurrently, TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("cases", "0013_misuse_stop_and_recovery")]

    operations = [
        TrigramExtension(),
        AddIndexConcurrently(
            model_name="case",
            index=GinIndex(fields=["number"], name="case_number_trgm_idx", opclasses=["gin_trgm_ops"]),
        ),
    ]
