"""Customers' medical documents: accepted by content (PDF, JPEG, PNG), never by file name.

Bounded: a request carries at most ``DOCUMENTS_PER_REQUEST`` files and ``DOCUMENTS_MAX_BYTES_PER_REQUEST``
bytes, a file ``DOCUMENT_MAX_BYTES``, an image ``DOCUMENT_MAX_PIXELS``; a PDF with active content
(JavaScript, automatic actions, launch actions, embedded files) is refused. A file reaches its final
name only when the transaction that records it commits (written under a ``.pending`` name first;
``manage.py documents_sweep`` finishes or removes what a crash left behind).
"""

import hashlib
import os
import re
import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from audit.services import audit_record
from cases.errors import CasePermissionDenied, CaseValidationError
from cases.models import Case, CaseEvent, Document, DocumentKind
from cases.selectors import case_visible_to
from cases.services._core import event_record
from cases.storage import PENDING_SUFFIX
from config.i18n import system_language

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


# PDF names that run something when the file is opened, or hide another file inside it.
_ACTIVE_PDF = re.compile(
    rb"/(JavaScript|JS|OpenAction|AA|Launch|EmbeddedFiles?|RichMedia|SubmitForm|ImportData|GoToE)(?=[\s/<>\[\]()%]|$)"
)
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
# Compressed streams are inflated to look inside them, never past this many bytes in all.
_PDF_INFLATE_LIMIT = 64 * 1024 * 1024


def _image_problem(content: bytes) -> str | None:
    """Why an image is refused, or None: unreadable, or more pixels than DOCUMENT_MAX_PIXELS (a
    decompression bomb: a small file that inflates to gigabytes)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(content)) as image:
                width, height = image.size
                if width * height > settings.DOCUMENT_MAX_PIXELS:
                    return _pixels_message(width * height)
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _pixels_message(None)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return "图片已损坏或无法识别"
    return None


def _pixels_message(pixels: int | None) -> str:
    limit = settings.DOCUMENT_MAX_PIXELS // 1_000_000
    found = f"（{pixels // 1_000_000} 百万像素）" if pixels else ""
    return f"图片像素过多{found}，上限 {limit} 百万像素"


def _pdf_sections(content: bytes):
    """The file's bytes, then every stream inflated (object streams hide dictionaries), bounded."""
    yield content
    budget = _PDF_INFLATE_LIMIT
    for match in _STREAM.finditer(content):
        if budget <= 0:
            return
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(match.group(1), budget)
        except zlib.error:
            continue
        budget -= len(inflated)
        yield inflated


def pdf_active_content(content: bytes) -> str | None:
    """The first active-content name found in a PDF (``#xx`` escapes in names undone), or None."""
    for section in _pdf_sections(content):
        found = _ACTIVE_PDF.search(_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), section))
        if found:
            return found.group(1).decode()
    return None


def documents_check_totals(*, uploads: Sequence["DocumentUpload"], field: str = "documents") -> None:
    """The per-request bounds: how many files, and how many bytes in all."""
    if len(uploads) > settings.DOCUMENTS_PER_REQUEST:
        raise CaseValidationError(
            {field: [f"一次最多上传 {settings.DOCUMENTS_PER_REQUEST} 个文件（本次 {len(uploads)} 个）"]}
        )
    total = sum(len(upload.content) for upload in uploads)
    if total > settings.DOCUMENTS_MAX_BYTES_PER_REQUEST:
        limit = settings.DOCUMENTS_MAX_BYTES_PER_REQUEST // (1024 * 1024)
        raise CaseValidationError({field: [f"一次上传的文件合计不能超过 {limit} MB"]})


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
    if content_type.startswith("image/") and (problem := _image_problem(upload.content)):
        raise CaseValidationError({field: [f"{name}：{problem}"]})
    if content_type == "application/pdf" and (active := pdf_active_content(upload.content)):
        raise CaseValidationError(
            {field: [f"{name}：PDF 含有可执行内容（/{active}），请打印为普通 PDF 或拍照后重新上传"]}
        )
    return CheckedDocument(upload, content_type, hashlib.sha256(upload.content).hexdigest())


@system_language
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
    _file_write_on_commit(document, upload.content)
    document.save()
    event_record(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.DOCUMENT,
        note=f"{document.get_kind_display()}：{document.original_name}",
        extra={"document_id": document.pk},
    )
    return document


def _file_write_on_commit(document: Document, content: bytes) -> None:
    """Write the bytes under ``<name>.pending`` now (durable before the commit), and give them their
    final name once the transaction commits. A rolled-back request leaves only a pending file, which
    ``documents_sweep`` removes; a commit followed by a crash before the rename is finished by it."""
    name = default_storage.generate_filename(document.file.field.generate_filename(document, "upload"))
    name = default_storage.get_available_name(name)
    pending = Path(default_storage.path(name + PENDING_SUFFIX))
    pending.parent.mkdir(parents=True, exist_ok=True)
    with open(pending, "xb") as handle:
        handle.write(content)
    document.file.name = name
    final = default_storage.path(name)
    transaction.on_commit(lambda: os.replace(pending, final))


def documents_sweep(*, older_than_seconds: int = 3600) -> dict[str, int]:
    """Finish or remove what interrupted requests left under the media root: a pending file whose
    row committed gets its final name; one without a row, and any file no row names, is deleted.
    Only files older than ``older_than_seconds`` are touched (a request may still be running)."""
    import time

    root = Path(settings.MEDIA_ROOT) / "cases"
    counts = {"finished": 0, "removed": 0}
    if not root.exists():
        return counts
    cutoff = time.time() - older_than_seconds
    for path in root.rglob("*"):
        if not path.is_file() or path.stat().st_mtime > cutoff:
            continue
        relative = path.relative_to(settings.MEDIA_ROOT).as_posix()
        if relative.endswith(PENDING_SUFFIX):
            final = relative[: -len(PENDING_SUFFIX)]
            if Document.objects.filter(file=final).exists():
                os.replace(path, default_storage.path(final))
                counts["finished"] += 1
                continue
        elif Document.objects.filter(file=relative).exists():
            continue
        path.unlink()
        counts["removed"] += 1
    return counts


@system_language
@transaction.atomic
def document_attach(*, case: Case, actor: User, upload: DocumentUpload) -> Document:
    """Add a document to an open case (e.g. information a reviewer asked for)."""
    if not case_visible_to(user=actor, case=case):
        raise CasePermissionDenied("您无权向该案件上传材料")
    if not cast(Any, actor).has_perm(UPLOAD_PERMISSION):
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
