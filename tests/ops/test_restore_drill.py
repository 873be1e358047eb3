"""Backups that restore: the drill dumps a demo database and its documents, restores both into fresh
places and finds the same cases, documents and audit trail; the fingerprint notices an altered file."""

import json
import os
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_restore_drill_restores_the_demo_database_and_its_documents():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO_"))}
    env.pop("LANBEN_MEDIA_ROOT", None)
    env.pop("DRILL_SOURCE_DB", None)
    result = subprocess.run(
        ["bash", "ops/restore_drill.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "restore drill passed" in result.stdout
    for check in ("cases", "documents", "audit entries", "document checksums", "audit verify"):
        assert f"ok   {check}" in result.stdout


@pytest.mark.django_db
def test_fingerprint_notices_a_document_altered_in_the_store(calendar_and_media, capsys):
    from cases.services import DocumentUpload
    from cases.services.documents import document_check, document_store
    from tests.factories.cases import CaseFactory, pdf_bytes

    upload = DocumentUpload(kind="medical_record", content=pdf_bytes(), name="病历.pdf")
    document = document_store(case=CaseFactory(quota_hold=None), actor=None, checked=document_check(upload=upload))
    call_command("backup_fingerprint")
    assert json.loads(capsys.readouterr().out)["checked_documents"] == [
        {"id": document.pk, "sha256": document.sha256, "ok": True}
    ]

    Path(document.file.path).write_bytes(pdf_bytes("altered"))
    with pytest.raises(CommandError, match="备份指纹校验失败"):
        call_command("backup_fingerprint")
