"""Notes and uploads follow the role table: the manager and the reviewer, who only read or decide,
cannot add a note or a document to a case under review (the upload would later reach the provider)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import CaseEvent, Document
from cases.services import case_start_review
from tests.factories.audit import StaffFactory
from tests.factories.cases import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_under_review(submit, enrollment_2023_pro, reviewer):
    return case_start_review(case=submit(enrollment_2023_pro), actor=reviewer)


def _post_note(client, case, text="客户来电补充"):
    return client.post(reverse("admin:cases_case_note", args=[case.pk]), {"note-note": text})


def _post_upload(client, case):
    upload = SimpleUploadedFile("补充.pdf", pdf_bytes("extra"), content_type="application/pdf")
    return client.post(
        reverse("admin:cases_case_document", args=[case.pk]), {"doc-kind": "other", "doc-document": upload}
    )


@pytest.mark.parametrize("role", ["manager", "reviewer"])
def test_read_only_roles_add_no_note_and_no_document(client, case_under_review, role):
    client.force_login(StaffFactory(role=role))
    documents_before = Document.objects.filter(case=case_under_review).count()

    _post_note(client, case_under_review)
    _post_upload(client, case_under_review)

    assert not CaseEvent.objects.filter(case=case_under_review, kind=CaseEvent.Kind.NOTE).exists()
    assert Document.objects.filter(case=case_under_review).count() == documents_before
    page = client.get(reverse("admin:cases_case_change", args=[case_under_review.pk])).content.decode()
    assert "添加备注</button>" not in page and "上传材料</button>" not in page


def test_intake_adds_a_note_and_a_document_each_recorded_in_the_audit_trail(client, case_under_review):
    client.force_login(StaffFactory(role="intake"))

    _post_note(client, case_under_review)
    _post_upload(client, case_under_review)

    assert CaseEvent.objects.filter(case=case_under_review, kind=CaseEvent.Kind.NOTE).exists()
    assert Document.objects.filter(case=case_under_review, kind="other").exists()
    assert AuditEvent.objects.filter(action="case_note", object_id=str(case_under_review.pk)).exists()
    assert AuditEvent.objects.filter(action="document_upload").exists()
