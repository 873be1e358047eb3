"""Celery tasks of the cases app: fetch, call a service, nothing else."""

from celery import shared_task

from cases.models import CaseEvent
from cases.notifications import case_event_notify


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def notify_case_event(self, event_id: int) -> int:
    """E-mail the party who acts next on the case about one of its events."""
    event = (
        CaseEvent.objects.select_related("case__service", "case__provider", "case__holder").filter(pk=event_id).first()
    )
    if event is None:
        return 0
    try:
        return case_event_notify(event=event)
    except OSError as exc:  # SMTP down: try again later
        raise self.retry(exc=exc) from exc
