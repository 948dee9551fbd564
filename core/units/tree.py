"""承办单位 (12345 3.6): the tree of handling units dispatchers pick, and suggestions for a ticket.

Units do not use the program; an admin keeps the tree (区政府, 部门, 街道/乡镇,
社区/村, 公共服务企业) with duty phones and the matters (职责事项) and keywords
each handles. Units are retired, never deleted (DESIGN "Data").
"""
from __future__ import annotations

import contextlib
import logging
import re
import threading
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from peewee import fn

from core import clock, limits, pinyin
from core.errors import Conflict, ValidationError
from core.tickets.registration import normalize_phone
from core.roles import Actor, Permission
from core.service import Transaction, existing, local_origin, require_own, write
from core.vocab import Category, UnitKind
from db.connection import database, raw_connection
from db.models import Unit

log = logging.getLogger("hotline.units")

MAX_NAME, MAX_TERM, MAX_LINE = 60, 30, 200
MAX_CONTACT, MAX_PHONE = 40, 40
_SPLIT = re.compile(r"[、，,;；\n\r\t \u3000]+")
_PHONE = re.compile(r"\+?[\d\- ]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


def split_terms(text: str) -> list[str]:
    """``噪声扰民、供水；占道经营`` → three terms, in order, each once (NFKC: full-width letters as ASCII)."""
    terms = (t.strip() for t in _SPLIT.split(unicodedata.normalize("NFKC", text or "")))
    return list(dict.fromkeys(t for t in terms if t))


@dataclass
class UnitInput:
    name: str
    kind: str  # a UnitKind code
    parent_id: int | None = None
    contact: str = ""
    duty_phone: str = ""
    email: str = ""
    address: str = ""
    matters: list[str] = field(default_factory=list)  # 职责事项: 噪声扰民, 供水, 占道经营
    keywords: list[str] = field(default_factory=list)
    sort: int | None = None  # None: after its last sibling

    def cleaned(self) -> UnitInput:
        return replace(self, name=" ".join(self.name.split()), contact=" ".join(self.contact.split()),
                       duty_phone=unicodedata.normalize("NFKC", self.duty_phone).strip(), email=self.email.strip(),
                       address=" ".join(self.address.split()), matters=split_terms("\n".join(self.matters)),
                       keywords=split_terms("\n".join(self.keywords)))

    def problems(self) -> dict[str, str]:
        """What is wrong with the fields themselves (field → Chinese message); the tree is checked by validate_unit."""
        out: dict[str, str] = {}
        if not self.name:
            out["name"] = "请填写单位名称"
        elif len(self.name) > MAX_NAME:
            out["name"] = f"单位名称不能超过 {MAX_NAME} 个字（现在 {len(self.name)} 个）"
        elif "/" in self.name:
            out["name"] = "单位名称里不能有“/”，它用来分隔上下级单位"
        if self.kind not in UnitKind._value2member_map_:
            out["kind"] = (f"单位类别“{self.kind}”不存在，" if self.kind else "请选择单位类别，") + \
                "可选：" + "、".join(k.label for k in UnitKind)
        if self.duty_phone and not _PHONE.fullmatch(self.duty_phone):
            out["duty_phone"] = "值班电话只能包含数字、“-”、空格和“+”"
        elif len(self.duty_phone) > MAX_PHONE:
            out["duty_phone"] = f"值班电话不能超过 {MAX_PHONE} 个字符"
        elif self.duty_phone and not 5 <= len(normalize_phone(self.duty_phone)) <= 12:
            # 5 digits: service numbers (96777, 95598); 12: area code + 8-digit landline.
            out["duty_phone"] = f"值班电话“{self.duty_phone}”位数不对，应为 5–12 位数字（如 025-84001234、96777）"
        if self.email and not _EMAIL.fullmatch(self.email):
            out["email"] = f"电子邮箱“{self.email}”格式不对，应形如 xwcg@example.gov.cn"
        for key, label, limit in (("contact", "联系人", MAX_CONTACT), ("email", "电子邮箱", limits.LINE),
                                  ("address", "地址", MAX_LINE)):
            if len(getattr(self, key)) > limit:
                out[key] = f"{label}不能超过 {limit} 个字"
        for key, label in (("matters", "职责事项"), ("keywords", "关键词")):
            long = [t for t in getattr(self, key) if len(t) > MAX_TERM]
            if long:
                out[key] = f"{label}“{long[0][:12]}…”太长（每项不超过 {MAX_TERM} 个字），多项请用“、”分开"
            elif len("\n".join(getattr(self, key))) > limits.TERMS:
                out[key] = f"{label}合计不能超过 {limits.TERMS:,} 个字"
        return out


@dataclass(frozen=True)
class UnitNode:
    id: int
    parent_id: int | None
    name: str
    kind: UnitKind
    path: str  # 玄武区人民政府/区城市管理局
    active: bool  # false also under a retired parent
    depth: int  # 0 at the root
    matters: tuple[str, ...]
    keywords: tuple[str, ...]
    initials: str = ""  # pinyin initials of the name, for pickers (DESIGN "UI")


@dataclass(frozen=True)
class UnitDetail:
    id: int
    uid: str
    parent_id: int | None
    name: str
    kind: UnitKind
    path: str
    contact: str
    duty_phone: str
    email: str
    address: str
    matters: tuple[str, ...]
    keywords: tuple[str, ...]
    sort: int
    active: bool
    rev: int
    updated_at: str

    def as_input(self) -> UnitInput:
        return UnitInput(self.name, self.kind.value, self.parent_id, self.contact, self.duty_phone, self.email,
                         self.address, list(self.matters), list(self.keywords), self.sort)


@dataclass(frozen=True)
class Suggestion:
    unit_id: int
    name: str
    path: str
    score: float
    reasons: list[str]


# ---------------------------------------------------------------- the cached list

_generation = 0  # raised after every unit write; a thread's cached list is rebuilt when it moves
_local = threading.local()


def units_changed() -> None:
    """Call after writing units outside this module's services (import, demo)."""
    global _generation
    _generation += 1


def _rows() -> list[UnitNode]:
    """Every unit in tree order (siblings by sort), cached per thread.

    Suggestions run on each keystroke-paced refresh over ~500 units; the key also
    holds SQLite's data_version, so a commit by another connection (another
    thread's writer, a command-line import) is seen too.
    """
    conn = raw_connection()
    key = (database.database, id(conn), _generation, conn.execute("PRAGMA data_version").fetchone()[0])
    cached = getattr(_local, "rows", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    units = list(Unit.select().order_by(Unit.sort, Unit.id))
    children: dict[int | None, list[Unit]] = {}
    for u in units:
        children.setdefault(u.parent_id, []).append(u)
    out: list[UnitNode] = []

    def walk(parent: int | None, prefix: str, depth: int, active: bool) -> None:
        for u in children.get(parent, []):
            path = f"{prefix}/{u.name}" if prefix else u.name
            out.append(UnitNode(u.id, u.parent_id, u.name, UnitKind(u.kind), path, active and u.active, depth,
                                tuple(split_terms(u.matters)), tuple(split_terms(u.keywords))))
            walk(u.id, path, depth + 1, active and u.active)

    walk(None, "", 0, True)  # a unit under a retired one counts as retired (no cycles can be stored)
    log.debug("unit list rebuilt: %d units", len(out))
    _local.rows = (key, out)
    return out


def unit_tree(include_retired: bool = False) -> list[UnitNode]:
    """Units in tree order (a parent before its children); retired ones only on request."""
    rows = [r for r in _rows() if include_retired or r.active]
    marks = pinyin.initials_of(r.name for r in rows)
    return [replace(r, initials=marks[r.name]) for r in rows]


def find_units(text: str, limit: int = 20) -> list[UnitNode]:
    """Active units for a picker: by name, pinyin initials (``csgl`` → 区城市管理局), matter or keyword."""
    needle = unicodedata.normalize("NFKC", text).strip().casefold()
    if not needle:
        return []
    nodes = unit_tree()

    def rank(n: UnitNode) -> int | None:
        if needle in n.name.casefold():
            return 0 if n.name.casefold().startswith(needle) else 1
        if needle.isascii() and needle in n.initials:
            return 2 if n.initials.startswith(needle) else 3
        return 4 if any(needle in t.casefold() for t in n.matters + n.keywords) else None

    ranked = [(r, i, n) for i, n in enumerate(nodes) if (r := rank(n)) is not None]
    return [n for _, _, n in sorted(ranked, key=lambda x: x[:2])[:limit]]


def get_unit(unit_id: int) -> UnitDetail:
    u = _unit(unit_id)
    path = "/".join(a.name for a in _chain(unit_id))
    return UnitDetail(u.id, u.uid, u.parent_id, u.name, UnitKind(u.kind), path, u.contact, u.duty_phone, u.email,
                      u.address, tuple(split_terms(u.matters)), tuple(split_terms(u.keywords)), u.sort, u.active,
                      u.rev, u.updated_at)


def _unit(unit_id: int) -> Unit:
    unit = existing(Unit, unit_id, "这个承办单位已不存在，请刷新后重试。")
    return unit


def _own_unit(unit_id: int) -> Unit:
    """A unit this center may change: its own, not one a district's batch brought."""
    unit = _unit(unit_id)
    require_own(unit.origin, f"承办单位“{unit.name}”")
    return unit


# ---------------------------------------------------------------- the admin's writes

def validate_unit(data: UnitInput, unit_id: int | None = None) -> dict[str, str]:
    """Every problem of ``data`` (cleaned) as field → message, the tree's included; {} when fine.

    Reads the tree itself, not the cached list: inside a write it sees that write.
    """
    out = data.problems()
    chain = _chain(data.parent_id) if data.parent_id is not None else []  # the parent and its ancestors
    where = "/".join(u.name for u in chain)
    if data.parent_id is not None and not chain:
        out["parent_id"] = "上级单位不存在，请刷新后重试"
    elif unit_id is not None and chain[-1:] and chain[-1].id == unit_id:
        out["parent_id"] = "不能把单位设为自己的上级"
    elif unit_id is not None and any(u.id == unit_id for u in chain):
        out["parent_id"] = f"不能把单位移到它自己的下级“{where}”之下，那样会形成循环"
    elif chain and not chain[-1].active and Unit.get_or_none(Unit.id == unit_id, Unit.parent == data.parent_id) is None:
        out["parent_id"] = f"上级单位“{where}”已停用，不能在它下面新增或移入单位"
    if "name" not in out:
        clash = Unit.select().where(fn.ifnull(Unit.parent, 0) == (data.parent_id or 0), Unit.name == data.name)
        if unit_id is not None:
            clash = clash.where(Unit.id != unit_id)
        if (hit := clash.first()) is not None:
            out["name"] = (f"“{where}”下" if where else "最上级") + f"已有名为“{data.name}”的单位" + \
                ("（已停用，可重新启用）" if not hit.active else "")
    return out


def _chain(unit_id: int | None) -> list[Unit]:
    """The unit and its ancestors, the root first; [] when it does not exist."""
    chain: list[Unit] = []
    at = Unit.get_or_none(Unit.id == unit_id) if unit_id is not None else None
    while at is not None and at not in chain:  # a stored cycle (a bug elsewhere) must not hang us
        chain.append(at)
        at = Unit.get_or_none(Unit.id == at.parent_id) if at.parent_id else None
    return chain[::-1]


@contextlib.contextmanager
def unit_write(actor: Actor | None, action: str, permission: Permission | None = Permission.UNIT_MANAGE,
               ) -> Iterator[Transaction]:
    """core.service.write for units; the cached lists are dropped once the transaction is over."""
    try:
        with write(actor, permission, action, "unit") as tx:
            yield tx
    finally:
        units_changed()


def _stored(data: UnitInput) -> dict[str, object]:
    return {"name": data.name, "kind": data.kind, "parent": data.parent_id, "contact": data.contact,
            "duty_phone": data.duty_phone, "email": data.email, "address": data.address,
            "matters": "\n".join(data.matters), "keywords": "\n".join(data.keywords)}


def next_sort(parent_id: int | None) -> int:
    last = Unit.select(fn.MAX(Unit.sort)).where(fn.ifnull(Unit.parent, 0) == (parent_id or 0)).scalar()
    return 0 if last is None else last + 1


def insert_unit(data: UnitInput) -> Unit:
    """Write a cleaned, validated unit; the caller holds the transaction (services, import, demo)."""
    sort = next_sort(data.parent_id) if data.sort is None else data.sort
    return Unit.create(uid=str(uuid.uuid4()), origin=local_origin(), updated_at=clock.stamp(), sort=sort,
                       **_stored(data))


def create_unit(actor: Actor, data: UnitInput) -> int:
    data = data.cleaned()
    with unit_write(actor, "unit.add") as tx:
        if problems := validate_unit(data):  # checked under the write lock: what is checked is what is written
            raise ValidationError(problems)
        if data.parent_id is not None:
            _own_unit(data.parent_id)
        unit = insert_unit(data)
        tx.object_uid, tx.detail = unit.uid, {"name": data.name, "parent_id": data.parent_id, "kind": data.kind}
    return unit.id


def update_unit(actor: Actor, unit_id: int, data: UnitInput) -> bool:
    """Replace a unit's fields; False when nothing changed (rev stays)."""
    data = data.cleaned()
    with unit_write(actor, "unit.edit") as tx:
        unit = _own_unit(unit_id)
        if problems := validate_unit(data, unit_id):
            raise ValidationError(problems)
        fields = _stored(data) | {"sort": unit.sort if data.sort is None else data.sort}
        changed = [k for k, v in fields.items() if getattr(unit, "parent_id" if k == "parent" else k) != v]
        tx.object_uid, tx.detail = unit.uid, {"name": data.name, "changed": changed}
        if changed:
            Unit.update(rev=Unit.rev + 1, updated_at=clock.stamp(), **fields).where(Unit.id == unit_id).execute()
    return bool(changed)


def retire_unit(actor: Actor, unit_id: int, reason: str) -> None:
    """停用: the unit leaves pickers and suggestions; tickets already sent to it keep it.

    A unit with units still in use under it is refused: retiring a street would
    otherwise silently take its communities out of dispatch, and restoring it
    could not know which of them to bring back. The admin retires those first.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError.single("reason", "请填写停用原因")
    with unit_write(actor, "unit.retire") as tx:
        unit = _own_unit(unit_id)
        if not unit.active:
            raise Conflict(f"“{unit.name}”已经停用。")
        below = [c.name for c in Unit.select(Unit.name).where(Unit.parent == unit_id, Unit.active == True)]
        if below:
            more = f"等 {len(below)} 个" if len(below) > 3 else ""
            raise Conflict(f"“{unit.name}”下还有在用的单位（{'、'.join(below[:3])}{more}），请先停用它们。")
        Unit.update(active=False, rev=Unit.rev + 1, updated_at=clock.stamp()).where(Unit.id == unit_id).execute()
        tx.object_uid, tx.detail = unit.uid, {"name": unit.name, "reason": reason[:MAX_LINE]}


def restore_unit(actor: Actor, unit_id: int) -> None:
    """重新启用; its parent must be in use (a unit in use never hangs under a retired one)."""
    with unit_write(actor, "unit.restore") as tx:
        unit = _own_unit(unit_id)
        if unit.active:
            raise Conflict(f"“{unit.name}”在用中，无需启用。")
        if unit.parent_id is not None and not _unit(unit.parent_id).active:
            raise Conflict(f"上级单位“{_unit(unit.parent_id).name}”已停用，请先启用上级单位。")
        Unit.update(active=True, rev=Unit.rev + 1, updated_at=clock.stamp()).where(Unit.id == unit_id).execute()
        tx.object_uid, tx.detail = unit.uid, {"name": unit.name}


# ---------------------------------------------------------------- suggestions for dispatch

# Weights: the 问题分类 an operator chose says more than words in the caller's story.
W_TOPIC, W_NEAR, W_GROUP, W_MATTER_TEXT = 10.0, 6.0, 3.0, 4.0
W_KEYWORD_TOPIC, W_KEYWORD_TEXT, W_PLACE, W_DEPTH = 3.0, 2.0, 3.0, 0.5
MAX_KEYWORD_HITS = 3  # a unit with a long keyword list does not win on volume
_PLACE_SUFFIX = re.compile(r"(街道办事处|街道|人民政府|乡|镇|社区居民委员会|社区居委会|社区|村民委员会|村委会|村)$")
_LOCAL = (UnitKind.STREET, UnitKind.COMMUNITY)
_ASKING = (Category.CONSULT.value, Category.SUGGESTION.value, Category.CONSULT.label, Category.SUGGESTION.label)


def suggest_units(category: str, topic_path: str, text: str, limit: int = 5) -> list[Suggestion]:
    """Units in use that may handle a ticket, best first, each with its reasons in Chinese.

    A matter (职责事项) equal to the ticket's 问题分类 weighs most, one close to it
    (噪声 ~ 噪声污染) or to its 大类 less, a matter or keyword in the title and
    content less again. Streets and communities are territorial (属地): one is
    suggested only when the text names its area (its name or a keyword, which
    for them are roads and landmarks), and for 咨询 and 建议, which the department
    in charge answers, naming the area earns nothing by itself. Deeper units win
    ties: a street before the district government (5.2.2.1.1 sends clear matters
    straight to the unit). Nothing matched → []: such a ticket goes to the
    district government (12345 5.2.2.1.1); the dispatcher decides either way.
    """
    parts = [p.strip() for p in re.split(r"[/／>]", unicodedata.normalize("NFKC", topic_path or "")) if p.strip()]
    leaf, group = (parts[-1], parts[0] if len(parts) > 1 else "") if parts else ("", "")
    body = unicodedata.normalize("NFKC", text or "").casefold()
    asking = category in _ASKING
    found: list[Suggestion] = []
    for row in _rows():
        if not row.active:
            continue
        score, reasons, hits, named = 0.0, [], 0, []
        if row.kind in _LOCAL:
            place = _PLACE_SUFFIX.sub("", row.name)
            named = [w for w in (place, *row.keywords) if len(w) >= 2 and w.casefold() in body]
            if not named:
                continue
            score += 0.0 if asking else W_PLACE
            reasons.append(f"诉求内容提到“{named[0]}”，属其辖区")
        for matter in row.matters:
            weight, why = _matter_hit(matter, leaf, group, body)
            if weight:
                score += weight
                reasons.append(why)
        for word in row.keywords:
            if word in row.matters or word in named:
                continue
            if word in parts:
                score += W_KEYWORD_TOPIC
                reasons.append(f"关键词“{word}”与问题分类相符")
            elif hits < MAX_KEYWORD_HITS and word.casefold() in body:
                hits += 1
                score += W_KEYWORD_TEXT
                reasons.append(f"关键词“{word}”出现在诉求内容中")
        if score:
            found.append(Suggestion(row.id, row.name, row.path, round(score + W_DEPTH * row.depth, 1), reasons))
    found.sort(key=lambda s: -s.score)  # stable: tree order among equals
    return found[:limit]


def _matter_hit(matter: str, leaf: str, group: str, body: str) -> tuple[float, str]:
    if leaf and matter == leaf:
        return W_TOPIC, f"职责事项“{matter}”与问题分类相符"
    if leaf and len(matter) >= 2 and (matter in leaf or (len(leaf) >= 2 and leaf in matter)):
        return W_NEAR, f"职责事项“{matter}”与问题分类“{leaf}”相近"
    if matter.casefold() in body:
        return W_MATTER_TEXT, f"职责事项“{matter}”出现在诉求内容中"
    if group and matter == group:
        return W_GROUP, f"职责事项“{matter}”与问题大类相符"
    return 0.0, ""
