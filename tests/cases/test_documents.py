"""Documents: accepted by content, size-limited, stored privately, shown only to those with a right."""

import pytest
from django.urls import reverse

from cases.errors import CaseValidationError
from cases.models import DocumentKind
from cases.services import DocumentUpload, case_dispatch, document_attach
from tests.factories.cases import jpeg_bytes, pdf_bytes, png_bytes, role_user

pytestmark = pytest.mark.django_db


def test_a_pdf_that_is_really_text_is_refused(submit, enrollment_2023_pro):
    fake = DocumentUpload(kind=DocumentKind.MEDICAL_RECORD, content=b"just some text, not a PDF", name="病历.pdf")

    with pytest.raises(CaseValidationError) as refused:
        submit(enrollment_2023_pro, documents=[fake])

    assert "仅接受 PDF、JPEG、PNG" in refused.value.errors["documents"][0]


def test_a_broken_image_is_refused(submit, enrollment_2023_pro):
    broken = DocumentUpload(kind=DocumentKind.MEDICAL_RECORD, content=png_bytes()[:20], name="scan.png")

    with pytest.raises(CaseValidationError) as refused:
        submit(enrollment_2023_pro, documents=[broken])

    assert "图片已损坏" in refused.value.errors["documents"][0]


def test_an_oversized_file_is_refused(submit, enrollment_2023_pro, settings):
    settings.DOCUMENT_MAX_BYTES = 1024
    big = DocumentUpload(kind=DocumentKind.MEDICAL_RECORD, content=pdf_bytes("x" * 2048), name="big.pdf")

    with pytest.raises(CaseValidationError) as refused:
        submit(enrollment_2023_pro, documents=[big])

    assert "上限" in refused.value.errors["documents"][0]


def test_jpeg_and_png_are_accepted_by_content_whatever_their_name(submit, enrollment_2023_pro, intake):
    case = submit(enrollment_2023_pro)

    jpeg = document_attach(
        case=case, actor=intake, upload=DocumentUpload(kind="other", content=jpeg_bytes(), name="photo.pdf")
    )
    png = document_attach(case=case, actor=intake, upload=DocumentUpload(kind="other", content=png_bytes(), name="x"))

    assert (jpeg.content_type, png.content_type) == ("image/jpeg", "image/png")
    assert "photo" not in jpeg.file.name  # the customer's file name never reaches the disk


def test_reviewer_sees_the_document_inline(client, submit, enrollment_2023_pro, reviewer):
    case = submit(enrollment_2023_pro)
    document = case.documents.get()
    client.force_login(reviewer)

    response = client.get(reverse("cases:document", args=[case.number, document.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_document_view_is_refused_to_a_user_without_rights(client, submit, enrollment_2023_pro, outsider):
    case = submit(enrollment_2023_pro)
    client.force_login(outsider)

    response = client.get(reverse("cases:document", args=[case.number, case.documents.get().pk]))

    assert response.status_code == 404


def test_document_view_needs_a_login(client, submit, enrollment_2023_pro):
    case = submit(enrollment_2023_pro)

    response = client.get(reverse("cases:document", args=[case.number, case.documents.get().pk]))

    assert response.status_code == 302


def test_provider_sees_only_documents_of_cases_dispatched_to_it(
    client, approved_case, coordinator, provider, provider_user
):
    from providers.models import Provider, ProviderMember

    url = reverse("cases:document", args=[approved_case.number, approved_case.documents.get().pk])
    client.force_login(provider_user)
    assert client.get(url).status_code == 404

    case_dispatch(case=approved_case, actor=coordinator, provider=provider)
    assert client.get(url).status_code == 200

    rival = role_user("provider", "rival-agent")
    ProviderMember.objects.create(user=rival, provider=Provider.objects.create(code="rival", name="其他服务商"))
    client.force_login(rival)
    assert client.get(url).status_code == 404


def test_every_document_view_is_in_the_audit_trail(client, submit, enrollment_2023_pro, reviewer):
    from audit.models import AuditEvent

    case = submit(enrollment_2023_pro)
    document = case.documents.get()
    client.force_login(reviewer)

    client.get(reverse("cases:document", args=[case.number, document.pk]))

    viewed = AuditEvent.objects.get(action="document_view")
    assert viewed.actor_id == reviewer.pk
    assert viewed.object_id == str(document.pk)


def test_a_redispatched_case_leaves_the_first_providers_view(
    client, approved_case, coordinator, provider, provider_user
):
    from cases.services import case_redispatch
    from providers.models import Provider

    case = case_dispatch(case=approved_case, actor=coordinator, provider=provider)
    other = Provider.objects.create(code="second", name="第二家服务商")
    case_redispatch(case=case, actor=coordinator, provider=other, note="客户所在城市不在原服务商覆盖范围")
    client.force_login(provider_user)

    assert client.get(reverse("cases:case", args=[case.number])).status_code == 404
    assert case.dispatches.count() == 2
