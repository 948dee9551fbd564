"""受理登记: writing a ticket down while the caller is on the line.

The fields follow 12345 5.1.4.1 and appendix D (诉求工单样式) and the 12365 spec;
what each call type must record follows 12345 appendix C (来电记录要求); calls
outside the acceptance scope are registered as not accepted with the referral
the caller was told, never dropped (12345 5.1.2.2; 12365 6.3.2.2, 6.4.2.2).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
import uuid
from dataclasses import asdict, dataclass, field

from core import attachments, clock
from core.deadlines import clocks as deadlines
from core.kb import answers as kb_answers
from core.center import regions
from core.center.profile import CenterInfo, current_center
from core.errors import Conflict, NotFound, ValidationError
from core.roles import Actor, Permission
from core.service import require, require_district, write
from core.tickets.timeline import add_event
from core.vocab import (
    Category,
    Channel,
    Disposition,
    EmergencyType,
    EventKind,
    NotAcceptedReason,
    RiskLevel,
    StartEvent,
    Status,
    Urgency,
)
from db import bulk
from db.connection import raw_connection
from db.models import Ticket, TicketCounter, Topic

# Elements of 12345 appendix C kept in the ticket's ``details``; the label is the
# standard's wording, shown next to the field and in error messages.
DETAIL_FIELDS: dict[str, str] = {
    "prior_handling": "前期处理情况",
    "suggestion_reason": "建议的理由",
    "landmark": "周边标志性建筑物（方位和距离）",
    "threat_action": "将通过何种渠道、何种方式反映问题，实施何种行为",
    "threat_time_place": "威胁的时间、地点",
    "incident_status": "事件状态",
    "incident_scope": "影响范围",
    "incident_harm": "危害程度",
    "emergency_called": "是否已向紧急救助电话求助",
    "onsite_departments": "现场是否有相关部门处理",
}

FIELD_LABELS: dict[str, str] = {
    "hotline": "热线",
    "channel": "受理渠道",
    "received_at": "诉求提出时间",
    "caller_name": "来电人姓名",
    "caller_phone": "来电号码",
    "caller_contact": "其他联系方式",
    "caller_address": "来电人地址",
    "caller_org": "工作单位",
    "occurred_at": "事发时间",
    "region_code": "事发区域",
    "address": "事发地址",
    "reported_unit": "被反映单位（涉及对象）",
    "title": "工单标题",
    "content": "主要内容",
    "category": "诉求分类",
    "topic_id": "问题分类",
    "urgency": "紧急程度",
    "emergency_type": "紧急类型",
    "risk_level": "风险等级",
    "disposition": "处理方式",
    "not_accepted_reason": "不予受理原因",
    "referral": "告知内容",
    "reply": "答复内容",
    "repeat_of_id": "重复的原工单",
} | DETAIL_FIELDS

MAX_LENGTHS: dict[str, int] = {
    "caller_name": 50,
    "caller_contact": 100,
    "caller_address": 200,
    "caller_org": 100,
    "occurred_at": 50,
    "address": 200,
    "reported_unit": 100,
    "title": 100,
    "content": 10_000,
    "referral": 2_000,
    "reply": 10_000,
} | {name: 1_000 for name in DETAIL_FIELDS}

_PHONE_CHARS = re.compile(r"[\s\-()（）]")
TITLE_FROM_CONTENT = 30


@dataclass
class TicketInput:
    """What the registration form gathers; every value as typed (strings)."""

    channel: str = Channel.PHONE.value
    hotline: str = "12345"
    received_at: str = ""  # stored form; empty means now
    caller_name: str = ""
    caller_phone: str = ""
    caller_contact: str = ""
    caller_address: str = ""
    caller_org: str = ""
    confidential: bool = False
    visit_consent: bool = True
    occurred_at: str = ""
    region_code: str = ""
    address: str = ""
    reported_unit: str = ""
    title: str = ""
    content: str = ""
    category: str = ""
    topic_id: int | None = None
    urgency: str = Urgency.NORMAL.value
    emergency_type: str = ""
    risk_level: str = ""
    disposition: str = Disposition.REGISTER.value
    not_accepted_reason: str = ""
    referral: str = ""
    reply: str = ""
    repeat_of_id: int | None = None
    # The knowledge-base article the reply was read from (core.kb.answers).
    kb_article_id: int | None = None
    kb_version: int | None = None
    details: dict[str, str] = field(default_factory=dict)
    # Files to attach: {"path": ..., "kind": AttachmentKind code}.
    attachments: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "TicketInput":
        data = json.loads(text)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class Registered:
    id: int
    number: str
    uid: str
    status: Status


def normalize_phone(text: str) -> str:
    """Digits only, without the +86 / 0086 country prefix; '' if not a number."""
    # NFKC: full-width digits typed with a Chinese input method become ASCII,
    # so the same number always finds the caller's earlier tickets.
    digits = _PHONE_CHARS.sub("", unicodedata.normalize("NFKC", text).strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits if digits.isascii() and digits.isdigit() else ""


def required_fields(data: TicketInput, center: CenterInfo | None) -> dict[str, str]:
    """The fields this call must have, each with the clause that asks for it.

    The form marks these as the operator changes the call type; ``validate``
    checks them. One function, so what is shown and what is checked agree.
    """
    need: dict[str, str] = {"channel": "5.1.4.1", "category": "5.1.4.1", "content": "附录C", "urgency": "5.1.4.1"}
    if data.urgency == Urgency.URGENT:
        need["emergency_type"] = "5.1.4.1"
    if data.disposition == Disposition.NOT_ACCEPTED:
        # Redirected at once (5.1.2.2): appendix C's elements describe matters
        # the center will handle, so they are not asked of a caller sent elsewhere.
        need |= {"not_accepted_reason": "5.1.2.2", "referral": "5.1.2.2"}
        if data.not_accepted_reason == NotAcceptedReason.REPEAT_NO_NEW_FACTS:
            need["repeat_of_id"] = "5.1.2.2"
        return need
    if data.disposition == Disposition.DIRECT_ANSWER:
        need["reply"] = "5.2.1"
    category = data.category
    if category == Category.SUGGESTION:
        need["suggestion_reason"] = "附录C.2"
    elif category in (Category.HELP, Category.COMPLAINT, Category.REPORT):
        # C.3: 姓名、时间、地点、事件、涉及对象、前期处理情况
        need |= {
            "caller_name": "附录C.3",
            "occurred_at": "附录C.3",
            "address": "附录C.3",
            "reported_unit": "附录C.3",
            "prior_handling": "附录C.3",
        }
    if data.urgency == Urgency.URGENT and data.emergency_type == EmergencyType.INSTABILITY:
        need["threat_action"] = "附录C.4"
    elif data.urgency == Urgency.URGENT and data.emergency_type == EmergencyType.INCIDENT:
        need |= {
            name: "附录C.5"
            for name in ("occurred_at", "address", "incident_status", "incident_scope", "incident_harm",
                         "emergency_called", "onsite_departments")
        }
    if data.hotline == "12365" and category in (Category.COMPLAINT, Category.REPORT):
        need["risk_level"] = "12365 6.3.4/6.4.3"
    return need


def _value(data: TicketInput, name: str) -> str:
    if name in DETAIL_FIELDS:
        return str(data.details.get(name, "") or "").strip()
    value = getattr(data, name)
    return "" if value is None else str(value).strip()


def validate(data: TicketInput, center: CenterInfo | None) -> dict[str, str]:
    """Every problem with the input, keyed by field, each in Chinese naming the field."""
    errors: dict[str, str] = {}
    coded = {
        "channel": Channel,
        "category": Category,
        "urgency": Urgency,
        "disposition": Disposition,
    }
    for name, kind in coded.items():
        value = _value(data, name)
        if value and value not in kind._value2member_map_:
            errors[name] = f"{FIELD_LABELS[name]}“{value}”不是可选的值"
    if data.hotline not in ("12345", "12365"):
        errors["hotline"] = "热线应为 12345 或 12365"
    elif center is not None and center.kind.value in ("12345", "12365") and data.hotline != center.kind.value:
        errors["hotline"] = f"本中心只受理 {center.kind.value} 热线的诉求"
    if data.emergency_type and data.emergency_type not in EmergencyType._value2member_map_:
        errors["emergency_type"] = "紧急类型不是可选的值"
    if data.urgency == Urgency.NORMAL and data.emergency_type:
        errors["emergency_type"] = "紧急程度为“一般”时不填紧急类型"
    if data.risk_level and data.risk_level not in RiskLevel._value2member_map_:
        errors["risk_level"] = "风险等级不是可选的值"
    if data.not_accepted_reason and data.not_accepted_reason not in NotAcceptedReason._value2member_map_:
        errors["not_accepted_reason"] = "不予受理原因不是可选的值"

    for name, clause in required_fields(data, center).items():
        if name == "address" and _value(data, "landmark"):
            continue  # C.3: a landmark with bearing and distance may stand for a vague place
        if name not in errors and not _value(data, name):
            errors[name] = f"请填写{FIELD_LABELS[name]}（{clause}）"
    for name, limit in MAX_LENGTHS.items():
        if name not in errors and len(_value(data, name)) > limit:
            errors[name] = f"{FIELD_LABELS[name]}不能超过 {limit} 个字（现有 {len(_value(data, name))} 个）"

    if data.caller_phone.strip():
        phone = normalize_phone(data.caller_phone)
        if not phone:
            errors["caller_phone"] = "来电号码只能由数字组成，可带区号、“-”或 +86，如 025-84561234、13812345678"
        elif not 5 <= len(phone) <= 20:
            errors["caller_phone"] = f"来电号码应为 5–20 位数字，现在是 {len(phone)} 位"
    if data.visit_consent and not (data.caller_phone.strip() or data.caller_contact.strip()):
        errors.setdefault("caller_phone", "诉求人同意回访时，请留下来电号码或其他联系方式")
    if data.region_code.strip() and not regions.is_valid_code(data.region_code):
        errors["region_code"] = "事发区域应为 6 位行政区划代码，如 320102"
    if data.received_at:
        try:
            received = clock.parse_stamp(data.received_at)
        except ValueError:
            errors["received_at"] = "诉求提出时间格式不对，应如 2026-11-22 09:30"
        else:
            if received > clock.now() + dt.timedelta(minutes=5):
                errors["received_at"] = "诉求提出时间不能晚于现在"
    return errors


def next_number(center_code: str, today: dt.date) -> str:
    """``320102-20261122-0007``: per center, per day; inside the write transaction."""
    day = today.strftime("%Y%m%d")
    counter = TicketCounter.get_or_none(TicketCounter.day == day)
    if counter is None:
        # Start after any number already used that day (tickets imported or synced in).
        prefix = f"{center_code}-{day}-"
        seq = bulk.last_ticket_sequence(raw_connection(), day, prefix) + 1
        TicketCounter.insert(day=day, last=seq).execute()
    else:
        seq = counter.last + 1
        TicketCounter.update(last=seq).where(TicketCounter.day == day).execute()
    return f"{center_code}-{day}-{seq:04d}"


def derive_title(content: str) -> str:
    first = content.strip().splitlines()[0] if content.strip() else ""
    return first[:TITLE_FROM_CONTENT] + ("…" if len(first) > TITLE_FROM_CONTENT else "")


def register(actor: Actor, data: TicketInput) -> Registered:
    """Save the call as a ticket with its events, in one transaction."""
    require(actor, Permission.TICKET_REGISTER)
    require_district(Permission.TICKET_REGISTER)  # before any attachment is stored
    center = current_center()
    if center is None:
        raise Conflict("中心尚未设置，请先完成首次设置。")
    errors = validate(data, center)
    if errors:
        raise ValidationError(errors)
    disposition = Disposition(data.disposition)
    status = {
        Disposition.REGISTER: Status.PENDING,
        Disposition.DIRECT_ANSWER: Status.CLOSED,
        Disposition.NOT_ACCEPTED: Status.NOT_ACCEPTED,
    }[disposition]
    now = clock.now()
    details = {k: str(v).strip() for k, v in data.details.items() if k in DETAIL_FIELDS and str(v).strip()}
    title = data.title.strip() or derive_title(data.content)
    stored = [attachments.store_file(a["path"], a.get("kind", "other")) for a in data.attachments]

    with write(actor, Permission.TICKET_REGISTER, "register", "ticket") as tx:
        if data.topic_id is not None and not Topic.select().where(Topic.id == data.topic_id).exists():
            raise ValidationError.single("topic_id", "问题分类不存在，可能已被管理员停用，请重新选择")
        repeat_of = None
        if data.repeat_of_id is not None:
            repeat_of = Ticket.get_or_none(Ticket.id == data.repeat_of_id)
            if repeat_of is None:
                raise NotFound("要标记为重复的原工单不存在。")
        kb_ref = None
        if data.kb_article_id is not None and disposition == Disposition.DIRECT_ANSWER:
            kb_ref = kb_answers.answer_ref(data.kb_article_id, data.kb_version)
        number = next_number(center.code, now.date())
        ticket = Ticket.create(
            uid=str(uuid.uuid4()),
            origin=center.code,
            rev=1,
            updated_at=clock.stamp(now),
            number=number,
            hotline=data.hotline,
            channel=data.channel,
            status=status.value,
            received_at=clock.stamp(clock.parse_stamp(data.received_at)) if data.received_at else clock.stamp(now),
            caller_name=data.caller_name.strip(),
            caller_phone=normalize_phone(data.caller_phone),
            caller_contact=data.caller_contact.strip(),
            caller_address=data.caller_address.strip(),
            caller_org=data.caller_org.strip(),
            confidential=data.confidential,
            visit_consent=data.visit_consent,
            occurred_at=data.occurred_at.strip(),
            region_code=data.region_code.strip(),
            address=data.address.strip(),
            reported_unit=data.reported_unit.strip(),
            title=title,
            content=data.content.strip(),
            category=data.category,
            topic=data.topic_id,
            urgency=data.urgency,
            emergency_type=data.emergency_type,
            risk_level=data.risk_level,
            not_accepted_reason=data.not_accepted_reason if disposition == Disposition.NOT_ACCEPTED else "",
            referral=data.referral.strip() if disposition == Disposition.NOT_ACCEPTED else "",
            reply=data.reply.strip() if disposition == Disposition.DIRECT_ANSWER else "",
            repeat_of=repeat_of.id if repeat_of else None,
            details=json.dumps(details, ensure_ascii=False),
            created_by=actor.user_id,
        )
        stamp = clock.stamp(now)
        add_event(ticket.id, center.code, EventKind.REGISTERED, actor, f"{Channel.label_of(data.channel)}受理，{Category.label_of(data.category)}", at=stamp)
        if repeat_of is not None:
            add_event(ticket.id, center.code, EventKind.MARKED_REPEAT, actor, f"重复件，原工单 {repeat_of.number}", {"repeat_of": repeat_of.uid}, at=stamp)
        if disposition == Disposition.NOT_ACCEPTED:
            reason = NotAcceptedReason(data.not_accepted_reason)
            add_event(ticket.id, center.code, EventKind.NOT_ACCEPTED, actor, f"{reason.label}；已告知：{data.referral.strip()}", {"reason": reason.value}, at=stamp)
        elif disposition == Disposition.DIRECT_ANSWER:
            source = {"kb_article": kb_ref.uid, "kb_version": kb_ref.version, "kb_title": kb_ref.title} if kb_ref else {}
            add_event(ticket.id, center.code, EventKind.DIRECT_ANSWERED, actor, data.reply.strip(), source, at=stamp)
            closing = f"直接答复，即时办结（依据知识“{kb_ref.title}”第 {kb_ref.version} 版）" if kb_ref else "直接答复，即时办结"
            add_event(ticket.id, center.code, EventKind.CLOSED, actor, closing, at=stamp)
        kb_answers.after_registration(ticket.id, data.category, disposition, kb_ref, actor)
        if status == Status.PENDING:
            # The first clock (派单 / 受理) counts from when the request was made.
            deadlines.start_clocks(ticket, StartEvent.REGISTERED, clock.parse_stamp(ticket.received_at))
        if stored:
            attachments.add_records(ticket.id, center.code, stored, actor)
            names = "、".join(f.name for f in stored)
            add_event(ticket.id, center.code, EventKind.ATTACHMENT_ADDED, actor, f"附件：{names}", at=stamp)
        tx.object_uid = ticket.uid
        tx.detail = {"number": number, "status": status.value}
    return Registered(ticket.id, number, ticket.uid, status)
