import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import CaseEvent, CaseState, DocumentKind
from cases.services import case_redispatch
from providers.models import ProviderApiLog
from tests.factories.cases import service
from tests.providers.conftest import attach_document, dispatched_case

pytestmark = pytest.mark.django_db

ARRANGEMENT = {
    "hospital": "复旦大学附属中山医院",
    "department": "胸外科",
    "doctor": "王医生",
    "doctor_title": "副主任医师",
    # Tomorrow morning: an arrangement may not lie more than ARRANGEMENT_MAX_PAST_DAYS back.
    "arranged_at": f"{timezone.localdate() + datetime.timedelta(days=1)}T09:30:00+08:00",
    "address": "上海市徐汇区枫林路180号",
}


def url(number: str = "", action: str = "") -> str:
    base = "/api/v1/provider/cases"
    if number:
        base += f"/{number}"
    return f"{base}/{action}" if action else base


@pytest.fixture
def case_a(provider_a, coordinator):
    return dispatched_case(provider=provider_a, actor=coordinator)


@pytest.fixture
def case_b(provider_b, coordinator):
    return dispatched_case(provider=provider_b, actor=coordinator)


def test_provider_lists_only_its_own_cases(client_a, case_a, case_b):
    response = client_a.get(url())
    assert response.status_code == 200
    assert [row["number"] for row in response.data["results"]] == [case_a.number]


def test_list_filters_by_state(client_a, case_a, provider_a, coordinator):
    accepted = dispatched_case(provider=provider_a, actor=coordinator)
    client_a.post(url(accepted.number, "accept"))
    response = client_a.get(url(), {"state": "accepted"})
    assert [row["number"] for row in response.data["results"]] == [accepted.number]


@pytest.mark.parametrize(
    ("method", "action", "payload"),
    [
        ("get", "", None),
        ("post", "accept", None),
        ("post", "decline", {"reason": "无号源"}),
        ("post", "arrangement", ARRANGEMENT),
        ("post", "complete", None),
    ],
)
def test_another_providers_case_is_404_and_untouched(client_a, case_b, method, action, payload):
    response = getattr(client_a, method)(url(case_b.number, action), payload, format="json")
    assert response.status_code == 404
    case_b.refresh_from_db()
    assert case_b.state == CaseState.DISPATCHED


def test_case_detail_carries_only_what_the_provider_needs(client_a, case_a):
    case_a.preferred_hospital = "复旦大学附属中山医院"
    case_a.preferred_department = "胸外科"
    case_a.save(update_fields=["preferred_hospital", "preferred_department"])
    response = client_a.get(url(case_a.number))
    assert response.status_code == 200
    body = response.data
    assert body["beneficiary_name"] == case_a.beneficiary.name
    assert body["beneficiary_phone_masked"] == case_a.beneficiary.phone_masked
    # The full phone and the diagnosis summary: the provider calls the patient to arrange (issue 16).
    assert body["beneficiary_phone"] == case_a.beneficiary.phone
    assert case_a.beneficiary.id_number not in str(body)
    assert body["diagnosis_summary"] == case_a.diagnosis and "id_tail" not in body
    assert body["preferred_hospital"] == "复旦大学附属中山医院"
    assert body["dispatch_note"] == "请尽快联系客户"


