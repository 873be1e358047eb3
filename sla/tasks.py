from celery import shared_task

from sla.services import sla_sweep


# acks_late: a worker killed mid-sweep leaves the message on the broker and another worker runs the
# sweep again; the reminders' unique constraint makes the rerun send only what the first did not.
@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=300, max_retries=5)
def sweep_sla() -> dict:
    return sla_sweep()
