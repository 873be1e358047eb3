"""A calendar change rebuilds the working-day ranks once it is committed, and with them (through the
rebuild task ``workday_ranks_sync`` enqueues) the report's aggregates; until then the report counts
the cases directly, so no figure is ever counted on two calendars."""

import logging

from django.db import transaction
from django.dispatch import receiver

from workdays.signals import calendar_days_changed

log = logging.getLogger(__name__)


def _ranks_resync() -> None:
    from sla.services import workday_ranks_sync

    try:
        workday_ranks_sync()
    except Exception:  # the next report view syncs them again; a calendar edit must not fail on this
        log.exception("could not rebuild the working-day ranks after a calendar change")


@receiver(calendar_days_changed, dispatch_uid="sla.ranks_resync")
def calendar_changed(sender, **kwargs) -> None:
    transaction.on_commit(_ranks_resync)
