"""时限规则: the standards' deadlines as data (DESIGN "Deadlines").

A rule says which stage it times, which tickets it applies to (category,
urgency, emergency type, channel, a declared surge, a complex matter), how long
the clock runs (minutes, hours, calendar days or working days) and from which
event. A profile is an ordered list: the first rule that matches a ticket for a
stage and start event wins, so specific rules come before general ones.

The profiles below are the standards' defaults (version 0). The admin may save
an edited list as a new version (``core.deadlines.clocks.save_rules``); the defaults
stay available to restore, and each clock keeps the version it was computed with.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from core import limits
from core.vocab import Category, Channel, ClockUnit, EmergencyType, Stage, StartEvent, Urgency

# 12345 5.2.2.1.2 / 5.2.2.2.1 / 5.2.2.3.2 group tickets in three classes. Epidemic
# (疫情) is not named in them; it is "其他可能造成生命财产损失的诉求", so it is timed
# with incidents. An urgent ticket without an emergency type is timed the same way.
LIFE = (EmergencyType.INCIDENT.value, EmergencyType.INSTABILITY.value, EmergencyType.EPIDEMIC.value)
TIMELY = (EmergencyType.UTILITIES.value, EmergencyType.EXTREME_WEATHER.value)

# Stages timed per unit (one clock per assignment); the others run on the ticket.
UNIT_STAGES = (Stage.SIGN_OFF.value, Stage.FEEDBACK.value)


@dataclass(frozen=True)
class Facts:
    """What rules look at on a ticket when a clock starts."""

    hotline: str
    category: str
    urgency: str = Urgency.NORMAL.value
    emergency_type: str = ""
    channel: str = ""
    surge: bool = False  # a 集中大话务量 declared at the start time
    complex: bool = False  # 复杂疑难, set by the dispatcher


@dataclass(frozen=True)
class Rule:
    key: str
    stage: str
    amount: int
    clock: str
    start: str
    clause: str
    label: str
    categories: tuple[str, ...] = ()  # empty: any
    urgencies: tuple[str, ...] = ()
    emergencies: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    surge: bool | None = None  # None: either
    complex: bool | None = None

    def matches(self, facts: Facts) -> bool:
        return (
            (not self.categories or facts.category in self.categories)
            and (not self.urgencies or facts.urgency in self.urgencies)
            and (not self.emergencies or facts.emergency_type in self.emergencies)
            and (not self.channels or facts.channel in self.channels)
            and (self.surge is None or self.surge == facts.surge)
            and (self.complex is None or self.complex == facts.complex)
        )

    @property
    def span(self) -> str:
        """``5 个工作日`` / ``2 小时``, as an admin reads it."""
        return f"{self.amount} {ClockUnit.label_of(self.clock)}"

    def describe(self) -> str:
        return f"{self.label}：自{StartEvent.label_of(self.start)}起 {self.span}（{self.clause}）"

    def to_json(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict) -> "Rule":
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in fields}
        return cls(**values)


def _r(key: str, stage: Stage, amount: int, clock: ClockUnit, start: StartEvent, clause: str, label: str,
       **when: object) -> Rule:
    return Rule(key, stage.value, amount, clock.value, start.value, clause, label, **when)  # type: ignore[arg-type]


_URGENT = (Urgency.URGENT.value,)
_NORMAL = (Urgency.NORMAL.value,)
D, S, F = Stage.DISPATCH, Stage.SIGN_OFF, Stage.FEEDBACK
REG, ACC, DIS, REPLIED = StartEvent.REGISTERED, StartEvent.ACCEPTED, StartEvent.DISPATCHED, StartEvent.UNIT_REPLIED
MIN, HOUR, DAY, WDAY = ClockUnit.MINUTES, ClockUnit.HOURS, ClockUnit.DAYS, ClockUnit.WORKING_DAYS

PROFILE_12345 = (
    # 12345 5.2.2.1.2 派发时间
    _r("dispatch.life", D, 1, HOUR, REG, "12345 5.2.2.1.2", "突发事件、不稳定因素等可能造成生命财产损失的诉求", emergencies=LIFE),
    _r("dispatch.timely", D, 2, HOUR, REG, "12345 5.2.2.1.2", "基本民生保障（水电气热）、极端天气等及时性诉求", emergencies=TIMELY),
    _r("dispatch.urgent", D, 1, HOUR, REG, "12345 5.2.2.1.2", "其他紧急诉求", urgencies=_URGENT),
    _r("dispatch.surge", D, 48, HOUR, REG, "12345 5.2.2.1.2", "集中大话务量时的一般诉求", surge=True),
    _r("dispatch.normal", D, 24, HOUR, REG, "12345 5.2.2.1.2", "一般诉求"),
    # 12345 5.2.2.2.1 签收时间
    _r("sign_off.life", S, 15, MIN, DIS, "12345 5.2.2.2.1", "突发事件、不稳定因素等可能造成生命财产损失的诉求", emergencies=LIFE),
    _r("sign_off.timely", S, 30, MIN, DIS, "12345 5.2.2.2.1", "基本民生保障（水电气热）、极端天气等及时性诉求", emergencies=TIMELY),
    _r("sign_off.urgent", S, 15, MIN, DIS, "12345 5.2.2.2.1", "其他紧急诉求", urgencies=_URGENT),
    _r("sign_off.normal", S, 1, WDAY, DIS, "12345 5.2.2.2.1", "一般类诉求"),
    # 12345 5.2.2.3.2 反馈时间
    _r("feedback.life", F, 2, HOUR, DIS, "12345 5.2.2.3.2", "突发事件、不稳定因素等可能造成生命财产损失的诉求", emergencies=LIFE),
    _r("feedback.timely", F, 24, HOUR, DIS, "12345 5.2.2.3.2", "基本民生保障（水电气热）、极端天气等及时性诉求", emergencies=TIMELY),
    _r("feedback.urgent", F, 2, HOUR, DIS, "12345 5.2.2.3.2", "其他紧急诉求", urgencies=_URGENT),
    _r("feedback.complex", F, 15, DAY, DIS, "12345 5.2.2.3.2", "复杂疑难诉求", complex=True),
    _r("feedback.normal", F, 7, DAY, DIS, "12345 5.2.2.3.2", "一般诉求"),
)

_CONSULT = (Category.CONSULT.value, Category.HELP.value, Category.SUGGESTION.value)
_COMPLAINT = (Category.COMPLAINT.value,)
_REPORT = (Category.REPORT.value,)
PROFILE_12365 = (
    # 6.2.3.2: consults with no answer in the knowledge base go to the department
    # within 3 working days; the center answers within 2 working days of its reply.
    # Help and suggestions have no clause of their own and are timed as consults.
    _r("consult.forward", D, 3, WDAY, REG, "12365 6.2.3.2", "知识库无明确答复的咨询，报送相关部门", categories=_CONSULT),
    _r("consult.reply", Stage.REPLY, 2, WDAY, REPLIED, "12365 6.2.3.2", "接到业务部门反馈后答复当事人", categories=_CONSULT),
    # 6.3.2.2 / 6.3.5.1 / 6.3.5.2.1. The body says "60 日"; the checklist in the
    # drafting notes says 60 working days. The clause itself is followed.
    _r("complaint.accept", Stage.ACCEPT, 5, WDAY, REG, "12365 6.3.2.2", "投诉进入受理环节", categories=_COMPLAINT),
    _r("complaint.transfer", D, 5, WDAY, ACC, "12365 6.3.5.1", "投诉自决定受理之日起移送", categories=_COMPLAINT),
    # 6.3.5.2.1 sets 60 days for complaints not transferred; a transferred one has no
    # limit of its own in 6.3.5.1, and the center tracks it on the same clock.
    _r("complaint.complete", Stage.COMPLETE, 60, DAY, ACC, "12365 6.3.5.2.1", "投诉自决定受理之日起处理完成（移送的投诉同样跟踪）", categories=_COMPLAINT),
    # 6.4.2.2 / 6.4.4.1 / 6.4.4.2
    _r("report.accept", Stage.ACCEPT, 5, WDAY, REG, "12365 6.4.2.2", "举报进入受理环节", categories=_REPORT),
    _r("report.transfer", D, 5, WDAY, ACC, "12365 6.4.4.1", "举报自受理之日起转送受理方", categories=_REPORT),
    _r("report.complete", Stage.COMPLETE, 90, WDAY, ACC, "12365 6.4.4.2", "举报自决定受理之日起处理完成", categories=_REPORT),
)

PROFILE_GBT33358 = (
    # GB/T 33358 10.2.2 1: 无法当场答复的事项 2 个工作日内转交相关部门.
    _r("forward", D, 2, WDAY, REG, "GB/T 33358 10.2.2", "无法当场答复的事项转交相关部门"),
)


@dataclass(frozen=True)
class Profile:
    code: str
    label: str
    defaults: tuple[Rule, ...]


PROFILES: dict[str, Profile] = {
    "12345": Profile("12345", "12345热线（12345热线服务与管理规范）", PROFILE_12345),
    "12365": Profile("12365", "12365热线（质检举报处置热线服务规范）", PROFILE_12365),
    "gbt33358": Profile("gbt33358", "GB/T 33358 政府热线服务认证", PROFILE_GBT33358),
}

# Which start events may time which stages: a sign-off clock counted from
# registration would be meaningless, so an edited rule may not say so.
ALLOWED_STARTS: dict[str, tuple[str, ...]] = {
    Stage.ACCEPT.value: (REG.value,),
    Stage.DISPATCH.value: (REG.value, ACC.value),
    Stage.SIGN_OFF.value: (DIS.value,),
    Stage.FEEDBACK.value: (DIS.value,),  # a unit's clock: it starts when the unit is sent the ticket
    Stage.REPLY.value: (REPLIED.value,),
    Stage.COMPLETE.value: (REG.value, ACC.value),
}
_CODES = {"categories": (Category, "诉求分类"), "urgencies": (Urgency, "紧急程度"),
          "emergencies": (EmergencyType, "紧急类型"), "channels": (Channel, "受理渠道")}

MAX_AMOUNT = {MIN.value: 60 * 24 * 30, HOUR.value: 24 * 366, DAY.value: 3660, WDAY.value: 2500}


def rule_problems(rule: Rule) -> list[str]:
    """What is wrong with one rule, in words for the admin."""
    problems: list[str] = []
    name = f"规则“{rule.key}”"
    if not isinstance(rule.key, str) or not rule.key or len(rule.key) > limits.NAME:
        problems.append(f"规则的编号应为 1 到 {limits.NAME} 个字，现为“{str(rule.key)[:20]}”")
    if rule.stage not in ALLOWED_STARTS:
        problems.append(f"{name}的环节“{rule.stage}”不存在")
        return problems
    if rule.clock not in MAX_AMOUNT:
        problems.append(f"{name}的计时单位“{rule.clock}”应为分钟、小时、天或工作日")
    elif not isinstance(rule.amount, int) or isinstance(rule.amount, bool) or not 1 <= rule.amount <= MAX_AMOUNT[rule.clock]:
        problems.append(f"{name}的时长应为 1 到 {MAX_AMOUNT[rule.clock]} 之间的整数{ClockUnit.label_of(rule.clock)}，现为“{rule.amount}”")
    for attribute, (kind, label) in _CODES.items():
        unknown = [c for c in getattr(rule, attribute) if c not in kind._value2member_map_]
        if unknown:
            problems.append(f"{name}的{label}“{'、'.join(unknown)}”不存在")
    if rule.start not in ALLOWED_STARTS[rule.stage]:
        allowed = "、".join(StartEvent.label_of(s) for s in ALLOWED_STARTS[rule.stage])
        problems.append(f"{name}：{Stage.label_of(rule.stage)}时限只能从{allowed}起算")
    return problems


def find_rule(rules: tuple[Rule, ...], stage: str, start: str, facts: Facts) -> Rule | None:
    for rule in rules:
        if rule.stage == stage and rule.start == start and rule.matches(facts):
            return rule
    return None


def rules_starting(rules: tuple[Rule, ...], start: str, facts: Facts, stages: tuple[str, ...] | None = None) -> list[Rule]:
    """The first matching rule of each stage that counts from ``start``."""
    chosen: dict[str, Rule] = {}
    for rule in rules:
        if rule.start != start or rule.stage in chosen or (stages is not None and rule.stage not in stages):
            continue
        if rule.matches(facts):
            chosen[rule.stage] = rule
    return list(chosen.values())
