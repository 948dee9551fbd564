"""The hotline's fixed code lists, each code with the Chinese label users see.

Codes follow ../shared/GLOSSARY.md; labels follow the standards' wording.
"""
from __future__ import annotations

from enum import Enum


class Coded(str, Enum):
    """A code stored in the database, with its Chinese label."""

    label: str

    def __new__(cls, code: str, label: str) -> "Coded":
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.label = label
        return obj

    def __str__(self) -> str:
        return self.value

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]

    @classmethod
    def label_of(cls, code: str | None) -> str:
        try:
            return cls(code).label
        except ValueError:
            return code or ""


class Channel(Coded):
    """受理渠道 (12345 5.1.1, appendix D 诉求来源)."""

    PHONE = ("phone", "电话")
    NETWORK = ("network", "网络平台")
    LETTER = ("letter", "信函")
    VISIT = ("visit", "来访")
    EMAIL = ("email", "电子邮件")
    SMS = ("sms", "短信")


class Category(Coded):
    """诉求分类 (12345 5.1.4.1; 12365 3.5, 3.6)."""

    CONSULT = ("consult", "咨询")
    HELP = ("help", "求助")
    COMPLAINT = ("complaint", "投诉")
    REPORT = ("report", "举报")
    SUGGESTION = ("suggestion", "建议")


class Urgency(Coded):
    """紧急程度 (12345 5.1.4.1)."""

    NORMAL = ("normal", "一般")
    URGENT = ("urgent", "紧急")


class EmergencyType(Coded):
    """紧急类型 (12345 5.1.4.1 note)."""

    INSTABILITY = ("instability", "不稳定因素")
    INCIDENT = ("incident", "突发事件")
    UTILITIES = ("utilities", "基本民生保障(水电气热)")
    EXTREME_WEATHER = ("extreme_weather", "极端天气")
    EPIDEMIC = ("epidemic", "疫情")


class RiskLevel(Coded):
    """风险等级 of a 12365 complaint or report (12365 6.3.4, 6.4.3).

    The grading rules live in 《12365举报投诉风险信息分级与处置工作规范》, which is
    not in shared/standards; these four grades are the usual reading of it.
    """

    LEVEL_1 = ("1", "一级（重大风险）")
    LEVEL_2 = ("2", "二级（较大风险）")
    LEVEL_3 = ("3", "三级（一般风险）")
    LEVEL_4 = ("4", "四级（低风险）")


class Status(Coded):
    """Where a ticket stands. Later stages (return visit, archive) join as they are built."""

    PENDING = ("pending", "待派单")
    ACCEPTED = ("accepted", "已受理待移送")  # 12365: 决定受理 (6.3.3, 6.4.4.1), not yet transferred
    DISPATCHED = ("dispatched", "办理中")
    RETURNED = ("returned", "退单待审")
    FEEDBACK = ("feedback", "反馈待审核")
    CLOSED = ("closed", "已办结")
    NOT_ACCEPTED = ("not_accepted", "不予受理")


class Disposition(Coded):
    """What the operator does with the call at the end of registration."""

    REGISTER = ("register", "登记待办")
    DIRECT_ANSWER = ("direct_answer", "直接答复办结")
    NOT_ACCEPTED = ("not_accepted", "不予受理（告知）")


class NotAcceptedReason(Coded):
    """Calls outside the acceptance scope (12345 5.1.2.2; 12365 6.3.2.2, 6.4.2.2)."""

    EMERGENCY_LINE = ("emergency_line", "应由110/119/120/122等紧急服务热线处理")
    LEGAL_CHANNEL = ("legal_channel", "应通过或已进入诉讼、仲裁、纪检监察、行政复议、政府信息公开等法定途径")
    PETITION = ("petition", "已进入信访渠道办理")
    REPEAT_NO_NEW_FACTS = ("repeat_no_new_facts", "同一诉求正在办理或已办结，且无新情况、新理由")
    SECRET = ("secret", "涉及国家秘密、商业秘密、个人隐私")
    OUT_OF_SCOPE = ("out_of_scope", "超出受理范围或承办单位职责范围")


# What the operator tells the caller by default for each reason (12345 5.1.2.2:
# such calls are "分类处理", never dropped). The operator may edit it.
DEFAULT_REFERRALS: dict[str, str] = {
    NotAcceptedReason.EMERGENCY_LINE: "您反映的情况请立即拨打110（治安）、119（火警）、120（急救）或122（交通事故）。",
    NotAcceptedReason.LEGAL_CHANNEL: "您反映的事项应通过诉讼、仲裁、行政复议等法定途径解决，请向相应机关提出。",
    NotAcceptedReason.PETITION: "您反映的事项已进入信访渠道，请向信访部门了解办理情况。",
    NotAcceptedReason.REPEAT_NO_NEW_FACTS: "您反映的同一事项此前已受理，请以原工单办理结果为准；如有新情况可再次来电。",
    NotAcceptedReason.SECRET: "您反映的事项涉及秘密或个人隐私，不宜通过热线办理，请向有关机关当面反映。",
    NotAcceptedReason.OUT_OF_SCOPE: "您反映的事项不属于本热线受理范围，请向有关部门反映。",
}


