"""The private media storage: a document whose row committed is readable under its final name, or
under ``<name>.pending`` until the after-commit rename has run (cases/services/documents.py)."""

from django.core.files.storage import FileSystemStorage

PENDING_SUFFIX = ".pending"


class DocumentStorage(FileSystemStorage):
    def _open(self, name, mode="rb"):
        if not super().exists(name) and super().exists(name + PENDING_SUFFIX):
            name += PENDING_SUFFIX
        return super()._open(name, mode)

    def exists(self, name) -> bool:
        return super().exists(name) or super().exists(name + PENDING_SUFFIX)

    def delete(self, name) -> None:
        super().delete(name)
        super().delete(name + PENDING_SUFFIX)
