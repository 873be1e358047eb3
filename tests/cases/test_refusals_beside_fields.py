"""A refused case action says why beside the input it is about, on the form that sent it, not at
the top of the page: the amount beside 核定金额, the file beside 文件, the missing document beside
补充材料, the arrangement's fields beside themselves."""

from decimal import Decimal

import pytest
from django.urls import reverse

from cases.errors import CaseValidationError
from cases.models import CaseState, DocumentKind
from cases.services import DocumentUpload, case_resubmit, case_start_review
from tests.factories.cases import CaseFactory, pdf_bytes

pytestmark = pytest.mark.django_db


def _action(case, name: str) -> str:
    return reverse("admin:cases_case_action", args=[case.pk, name])


def _form_of(response, name: str):
    return next(item.form for item in response.context["actions"] if item.name == name)


def test_resubmitting_with_nothing_is_refused_beside_the_document(client, intake):
    case = CaseFactory(state=CaseState.RETURNED)
    client.force_login(intake)

    response = client.post(
        _action(case, "resubmit"), {"resubmit-expected_state": CaseState.RETURNED, "resubmit-kind": "medical_record"}
    )

    html = response.content.decode()
    assert "需要附上补充材料" in _form_of(response, "resubmit").errors["document"][0]
    assert 'id="id_resubmit-document-errors"' in html
    case.refresh_from_db()
    assert case.state == CaseState.RETURNED


def test_the_service_refuses_a_resubmission_with_neither_document_nor_note(intake):
    """The staff API and every other caller meet the same rule as the form."""
    case = CaseFactory(state=CaseState.RETURNED)

    with pytest.raises(CaseValidationError) as refused:
        case_resubmit(case=case, actor=intake, note="  ")

    assert "需要附上补充材料" in refused.value.errors["documents"][0]


def test_an_amount_over_the_cap_is_refused_beside_the_amount(client, payer, submit, enroll):
    invoice = DocumentUpload(kind=DocumentKind.INVOICE, content=pdf_bytes("invoice"), name="120发票.pdf")
    case = submit(enroll(), "ambulance-120", documents=[invoice], claimed_amount=Decimal("150.00"))
    from django.contrib.auth.models import Permission

    payer.user_permissions.add(Permission.objects.get(codename="review_case"))
    case = case_start_review(case=case, actor=payer)
    client.force_login(payer)

    response = client.post(
        _action(case, "claim_approve"), {"claim_approve-expected_state": case.state, "claim_approve-amount": "260"}
    )

    errors = _form_of(response, "claim_approve").errors
    assert "不能超过" in errors["amount"][0]
    assert 'id="id_claim_approve-amount-errors"' in response.content.decode()
    messages = [str(m) for m in response.context["messages"]]
    assert not any("不能超过" in m for m in messages)  # the reason is beside the amount, not at the top
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW


def test_a_refused_file_is_named_beside_the_upload(client, coordinator):
    case = CaseFactory(state=CaseState.IN_REVIEW)
    client.force_login(coordinator)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("admin:cases_case_document", args=[case.pk]),
        {"doc-kind": "other", "doc-document": SimpleUploadedFile("说明.txt", b"plain text", "text/plain")},
    )

    form = response.context["document_form"]
    assert "说明.txt：仅接受 PDF、JPEG、PNG 文件" in form.errors["document"][0]
    assert not case.documents.exists()


def test_an_empty_note_is_refused_beside_the_note(client, coordinator):
    case = CaseFactory(state=CaseState.IN_REVIEW)
    client.force_login(coordinator)

    response = client.post(reverse("admin:cases_case_note", args=[case.pk]), {"note-note": ""})

    assert response.context["note_form"].errors["note"]


def test_an_arrangement_field_refusal_is_beside_that_field():
    """The service names the case's field (arranged_doctor_title); the form's field is doctor_title."""
    from cases.forms import ArrangeForm

    form = ArrangeForm(prefix="arrange", case=CaseFactory(state=CaseState.ACCEPTED))
    form.cleaned_data = {}
    from cases.action_pages import refusal_place

    refusal_place(form, CaseValidationError({"arranged_hospital": ["须填写医院"], "quota_hold": ["额度已释放"]}))

    assert form.errors["hospital"] == ["须填写医院"]
    assert form.non_field_errors() == ["额度已释放"]
