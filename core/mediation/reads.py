"""Reads for the 调解与文书 area: the complaints a mediator works through, one complaint as
the area shows it, and what a ticket's documents can be issued from.

The list pages in SQL (newest complaint first, ``limit``/``offset``); a filter on the
mediation state starts from the mediation cases themselves, so 调解中 costs what the
open cases do, not what every complaint does. A confidential caller (是否保密, 12345
5.1.4.1) comes back masked for users without ``TICKET_VIEW_CONFIDENTIAL`` — the name in
the row, and the name is not searched either, so a search cannot tell who called.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from core import clock
from core.mediation import cases as mediation
from core.errors import NotFound
from core.mediation.cases import Case
from core.tickets.privacy import mask_name, mask_phone, mask_text
from core.roles import Actor, Permission
from core.service import require
from core.store import storage_errors
from core.vocab import AssignmentRole, AssignmentStatus, Category, MediationOutcome, Status, SupervisionKind
from db.connection import raw_connection

PAGE = 100
COUNT_CAP = 10_000
CLOSED_STATUSES = (Status.CLOSED.value, Status.NOT_ACCEPTED.value)

# The state filter: code -> Chinese label, in the order the filter box lists them.
NOT_MEDIATED, OPEN, CONCLUDED, TO_CLOSE = "none", mediation.OPEN, mediation.CONCLUDED, "to_close"
STATES = {"": "全部投诉", NOT_MEDIATED: "未调解", OPEN: "调解中", CONCLUDED: "已结束", TO_CLOSE: "已结束待审核结案"}


def state_label(case_status: str | None, outcome: str = "") -> str:
    """未调解 / 调解中 / 已结束：调解成功."""
    if not case_status:
        return "未调解"
    if case_status == OPEN:
        return "调解中"
    return f"已结束：{MediationOutcome.label_of(outcome)}" if outcome else "已结束"


@dataclass(frozen=True)
class ComplaintRow:
    """One line of the area's list: a complaint and where its mediation stands."""

    ticket_id: int
    number: str
    received_at: str  # for display
    title: str
    caller: str  # masked where the user may not see it
    status: str  # the ticket's status label
    closed: bool
    case_id: int | None  # the latest mediation
    case_status: str  # '' none, open, concluded
    outcome: str

    @property
    def state(self) -> str:
        return state_label(self.case_status, self.outcome)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _query(actor: Actor, state: str, text: str) -> tuple[str, list]:
    """FROM … WHERE … for the state and text filters; the latest case of each ticket as ``m``."""
    if state not in STATES:
        raise ValueError(f"unknown mediation state filter: {state!r}")
    see = actor.can(Permission.TICKET_VIEW_CONFIDENTIAL)
    params: list = []
    if state in (OPEN, CONCLUDED, TO_CLOSE):
        # Few cases: start from them (the index on mediation_case(ticket_id) finds the latest).
        sql = ("FROM mediation_case m JOIN ticket t ON t.id = m.ticket_id "
               "WHERE m.id = (SELECT max(x.id) FROM mediation_case x WHERE x.ticket_id = t.id) "
               "AND t.category = 'complaint' AND m.status = ?")
        params.append(OPEN if state == OPEN else CONCLUDED)
        if state == TO_CLOSE:
            sql += f" AND t.status NOT IN ({','.join('?' * len(CLOSED_STATUSES))})"
            params += CLOSED_STATUSES
    else:
        sql = ("FROM ticket t LEFT JOIN mediation_case m "
               "ON m.id = (SELECT max(x.id) FROM mediation_case x WHERE x.ticket_id = t.id) "
               "WHERE t.category = 'complaint'")
        if state == NOT_MEDIATED:
            sql += " AND m.id IS NULL"
    text = text.strip()
    if text:
        pattern = _like(text)
        names = "t.caller_name LIKE ? ESCAPE '\\' OR t.caller_org LIKE ? ESCAPE '\\'"
        if not see:
            names = f"t.confidential = 0 AND ({names})"
        sql += f" AND (t.number LIKE ? ESCAPE '\\' OR t.title LIKE ? ESCAPE '\\' OR {names})"
        params += [pattern] * 4
    return sql, params


def complaints_page(actor: Actor, state: str = "", text: str = "", offset: int = 0,
                    limit: int = PAGE) -> list[ComplaintRow]:
    """Complaints newest first, with their latest mediation; ``state`` one of STATES."""
    actor = require(actor, Permission.TICKET_VIEW)
    see = actor.can(Permission.TICKET_VIEW_CONFIDENTIAL)
    where, params = _query(actor, state, text)
    with storage_errors():
        rows = raw_connection().execute(
            "SELECT t.id, t.number, t.received_at, t.title, t.caller_name, t.caller_org, t.confidential, t.status, "
            f"m.id, ifnull(m.status, ''), ifnull(m.outcome, '') {where} "
            "ORDER BY t.received_at DESC, t.id DESC LIMIT ? OFFSET ?", (*params, limit, offset)).fetchall()
    out = []
    for tid, number, received, title, name, org, confidential, status, case_id, case_status, outcome in rows:
        caller = name.strip() or org.strip()
        if confidential and not see:
            caller = mask_name(name) if name.strip() else mask_text(org)
        out.append(ComplaintRow(tid, number, clock.display(received), title, caller, Status.label_of(status),
                                status in CLOSED_STATUSES, case_id, case_status, outcome))
    return out


