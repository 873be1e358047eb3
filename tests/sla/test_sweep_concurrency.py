import threading
from datetime import date

import pytest
from django.db import connection

from cases.models import CaseState
from notifications.models import OutboxMessage
from sla import services
from sla.models import Reminder
from sla.services import sla_sweep
from tests.sla.conftest import EVE_OF_NATIONAL_DAY, make_case


def run_concurrently(count: int, today: date) -> tuple[list[dict], list[BaseException]]:
    barrier = threading.Barrier(count)
    results: list[dict] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(sla_sweep(today=today))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_overlapping_sweeps_remind_each_case_exactly_once(provider):
    for _ in range(20):
        make_case(provider=provider, sla_deadline_due=EVE_OF_NATIONAL_DAY)
        make_case(provider=provider, sla_deadline_due=date(2026, 9, 1))
        make_case(state=CaseState.IN_REVIEW, review_due=date(2026, 10, 8))

    results, errors = run_concurrently(4, EVE_OF_NATIONAL_DAY)

    assert errors == []
    assert sum(result["reminded"] for result in results) == 60
    assert Reminder.objects.count() == 60
    assert OutboxMessage.objects.filter(dedupe_key__startswith="reminder:").count() == 60
    assert not Reminder.objects.filter(message__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_sweep_dying_mid_run_leaves_nothing_and_the_rerun_sends_everything(provider, monkeypatch):
    cases = [make_case(provider=provider, sla_deadline_due=EVE_OF_NATIONAL_DAY) for _ in range(3)]
    real_write = services._messages_write

    def write_then_die(*args, **kwargs):
        real_write(*args, **kwargs)
        raise RuntimeError("worker lost")

    monkeypatch.setattr(services, "_messages_write", write_then_die)
    with pytest.raises(RuntimeError):
        sla_sweep(today=EVE_OF_NATIONAL_DAY)
    assert not Reminder.objects.exists()
    assert not OutboxMessage.objects.exists()
    monkeypatch.setattr(services, "_messages_write", real_write)

    result = sla_sweep(today=EVE_OF_NATIONAL_DAY)

    assert result["reminded"] == 3
    assert set(Reminder.objects.values_list("case_id", flat=True)) == {case.pk for case in cases}
