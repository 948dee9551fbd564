"""The frame every write runs in: rights checked, one IMMEDIATE transaction, audit.

A service function does ``with write(actor, Permission.X, "action", ...) as tx:``;
everything inside, the audit entry included, commits or rolls back together.
A read service starts with ``actor = require(actor, Permission.Y)``: the rights are
those of the account as stored now, not as it was at login.
"""
from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from core import clock
from core.errors import Conflict, NotFound, PermissionDenied, StorageError
from core.roles import TICKET_WORK, Actor, Permission, Role
from core.store import storage_errors, writes_refused
from peewee import Model

from db.connection import database, raw_connection
from db.models import Audit, Center

log = logging.getLogger("hotline.service")


@dataclass
class Changes:
    """What committed writes changed, so each screen refreshes only what it shows (Anki's OpChanges).

    The write frame fills it in from what each transaction wrote (``OBJECT_CHANGES`` by the
    object type every write names, and the tickets the timeline touched), so no service can
    forget to say it; ``collect_changes`` gathers them for one operation of the UI.
    """

    tickets: bool = False  # a ticket, its assignments, clocks, supervision, mediation, documents
    users: bool = False
    topics: bool = False
    center: bool = False
    drafts: bool = False
    kb: bool = False  # articles, their questions and synonyms
    units: bool = False
    calendar: bool = False  # working days, deadline rules, surges: any deadline may move
    templates: bool = False
    exchange: bool = False  # keys, batches, receipts, imports
    settings: bool = False
    calls: bool = False  # the call log (话务记录)
    visits: bool = False  # return visits (回访)
    ids: list[int] = field(default_factory=list)  # what a service names as changed (users, articles)
    ticket_ids: set[int] = field(default_factory=set)  # the tickets whose timeline was written

    def merge(self, other: Changes) -> None:
        for name in KINDS:
            setattr(self, name, getattr(self, name) or getattr(other, name))
        self.ids.extend(i for i in other.ids if i not in self.ids)
        self.ticket_ids |= other.ticket_ids

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in KINDS)


KINDS = ("tickets", "users", "topics", "center", "drafts", "kb", "units", "calendar", "templates", "exchange",
         "settings", "calls", "visits")

# What a write of each object type changes. write() refuses a type missing here, so a new
# kind of write cannot go unheard by the screens (tests/core/test_changes.py).
OBJECT_CHANGES: dict[str, tuple[str, ...]] = {
    "ticket": ("tickets",),
    "assignment": ("tickets",),
    "extension_request": ("tickets",),
    "supervision": ("tickets",),
    "mediation_case": ("tickets",),
    "issued_document": ("tickets",),
    "kb_article": ("kb",),
    "kb_synonym": ("kb",),
    "topic": ("topics",),
    "unit": ("units",),
    "user": ("users",),
    "center": ("center",),
    "calendar": ("calendar", "tickets"),  # provisional deadlines are recomputed
    "deadline_rules": ("calendar",),
    "surge": ("calendar",),
    "setting": ("settings",),
    "document_template": ("templates",),
    "sync_key": ("exchange",),
    "sync_peer_key": ("exchange",),
    "sync_batch_out": ("exchange",),
    "sync_receipt_out": ("exchange",),
    # A receipt may renumber tickets; an import brings a district's tickets, units, topics, kb.
    "sync_receipt_in": ("exchange", "tickets"),
    "sync_import": ("exchange", "tickets", "units", "topics", "kb", "users"),
    "call_import": ("calls",),
    "return_visit": ("tickets", "visits"),
    "evaluation": ("visits",),
}


class _Collecting(threading.local):
    def __init__(self) -> None:
        self.collectors: list[Changes] = []
        self.open: list[Transaction] = []


_collecting = _Collecting()


@contextlib.contextmanager
def collect_changes() -> Iterator[Changes]:
    """Gather what every write committed on this thread inside the block changed."""
    changes = Changes()
    _collecting.collectors.append(changes)
    try:
        yield changes
    finally:
        _forget(_collecting.collectors, changes)


def _forget(stack: list, item: object) -> None:
    """Take ``item`` itself off ``stack`` (list.remove would take the first equal one)."""
    del stack[next(i for i in range(len(stack) - 1, -1, -1) if stack[i] is item)]


def note_ticket(ticket_id: int) -> None:
    """The timeline was written for this ticket (core.tickets.timeline calls it)."""
    if _collecting.open:
        _collecting.open[-1].changes.ticket_ids.add(ticket_id)
        _collecting.open[-1].changes.tickets = True


@dataclass
class Transaction:
    actor: Actor | None
    action: str
    object_type: str
    object_uid: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    changes: Changes = field(default_factory=Changes)


def _claimed(actor: Actor | None, permission: Permission) -> Actor:
    """What the Actor made at login says; no storage read."""
    if actor is None or not actor.can(permission):
        raise PermissionDenied(f"当前账号没有“{permission.label}”的权限，请联系管理员。")
    return actor