def complaints_count(actor: Actor, state: str = "", text: str = "", cap: int = COUNT_CAP) -> int:
    """How many rows the filter gives, counted up to ``cap``."""
    actor = require(actor, Permission.TICKET_VIEW)
    where, params = _query(actor, state, text)
    with storage_errors():
        (n,) = raw_connection().execute(f"SELECT count(*) FROM (SELECT 1 {where} LIMIT ?)", (*params, cap)).fetchone()
    return n


# ---------------------------------------------------------------- one complaint

@dataclass(frozen=True)
class Complaint:
    """The right side of the area for one complaint."""

    ticket_id: int
    number: str
    title: str
    status: str  # label
    closed: bool
    category: str
    received_at: str  # for display
    caller: str  # name and phone, masked where need be
    reported_unit: str
    address: str
    content: str
    masked: bool
    state: str  # the latest mediation in words, for everyone: 未调解 / 调解中 / 已结束：调解成功
    cases: list[Case] = field(default_factory=list)  # latest first; empty for users who may not see parties
    may_mediate: bool = False  # MEDIATE: sees and edits the case
    may_close: bool = False  # MEDIATION_CLOSE

    @property
    def case(self) -> Case | None:
        return self.cases[0] if self.cases else None

    @property
    def can_open(self) -> bool:
        """开始调解 is offered: a complaint not closed, with no mediation running."""
        return (self.may_mediate and self.category == Category.COMPLAINT.value and not self.closed
                and not (self.case and self.case.is_open))

    @property
    def can_close(self) -> bool:
        """审核结案 is offered (the service checks the handling units again)."""
        return self.may_close and not self.closed and self.case is not None and not self.case.is_open


def complaint(actor: Actor, ticket_id: int) -> Complaint:
    """One complaint with its mediations; parties only for those who mediate (they see identities)."""
    actor = require(actor, Permission.TICKET_VIEW)
    with storage_errors():
        row = raw_connection().execute(
            "SELECT number, title, status, category, received_at, caller_name, caller_org, caller_phone, "
            "confidential, reported_unit, address, content FROM ticket WHERE id = ?", (ticket_id,)).fetchone()
        if row is None:
            raise NotFound("工单不存在。")
        number, title, status, category, received, name, org, phone, confidential, unit, address, content = row
        masked = bool(confidential) and not actor.can(Permission.TICKET_VIEW_CONFIDENTIAL)
        if masked:
            name, org, phone = mask_name(name), mask_text(org), mask_phone(phone)
        latest = raw_connection().execute("SELECT status, outcome FROM mediation_case WHERE ticket_id = ? "
                                          "ORDER BY id DESC LIMIT 1", (ticket_id,)).fetchone()
        may_mediate = actor.can(Permission.MEDIATE)
        cases = mediation.cases_of(ticket_id) if may_mediate else []
    caller = "、".join(x for x in (name.strip(), org.strip(), phone) if x)
    return Complaint(ticket_id, number, title, Status.label_of(status), status in CLOSED_STATUSES, category,
                     clock.display(received), caller, unit, address, content, masked,
                     state_label(*latest) if latest else state_label(None), cases, may_mediate,
                     actor.can(Permission.MEDIATION_CLOSE))


# ---------------------------------------------------------------- what documents can come from

@dataclass(frozen=True)
class AssignmentSource:
    id: int
    unit: str
    role: str  # label
    status: str  # label
    live: bool  # not withdrawn


@dataclass(frozen=True)
class SupervisionSource:
    id: int
    at: str  # for display
    kind: str  # label
    unit: str


@dataclass(frozen=True)
class CaseSource:
    id: int
    open: bool
    outcome: str  # code; '' while open


@dataclass(frozen=True)
class DocumentSources:
    """A ticket's facts that decide which documents can be issued for it (forms.catalog)."""

    ticket_id: int
    number: str
    hotline: str
    category: str
    status: str  # code
    confidential: bool
    assignments: list[AssignmentSource]
    supervisions: list[SupervisionSource]
    cases: list[CaseSource]  # latest first

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_STATUSES


def document_sources(actor: Actor, ticket_id: int) -> DocumentSources:
    require(actor, Permission.TICKET_VIEW)
    with storage_errors():
        conn = raw_connection()
        row = conn.execute("SELECT number, hotline, category, status, confidential FROM ticket WHERE id = ?",
                           (ticket_id,)).fetchone()
        if row is None:
            raise NotFound("工单不存在。")
        number, hotline, category, status, confidential = row
        assignments = [
            AssignmentSource(aid, unit, AssignmentRole.label_of(role), AssignmentStatus.label_of(a_status),
                             a_status != AssignmentStatus.WITHDRAWN.value)
            for aid, unit, role, a_status in conn.execute(
                "SELECT a.id, u.name, a.role, a.status FROM assignment a JOIN unit u ON u.id = a.unit_id "
                "WHERE a.ticket_id = ? ORDER BY a.dispatched_at, a.role DESC, a.id", (ticket_id,))]
        supervisions = [
            SupervisionSource(sid, clock.display(at), SupervisionKind.label_of(kind), unit)
            for sid, at, kind, unit in conn.execute(
                "SELECT s.id, s.at, s.kind, ifnull(u.name, '') FROM supervision s LEFT JOIN unit u ON u.id = s.unit_id "
                "WHERE s.ticket_id = ? ORDER BY s.at, s.id", (ticket_id,))]
        cases = [CaseSource(cid, c_status == OPEN, outcome) for cid, c_status, outcome in conn.execute(
            "SELECT id, status, outcome FROM mediation_case WHERE ticket_id = ? ORDER BY id DESC", (ticket_id,))]
    return DocumentSources(ticket_id, number, hotline, category, status, bool(confidential), assignments,
                           supervisions, cases)

