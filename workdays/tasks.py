from celery import shared_task

from workdays.services import calendar_sync


# Daily: a year that begins makes the one after it "next year", computed provisionally until the
# State Council's schedule is entered; a provisional year the library now publishes is replaced.
@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=300, max_retries=5)
def calendar_keep_next_year() -> dict:
    result = calendar_sync(only_missing=True)
    return {"added": result.added, "refreshed": result.refreshed, "provisional": result.provisional,
            "cases_changed": result.cases_changed}  # fmt: skip