class CenterKind(Coded):
    """Which hotline a center runs."""

    HOTLINE_12345 = ("12345", "12345政务服务便民热线")
    HOTLINE_12365 = ("12365", "12365质检举报处置热线")
    BOTH = ("both", "12345与12365")


class AttachmentKind(Coded):
    RECORDING = ("recording", "通话录音")
    PHOTO = ("photo", "照片")
    LETTER = ("letter", "来信扫描件")
    OTHER = ("other", "其他")


class EventKind(Coded):
    """Kinds of ticket events (DESIGN "Data": append-only)."""

    REGISTERED = ("registered", "受理登记")
    NOT_ACCEPTED = ("not_accepted", "不予受理并告知")
    DIRECT_ANSWERED = ("direct_answered", "直接答复")
    CLOSED = ("closed", "办结")
    MARKED_REPEAT = ("marked_repeat", "标记为重复件")
    ATTACHMENT_ADDED = ("attachment_added", "添加附件")
    IMPORTED = ("imported", "从台账导入")
    ACCEPTED = ("accepted", "决定受理")
    DISPATCHED = ("dispatched", "派单")
    SIGNED = ("signed", "签收")
    RETURN_ASKED = ("return_asked", "退单")
    RETURN_DECIDED = ("return_decided", "退单审核")
    EXTENSION_ASKED = ("extension_asked", "延期申请")
    EXTENSION_DECIDED = ("extension_decided", "延期审批")
    PROGRESS = ("progress", "办理进展")
    FEEDBACK = ("feedback", "办理反馈")
    FEEDBACK_REVIEWED = ("feedback_reviewed", "反馈审核")
    SUPERVISED = ("supervised", "督办")
    SUPERVISION_ANSWERED = ("supervision_answered", "督办回复")
    REMINDED = ("reminded", "系统催办")
    DEADLINES_RECOMPUTED = ("deadlines_recomputed", "时限重算")
    MEDIATION_OPENED = ("mediation_opened", "开始调解")
    MEDIATION_SESSION = ("mediation_session", "调解记录")
    MEDIATION_CONCLUDED = ("mediation_concluded", "调解结束")
    DOCUMENT_ISSUED = ("document_issued", "出具文书")
    DOCUMENT_REISSUED = ("document_reissued", "再次出具文书")
    VISIT_ATTEMPTED = ("visit_attempted", "回访未接通")
    VISITED = ("visited", "回访")
    VISIT_CORRECTED = ("visit_corrected", "修改回访评价")
    REHANDLING = ("rehandling", "二次办理")
    RENUMBERED = ("renumbered", "工单改号")  # the province found the number reissued after a restore (core.tickets.renumbering)


class VisitStatus(Coded):
    """A return visit (回访, 12345 5.4): due, done, or ended without one."""

    DUE = ("due", "待回访")
    DONE = ("done", "已回访")
    UNREACHABLE = ("unreachable", "无法联系")  # every attempt failed
    REFUSED = ("refused", "拒绝回访")  # 12345 5.4.2: the caller said no on the phone


class Satisfaction(Coded):
    """满意度, five levels (12345 5.3.2); ``LEVELS`` gives each its number, 5 the best."""

    VERY_SATISFIED = ("very_satisfied", "非常满意")
    SATISFIED = ("satisfied", "满意")
    BASIC = ("basic", "基本满意")
    DISSATISFIED = ("dissatisfied", "不满意")
    VERY_DISSATISFIED = ("very_dissatisfied", "非常不满意")


SATISFACTION_LEVELS = {"very_satisfied": 5, "satisfied": 4, "basic": 3, "dissatisfied": 2, "very_dissatisfied": 1}


class EvaluationChannel(Coded):
    """Where a caller's own evaluation (好差评) came from (12345 5.3.3–5.3.4)."""

    KEYPAD = ("keypad", "电话按键评价")
    WEB = ("web", "网络平台评价")
    SMS = ("sms", "短信评价")


class Solved(Coded):
    """测评解决情况 (12345 5.4.3 b, B.4.3)."""

    SOLVED = ("solved", "解决")
    PARTLY = ("partly", "部分解决")
    UNSOLVED = ("unsolved", "未解决")


class UnitContacted(Coded):
    """测评响应情况 (12345 5.4.3 a, B.4.2): did the unit contact, or try to contact, the caller."""

    CONTACTED = ("contacted", "已联系")
    TRIED = ("tried", "尝试联系")
    NOT_CONTACTED = ("not_contacted", "未联系")


