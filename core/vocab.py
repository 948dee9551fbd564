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
    """Where a ticket stands. Later stages (dispatch, sign-off …) join as they are built."""

    PENDING = ("pending", "待派单")
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
