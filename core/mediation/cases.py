"""投诉调解 (12365 6.3.5.2.2): a case with its parties, sessions and outcome.

A complaint the center handles itself (非移送, 6.3.5.2.1) may be mediated: the
mediator records who the parties are, each session (time, place, mediators,
what was said), and how it ended — 调解成功 with the agreement, or 调解失败 /
终止调解 with the reason. The letters (调解书, 终止调解书) are rendered from the
case by ``forms``. Afterwards the center's head closes the complaint (6.3.5.2.3
"受理方负责人应根据处理情况审核结案").
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from core import clock, limits
from core.deadlines import clocks as deadlines
from core.dispatch.sending import LIVE
from core.errors import Conflict, ValidationError
from core.mediation.idnumbers import credit_code_problem, person_id_problem
from core.tickets.timeline import add_event, load_ticket, not_before, touch, when
from core.roles import Actor, Permission
from core.service import existing, write
from core.vocab import (Category, EventKind, MediationOutcome, PartyKind, PartySide,
                        RepresentativeRole, Status)
from db.models import Assignment, MediationCase, MediationParty, MediationSession, User

OPEN, CONCLUDED = "open", "concluded"
_CLOSED_STATUSES = (Status.CLOSED.value, Status.NOT_ACCEPTED.value)
MAX_TEXT = 20_000  # a long record still fits; a pasted book does not


@dataclass
class PartyInput:
    side: str
    kind: str
    name: str
    gender: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    representative: str = ""
    representative_role: str = ""


@dataclass
class SessionInput:
    at: dt.datetime
    place: str
    mediators: str
    record: str


@dataclass(frozen=True)
class Party:
    id: int
    side: str
    kind: str
    name: str
    gender: str
    id_number: str
    phone: str
    address: str
    representative: str
    representative_role: str


@dataclass(frozen=True)
class Session:
    id: int
    at: str
    place: str
    mediators: str
    record: str


@dataclass(frozen=True)
class Case:
    id: int
    uid: str
    ticket_id: int
    status: str
    outcome: str
    facts: str
    request: str
    agreement: str
    termination_reason: str
    mediator: str
    opened_at: str
    concluded_at: str
    parties: list[Party] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)

    @property
    def complainants(self) -> list[Party]:
        return [p for p in self.parties if p.side == PartySide.COMPLAINANT.value]

    @property
    def respondents(self) -> list[Party]:
        return [p for p in self.parties if p.side == PartySide.RESPONDENT.value]

    @property
    def is_open(self) -> bool:
        return self.status == OPEN


def _load(case_id: int) -> MediationCase:
    row = existing(MediationCase, case_id, "这件调解不存在。")
    return row


def _open_row(case_id: int) -> MediationCase:
    row = _load(case_id)
    if row.status != OPEN:
        raise Conflict(f"这件调解已于 {clock.display(row.concluded_at)} 结束"
                       f"（{MediationOutcome.label_of(row.outcome)}），不能再修改。")
    if row.ticket.status in _CLOSED_STATUSES:
        raise Conflict(f"工单 {row.ticket.number} 已{Status.label_of(row.ticket.status)}，调解不能再修改。")
    return row


def open_case(actor: Actor, ticket_id: int) -> int:
    """Start mediating a complaint; the parties start from what registration recorded."""
    now = clock.now()
    with write(actor, Permission.MEDIATE, "mediation_open", "mediation_case") as tx:
        ticket = load_ticket(ticket_id)
        if ticket.category != Category.COMPLAINT.value:
            raise ValidationError.single("ticket", f"只有投诉可以调解，工单 {ticket.number} 是"
                                                   f"“{Category.label_of(ticket.category)}”（12365 6.3.5.2.2）。")
        if ticket.status in _CLOSED_STATUSES:
            raise Conflict(f"工单 {ticket.number} 已{Status.label_of(ticket.status)}，不能再开始调解。")
        if MediationCase.get_or_none((MediationCase.ticket == ticket.id) & (MediationCase.status == OPEN)):
            raise Conflict(f"工单 {ticket.number} 已有一件进行中的调解。")
        row = MediationCase.create(
            uid=str(uuid.uuid4()), origin=ticket.origin, updated_at=clock.stamp(now), ticket=ticket.id,
            status=OPEN, facts=ticket.content, mediator=actor.user_id, opened_at=clock.stamp(now))
        if ticket.caller_name.strip() or ticket.caller_org.strip():
            person = bool(ticket.caller_name.strip())
            _add_party(row.id, 0, PartyInput(
                PartySide.COMPLAINANT.value, PartyKind.PERSON.value if person else PartyKind.ORGANISATION.value,
                ticket.caller_name.strip() or ticket.caller_org.strip(),
                phone=ticket.caller_phone or ticket.caller_contact, address=ticket.caller_address))
        if ticket.reported_unit.strip():
            _add_party(row.id, 1, PartyInput(PartySide.RESPONDENT.value, PartyKind.ORGANISATION.value,
                                             ticket.reported_unit.strip(), address=ticket.address))
        add_event(ticket.id, ticket.origin, EventKind.MEDIATION_OPENED, actor,
                  f"{actor.display_name}开始调解", {"case": row.uid}, at=clock.stamp(now))
        tx.object_uid = row.uid
    return row.id


def _add_party(case_id: int, sort: int, p: PartyInput) -> None:
    MediationParty.create(
        uid=str(uuid.uuid4()), case=case_id, side=p.side, kind=p.kind, name=p.name.strip(),
        gender=p.gender.strip(), id_number=p.id_number.strip().upper(), phone=p.phone.strip(),
        address=p.address.strip(), representative=p.representative.strip(),
        representative_role=p.representative_role if p.representative.strip() else "", sort=sort)


def _party_problems(parties: list[PartyInput]) -> dict[str, str]:
    problems: dict[str, str] = {}
    for i, p in enumerate(parties):
        side = PartySide.label_of(p.side)
        who = f"第 {i + 1} 位当事人（{side}{'：' + p.name.strip() if p.name.strip() else ''}）"
        if p.side not in PartySide._value2member_map_:
            problems[f"parties.{i}.side"] = f"{who}请选择是投诉人还是被投诉人。"
        if p.kind not in PartyKind._value2member_map_:
            problems[f"parties.{i}.kind"] = f"{who}请选择个人或单位。"
        if not p.name.strip():
            problems[f"parties.{i}.name"] = f"{who}请填写姓名或名称。"
        if p.id_number.strip():
            check = person_id_problem if p.kind == PartyKind.PERSON.value else credit_code_problem
            problem = check(p.id_number)
            if problem:
                problems[f"parties.{i}.id_number"] = f"{who}{problem}。"
        for key, message in limits.too_long({
                "name": ("姓名或名称", p.name, limits.NAME), "phone": ("联系电话", p.phone, limits.NAME),
                "address": ("地址", p.address, limits.LINE),
                "representative": ("代理人", p.representative, limits.NAME)}).items():
            problems[f"parties.{i}.{key}"] = f"{who}的{message}"
        if p.gender.strip() not in ("", "男", "女"):
            problems[f"parties.{i}.gender"] = f"{who}的性别应为“男”或“女”，或不填。"
        if p.representative_role and p.representative_role not in RepresentativeRole._value2member_map_:
            problems[f"parties.{i}.representative_role"] = f"{who}的代理人身份不是可选的值。"
        if p.representative.strip() and not p.representative_role:
            problems[f"parties.{i}.representative_role"] = (
                f"{who}填写了代理人“{p.representative.strip()}”，请选择其身份（委托代理人、法定代表人或负责人）。")
    return problems


def _text_problems(**texts: str) -> dict[str, str]:
    labels = {"facts": "争议事实", "request": "投诉请求", "record": "调解记录", "text": "内容"}
    return {name: f"{labels.get(name, name)}太长（{len(value)} 字），请控制在 {MAX_TEXT} 字以内。"
            for name, value in texts.items() if len(value) > MAX_TEXT}


def save_case(actor: Actor, case_id: int, facts: str, request: str, parties: list[PartyInput]) -> None:
    """Facts, request and the parties as the mediator has them now (the party list is replaced)."""
    problems = _party_problems(parties) | _text_problems(facts=facts, request=request)
    if problems:
        raise ValidationError(problems)
    now = clock.now()
    with write(actor, Permission.MEDIATE, "mediation_save", "mediation_case") as tx:
        row = _open_row(case_id)
        MediationParty.delete().where(MediationParty.case == row.id).execute()
        for sort, p in enumerate(parties):
            _add_party(row.id, sort, p)
        touch(row, now, facts=facts.strip(), request=request.strip())
        tx.object_uid = row.uid


def add_session(actor: Actor, case_id: int, data: SessionInput) -> None:
    """One mediation session, recorded after it took place."""
    now = clock.now()
    problems: dict[str, str] = {}
    if not data.place.strip():
        problems["place"] = "请填写调解地点。"
    if not data.mediators.strip():
        problems["mediators"] = "请填写参加调解的调解人员。"
    if not data.record.strip():
        problems["record"] = "请填写调解记录：双方的意见和调解的经过。"
    problems |= _text_problems(record=data.record) | limits.too_long(
        {"place": ("调解地点", data.place, limits.LINE), "mediators": ("调解人员", data.mediators, limits.LINE)})
    if problems:
        raise ValidationError(problems)
    with write(actor, Permission.MEDIATE, "mediation_session", "mediation_case") as tx:
        row = _open_row(case_id)
        at = when(data.at, "at", "调解时间", now)
        not_before(at, row.ticket.received_at, "at", "调解时间", "投诉登记时间")
        MediationSession.create(uid=str(uuid.uuid4()), case=row.id, at=clock.stamp(at), place=data.place.strip(),
                                mediators=data.mediators.strip(), record=data.record.strip(),
                                recorded_by=actor.user_id, recorded_at=clock.stamp(now))
        touch(row, now)
        add_event(row.ticket_id, row.origin, EventKind.MEDIATION_SESSION, actor,
                  f"调解（{data.place.strip()}，{data.mediators.strip()}）", {"case": row.uid}, at=clock.stamp(at))
        tx.object_uid = row.uid


def conclude(actor: Actor, case_id: int, outcome: str, text: str) -> None:
    """End the mediation: the agreement for 调解成功, the reason for 调解失败 / 终止调解."""
    now = clock.now()
    if outcome not in MediationOutcome._value2member_map_:
        raise ValidationError.single("outcome", "请选择调解结果：调解成功、调解失败或终止调解。")
    success = outcome == MediationOutcome.SUCCESS.value
    if not text.strip():
        raise ValidationError.single("text", "调解成功，请填写双方达成的调解协议内容。" if success
                                     else "请填写调解失败或终止调解的理由。")
    if problems := _text_problems(text=text):
        raise ValidationError(problems)
    with write(actor, Permission.MEDIATE, "mediation_conclude", "mediation_case") as tx:
        row = _open_row(case_id)
        missing = []
        sides = {p.side for p in MediationParty.select(MediationParty.side).where(MediationParty.case == row.id)}
        if PartySide.COMPLAINANT.value not in sides:
            missing.append("投诉人")
        if PartySide.RESPONDENT.value not in sides:
            missing.append("被投诉人")
        if not MediationSession.select().where(MediationSession.case == row.id).exists():
            missing.append("至少一次调解记录")
        if missing:
            raise ValidationError.single("case", f"结束调解前请先填写：{'、'.join(missing)}。")
        touch(row, now, status=CONCLUDED, outcome=outcome, concluded_at=clock.stamp(now),
              agreement=text.strip() if success else "", termination_reason="" if success else text.strip())
        add_event(row.ticket_id, row.origin, EventKind.MEDIATION_CONCLUDED, actor,
                  MediationOutcome.label_of(outcome), {"case": row.uid, "outcome": outcome}, at=clock.stamp(now))
        tx.object_uid = row.uid


def close_complaint(actor: Actor, case_id: int, note: str) -> None:
    """负责人审核结案 after mediation (12365 6.3.5.2.3) for a complaint the center handled itself."""
    now = clock.now()
    if not note.strip():
        raise ValidationError.single("note", "请填写审核意见。")
    limits.check({"note": ("审核意见", note, limits.NOTE)})
    with write(actor, Permission.MEDIATION_CLOSE, "mediation_close", "ticket") as tx:
        row = _load(case_id)
        if row.status != CONCLUDED:
            raise Conflict("调解尚未结束，不能审核结案。")
        if MediationCase.get_or_none((MediationCase.ticket == row.ticket_id) & (MediationCase.status == OPEN)):
            raise Conflict("这件投诉还有一件进行中的调解，请先结束它，再审核结案。")
        ticket = load_ticket(row.ticket_id)
        if ticket.status in _CLOSED_STATUSES:
            raise Conflict(f"工单 {ticket.number} 已{Status.label_of(ticket.status)}。")
        busy = Assignment.select().where((Assignment.ticket == ticket.id) & Assignment.status.in_(LIVE)).exists()
        if busy:
            raise Conflict(f"工单 {ticket.number} 已派给承办单位办理，请在派单督办中审核其反馈后办结。")
        deadlines.meet(ticket.id, None, now)
        touch(ticket, now, status=Status.CLOSED.value)
        add_event(ticket.id, ticket.origin, EventKind.CLOSED, actor,
                  f"调解后审核结案（{MediationOutcome.label_of(row.outcome)}）：{note.strip()}",
                  {"case": row.uid, "note": note.strip()}, at=clock.stamp(now))
        tx.object_uid = ticket.uid


# --- reads ---------------------------------------------------------------------

def _case(row: MediationCase) -> Case:
    mediator = User.get_or_none(User.id == row.mediator_id)
    parties = [Party(p.id, p.side, p.kind, p.name, p.gender, p.id_number, p.phone, p.address, p.representative,
                     p.representative_role)
               for p in MediationParty.select().where(MediationParty.case == row.id).order_by(MediationParty.sort)]
    sessions = [Session(s.id, s.at, s.place, s.mediators, s.record)
                for s in MediationSession.select().where(MediationSession.case == row.id)
                .order_by(MediationSession.at, MediationSession.id)]
    return Case(row.id, row.uid, row.ticket_id, row.status, row.outcome, row.facts, row.request, row.agreement,
                row.termination_reason, mediator.display_name if mediator else "", row.opened_at, row.concluded_at,
                parties, sessions)


def get_case(case_id: int) -> Case:
    return _case(_load(case_id))


def cases_of(ticket_id: int) -> list[Case]:
    """A ticket's mediations, latest first."""
    rows = MediationCase.select().where(MediationCase.ticket == ticket_id).order_by(MediationCase.id.desc())
    return [_case(r) for r in rows]