class DissatisfiedWith(Coded):
    """What a dissatisfied caller is dissatisfied with (12345 B.4.5; 7.1.3.3 效率、态度、效果)."""

    EFFICIENCY = ("efficiency", "办理效率")
    ATTITUDE = ("attitude", "服务态度")
    RESULT = ("result", "办理结果")


class ArticleStatus(Coded):
    """A knowledge-base article's life: written, checked (校核, 12345 6.3.4), in use, withdrawn."""

    DRAFT = ("draft", "草稿")
    PENDING = ("pending", "待校核")
    PUBLISHED = ("published", "已发布")
    RETIRED = ("retired", "已停用")


class FeedbackKind(Coded):
    WRONG = ("wrong", "内容有误")
    OUTDATED = ("outdated", "内容过时")
    OTHER = ("other", "其他问题")


class UnitKind(Coded):
    """承办单位的类别 (12345 5.2.2.1.1 names district governments and streets/towns)."""

    DISTRICT = ("district", "区人民政府")
    DEPARTMENT = ("department", "政府部门")
    STREET = ("street", "街道办事处/乡镇人民政府")
    COMMUNITY = ("community", "社区/村")
    ENTERPRISE = ("enterprise", "公共服务企业")
    OTHER = ("other", "其他单位")


class AssignmentRole(Coded):
    LEAD = ("lead", "牵头")  # 12345 5.2.2.2.3; GB/T 33358 10.2.2 4
    CO = ("co", "协办")


class AssignmentStatus(Coded):
    """A unit's part in a dispatched ticket."""

    DISPATCHED = ("dispatched", "待签收")
    SIGNED = ("signed", "办理中")
    RETURN_ASKED = ("return_asked", "退单待审")
    WITHDRAWN = ("withdrawn", "已退回")  # return accepted: the unit is out of it
    FEEDBACK = ("feedback", "已反馈待审核")
    CLOSED = ("closed", "已办结")


class DispatchMethod(Coded):
    """派单方式 (12345 5.2.2.1.1: "12345热线系统、邮箱等"); units get paper or mail here."""

    NOTICE = ("notice", "打印派单通知单")
    PHONE = ("phone", "电话")
    EMAIL = ("email", "电子邮件")
    FAX = ("fax", "传真")


class Stage(Coded):
    """What a clock measures (DESIGN "Deadlines")."""

    ACCEPT = ("accept", "受理")
    DISPATCH = ("dispatch", "派单/移送")
    SIGN_OFF = ("sign_off", "签收")
    FEEDBACK = ("feedback", "反馈")
    REPLY = ("reply", "答复诉求人")
    COMPLETE = ("complete", "办结")


class ClockUnit(Coded):
    MINUTES = ("minutes", "分钟")
    HOURS = ("hours", "小时")
    DAYS = ("days", "天")
    WORKING_DAYS = ("working_days", "个工作日")


class StartEvent(Coded):
    """The event a clock counts from."""

    REGISTERED = ("registered", "受理登记")
    ACCEPTED = ("accepted", "决定受理")
    DISPATCHED = ("dispatched", "派单")
    UNIT_REPLIED = ("unit_replied", "承办部门反馈")


class FeedbackResult(Coded):
    """反馈 results and the elements each must carry (12345 5.2.2.3.3–5.2.2.3.7)."""

    RESOLVED = ("resolved", "已解决")
    UNRESOLVED = ("unresolved", "未解决")
    CANNOT_RESOLVE = ("cannot_resolve", "不能解决")
    CONSULT_ANSWERED = ("consult_answered", "咨询已答复")
    SUGGESTION_FORWARDED = ("suggestion_forwarded", "建议已转交")
    UNREASONABLE = ("unreasonable", "诉求不合理")


class SupervisionKind(Coded):
    """督办方式 (12345 5.2.3 a–f)."""

    SYSTEM = ("system", "系统督办")
    DOCUMENT = ("document", "文件督办")
    MEETING = ("meeting", "会商督办")
    ONSITE = ("onsite", "现场督办")
    JOINT = ("joint", "联合督办")
    SUPERVISORY = ("supervisory", "监察部门督办")


class MediationOutcome(Coded):
    """调解 ends in agreement, failure, or is terminated (12365 6.3.5.2.2)."""

    SUCCESS = ("success", "调解成功")
    FAILURE = ("failure", "调解失败")
    TERMINATED = ("terminated", "终止调解")


class PartySide(Coded):
    COMPLAINANT = ("complainant", "投诉人")
    RESPONDENT = ("respondent", "被投诉人")


class PartyKind(Coded):
    PERSON = ("person", "个人")
    ORGANISATION = ("organisation", "单位")


class RepresentativeRole(Coded):
    NONE = ("", "")
    AGENT = ("agent", "委托代理人")
    LEGAL = ("legal", "法定代表人")
    HEAD = ("head", "负责人")
