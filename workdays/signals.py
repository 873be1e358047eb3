from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from workdays.models import CalendarDay, CalendarYear

# Sent, inside the transaction that wrote it, once a change of the calendar is complete: ``first``
# and ``last`` are the first and last dates it touched, ``actor`` who made it. The apps that keep
# dates counted on the calendar (cases) recompute what it affects and answer with the number of
# cases whose due dates changed. The calendar knows nothing of them: it sits below in the layers.
calendar_days_changed = Signal()
# Asked before a year stops counting (deleted, or 已覆盖 unticked), with ``year``: receivers answer
# with the labels (case numbers) of the open cases that would be left without a due date.
calendar_year_dependents = Signal()


@receiver(post_save, sender=CalendarYear)
@receiver(post_delete, sender=CalendarYear)
@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
def calendar_changed(sender, **kwargs) -> None:
    # Admin edits reach every process through the revision token.
    from workdays.services import calendar_revision_bump

    calendar_revision_bump()


def seed_calendar_after_migrate(sender, using="default", **kwargs) -> None:
    """Load the library's years into a new (or just flushed) database; existing rows are kept."""
    from django.db import connections

    from workdays.services import calendar_sync

    # After `migrate workdays zero` the tables are gone; there is nothing to seed.
    if CalendarYear._meta.db_table not in connections[using].introspection.table_names():
        return
    calendar_sync(only_missing=True, announce=False)
