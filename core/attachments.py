"""Attachments (call recordings, photos, scanned letters) stored by SHA-256.

Files live in a folder next to the database, named by their hash (DESIGN
"Data"); the record keeps the hash, name, size and type. The copy is made
before the ticket's transaction: content-addressed, so a copy left by a failed
save is harmless and a second save of the same file costs nothing.
"""
from __future__ import annotations

import hashlib
import mimetypes
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from core import clock, files, paths
from core.errors import StorageError, ValidationError
from core.roles import Actor
from core.vocab import AttachmentKind
from db.connection import database
from db.models import Attachment

MAX_ATTACHMENT_BYTES = 200 * 1024 * 1024  # a long call recording fits; a disk image does not


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    name: str
    size: int
    mime: str
    kind: str


def _folder() -> Path:
    return paths.attachments_folder(database.database)


def blob_path(sha256: str) -> Path:
    return _folder() / sha256[:2] / sha256


def store_file(source: str | os.PathLike[str], kind: str = AttachmentKind.OTHER.value) -> StoredFile:
    """Copy ``source`` into the store; return what the record needs."""
    src = Path(source)
    if kind not in AttachmentKind._value2member_map_:
        raise ValidationError.single("attachments", f"附件类型“{kind}”不是可选的值")
    if not src.is_file():
        raise ValidationError.single("attachments", f"附件“{src.name}”不存在或不是文件")
    size = src.stat().st_size
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError.single("attachments", f"附件“{src.name}”超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB")
    digest = hashlib.sha256()
    try:
        with open(src, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        sha = digest.hexdigest()
        target = blob_path(sha)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            os.close(fd)
            try:
                shutil.copyfile(src, tmp)
                os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
    except OSError as exc:
        raise StorageError(f"保存附件“{src.name}”失败：{exc.strerror or exc}。请检查磁盘空间和权限。") from exc
    mime = mimetypes.guess_type(src.name)[0] or "application/octet-stream"
    return StoredFile(sha, src.name, size, mime, kind)


def store_bytes(data: bytes) -> str:
    """Keep generated content (an issued document) in the store; return its SHA-256."""
    sha = hashlib.sha256(data).hexdigest()
    target = blob_path(sha)
    if target.exists():
        return sha
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise files.file_error(exc, target.parent) from exc
    files.write_atomically(target, data)  # a full disk: a Chinese message, nothing half-written
    return sha


def add_records(ticket_id: int, origin: str, files: list[StoredFile], actor: Actor | None) -> None:
    """Attachment rows for stored files; call inside the ticket's write transaction."""
    for f in files:
        Attachment.create(
            uid=str(uuid.uuid4()),
            origin=origin,
            ticket=ticket_id,
            kind=f.kind,
            sha256=f.sha256,
            name=f.name,
            size=f.size,
            mime=f.mime,
            added_at=clock.stamp(),
            added_by=actor.user_id if actor else None,
        )
