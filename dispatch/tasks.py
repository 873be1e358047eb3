"""Celery tasks of dispatch: fetch, call a service, nothing else."""

from celery import shared_task

from dispatch.services import idempotency_records_purge, provider_reminder_deliver


@shared_task(bind=True, max_retries=5, default_retry_delay=60, acks_late=True)
def send_provider_reminder(self, reminder_id: int) -> bool:
    try:
        return provider_reminder_deliver(reminder_id=reminder_id)
    except OSError as exc:  # SMTP down: try again later
        raise self.retry(exc=exc) from exc


@shared_task
def purge_idempotency_records() -> int:
    return idempotency_records_purge()
