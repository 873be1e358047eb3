"""A provider keeps no access to ended cases: documents go when the case closes, the case itself
PROVIDER_ACCESS_DAYS_AFTER_CLOSE days later."""

import datetime

import pytest
from django.utils import timezone

from cases.models import Case, CaseEvent, CaseState
from tests.providers.conftest import attach_document, dispatched_case

pytestmark = pytest.mark.django_db


def _end(case, *, days_ago: int) -> None:
    """The case closed ``days_ago`` days ago, as the timeline records it."""
    Case.objects.filter(pk=case.pk).update(state=CaseState.CLOSED)
    CaseEvent.objects.create(
        case=case,
        transition="close",
        from_state=CaseState.COMPLETED,
        to_state=CaseState.CLOSED,
        at=timezone.now() - datetime.timedelta(days=days_ago),
    )


def test_documents_of_a_closed_case_are_no_longer_downloadable(client_a, provider_a, coordinator):
    case = dispatched_case(provider=provider_a, actor=coordinator)
    document = attach_document(case)
    assert client_a.get(f"/api/v1/provider/cases/{case.number}/documents/{document.pk}").status_code == 200

    _end(case, days_ago=0)

    assert client_a.get(f"/api/v1/provider/cases/{case.number}/documents/{document.pk}").status_code == 404
    detail = client_a.get(f"/api/v1/provider/cases/{case.number}")
    assert detail.status_code == 200 and detail.json()["documents"] == []


def test_a_case_ended_longer_ago_than_the_configured_period_leaves_the_providers_view(
    client_a, provider_a, coordinator, settings
):
    settings.PROVIDER_ACCESS_DAYS_AFTER_CLOSE = 30
    recent, old = (dispatched_case(provider=provider_a, actor=coordinator) for _ in range(2))
    _end(recent, days_ago=29)
    _end(old, days_ago=31)

    listed = [row["number"] for row in client_a.get("/api/v1/provider/cases").json()["results"]]

    assert recent.number in listed and old.number not in listed
    assert client_a.get(f"/api/v1/provider/cases/{old.number}").status_code == 404
