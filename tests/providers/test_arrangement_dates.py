"""Accept comes before arrange; an arrangement may not predate the dispatch nor lie more than
ARRANGEMENT_MAX_PAST_DAYS back; completion may not precede the arranged time (issue 16). The
rules live in the service, so the provider API and the board refuse alike."""

import datetime

import pytest
from django.utils import timezone

from cases.errors import CaseValidationError
from cases.models import CaseState
from cases.services import case_arrange
from tests.providers.conftest import accepted_case, dispatched_case
from tests.providers.test_api import ARRANGEMENT, url

pytestmark = pytest.mark.django_db


VISIT = {"hospital": "北京协和医院", "department": "肿瘤内科", "doctor": "李医生", "doctor_title": "主任医师"}


def at(**delta) -> str:
    return (timezone.now() + datetime.timedelta(**delta)).isoformat()


def test_arranging_a_case_not_yet_accepted_is_409_saying_to_accept_first(client_a, provider_a, coordinator):
    case = dispatched_case(provider=provider_a, actor=coordinator)
    response = client_a.post(url(case.number, "arrangement"), ARRANGEMENT, format="json")
    assert response.status_code == 409
    assert "请先接单" in response.data["detail"]
    assert response.data["state"] == CaseState.DISPATCHED
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED and case.sla_stopped_at is None


def test_accept_then_arrange_is_accepted(client_a, provider_a, coordinator):
    case = dispatched_case(provider=provider_a, actor=coordinator)
    assert client_a.post(url(case.number, "accept")).status_code == 200
    response = client_a.post(url(case.number, "arrangement"), ARRANGEMENT, format="json")
    assert response.status_code == 200 and response.data["state"] == CaseState.ARRANGED


def test_an_arrangement_dated_years_back_is_400_naming_arranged_at(client_a, provider_a, coordinator):
    case = accepted_case(provider=provider_a, actor=coordinator)
    payload = {**ARRANGEMENT, "arranged_at": "2020-01-01T09:00:00+08:00"}
    response = client_a.post(url(case.number, "arrangement"), payload, format="json")
    assert response.status_code == 400
    assert "派单时间" in response.data["arranged_at"][0]
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED and case.sla_stopped_at is None


def test_an_arrangement_before_the_dispatch_is_refused(provider_a, coordinator):
    case = accepted_case(provider=provider_a, actor=coordinator)
    before = case.dispatches.get(active=True).at - datetime.timedelta(minutes=5)
    with pytest.raises(CaseValidationError) as refused:
        case_arrange(case=case, actor=coordinator, **VISIT, arranged_at=before)
    assert "不能早于派单时间" in refused.value.errors["arranged_at"][0]


def test_an_arrangement_more_than_the_configured_days_back_is_refused(provider_a, coordinator, settings):
    settings.ARRANGEMENT_MAX_PAST_DAYS = 3
    case = accepted_case(provider=provider_a, actor=coordinator)
    case.dispatches.update(at=timezone.now() - datetime.timedelta(days=10))
    with pytest.raises(CaseValidationError) as refused:
        case_arrange(case=case, actor=coordinator, **VISIT, arranged_at=timezone.now() - datetime.timedelta(days=4))
    assert refused.value.errors["arranged_at"] == ["就诊/入院时间不能早于 3 天前"]
    # Two days back is within the limit: a visit recorded late is still recorded.
    case = case_arrange(case=case, actor=coordinator, **VISIT, arranged_at=timezone.now() - datetime.timedelta(days=2))
    assert case.state == CaseState.ARRANGED


def test_completion_before_the_arranged_time_is_400_naming_completed_at(client_a, provider_a, coordinator):
    case = accepted_case(provider=provider_a, actor=coordinator)
    client_a.post(url(case.number, "arrangement"), {**ARRANGEMENT, "arranged_at": at(days=2)}, format="json")
    response = client_a.post(url(case.number, "complete"), {}, format="json")
    assert response.status_code == 400
    assert "不能早于就诊/入院时间" in response.data["completed_at"][0]
    response = client_a.post(url(case.number, "complete"), {"completed_at": at(days=2, hours=3)}, format="json")
    assert response.status_code == 200 and response.data["state"] == CaseState.COMPLETED


def test_the_board_refuses_an_arrangement_dated_before_the_dispatch(client, coordinator, provider_a):
    case = accepted_case(provider=provider_a, actor=coordinator)
    client.force_login(coordinator)
    form = {
        "action": "arrange",
        **{f"arrange-{name}": value for name, value in VISIT.items()},
        "arrange-arranged_at": "2020-01-01T09:00",
        "arrange-expected_state": "accepted",
    }
    response = client.post(f"/board/cases/{case.number}/", form, follow=True)
    assert "不能早于派单时间" in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED


def test_the_board_offers_no_arrangement_before_the_provider_accepts(client, coordinator, provider_a):
    case = dispatched_case(provider=provider_a, actor=coordinator)
    client.force_login(coordinator)
    response = client.get(f"/board/cases/{case.number}/")
    assert 'id="action-arrange"' not in response.content.decode()
