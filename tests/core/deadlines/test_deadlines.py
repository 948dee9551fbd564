"""Deadline cases written from the standards' clauses, across weekends, Spring Festival,
National Day and make-up working Saturdays (调休), for each profile and stage."""
from __future__ import annotations

import datetime as dt

import pytest

from core import clock
from core.deadlines import rules as deadline_rules
from core.deadlines import clocks as deadlines
from core.deadlines.rules import Facts, Rule
from core.errors import PermissionDenied, ValidationError
from core.vocab import ClockUnit, EmergencyType, Stage


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=clock.LOCAL_TZ)


def due(profile: str, stage: Stage, start: str, category: str = "complaint", urgency: str = "normal",
        emergency: str = "", **facts: bool) -> tuple[str, bool, str]:
    hotline = "12365" if profile == "12365" else "12345"
    found = deadlines.preview(profile, stage.value, Facts(hotline, category, urgency, emergency, "phone", **facts), at(start))
    assert found is not None, f"no rule for {profile} {stage}"
    return found.due.at.strftime("%Y-%m-%d %H:%M"), found.due.provisional, found.rule.clause


# 12345 5.2.2.1.2 派发时间: 1 h / 2 h / 24 h, 48 h in a declared surge.
@pytest.mark.parametrize("emergency, urgency, surge, expected", [
    (EmergencyType.INCIDENT.value, "urgent", False, "2026-11-20 11:00"),
    (EmergencyType.INSTABILITY.value, "urgent", False, "2026-11-20 11:00"),
    (EmergencyType.UTILITIES.value, "urgent", False, "2026-11-20 12:00"),
    (EmergencyType.EXTREME_WEATHER.value, "urgent", False, "2026-11-20 12:00"),
    ("", "urgent", False, "2026-11-20 11:00"),  # other urgent: may cause loss of life or property
    ("", "normal", False, "2026-11-21 10:00"),  # Saturday: hours run through weekends
    ("", "normal", True, "2026-11-22 10:00"),
])
def test_12345_dispatch_clause_5_2_2_1_2(center_db, emergency, urgency, surge, expected):
    assert due("12345", Stage.DISPATCH, "2026-11-20 10:00", "help", urgency, emergency, surge=surge) == (
        expected, False, "12345 5.2.2.1.2")


# 12345 5.2.2.2.1 签收时间: 15 min / 30 min / 1 working day.
def test_12345_sign_off_clause_5_2_2_2_1(center_db):
    assert due("12345", Stage.SIGN_OFF, "2026-11-20 23:50", "help", "urgent", "incident")[0] == "2026-11-21 00:05"
    assert due("12345", Stage.SIGN_OFF, "2026-11-20 10:00", "help", "urgent", "utilities")[0] == "2026-11-20 10:30"
    # Friday afternoon: the next working day is Monday.
    assert due("12345", Stage.SIGN_OFF, "2026-11-20 16:00", "help")[:2] == ("2026-11-23 23:59", False)
    # Friday before Spring Festival 2026: Saturday 14 February is a make-up working day.
    assert due("12345", Stage.SIGN_OFF, "2026-02-13 16:00", "help")[0] == "2026-02-14 23:59"
    # Saturday 14 February: the holiday runs 15–23 February, so Tuesday 24.
    assert due("12345", Stage.SIGN_OFF, "2026-02-14 09:00", "help")[0] == "2026-02-24 23:59"
    # National Day 2026: 1–7 October off; Saturday 10 October is worked.
    assert due("12345", Stage.SIGN_OFF, "2026-09-30 17:00", "help")[0] == "2026-10-08 23:59"
    assert due("12345", Stage.SIGN_OFF, "2026-10-09 17:00", "help")[0] == "2026-10-10 23:59"


# 12345 5.2.2.3.2 反馈时间: 2 h / 24 h / 7 days / 15 days for complex matters.
def test_12345_feedback_clause_5_2_2_3_2(center_db):
    assert due("12345", Stage.FEEDBACK, "2026-11-20 10:00", "help", "urgent", "epidemic")[0] == "2026-11-20 12:00"
    assert due("12345", Stage.FEEDBACK, "2026-11-20 10:00", "help", "urgent", "extreme_weather")[0] == "2026-11-21 10:00"
    # Calendar days, the start day not counted, ending at 24:00; holidays do not stop them.
    assert due("12345", Stage.FEEDBACK, "2026-11-20 10:00", "help")[0] == "2026-11-27 23:59"
    assert due("12345", Stage.FEEDBACK, "2026-09-30 10:00", "help")[0] == "2026-10-07 23:59"
    assert due("12345", Stage.FEEDBACK, "2026-11-20 10:00", "help", complex=True)[0] == "2026-12-05 23:59"


