from celery import shared_task

from notifications.services import outbox_deliver, outbox_deliver_batch, outbox_deliver_pending, outbox_relay


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600, max_retries=10)
def deliver_outbox_message(message_id: int) -> bool:
    return outbox_deliver(message_id=message_id)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600, max_retries=10)
def deliver_outbox_batch(message_ids: list[int]) -> dict:
    return outbox_deliver_batch(message_ids=message_ids)


@shared_task(acks_late=True)
def deliver_outbox_pending() -> dict:
    return outbox_deliver_pending()


@shared_task(acks_late=True)
def relay_outbox() -> dict:
    return outbox_relay()