# One indexed read (the user's primary key, then user_role's): cheap enough for every page
# of the ticket list and every keystroke of the phone look-up.
_ACCOUNT = "SELECT u.active, r.role FROM user u LEFT JOIN user_role r ON r.user_id = u.id WHERE u.id = ?"


def current(actor: Actor) -> Actor:
    """The account as it is stored now: refused when disabled (or gone), with its roles of now.

    The Actor was made at login; an account disabled or a role removed since then stops
    reading and writing at once, not at the next login (README 系统管理).
    """
    with storage_errors():
        rows = raw_connection().execute(_ACCOUNT, (actor.user_id,)).fetchall()
    if not rows:
        raise PermissionDenied(f"账号“{actor.username}”在当前数据库中不存在（可能已换了数据库文件），请重新登录。")
    if not rows[0][0]:
        raise PermissionDenied("这个账号已被停用，不能再进行操作。请联系管理员。")
    roles = frozenset(Role(r) for _, r in rows if r in Role._value2member_map_)
    return actor if roles == actor.roles else replace(actor, roles=roles)


def require(actor: Actor | None, permission: Permission) -> Actor:
    """Refuse unless the account, as stored now, has ``permission``; return it as stored now.

    Every read service calls this first and uses the returned Actor for what else it
    decides (masking a confidential caller, showing drafts), so a role taken away
    stops those reads too.
    """
    now = current(_claimed(actor, permission))
    if not now.can(permission):
        raise PermissionDenied(f"当前账号已没有“{permission.label}”的权限（角色已被管理员修改），请重新登录。")
    return now


@contextlib.contextmanager
def write(
    actor: Actor | None,
    permission: Permission | None,
    action: str,
    object_type: str,
    object_uid: str = "",
) -> Iterator[Transaction]:
    """Check rights, open BEGIN IMMEDIATE, and append the audit entry on success.

    ``actor`` may be None only with ``permission`` None (first-launch setup, demo).
    """
    if permission is not None:
        _claimed(actor, permission)
        if permission in TICKET_WORK:
            require_district(permission)
    if refusal := writes_refused():
        raise StorageError(refusal)
    tx = Transaction(actor, action, object_type, object_uid)
    for kind in OBJECT_CHANGES[object_type]:
        setattr(tx.changes, kind, True)
    _collecting.open.append(tx)
    try:
        with storage_errors(), database.atomic("IMMEDIATE"):
            # Inside the lock, so what was checked holds for the write. Without a permission
            # (a user's own password) a disabled account is still refused.
            if permission is not None:
                require(actor, permission)
            elif actor is not None:
                current(actor)
            yield tx
            Audit.create(
                at=clock.stamp(),
                actor=actor.user_id if actor else None,
                action=tx.action,
                object_type=tx.object_type,
                object_uid=tx.object_uid,
                detail=json.dumps(tx.detail, ensure_ascii=False),
            )
    finally:
        _forget(_collecting.open, tx)
    if _collecting.open:  # a savepoint inside another write: heard only if that one commits too
        _collecting.open[-1].changes.merge(tx.changes)
    else:
        for changes in _collecting.collectors:  # committed: the screens may hear of it
            changes.merge(tx.changes)
    log.info("%s %s %s", action, object_type, tx.object_uid)


M = TypeVar("M", bound=Model)


def existing(model: type[M], row_id: int, missing: str) -> M:
    """The row of ``model`` with this id, or NotFound with the Chinese ``missing`` (a row deleted
    or never there: the screen asked about what it showed a moment ago)."""
    row = model.get_or_none(model.id == row_id)
    if row is None:
        raise NotFound(missing)
    return row


def require_district(permission: Permission) -> None:
    """A province keeps the districts' tickets as they sent them: registering, handling,
    mediating or issuing a document there would make a copy that drifts from the district's
    (and the next batch would overwrite it). Checked before anything is rendered or written."""
    role = Center.select(Center.role).where(Center.id == 1).scalar()
    if role == "province":
        raise Conflict(f"本中心是省级中心，只汇总和查看各区县上报的工单，不能“{permission.label}”。"
                       "工单由其所属的区县中心登记和办理。")


def local_origin() -> str:
    """The code of this center, stamped as ``origin`` on what it creates (DESIGN "Batches")."""
    center = Center.get_or_none(Center.id == 1)
    return center.code if center else ""


def require_own(origin: str, what: str) -> None:
    """Only the center that made a travelling record changes it (DESIGN "Batches"): at a
    province a district's unit or topic is read-only, else its copy would drift from the
    district's until the next batch overwrote it."""
    if origin and origin != local_origin():
        raise Conflict(f"{what}属于中心 {origin}，由该中心维护；本中心只能查看。")
