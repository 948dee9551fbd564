"""``main.py deadline``: what the rules give for one case, so an admin can check an
edited rule before trusting it. Codes or the labels users see are both accepted."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core import clock
from core.deadlines import rules as deadline_rules
from core.deadlines import clocks as deadlines
from core.deadlines.rules import Facts
from core.errors import ValidationError
from core.vocab import Category, Coded, EmergencyType, Stage, Urgency

FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


def code_of(kind: type[Coded], text: str, field: str, what: str, allow_empty: bool = False) -> str:
    text = (text or "").strip()
    if not text and allow_empty:
        return ""
    for member in kind:
        if text in (member.value, member.label):
            return member.value
    choices = "、".join(f"{m.value}（{m.label}）" for m in kind)
    raise ValidationError.single(field, f"{what}“{text}”不认识，可选：{choices}")


def parse_start(text: str) -> dt.datetime:
    for fmt in FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).replace(tzinfo=clock.LOCAL_TZ)
        except ValueError:
            continue
    raise ValidationError.single("from", f"起算时间“{text}”格式不对，应为“YYYY-MM-DD HH:MM”，例如 2026-11-20 16:00。")


@dataclass(frozen=True)
class Check:
    preview: deadlines.Preview
    start: dt.datetime

    def lines(self) -> list[str]:
        p = self.preview
        rules = deadlines.rule_set(p.profile, p.version)
        due = f"{p.due.at:%Y-%m-%d %H:%M}"
        if p.due.provisional:
            due += "（暂定：跨入尚未导入放假通知的年份，按周末计算；导入后自动重算）"
        weekday = "一二三四五六日"[p.due.at.weekday()]
        return [
            f"时限：{due} 星期{weekday}",
            f"规则：{p.rule.key} {p.rule.describe()}",
            f"规则版本：{deadline_rules.PROFILES[p.profile].label} 第 {p.version} 版（{rules.note or '无说明'}）",
            f"起算：{self.start:%Y-%m-%d %H:%M}",
        ]

    def as_dict(self) -> dict:
        p = self.preview
        return {"due_at": clock.stamp(p.due.at), "provisional": p.due.provisional, "rule": p.rule.to_json(),
                "profile": p.profile, "version": p.version, "from": clock.stamp(self.start)}


def check(profile: str, stage: str, category: str, urgency: str, start: str, emergency: str = "",
          surge: bool = False, complex_: bool = False, version: int | None = None) -> Check:
    """The due time and the rule for one case; a ValidationError names a bad argument
    or says that no rule of the profile times this case."""
    stage_code = code_of(Stage, stage, "stage", "环节")
    facts = Facts(
        hotline="12365" if profile == "12365" else "12345",
        category=code_of(Category, category, "category", "诉求分类"),
        urgency=code_of(Urgency, urgency, "urgency", "紧急程度"),
        emergency_type=code_of(EmergencyType, emergency, "emergency", "紧急类型", allow_empty=True),
        surge=surge,
        complex=complex_,
    )
    begin = parse_start(start)
    found = deadlines.preview(profile, stage_code, facts, begin, version)
    if found is None:
        raise ValidationError.single(
            "stage", f"方案“{profile}”没有适用于{Category.label_of(facts.category)}的“{Stage.label_of(stage_code)}”时限规则。")
    return Check(found, begin)
