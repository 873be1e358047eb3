import threading

import pytest
from django.db import connection

from cases.models import CaseEvent, CaseState
from providers.models import IdempotencyRecord, ProviderApiLog
from tests.providers.conftest import dispatched_case, token_client
from tests.providers.test_api import ARRANGEMENT, url


@pytest.fixture
def case_a(provider_a, coordinator):
    return dispatched_case(provider=provider_a, actor=coordinator)


def _events(case, name):
    return CaseEvent.objects.filter(case=case, transition=name).count()


@pytest.mark.django_db
def test_retry_with_the_same_key_replays_the_first_answer(client_a, case_a):
    first = client_a.post(url(case_a.number, "accept"), HTTP_IDEMPOTENCY_KEY="k-1")
    again = client_a.post(url(case_a.number, "accept"), HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert _events(case_a, "provider_accept") == 1
    assert list(ProviderApiLog.objects.order_by("id").values_list("replayed", flat=True)) == [False, True]


@pytest.mark.django_db
def test_retried_arrangement_is_recorded_once(client_a, case_a):
    client_a.post(url(case_a.number, "accept"))
    for _ in range(3):
        response = client_a.post(
            url(case_a.number, "arrangement"), ARRANGEMENT, format="json", HTTP_IDEMPOTENCY_KEY="arr-1"
        )
        assert response.status_code == 200
    assert _events(case_a, "arrange") == 1


@pytest.mark.django_db
def test_key_order_and_whitespace_in_the_body_do_not_break_a_replay(client_a, case_a):
    import json

    client_a.post(url(case_a.number, "accept"))
    client_a.post(url(case_a.number, "arrangement"), ARRANGEMENT, format="json", HTTP_IDEMPOTENCY_KEY="arr-2")
    reordered = json.dumps(dict(reversed(list(ARRANGEMENT.items()))), indent=2)
    again = client_a.post(
        url(case_a.number, "arrangement"), reordered, content_type="application/json", HTTP_IDEMPOTENCY_KEY="arr-2"
    )
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_same_key_with_a_different_body_is_422(client_a, case_a):
    client_a.post(url(case_a.number, "decline"), {"reason": "无号源"}, format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    response = client_a.post(
        url(case_a.number, "decline"), {"reason": "客户失联"}, format="json", HTTP_IDEMPOTENCY_KEY="d-1"
    )
    assert response.status_code == 422


@pytest.mark.django_db
def test_same_key_on_another_endpoint_is_422(client_a, case_a):
    client_a.post(url(case_a.number, "accept"), HTTP_IDEMPOTENCY_KEY="k-2")
    response = client_a.post(url(case_a.number, "complete"), HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    case_a.refresh_from_db()
    assert case_a.state == CaseState.ACCEPTED


@pytest.mark.django_db
def test_a_refusal_is_replayed_too(client_a, case_a):
    first = client_a.post(url(case_a.number, "complete"), HTTP_IDEMPOTENCY_KEY="c-1")
    assert first.status_code == 409
    client_a.post(url(case_a.number, "arrangement"), ARRANGEMENT, format="json")
    again = client_a.post(url(case_a.number, "complete"), HTTP_IDEMPOTENCY_KEY="c-1")
    assert again.status_code == 409 and again.json() == first.json()


@pytest.mark.django_db
def test_keys_belong_to_one_user(client_a, case_a, provider_a, member_a):
    from tests.providers.conftest import _member

    colleague = token_client(_member(provider_a))
    client_a.post(url(case_a.number, "accept"), HTTP_IDEMPOTENCY_KEY="shared")
    response = colleague.post(url(case_a.number, "accept"), HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 409  # a fresh request for the colleague, refused on its merits
    assert IdempotencyRecord.objects.filter(key="shared").count() == 2


@pytest.mark.django_db
def test_an_overlong_key_is_a_field_error(client_a, case_a):
    response = client_a.post(url(case_a.number, "accept"), HTTP_IDEMPOTENCY_KEY="x" * 129)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_act_once(provider_a, coordinator, member_a):
    case = dispatched_case(provider=provider_a, actor=coordinator)
    barrier = threading.Barrier(6)
    statuses, replayed = [], []

    def send():
        client = token_client(member_a)
        barrier.wait()
        try:
            response = client.post(url(case.number, "accept"), HTTP_IDEMPOTENCY_KEY="race")
            statuses.append(response.status_code)
            replayed.append(response.get("Idempotent-Replayed") == "true")
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 6
    assert replayed.count(False) == 1
    assert _events(case, "provider_accept") == 1


@pytest.mark.django_db(transaction=True)
def test_accept_racing_a_redispatch_never_lands_on_the_new_providers_case(
    provider_a, provider_b, coordinator, member_a
):
    from cases.services import case_redispatch

    for _ in range(5):
        case = dispatched_case(provider=provider_a, actor=coordinator)
        barrier = threading.Barrier(2)
        outcome = {}

        def accept(case=case, barrier=barrier, outcome=outcome):
            client = token_client(member_a)
            barrier.wait()
            try:
                outcome["accept"] = client.post(url(case.number, "accept")).status_code
            finally:
                connection.close()

        def redispatch(case=case, barrier=barrier, outcome=outcome):
            barrier.wait()
            try:
                case_redispatch(
                    case=case, actor=coordinator, provider=provider_b, note="改派", expected_state="dispatched"
                )
            except Exception as exc:  # the accept won: the case is no longer "dispatched"
                outcome["redispatch"] = exc
            finally:
                connection.close()

        threads = [threading.Thread(target=accept), threading.Thread(target=redispatch)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        case.refresh_from_db()
        if outcome["accept"] == 200:
            # A accepted first; the re-dispatch then found the case moved on and was refused.
            assert case.provider == provider_a and case.state == CaseState.ACCEPTED
            assert "redispatch" in outcome
        else:
            assert outcome["accept"] == 404
            assert case.provider == provider_b and case.state == CaseState.DISPATCHED


@pytest.mark.django_db
def test_old_idempotency_records_are_purged(client_a, case_a):
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    client_a.post(url(case_a.number, "accept"), HTTP_IDEMPOTENCY_KEY="old")
    client_a.post(url(case_a.number, "complete"), HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - datetime.timedelta(days=31))
    call_command("purge_idempotency_records")
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