# 12365 6.2.3.2: consults forwarded within 3 working days, answered within 2 of the reply.
def test_12365_consult_clause_6_2_3_2(center_db):
    assert due("12365", Stage.DISPATCH, "2026-02-12 10:00", "consult")[0] == "2026-02-24 23:59"
    assert due("12365", Stage.REPLY, "2026-09-29 10:00", "consult")[0] == "2026-10-08 23:59"


# 12365 6.3.2.2, 6.3.5.1, 6.3.5.2.1: complaints accepted and transferred within 5 working
# days each and finished within 60 days of acceptance.
def test_12365_complaint_clauses(center_db):
    # 14 Feb (make-up Saturday) is 1, the festival is skipped, 24–27 Feb are 2–5.
    assert due("12365", Stage.ACCEPT, "2026-02-13 10:00") == ("2026-02-27 23:59", False, "12365 6.3.2.2")
    # 29, 30 Sep, then 8, 9 Oct and the make-up Saturday 10 Oct.
    assert due("12365", Stage.DISPATCH, "2026-09-28 10:00")[:2] == ("2026-10-10 23:59", False)
    assert due("12365", Stage.COMPLETE, "2026-11-20 10:00") == ("2027-01-19 23:59", False, "12365 6.3.5.2.1")


# 12365 6.4.2.2, 6.4.4.1, 6.4.4.2: reports accepted and forwarded within 5 working days each,
# finished within 90 working days: from November 2026 that reaches into 2027, whose
# notice is not out, so the clock is provisional (DESIGN "Deadlines").
def test_12365_report_clauses_and_provisional(center_db):
    assert due("12365", Stage.ACCEPT, "2026-11-20 10:00", "report")[:2] == ("2026-11-27 23:59", False)
    assert due("12365", Stage.DISPATCH, "2026-11-20 10:00", "report")[:2] == ("2026-11-27 23:59", False)
    complete, provisional, clause = due("12365", Stage.COMPLETE, "2026-11-20 10:00", "report")
    assert provisional and clause == "12365 6.4.4.2"
    assert complete.startswith("2027-")


# GB/T 33358 10.2.2: forwarded within 2 working days.
def test_gbt33358_forward(center_db):
    assert due("gbt33358", Stage.DISPATCH, "2026-10-09 10:00", "help")[0] == "2026-10-12 23:59"
    assert due("gbt33358", Stage.DISPATCH, "2026-11-20 10:00", "help")[0] == "2026-11-24 23:59"


def test_every_default_rule_is_valid_and_cites_a_clause():
    for profile in deadline_rules.PROFILES.values():
        for rule in profile.defaults:
            assert deadline_rules.rule_problems(rule) == []
            assert rule.clause and rule.label


def test_an_edited_rule_is_a_new_version_and_the_defaults_stay(center_db, operator):
    rules = [r if r.key != "dispatch.normal" else Rule(**{**r.__dict__, "amount": 12})
             for r in deadline_rules.PROFILE_12345]
    with pytest.raises(PermissionDenied):
        deadlines.save_rules(operator, "12345", rules, "运营要求")
    assert deadlines.save_rules(center_db, "12345", rules, "本市要求一般诉求 12 小时内派发") == 1
    assert due("12345", Stage.DISPATCH, "2026-11-20 10:00", "help")[0] == "2026-11-20 22:00"
    assert deadlines.preview("12345", "dispatch", Facts("12345", "help"), at("2026-11-20 10:00"), version=0).due.at.hour == 10
    assert deadlines.restore_defaults(center_db, "12345") == 2
    assert due("12345", Stage.DISPATCH, "2026-11-20 10:00", "help")[0] == "2026-11-21 10:00"


def test_a_bad_rule_is_refused_with_what_is_wrong(center_db):
    bad = Rule("sign_off.x", Stage.SIGN_OFF.value, 0, ClockUnit.HOURS.value, "registered", "x", "x")
    with pytest.raises(ValidationError) as caught:
        deadlines.save_rules(center_db, "12345", [bad], "")
    assert "时长" in caught.value.message and "只能从派单起算" in caught.value.message
    assert "修改说明" in caught.value.message
    with pytest.raises(ValidationError, match="不存在"):
        deadlines.rule_set("nosuch")


def test_a_rule_naming_an_unknown_code_or_a_clock_never_started_is_refused(center_db):
    typo = Rule("x", Stage.DISPATCH.value, 1, ClockUnit.HOURS.value, "registered", "x", "x", categories=("complain",))
    assert deadline_rules.rule_problems(typo) == ["规则“x”的诉求分类“complain”不存在"]
    never = Rule("y", Stage.COMPLETE.value, 30, ClockUnit.DAYS.value, "dispatched", "x", "x")
    assert "只能从受理登记、决定受理起算" in deadline_rules.rule_problems(never)[0]
