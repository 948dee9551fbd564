"""出具文书: render a document for a ticket, number it, keep it, put it on the timeline.

The number (文书编号, per year and kind of letter) is taken inside the same
transaction that records the document, so a render that fails leaves neither a
gap in the numbers nor a record without a file; the copy a person asked for in a
folder is written in that transaction too, so a full disk there takes no number
either. The file is kept by SHA-256 in
the attachment store next to the database; issuing again hands out that same
file (checked against its hash), never a re-render that could differ.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core import attachments, clock
from core.errors import PermissionDenied, StorageError
from core.tickets.timeline import add_event
from core.roles import Actor, Permission
from core.service import Transaction, existing, require, write
from core.vocab import EventKind
from db.models import DocumentCounter, IssuedDocument, Ticket, User
from forms import contexts
from forms.catalog import SPECS, DocumentKind
from core.files import placed_until_committed, safe_file_name
from forms.render import render
from forms.templates import Template, active

_LETTERS = (DocumentKind.MEDIATION_LETTER, DocumentKind.TERMINATION_LETTER)


def permission_for(kind: DocumentKind) -> Permission:
    if kind in _LETTERS:
        return Permission.MEDIATE
    if kind == DocumentKind.DISPATCH_NOTICE:
        return Permission.DISPATCH
    if kind == DocumentKind.SUPERVISION_NOTICE:
        return Permission.SUPERVISE
    return Permission.DOCUMENT_ISSUE


@dataclass(frozen=True)
class Issued:
    id: int
    uid: str
    ticket_number: str
    kind: DocumentKind
    number: str
    file_name: str
    sha256: str
    template: str
    masked: bool
    issued_at: str
    issued_by: str
    content: bytes = b""


def _next_number(kind: DocumentKind, year: int) -> str:
    """``调字〔2026〕第 12 号`` (GB/T 9704 7.2.4 style: 机关代字〔年份〕序号号)."""
    word = SPECS[kind].number_word
    key = f"{year}:{word}"
    row = DocumentCounter.get_or_none(DocumentCounter.key == key)
    seq = (row.last if row else 0) + 1
    DocumentCounter.replace(key=key, last=seq).execute()
    return f"{word}字〔{year}〕第{seq}号"


def file_name(ticket_number: str, kind: DocumentKind, number: str = "") -> str:
    """What a clerk files it under: ticket number first, so a folder sorts by date."""
    tail = f"-{number}" if number else ""
    return safe_file_name(f"{ticket_number}-{kind.label}{tail}.docx")


def issue(actor: Actor, kind: DocumentKind, ticket_id: int, *, case_id: int | None = None,
          assignment_id: int | None = None, supervision_id: int | None = None,
          template: Template | None = None, now: dt.datetime | None = None,
          target: Callable[[str], Path] | None = None) -> Issued:
    """Render, number and keep one document; MissingData or TemplateProblem leave nothing behind.

    ``target`` maps the document's file name to where the person asked for it (``docs
    render --out``, a batch's folder): it is written there inside the transaction, so a
    full or read-only folder (FileNotWritten) takes no number and records nothing either.
    """
    permission = permission_for(kind)
    require(actor, permission)
    now = now or clock.now()
    with contextlib.ExitStack() as placed:
        with write(actor, permission, "document_issue", "issued_document") as tx:
            made = _record(actor, kind, ticket_id, case_id, assignment_id, supervision_id, template, now, tx)
            if target is not None:
                # Inside the transaction, undone with it: a full folder takes no number, and a
                # record that fails to commit leaves no file (an earlier one of that name put back).
                placed.enter_context(placed_until_committed(target(made.file_name), made.content))
    return made


def _record(actor: Actor, kind: DocumentKind, ticket_id: int, case_id: int | None, assignment_id: int | None,
            supervision_id: int | None, template: Template | None, now: dt.datetime, tx: Transaction) -> Issued:
    """Inside the issuing transaction: take the number, render, keep the file, record it on the ticket."""
    built = contexts.build(kind, ticket_id, actor, on=now.date(), case_id=case_id, assignment_id=assignment_id,
                           supervision_id=supervision_id)
    ticket = Ticket.get_by_id(ticket_id)
    template = template or active(kind)
    number = _next_number(kind, now.year) if SPECS[kind].number_word else ""
    data = render(template.content, built.context | {"doc_number": number})
    sha = attachments.store_bytes(data)
    name = file_name(ticket.number, kind, number)
    row = IssuedDocument.create(
        uid=str(uuid.uuid4()), origin=ticket.origin, updated_at=clock.stamp(now), ticket=ticket.id,
        case=case_id, assignment=assignment_id, supervision=supervision_id, kind=kind.value, number=number,
        template=template.label, template_sha256=template.sha256, sha256=sha, size=len(data), file_name=name,
        masked=built.masked, issued_at=clock.stamp(now), issued_by=actor.user_id)
    add_event(ticket.id, ticket.origin, EventKind.DOCUMENT_ISSUED, actor,
              f"出具{kind.label}{('（' + number + '）') if number else ''}",
              {"document": row.uid, "kind": kind.value, "number": number, "sha256": sha,
               "template": template.label, "template_sha256": template.sha256}, at=clock.stamp(now))
    tx.object_uid = row.uid
    tx.detail = {"kind": kind.value, "number": number, "ticket": ticket.number}
    return Issued(row.id, row.uid, ticket.number, kind, number, name, sha, template.label, built.masked,
                  row.issued_at, actor.display_name, data)


def _row(document_id: int) -> IssuedDocument:
    row = existing(IssuedDocument, document_id, "这份文书的记录不存在。")
    return row


def identity_refusal(actor: Actor, file_name: str, masked: bool, confidential: bool) -> str:
    """Why ``actor`` may not see a stored copy, or "": a copy issued unmasked (by a mediator,
    say) shows a confidential caller, only to those who may see identities (12345 5.1.4.1)."""
    if confidential and not masked and not actor.can(Permission.TICKET_VIEW_CONFIDENTIAL):
        return (f"文书“{file_name}”出具时未遮蔽保密诉求人的身份，当前账号不能查看或再次出具。"
                "请重新出具一份（会自动遮蔽），或请有权限的同事办理。")
    return ""


def _may_see(actor: Actor, row: IssuedDocument) -> None:
    actor = require(actor, Permission.TICKET_VIEW)
    confidential = Ticket.select(Ticket.confidential).where(Ticket.id == row.ticket_id).scalar()
    if why := identity_refusal(actor, row.file_name, bool(row.masked), bool(confidential)):
        raise PermissionDenied(why)


def stored_content(actor: Actor, document_id: int) -> bytes:
    """The file as it was issued; a missing or altered file is said so, not handed out."""
    row = _row(document_id)
    _may_see(actor, row)
    path = attachments.blob_path(row.sha256)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise StorageError(f"文书“{row.file_name}”的文件不在存储文件夹中（{path.parent}），"
                           f"可能被移走或删除。请从备份恢复该文件夹。") from exc
    except OSError as exc:
        raise StorageError(f"读取文书“{row.file_name}”失败：{exc.strerror or exc}。") from exc
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise StorageError(f"文书“{row.file_name}”的文件与出具时不一致（SHA-256 不符），可能已损坏或被改动，不能再次出具。")
    return data


def reissue(actor: Actor, document_id: int) -> Issued:
    """Hand out the same file again; the timeline says who and when."""
    row = _row(document_id)
    kind = DocumentKind(row.kind)
    permission = permission_for(kind)
    require(actor, permission)
    data = stored_content(actor, document_id)
    with write(actor, permission, "document_reissue", "issued_document", row.uid):
        add_event(row.ticket_id, row.origin, EventKind.DOCUMENT_REISSUED, actor,
                  f"再次出具{kind.label}{('（' + row.number + '）') if row.number else ''}",
                  {"document": row.uid, "sha256": row.sha256})
    return _issued(row, data)


def _issued(row: IssuedDocument, data: bytes = b"") -> Issued:
    ticket = Ticket.get_by_id(row.ticket_id)
    user = User.get_or_none(User.id == row.issued_by_id)
    return Issued(row.id, row.uid, ticket.number, DocumentKind(row.kind), row.number, row.file_name, row.sha256,
                  row.template, bool(row.masked), row.issued_at, user.display_name if user else "", data)


def documents_of(ticket_id: int) -> list[Issued]:
    """A ticket's issued documents, newest first (metadata only)."""
    rows = (IssuedDocument.select().where(IssuedDocument.ticket == ticket_id)
            .order_by(IssuedDocument.issued_at.desc(), IssuedDocument.id.desc()))
    return [_issued(r) for r in rows]