def test_documents_are_listed_without_file_names_and_invoices_are_not_shown(client_a, case_a):
    record = attach_document(case_a)
    attach_document(case_a, kind=DocumentKind.INVOICE)
    documents = client_a.get(url(case_a.number)).data["documents"]
    assert [d["id"] for d in documents] == [record.pk]
    assert "original_name" not in documents[0]
    download = client_a.get(documents[0]["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_provider_cannot_download_another_providers_document(client_a, case_b):
    document = attach_document(case_b)
    assert client_a.get(url(case_b.number, f"documents/{document.pk}")).status_code == 404
    assert client_a.get(url("LB-0000-000000", f"documents/{document.pk}")).status_code == 404


def test_staff_without_provider_membership_is_refused(coordinator, api_client, case_a):
    api_client.force_authenticate(coordinator)
    assert api_client.get(url()).status_code == 403


def test_anonymous_caller_is_refused(api_client):
    assert api_client.get(url()).status_code == 401


def test_deactivated_member_loses_access(client_a, member_a, case_a):
    member_a.active = False
    member_a.save()
    assert client_a.get(url()).status_code == 401  # the token itself is refused


def test_accept_moves_the_case_to_accepted(client_a, case_a):
    response = client_a.post(url(case_a.number, "accept"))
    assert response.status_code == 200
    assert response.data["state"] == CaseState.ACCEPTED
    case_a.refresh_from_db()
    assert case_a.state == CaseState.ACCEPTED
    assert case_a.dispatches.get(active=True).accepted_at is not None


def test_accepting_twice_is_409_with_the_current_state(client_a, case_a):
    client_a.post(url(case_a.number, "accept"))
    response = client_a.post(url(case_a.number, "accept"))
    assert response.status_code == 409
    assert response.data["state"] == CaseState.ACCEPTED
    assert response.data["detail"]


def test_decline_needs_a_reason(client_a, case_a):
    response = client_a.post(url(case_a.number, "decline"), {"reason": ""}, format="json")
    assert response.status_code == 400
    assert "reason" in response.data


def test_decline_returns_the_case_to_dispatch_and_out_of_sight(client_a, case_a):
    response = client_a.post(url(case_a.number, "decline"), {"reason": "当地无合作医院"}, format="json")
    assert response.status_code == 200
    assert response.data["state"] == CaseState.APPROVED
    case_a.refresh_from_db()
    assert case_a.state == CaseState.APPROVED and case_a.provider is None
    assert case_a.dispatches.get().decline_reason == "当地无合作医院"
    assert client_a.get(url(case_a.number)).status_code == 404


def test_arrangement_arranges_the_case_and_stops_the_clock(client_a, case_a):
    client_a.post(url(case_a.number, "accept"))
    response = client_a.post(url(case_a.number, "arrangement"), ARRANGEMENT, format="json")
    assert response.status_code == 200, response.data
    assert response.data["state"] == CaseState.ARRANGED
    assert response.data["arrangement"]["hospital"] == "复旦大学附属中山医院"
    case_a.refresh_from_db()
    assert case_a.sla_stopped_at is not None
    assert case_a.arranged_at == datetime.datetime.fromisoformat(ARRANGEMENT["arranged_at"])
    assert case_a.quota_hold.status == "used"


def test_arrangement_with_missing_fields_lists_each_field(client_a, case_a):
    # What an arrangement needs is the service's (catalogue flags): an appointment with a
    # 副主任医师及以上专家 needs the hospital, the doctor's title and the visit time.
    response = client_a.post(url(case_a.number, "arrangement"), {"hospital": ""}, format="json")
    assert response.status_code == 400
    assert set(case_a.service.arrangement_required) == {"hospital", "doctor_title", "arranged_at"}
    assert {"hospital", "doctor_title", "arranged_at"} <= set(response.data)
    case_a.refresh_from_db()
    assert case_a.state == CaseState.DISPATCHED


def test_expert_service_refuses_a_doctor_below_associate_chief(client_a, case_a):
    assert "专家" in case_a.service.name
    client_a.post(url(case_a.number, "accept"))
    payload = {**ARRANGEMENT, "doctor_title": "主治医师"}
    response = client_a.post(url(case_a.number, "arrangement"), payload, format="json")
    assert response.status_code == 400
    assert "doctor_title" in response.data
    case_a.refresh_from_db()
    assert case_a.state == CaseState.ACCEPTED and case_a.arranged_hospital == ""


def test_complete_before_arrangement_is_409(client_a, case_a):
    response = client_a.post(url(case_a.number, "complete"))
    assert response.status_code == 409
    assert response.data["state"] == CaseState.DISPATCHED


def test_complete_after_arrangement(client_a, case_a):
    client_a.post(url(case_a.number, "accept"))
    client_a.post(url(case_a.number, "arrangement"), ARRANGEMENT, format="json")
    seen = (timezone.now() + datetime.timedelta(days=2)).isoformat()  # after tomorrow's appointment
    response = client_a.post(url(case_a.number, "complete"), {"completed_at": seen}, format="json")
    assert response.status_code == 200
    assert response.data["state"] == CaseState.COMPLETED


def test_redispatched_case_moves_to_the_new_provider_and_history_is_kept(
    client_a, client_b, case_a, provider_b, coordinator
):
    case_redispatch(case=case_a, actor=coordinator, provider=provider_b, note="甲服务商当地无号源")
    assert client_a.get(url(case_a.number)).status_code == 404
    assert client_a.post(url(case_a.number, "accept")).status_code == 404
    assert client_b.post(url(case_a.number, "accept")).status_code == 200
    history = list(case_a.dispatches.order_by("at", "id").values_list("provider__name", "active", "note"))
    assert history == [("甲服务商", False, "请尽快联系客户"), ("乙服务商", True, "甲服务商当地无号源")]


def test_every_write_and_read_is_logged(client_a, case_a, member_a):
    client_a.get(url(case_a.number))
    client_a.post(url(case_a.number, "accept"))
    client_a.post(url(case_a.number, "accept"))
    rows = list(ProviderApiLog.objects.order_by("id").values_list("action", "status_code", "provider__code"))
    assert rows == [("view", 200, "provider-a"), ("accept", 200, "provider-a"), ("accept", 409, "provider-a")]
    assert AuditEvent.objects.filter(action="api_call", actor_id=member_a.user_id).count() == 3


def test_openapi_schema_documents_the_provider_endpoints(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ["cases", "cases/{number}", "cases/{number}/accept", "cases/{number}/arrangement"]:
        assert f"/api/v1/provider/{path}" in paths
    parameters = paths["/api/v1/provider/cases/{number}/accept"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" for p in parameters)


def test_naive_arrangement_time_is_read_as_beijing_time(client_a, case_a):
    client_a.post(url(case_a.number, "accept"))
    payload = {**ARRANGEMENT, "arranged_at": f"{timezone.localdate() + datetime.timedelta(days=1)}T09:30:00"}
    assert client_a.post(url(case_a.number, "arrangement"), payload, format="json").status_code == 200
    case_a.refresh_from_db()
    assert timezone.localtime(case_a.arranged_at).hour == 9


def test_non_expert_service_accepts_any_doctor_title(client_a, provider_a, coordinator):
    case = dispatched_case(provider=provider_a, actor=coordinator, service=service("ci-escort"))
    client_a.post(url(case.number, "accept"))
    payload = {**ARRANGEMENT, "doctor_title": "主治医师"}
    assert client_a.post(url(case.number, "arrangement"), payload, format="json").status_code == 200
    assert CaseEvent.objects.filter(case=case, transition="arrange").exists()


def test_case_list_query_count_does_not_grow_with_the_number_of_cases(
    client_a, provider_a, coordinator, django_assert_max_num_queries
):
    dispatched_case(provider=provider_a, actor=coordinator)
    with CaptureQueriesContext(connection) as one:
        client_a.get(url())
    for _ in range(5):
        dispatched_case(provider=provider_a, actor=coordinator)
    with django_assert_max_num_queries(len(one)):
        assert len(client_a.get(url()).data["results"]) == 6


def test_unknown_state_filter_is_a_field_error(client_a):
    response = client_a.get(url(), {"state": "lost"})
    assert response.status_code == 400
    assert "state" in response.data
