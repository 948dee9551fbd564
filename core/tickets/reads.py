"""Reading tickets: list pages, the repeat-caller look-up, and the detail with its timeline.

Confidential callers (是否保密, 12345 5.1.4.1) come back masked for anyone
without ``TICKET_VIEW_CONFIDENTIAL``: masking happens here, once, so no screen
or export can forget it.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from core import clock, text_search
from core.center import districts
from core.center import regions
from core.center import topics
from core.center.profile import current_center
from core.errors import ValidationError
from core.tickets.privacy import mask_name, mask_phone, mask_text
from core.tickets.registration import DETAIL_FIELDS, normalize_phone
from core.roles import Actor, Permission
from core.service import existing, require
from core.store import storage_errors
from core.vocab import (
    Category,
    Channel,
    EmergencyType,
    EventKind,
    NotAcceptedReason,
    RiskLevel,
    Status,
    Urgency,
)
from core.tickets import queries as ticket_queries
from db.models import Attachment, Ticket, TicketEvent, User

PAGE_SIZE = 200
COUNT_CAP = 100_000


@dataclass
class TicketFilter:
    """What the list's filter bar asks for; dates are local calendar days, inclusive."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    status: str | None = None
    category: str | None = None
    urgency: str | None = None
    channel: str | None = None
    district: str | None = None  # a district's code, at the province
    phone: str = ""
    text: str = ""
    sort: str = "received_at"
    descending: bool = True

    def problems(self) -> dict[str, str]:
        """What makes this filter unusable, by field, in words for the filter bar."""
        found: dict[str, str] = {}
        if self.date_from and self.date_to and self.date_from > self.date_to:
            found["date_to"] = "受理日期的起始日晚于结束日，请调整。"
        text_problem = text_search.query_problem(self.text)
        if text_problem:
            found["text"] = text_problem
        return found

    def to_query(self) -> ticket_queries.TicketQuery:
        problems = self.problems()
        if problems:
            raise ValidationError(problems)
        phone = None
        if self.phone.strip():
            # Something typed that is not a number matches nothing, not everything.
            phone = normalize_phone(self.phone) or "\uffff"
        return ticket_queries.TicketQuery(
            received_from=clock.day_start(self.date_from) if self.date_from else None,
            received_to=clock.day_end_exclusive(self.date_to) if self.date_to else None,
            status=self.status or None,
            category=self.category or None,
            urgency=self.urgency or None,
            channel=self.channel or None,
            origin=self.district or None,
            phone_prefix=phone,
            text=self.text.strip() or None,
            sort=self.sort,
            descending=self.descending,
        )


@dataclass(frozen=True)
class TicketRow:
    id: int
    number: str
    received_at: str  # for display
    hotline: str
    channel: str
    status: str
    category: str
    urgency: str
    caller_name: str
    caller_phone: str
    title: str
    confidential: bool
    is_repeat: bool
    sort_key: tuple[Any, int]  # keyset for the next page
    origin: str = ""  # the center that registered it
    district: str = ""  # its name, at the province (where tickets come from many districts)
    number_clash: bool = False  # at the province: another ticket of its district holds this number (issue 15 §3)


@dataclass(frozen=True)
class TimelineEntry:
    at: str
    kind: str
    actor: str
    summary: str


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    kind: str
    name: str
    size: int
    sha256: str


@dataclass
class TicketDetail:
    id: int
    uid: str
    number: str
    fields: list[tuple[str, str]]  # (label, value) in the order of appendix D
    content: str
    reply: str
    confidential: bool
    masked: bool
    timeline: list[TimelineEntry] = field(default_factory=list)
    attachments: list[AttachmentInfo] = field(default_factory=list)


_SORT_INDEX = {"received_at": 2, "number": 1, "status": 5, "category": 6}
NUMBER_CLASH = ("该区县的另一张工单也使用这个编号（该区县可能从备份恢复后重复使用了编号）。"
                "回执会通知该区县改号，改号后的工单送达后此提示消失。")


