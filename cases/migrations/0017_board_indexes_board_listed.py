"""The board's two partial indexes over the states the board lists (BOARD_LISTED: paid 120 claims
included). Their condition was ON_BOARD, which the board's queries (state IN BOARD_LISTED) do not
imply, so PostgreSQL could not use them. Built CONCURRENTLY before the old ones are dropped, also
CONCURRENTLY (docs/operations.md, Releases)."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

BOARD_LISTED = ("approved", "dispatched", "accepted", "waiting_customer", "arranged", "completed", "paid")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0016_sweep_breach_markers"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(
                condition=models.Q(("state__in", BOARD_LISTED)),
                fields=["sla_deadline_due", "id"],
                name="case_board_due_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(
                condition=models.Q(("state__in", BOARD_LISTED)),
                fields=["city", "sla_deadline_due", "id"],
                name="case_board_city_due_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="case", name="case_board_deadline_idx"),
        RemoveIndexConcurrently(model_name="case", name="case_board_city_idx"),
    ]
