"""Which template makes a kind of document: the bundled one, or the admin's own.

An admin's template is checked (``forms.render.check_template``) before it is
accepted and kept in the database with a version number, so a backup carries it
and every issued document can say which version made it. Restoring the bundled
template retires the admin's versions; none is deleted.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from core import clock, paths
from core.errors import NotFound, StorageError, ValidationError
from core.roles import Actor, Permission
from core.service import write
from db.models import DocumentTemplate, User
from forms.catalog import SPECS, DocumentKind
from forms.render import TemplateProblem, require_usable

BUILTIN = "内置"
MAX_TEMPLATE_BYTES = 20 * 1024 * 1024  # a letterhead picture fits; a scanned book does not


@dataclass(frozen=True)
class Template:
    kind: DocumentKind
    label: str  # "内置" or "自定义 第 2 版"
    content: bytes
    sha256: str


@dataclass(frozen=True)
class TemplateVersion:
    version: int
    name: str
    sha256: str
    note: str
    uploaded_at: str
    uploaded_by: str
    active: bool


def builtin_path(kind: DocumentKind) -> Path:
    return paths.template(SPECS[kind].template)


def builtin(kind: DocumentKind) -> Template:
    path = builtin_path(kind)
    try:
        content = path.read_bytes()
    except FileNotFoundError as exc:
        raise TemplateProblem([f"内置的{kind.label}模板文件缺失（{path}）。请重新安装程序，或由管理员上传自己的模板。"]) from exc
    except OSError as exc:
        raise StorageError(f"读取{kind.label}模板失败：{exc.strerror or exc}（{path}）。") from exc
    return Template(kind, BUILTIN, content, hashlib.sha256(content).hexdigest())


def active(kind: DocumentKind) -> Template:
    row = DocumentTemplate.get_or_none((DocumentTemplate.kind == kind.value) & DocumentTemplate.active)
    if row is None:
        return builtin(kind)
    return Template(kind, f"自定义 第 {row.version} 版", bytes(row.content), row.sha256)


def install(actor: Actor, kind: DocumentKind, source: Path, note: str = "") -> int:
    """Accept an admin's own template after checking it; returns its version number."""
    if not source.is_file():
        raise ValidationError.single("file", f"找不到文件“{source}”。")
    if source.suffix.lower() != ".docx":
        raise ValidationError.single("file", f"“{source.name}”不是 .docx 文件。旧版 .doc 请先用 Word 或 WPS 另存为 .docx。")
    if source.stat().st_size > MAX_TEMPLATE_BYTES:
        raise ValidationError.single("file", f"“{source.name}”超过 {MAX_TEMPLATE_BYTES // 1024 // 1024} MB，不像是文书模板。")
    try:
        content = source.read_bytes()
    except OSError as exc:
        raise StorageError(f"读取“{source.name}”失败：{exc.strerror or exc}。") from exc
    require_usable(content, SPECS[kind])
    sha = hashlib.sha256(content).hexdigest()
    with write(actor, Permission.TEMPLATE_MANAGE, "template_install", "document_template", kind.value) as tx:
        last = (DocumentTemplate.select(DocumentTemplate.version).where(DocumentTemplate.kind == kind.value)
                .order_by(DocumentTemplate.version.desc()).first())
        version = (last.version if last else 0) + 1
        DocumentTemplate.update(active=False).where(DocumentTemplate.kind == kind.value).execute()
        DocumentTemplate.create(kind=kind.value, version=version, name=source.name, sha256=sha, content=content,
                                note=note.strip(), uploaded_at=clock.stamp(), uploaded_by=actor.user_id, active=True)
        tx.detail = {"version": version, "name": source.name, "sha256": sha}
    return version


def restore_builtin(actor: Actor, kind: DocumentKind) -> None:
    with write(actor, Permission.TEMPLATE_MANAGE, "template_restore", "document_template", kind.value):
        DocumentTemplate.update(active=False).where(DocumentTemplate.kind == kind.value).execute()


def activate(actor: Actor, kind: DocumentKind, version: int) -> None:
    """Go back to an earlier version of the admin's own template."""
    with write(actor, Permission.TEMPLATE_MANAGE, "template_activate", "document_template", kind.value) as tx:
        row = DocumentTemplate.get_or_none((DocumentTemplate.kind == kind.value) & (DocumentTemplate.version == version))
        if row is None:
            raise NotFound(f"{kind.label}模板没有第 {version} 版。")
        DocumentTemplate.update(active=False).where(DocumentTemplate.kind == kind.value).execute()
        DocumentTemplate.update(active=True).where(DocumentTemplate.id == row.id).execute()
        tx.detail = {"version": version}


def versions(kind: DocumentKind) -> list[TemplateVersion]:
    """The admin's versions for ``kind``, newest first (the bundled one is not listed)."""
    rows = (DocumentTemplate.select(DocumentTemplate.version, DocumentTemplate.name, DocumentTemplate.sha256,
                                    DocumentTemplate.note, DocumentTemplate.uploaded_at, DocumentTemplate.active,
                                    DocumentTemplate.uploaded_by)
            .where(DocumentTemplate.kind == kind.value).order_by(DocumentTemplate.version.desc()))
    names = {u.id: u.display_name for u in User.select(User.id, User.display_name)}
    return [TemplateVersion(r.version, r.name, r.sha256, r.note, r.uploaded_at, names.get(r.uploaded_by_id, ""),
                            bool(r.active)) for r in rows]