def stored_object(text: str | None) -> dict[str, Any]:
    """A stored JSON object (a ticket's details, an event's data, a feedback) as a dict, {} for
    anything else: a value a district sent that the import let through (from before a rule
    existed) shows as blank, never as a traceback (issue 15 §2)."""
    try:
        value = json.loads(text or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def stored_text(value: Any) -> str:
    """A value taken out of stored JSON, as text: '' for null and for what is not text."""
    return value if isinstance(value, str) else ""


def _row(raw: tuple, sort: str, see_confidential: bool, district_names: dict[str, str] | None = None) -> TicketRow:
    (tid, number, received_at, hotline, channel, status, category, urgency, emergency_type,
     name, phone, confidential, title, _region, repeat_of, origin, clash) = raw
    hidden = bool(confidential) and not see_confidential
    urgency_label = Urgency.label_of(urgency)
    if emergency_type:
        urgency_label += f"·{EmergencyType.label_of(emergency_type)}"
    return TicketRow(
        id=tid,
        number=number,
        received_at=clock.display(received_at),
        hotline=hotline,
        channel=Channel.label_of(channel),
        status=Status.label_of(status),
        category=Category.label_of(category),
        urgency=urgency_label,
        caller_name=mask_name(name) if hidden else name,
        caller_phone=mask_phone(phone) if hidden else phone,
        title=title,
        confidential=bool(confidential),
        is_repeat=repeat_of is not None,
        sort_key=(raw[_SORT_INDEX[sort]], tid),
        origin=origin,
        district=district_names.get(origin, "") if district_names else "",
        number_clash=bool(clash),
    )


def list_page(actor: Actor, flt: TicketFilter, after: tuple[Any, int] | None = None, limit: int = PAGE_SIZE) -> list[TicketRow]:
    see = require(actor, Permission.TICKET_VIEW).can(Permission.TICKET_VIEW_CONFIDENTIAL)
    with storage_errors():
        rows = ticket_queries.page(flt.to_query(), after, limit)
        here = current_center()
        names = districts.names() if here is not None and here.is_province else None
    return [_row(r, flt.sort, see, names) for r in rows]


def count(actor: Actor, flt: TicketFilter, cap: int = COUNT_CAP) -> int:
    require(actor, Permission.TICKET_VIEW)
    with storage_errors():
        return ticket_queries.count(flt.to_query(), cap)


def caller_history(actor: Actor, phone: str, limit: int = 20) -> list[TicketRow]:
    """The caller's earlier tickets, open ones first (shown as the number is typed)."""
    actor = require(actor, Permission.TICKET_VIEW)
    digits = normalize_phone(phone)
    if len(digits) < 5:
        return []
    see = actor.can(Permission.TICKET_VIEW_CONFIDENTIAL)
    with storage_errors():
        rows = ticket_queries.by_phone(digits, limit)
    return [_row(r, "received_at", see) for r in rows]


def detail(actor: Actor, ticket_id: int) -> TicketDetail:
    actor = require(actor, Permission.TICKET_VIEW)
    with storage_errors():
        t = existing(Ticket, ticket_id, "工单不存在。")
        hidden = t.confidential and not actor.can(Permission.TICKET_VIEW_CONFIDENTIAL)
        details = stored_object(t.details)
        repeat_number = ""
        if t.repeat_of_id:
            original = Ticket.get_or_none(Ticket.id == t.repeat_of_id)
            repeat_number = original.number if original else ""
        name = mask_name(t.caller_name) if hidden else t.caller_name
        phone = mask_phone(t.caller_phone) if hidden else t.caller_phone
        fields = [
            ("工单编号", t.number),
            ("编号冲突", NUMBER_CLASH if t.number_clash else ""),
            ("状态", Status.label_of(t.status)),
            ("热线", t.hotline),
            ("诉求来源", Channel.label_of(t.channel)),
            ("诉求提出时间", clock.display(t.received_at)),
            ("来电人", name),
            ("来电号码", phone),
            ("其他联系方式", mask_text(t.caller_contact) if hidden else t.caller_contact),
            ("来电人地址", mask_text(t.caller_address) if hidden else t.caller_address),
            ("工作单位", mask_text(t.caller_org) if hidden else t.caller_org),
            ("是否保密", "是" if t.confidential else "否"),
            ("同意回访", "是" if t.visit_consent else "否"),
            ("诉求分类", Category.label_of(t.category)),
            ("问题分类", topics.topic_path(t.topic_id)),
            ("紧急程度", Urgency.label_of(t.urgency)),
            ("紧急类型", EmergencyType.label_of(t.emergency_type)),
            ("风险等级", RiskLevel.label_of(t.risk_level)),
            ("事发时间", t.occurred_at),
            ("事发区域", regions.describe(t.region_code) if t.region_code else ""),
            ("发生地址", t.address),
            ("被反映单位", t.reported_unit),
            ("工单标题", t.title),
            ("不予受理原因", NotAcceptedReason.label_of(t.not_accepted_reason)),
            ("告知内容", t.referral),
            ("重复件，原工单", repeat_number),
        ] + [(DETAIL_FIELDS[k], stored_text(v)) for k, v in details.items() if k in DETAIL_FIELDS]
        fields = [(label, value) for label, value in fields if value]
        events = list(TicketEvent.select().where(TicketEvent.ticket == t.id).order_by(TicketEvent.at, TicketEvent.id))
        actor_ids = {e.actor_id for e in events if e.actor_id is not None}
        names = {u.id: u.display_name for u in User.select(User.id, User.display_name).where(User.id.in_(actor_ids))}
        timeline = [
            TimelineEntry(clock.display(e.at), EventKind.label_of(e.kind), names.get(e.actor_id, ""), e.summary)
            for e in events
        ]
        attachments = [
            AttachmentInfo(a.id, a.kind, a.name, a.size, a.sha256)
            for a in Attachment.select().where(Attachment.ticket == t.id).order_by(Attachment.id)
        ]
    return TicketDetail(
        id=t.id,
        uid=t.uid,
        number=t.number,
        fields=fields,
        content=t.content,
        reply=t.reply,
        confidential=t.confidential,
        masked=hidden,
        timeline=timeline,
        attachments=attachments,
    )
