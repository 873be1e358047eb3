"""Uploads attacked as they were: a 1 GB body, 30,000 documents in one request, 400- and
144-megapixel PNGs, PDFs that run JavaScript, and files left behind by requests that rolled back."""

import base64
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from cases.models import Document
from cases.services import DocumentUpload
from cases.services.documents import CheckedDocument, document_check, document_store, documents_sweep
from cases.storage import PENDING_SUFFIX
from tests.factories.audit import StaffFactory, api_key
from tests.factories.cases import UserFactory, pdf_bytes

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases"


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares width × height (the decompression bomb's trick: the header is what counts)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _files_under_media() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def channel(api_client):
    user = UserFactory(username="wechat-backend", is_staff=False, role="intake")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return api_client


def test_a_1_gb_body_is_refused_before_it_is_read(channel, client, submit, enrollment_2023_pro):
    response = channel.generic("POST", URL, b"{}", content_type="application/json", CONTENT_LENGTH=str(1024**3))
    assert response.status_code == 413 and "过大" in response.json()["detail"]

    case = submit(enrollment_2023_pro)
    client.force_login(StaffFactory(role="intake"))
    page = client.generic(
        "POST",
        reverse("admin:cases_case_document", args=[case.pk]),
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(1024**3),
    )
    assert page.status_code == 413


def test_thirty_thousand_documents_in_one_request_are_refused_and_write_nothing(channel, enrollment_2023_pro):
    document = {"kind": "other", "name": "a.pdf", "content_base64": base64.b64encode(pdf_bytes()).decode()}
    body = {"beneficiary_id_number": enrollment_2023_pro.insured.id_number, "service": "escort", "city": "上海"}

    response = channel.post(URL, {**body, "documents": [document] * 30_000}, format="json")

    assert response.status_code in (400, 413)
    assert not Document.objects.exists() and not _files_under_media()


def test_more_documents_than_the_limit_name_the_field_and_the_limit(channel, enrollment_2023_pro):
    document = {"kind": "other", "name": "a.pdf", "content_base64": base64.b64encode(pdf_bytes()).decode()}
    body = {"beneficiary_id_number": enrollment_2023_pro.insured.id_number, "service": "escort", "city": "上海"}

    response = channel.post(
        URL, {**body, "documents": [document] * (settings.DOCUMENTS_PER_REQUEST + 1)}, format="json"
    )

    assert response.status_code == 400 and "documents" in response.json()


@pytest.mark.parametrize(("width", "height"), [(20_000, 20_000), (12_000, 12_000)], ids=["400MP", "144MP"])
def test_an_image_with_too_many_pixels_is_a_field_error_not_a_500(channel, enrollment_2023_pro, width, height):
    document = {
        "kind": "medical_record",
        "name": "scan.png",
        "content_base64": base64.b64encode(_png_header(width, height)).decode(),
    }
    body = {"beneficiary_id_number": enrollment_2023_pro.insured.id_number, "service": "escort", "city": "上海"}

    response = channel.post(URL, {**body, "documents": [document]}, format="json")

    assert response.status_code == 400
    assert "像素" in response.json()["documents"][0] and "scan.png" in response.json()["documents"][0]


ACTIVE_PDFS = {
    "open-action-javascript": b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>"
    b"endobj\n%%EOF",
    "launch": b"%PDF-1.4\n1 0 obj<</Type/Action/S/Launch/F(cmd.exe)>>endobj\n%%EOF",
    "embedded-file": b"%PDF-1.4\n1 0 obj<</Type/EmbeddedFile/Length 3>>stream\nabc\nendstream endobj\n%%EOF",
    "escaped-name": b"%PDF-1.4\n1 0 obj<</S/J#61vaScript/JS(x)>>endobj\n%%EOF",
    "inside-object-stream": b"%PDF-1.5\n1 0 obj<</Type/ObjStm/Filter/FlateDecode>>stream\n"
    + zlib.compress(b"<</OpenAction 2 0 R>>")
    + b"\nendstream endobj\n%%EOF",
}


@pytest.mark.parametrize("content", ACTIVE_PDFS.values(), ids=ACTIVE_PDFS.keys())
def test_a_pdf_with_active_content_is_refused(content):
    from cases.errors import CaseValidationError

    with pytest.raises(CaseValidationError, match="可执行内容"):
        document_check(upload=DocumentUpload(kind="medical_record", content=content, name="病历.pdf"))


def test_a_plain_pdf_passes_the_active_content_check():
    assert document_check(upload=DocumentUpload(kind="medical_record", content=pdf_bytes(), name="病历.pdf"))


def _store(case, content=b"") -> Document:
    upload = DocumentUpload(kind="other", content=content or pdf_bytes("x"), name="x.pdf")
    checked = document_check(upload=upload)
    return document_store(case=case, actor=None, checked=CheckedDocument(upload, checked.content_type, checked.sha256))


def test_a_rolled_back_upload_leaves_no_file_once_swept(submit, enrollment_2023_pro):
    case = submit(enrollment_2023_pro)
    written = []
    with pytest.raises(RuntimeError), transaction.atomic():
        written.append(_store(case, pdf_bytes("rolled back")).file.name)
        raise RuntimeError("the request failed after the file was written")

    final = Path(settings.MEDIA_ROOT, written[0])
    assert not final.exists()  # never under a final name
    assert Path(f"{final}{PENDING_SUFFIX}").exists()
    documents_sweep(older_than_seconds=0)
    assert not Path(f"{final}{PENDING_SUFFIX}").exists()
    assert Document.objects.filter(case=case).count() == 1  # the submission's own document stays
    assert Document.objects.get(case=case).file.read()


def test_a_committed_upload_keeps_its_file_and_the_sweep_finishes_its_rename(
    submit, enrollment_2023_pro, django_capture_on_commit_callbacks
):
    case = submit(enrollment_2023_pro)
    with django_capture_on_commit_callbacks(execute=False):  # the process died before the rename
        document = _store(case, pdf_bytes("kept"))
    assert document.file.read() == pdf_bytes("kept")

    documents_sweep(older_than_seconds=0)

    assert Path(settings.MEDIA_ROOT, document.file.name).read_bytes() == pdf_bytes("kept")


def test_an_old_leftover_file_without_a_row_is_removed():
    stray = Path(settings.MEDIA_ROOT, "cases/2020/01/leftover")
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"%PDF-1.4 orphan")
    assert documents_sweep(older_than_seconds=0)["removed"] >= 1
    assert not stray.exists()
