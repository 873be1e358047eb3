"""What a restored copy must show to be taken as the original: printed as JSON.

    python manage.py backup_fingerprint

Counts cases, documents and audit entries, re-reads up to ``--documents`` documents (the newest)
from the private document store and compares each file's SHA-256 with the one recorded at upload,
and runs ``manage.py audit verify`` when the portal has it. Exits 1 when a document is missing or
altered or the audit trail does not verify. The restore drill (ops/restore_drill.sh) compares the
fingerprint of the restored database and documents with the original's.
"""

import hashlib
import io
import json

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError


def _file_sha256(document) -> str | None:
    digest = hashlib.sha256()
    try:
        with document.file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except (FileNotFoundError, OSError):
        return None
    return digest.hexdigest()


def _audit_verify() -> str:
    """``manage.py audit verify`` (the tamper-evident audit trail) when installed; else "absent"."""
    if "audit" not in get_commands():
        return "absent"
    output = io.StringIO()
    try:
        call_command("audit", "verify", stdout=output, stderr=output)
    except (CommandError, SystemExit) as exc:
        return f"failed: {exc}"
    return "ok"


class Command(BaseCommand):
    help = "输出备份指纹（案件数、文档校验、审计链校验），供恢复演练比对"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--documents", type=int, default=50, help="校验的文档数（最新的若干份）")

    def handle(self, *args, documents: int, **options) -> None:
        from audit.models import AuditEvent
        from cases.models import Case, Document

        checked = []
        for document in Document.objects.order_by("-pk")[:documents]:
            actual = _file_sha256(document)
            checked.append({"id": document.pk, "sha256": document.sha256, "ok": actual == document.sha256})
        audit = _audit_verify()
        fingerprint = {
            "cases": Case.objects.count(),
            "documents": Document.objects.count(),
            "audit_entries": AuditEvent.objects.count(),
            "checked_documents": checked,
            "audit_verify": audit,
        }
        self.stdout.write(json.dumps(fingerprint, ensure_ascii=False))
        bad = [d["id"] for d in checked if not d["ok"]]
        if bad or audit.startswith("failed"):
            raise CommandError(f"备份指纹校验失败：文档 {bad}，审计链 {audit}", returncode=1)
