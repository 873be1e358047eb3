from celery import shared_task

from cases.services.documents import documents_sweep


@shared_task(name="cases.tasks.sweep_documents")
def sweep_documents() -> dict[str, int]:
    return documents_sweep()
