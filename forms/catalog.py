"""The documents the desk prints and the placeholders each template may use.

This is the contract between the context builders (``forms.contexts``), the
bundled templates in ``templates_docx/`` and an admin's own templates: a
template may use exactly these names, and ``forms.render.check_template``
names every other one. Placeholders are the English code names of
../shared/GLOSSARY.md; the Chinese label is what the admin sees in the list.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.vocab import Coded


class DocumentKind(Coded):
    MEDIATION_LETTER = ("mediation_letter", "调解书")
    TERMINATION_LETTER = ("termination_letter", "终止调解书")
    ARCHIVE_CONSULT = ("archive_consult", "咨询处理归档表")
    ARCHIVE_COMPLAINT = ("archive_complaint", "投诉处理归档表")
    ARCHIVE_REPORT = ("archive_report", "举报处理归档表")
    WORK_ORDER = ("work_order", "诉求工单")
    DISPATCH_NOTICE = ("dispatch_notice", "派单通知单")
    SUPERVISION_NOTICE = ("supervision_notice", "督办通知单")


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    items: tuple["Field", ...] = ()  # a list: the fields of each row (tables that grow)

    @property
    def is_list(self) -> bool:
        return bool(self.items)


@dataclass(frozen=True)
class FormSpec:
    kind: DocumentKind
    template: str  # bundled file in templates_docx/
    clause: str  # where the standard asks for it
    number_word: str  # 文书编号 "〔2026〕调字第 12 号"; "" = the ticket number identifies it
    fields: tuple[Field, ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def _f(name: str, label: str, *items: Field) -> Field:
    return Field(name, label, tuple(items))


# Every document: who issues it, which number, when.
COMMON = (
    _f("center_name", "中心名称"),
    _f("hotline", "热线号码（12345 / 12365）"),
    _f("doc_number", "文书编号"),
    _f("issued_on", "出具日期（2026年11月22日）"),
    _f("ticket_number", "工单编号"),
)

_PARTY = (
    _f("kind", "个人/单位"),
    _f("name", "姓名或名称"),
    _f("gender", "性别"),
    _f("id_number", "身份证件号码或统一社会信用代码"),
    _f("phone", "联系电话"),
    _f("address", "住所或地址"),
    _f("representative", "委托代理人或法定代表人"),
    _f("representative_role", "代理人身份（委托代理人/法定代表人/负责人）"),
)

_MEDIATION = (
    _f("complainants", "投诉人（列表）", *_PARTY),
    _f("respondents", "被投诉人（列表）", *_PARTY),
    _f("facts", "争议事实"),
    _f("request", "投诉请求"),
    _f("sessions", "调解经过（列表）",
       _f("at", "时间"), _f("place", "地点"), _f("mediators", "调解人员"), _f("record", "调解记录")),
    _f("mediators", "调解员"),
    _f("concluded_on", "调解结束日期"),
)

# 12365 appendices C, D, E: exactly the boxes of each form, in their order.
_ARCHIVE_HEAD = (
    _f("received_at", "咨询/投诉/举报时间"),
    _f("caller_name", "姓名"),
    _f("caller_org", "工作单位"),
    _f("caller_contact", "联系方式"),
    _f("receiver", "接待人员"),
    _f("content", "咨询/投诉/举报内容"),
)
_REPLY = (_f("replied_at", "答复时间"), _f("replier", "答复人员"))
TIME_LIMIT = "办理时限（时长：7 天、24 小时、15 个工作日）"  # 12345 5.2.2.1.3; the date is 截止时间

SPECS: dict[DocumentKind, FormSpec] = {s.kind: s for s in (
    FormSpec(DocumentKind.MEDIATION_LETTER, "mediation_letter.docx", "12365 6.3.5.2.2", "调",
             COMMON + _MEDIATION + (_f("agreement", "调解协议内容"),)),
    FormSpec(DocumentKind.TERMINATION_LETTER, "termination_letter.docx", "12365 6.3.5.2.2", "终调",
             COMMON + _MEDIATION + (_f("termination_reason", "终止调解的理由"),)),
    FormSpec(DocumentKind.ARCHIVE_CONSULT, "archive_consult.docx", "12365 6.2.4, 附录 C", "",
             COMMON + _ARCHIVE_HEAD + (
                 _f("accepted", "是否受理"), _f("forwarding", "转发情况"), _f("handling", "处理情况")) + _REPLY),
    FormSpec(DocumentKind.ARCHIVE_COMPLAINT, "archive_complaint.docx", "12365 6.3.6, 附录 D", "",
             COMMON + _ARCHIVE_HEAD + (
                 _f("accepted", "是否受理"), _f("transfer", "移送情况"), _f("mediated", "是否调解"),
                 _f("mediation", "调解情况"), _f("letter_issued", "是否出具调解书或终止调解书"),
                 _f("approval", "审批情况")) + _REPLY),
    FormSpec(DocumentKind.ARCHIVE_REPORT, "archive_report.docx", "12365 6.4.6, 附录 E", "",
             COMMON + _ARCHIVE_HEAD + (
                 _f("accepted", "受理情况（是否受理）"), _f("transfer", "移送情况")) + _REPLY + (
                 _f("result", "办理结果"),)),
    FormSpec(DocumentKind.WORK_ORDER, "work_order.docx", "12345 5.1.4.1, 附录 D", "",
             COMMON + (
                 _f("received_at", "诉求提出时间"), _f("channel", "诉求来源"), _f("accepting_unit", "受理单位"),
                 _f("caller_name", "来电人"), _f("caller_phone", "来电号码"), _f("caller_contact", "联系方式"),
                 _f("caller_address", "来电人地址"), _f("confidential", "是否保密（是/否）"),
                 _f("occurred_at", "事发时间"), _f("topic", "问题分类"), _f("category", "工单分类"),
                 _f("address", "发生地址"), _f("reported_unit", "被反映单位"), _f("title", "工单标题"),
                 _f("content", "主要内容"), _f("status", "工单状态"), _f("urgency", "紧急程度"),
                 _f("dispatcher", "派单人员"), _f("dispatched_at", "派单时间"),
                 _f("dispatch_opinion", "派单处理意见"), _f("due_at", "截止时间"), _f("time_limit", TIME_LIMIT),
                 _f("units", "承办单位"), _f("handling", "办理情况"),
                 _f("handling_rows", "办理记录（列表）", _f("at", "时间"), _f("unit", "单位"), _f("text", "内容")))),
    FormSpec(DocumentKind.DISPATCH_NOTICE, "dispatch_notice.docx", "12345 5.2.2.1; GB/T 33358 10.2.2", "派",
             COMMON + (
                 _f("unit", "牵头承办单位"), _f("co_units", "协办单位"), _f("received_at", "诉求提出时间"),
                 _f("channel", "诉求来源"), _f("category", "诉求分类"), _f("urgency", "紧急程度"),
                 _f("emergency_type", "紧急类型"), _f("caller_name", "诉求人"), _f("caller_phone", "联系电话"),
                 _f("caller_address", "诉求人地址"), _f("address", "发生地址"), _f("title", "工单标题"),
                 _f("content", "诉求内容"), _f("dispatch_opinion", "派单意见"), _f("method", "派单方式"),
                 _f("time_limit", TIME_LIMIT), _f("due_at", "反馈截止时间"), _f("dispatcher", "派单人员"),
                 _f("dispatched_at", "派单时间"), _f("alerts", "紧急处置说明（电话联系、报警情况）"))),
    FormSpec(DocumentKind.SUPERVISION_NOTICE, "supervision_notice.docx", "12345 5.2.3", "督",
             COMMON + (
                 _f("unit", "被督办单位"), _f("title", "工单标题"), _f("content", "诉求内容"),
                 _f("dispatched_at", "派单时间"), _f("due_at", "办理截止时间"), _f("overdue", "超期情况"),
                 _f("supervision_kind", "督办方式"), _f("supervision_content", "督办意见"),
                 _f("supervisor", "督办人员"), _f("supervised_at", "督办时间"),
                 _f("earlier", "此前催办督办（列表）", _f("at", "时间"), _f("kind", "方式"), _f("content", "内容")))),
)}

# A 12365 closed ticket is archived on its category's form; anything else on the 诉求工单 (12345 5.5).
ARCHIVE_KIND_BY_CATEGORY = {
    "consult": DocumentKind.ARCHIVE_CONSULT,
    "complaint": DocumentKind.ARCHIVE_COMPLAINT,
    "report": DocumentKind.ARCHIVE_REPORT,
}


def archive_kind(hotline: str, category: str) -> DocumentKind:
    """12365 appendices C-E are 12365's forms; a 12345 ticket is filed as its 诉求工单 (12345 5.5.1:
    the request with its handling and reply)."""
    if hotline != "12365":
        return DocumentKind.WORK_ORDER
    return ARCHIVE_KIND_BY_CATEGORY.get(category, DocumentKind.WORK_ORDER)
