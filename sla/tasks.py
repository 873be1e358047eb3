from celery import shared_task

from sla.services import sla_sweep


# acks_late: a worker killed mid-sweep leaves the message on the broker and another worker runs the
# sweep again; the reminders' unique constraint makes the rerun send only what the first did not.
@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=300, max_retries=5)
def sweep_sla() -> dict:
    return sla_sweep()


@shared_task(acks_late=True)
def compact_report_aggregates() -> dict:
    from sla.report_aggregates import aggregates_compact

    return aggregates_compact()


@shared_task(acks_late=True)
def rebuild_report_aggregates() -> dict:
    """After a calendar change: the report counts the cases directly until this has run."""
    from sla.report_aggregates import aggregates_rebuild, aggregates_usable

    if aggregates_usable():
        return {"skipped": True}
    return aggregates_rebuild()
