"""The provider API's case detail gives what the provider needs to arrange the service (handbook
ch. 2 §5) — and nothing more."""

import json

import pytest

from cases.models import DocumentKind
from tests.providers.conftest import attach_document, dispatched_case
from tests.providers.test_api import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(provider_a, coordinator):
    case = dispatched_case(
        provider=provider_a,
        actor=coordinator,
        diagnosis="肺部结节，疑似早期肺癌",
        preferred_hospital="复旦大学附属中山医院",
        preferred_department="胸外科",
        applicant_name="张小明",
        applicant_relation="child",
        applicant_phone="13900001111",
    )
    for kind in (DocumentKind.MEDICAL_RECORD, DocumentKind.INVOICE, DocumentKind.OTHER):
        attach_document(case, kind=kind)
    return case


def test_detail_gives_the_full_phone_the_wishes_the_diagnosis_and_the_contact(client_a, case):
    data = client_a.get(url(case.number)).data
    assert data["beneficiary_name"] == case.beneficiary.name
    assert data["beneficiary_phone"] == case.beneficiary.phone and len(data["beneficiary_phone"]) == 11
    assert (data["preferred_hospital"], data["preferred_department"]) == ("复旦大学附属中山医院", "胸外科")
    assert data["diagnosis_summary"] == "肺部结节，疑似早期肺癌"
    assert data["contact"] == {
        "name": "张小明",
        "relation": case.get_applicant_relation_display(),
        "phone": "13900001111",
    }
    assert "preferred_date_from" in data and "preferred_date_to" in data


def test_detail_gives_the_clock_figures_of_the_one_clock_function(client_a, case):
    from cases.clock import clock_figures

    clock = client_a.get(url(case.number)).data["clock"]
    assert clock == json.loads(json.dumps(clock_figures(case).as_api()))
    assert clock["sla_used_working_days"] is not None


def test_detail_gives_no_id_number_no_invoice_and_no_other_documents(client_a, case):
    response = client_a.get(url(case.number))
    assert case.beneficiary.id_number not in response.content.decode()
    kinds = [document["kind"] for document in response.data["documents"]]
    assert kinds == [DocumentKind.MEDICAL_RECORD]
    other = case.documents.get(kind=DocumentKind.OTHER)
    assert client_a.get(f"/api/v1/provider/cases/{case.number}/documents/{other.pk}").status_code == 404
