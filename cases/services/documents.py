"""Customers' medical documents: accepted by content (PDF, JPEG, PNG), never by file name."""

import hashlib
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from audit.services import audit_record
from cases.errors import CasePermissionDenied, CaseValidationError
from cases.models import Case, CaseEvent, Document, DocumentKind
from cases.selectors import case_visible_to
from cases.services._core import event_record

UPLOAD_PERMISSION = "cases.add_document"

_MAGIC = [
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
]


@dataclass(frozen=True)
class DocumentUpload:
    """One file as it arrived: its bytes, the customer's file name and what it claims to be."""

    kind: str
    content: bytes
    name: str


@dataclass(frozen=True)
class CheckedDocument:
    upload: DocumentUpload
    content_type: str
    sha256: str


def _sniff(content: bytes) -> str | None:
    return next((kind for magic, kind in _MAGIC if content.startswith(magic)), None)


def _image_intact(content: bytes) -> bool:
    try:
        with Image.open(BytesIO(content)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False
    return True


def document_check(*, upload: DocumentUpload, field: str = "documents") -> CheckedDocument:
    """Check kind, size and content; raise CaseValidationError naming the file and the reason."""
    name = upload.name or "未命名文件"
    if upload.kind not in DocumentKind.values:
        raise CaseValidationError({field: [f"{name}：材料类型「{upload.kind}」无效"]})
    if not upload.content:
        raise CaseValidationError({field: [f"{name}：文件为空"]})
    if len(upload.content) > settings.DOCUMENT_MAX_BYTES:
        limit = settings.DOCUMENT_MAX_BYTES // (1024 * 1024)
        raise CaseValidationError({field: [f"{name}：文件超过 {limit} MB 上限"]})
    content_type = _sniff(upload.content)
    if content_type is None:
        raise CaseValidationError({field: [f"{name}：仅接受 PDF、JPEG、PNG 文件（按文件内容识别）"]})
    if content_type.startswith("image/") and not _image_intact(upload.content):
        raise CaseValidationError({field: [f"{name}：图片已损坏或无法识别"]})
    return CheckedDocument(upload, content_type, hashlib.sha256(upload.content).hexdigest())


def document_store(*, case: Case, actor: User | None, checked: CheckedDocument) -> Document:
    """Write a checked file under the private media root and record it on the timeline.

    Callers store files last, after every check and the quota hold, so a refused request leaves
    no file behind."""
    upload = checked.upload
    document = Document(
        case=case,
        kind=upload.kind,
        original_name=upload.name[:255],
        content_type=checked.content_type,
        size=len(upload.content),
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    document.file.save("upload", ContentFile(upload.content), save=False)
    document.save()
    event_record(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.DOCUMENT,
        note=f"{document.get_kind_display()}：{document.original_name}",
        extra={"document_id": document.pk},
    )
    return document


@transaction.atomic
def document_attach(*, case: Case, actor: User, upload: DocumentUpload) -> Document:
    """Add a document to an open case (e.g. information a reviewer asked for)."""
    if not case_visible_to(user=actor, case=case):
        raise CasePermissionDenied("您无权向该案件上传材料")
    if not actor.has_perm(UPLOAD_PERMISSION):
        raise CasePermissionDenied("当前角色不能上传材料（cases.add_document）")
    if not case.is_open:
        raise CaseValidationError({"documents": ["案件已结束，不能再上传材料"]})
    document = document_store(case=case, actor=actor, checked=document_check(upload=upload))
    audit_record(
        actor=actor,
        action="document_upload",
        obj=document,
        summary=f"上传材料 {case.number}：{document.get_kind_display()}",
    )
    return document
