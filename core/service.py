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
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from core import clock
from core.errors import Conflict, PermissionDenied, StorageError
from core.roles import TICKET_WORK, Actor, Permission, Role
from core.store import storage_errors, writes_refused
from db.connection import database, raw_connection
from db.models import Audit, Center

log = logging.getLogger("hotline.service")


@dataclass
class Changes:
    """What a service changed, so screens refresh only that (Anki's OpChanges)."""

    tickets: bool = False
    users: bool = False
    topics: bool = False
    center: bool = False
    drafts: bool = False
    ids: list[int] = field(default_factory=list)


@dataclass
class Transaction:
    actor: Actor | None
    action: str
    object_type: str
    object_uid: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


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
    log.info("%s %s %s", action, object_type, tx.object_uid)


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
