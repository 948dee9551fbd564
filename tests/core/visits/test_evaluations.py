"""好差评 imported (issue 17; 12345 5.3.3–5.3.4): all or nothing, row by row, one per ticket and channel."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from core.errors import Conflict, PermissionDenied
from core.visits.evaluations import EvaluationFileError, import_evaluations
from db.models import Evaluation, Ticket
from tests.core.dispatch.test_dispatch import register

HEADER = ["工单编号", "评价渠道", "评价结果", "评价内容", "评价时间"]


def _file(path: Path, rows: list[list[object]], header: list[str] = HEADER, encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)
    return path


def _number(ticket_id: int) -> str:
    return Ticket.get_by_id(ticket_id).number


def test_evaluations_are_taken_and_the_same_again_is_unchanged(operator, manager, tmp_path):
    a, b = _number(register(operator)), _number(register(operator, caller_phone="13900000001"))
    rows = [[a, "网络平台", "非常满意", "很好", "2026-11-20 10:00:00"], [b, "短信", "2", "拖太久", "2026-11-21 09:00"],
            [a, "电话按键", "满意", "", "2026/11/20 10:05"]]
    path = _file(tmp_path / "评价.csv", rows, encoding="gb18030")
    report = import_evaluations(manager, path)
    assert report.ok and (report.added, report.unchanged) == (3, 0)
    assert {(e.channel, e.satisfaction) for e in Evaluation.select()} == {
        ("web", "very_satisfied"), ("sms", "dissatisfied"), ("keypad", "satisfied")}
    again = import_evaluations(manager, path)
    assert (again.added, again.unchanged) == (0, 3)


@pytest.mark.parametrize("row, words", [
    (["320102-20991231-0001", "短信", "满意", "", "2026-11-20 10:00"], "找不到工单"),
    (["{n}", "邮局", "满意", "", "2026-11-20 10:00"], "评价渠道"),
    (["{n}", "短信", "还行吧", "", "2026-11-20 10:00"], "五级满意度"),
    (["{n}", "短信", "6", "", "2026-11-20 10:00"], "五级满意度"),
    (["{n}", "短信", "满意", "", "2027-01-01 10:00"], "不是可能的日期时间"),  # after now (frozen 2026-11-24)
    (["{n}", "短信", "满意", "", "2026-13-01 10:00"], "不是可能的日期时间"),
    (["{n}", "短信", "满意", "长" * 2001, "2026-11-20 10:00"], "超过上限"),
])
def test_a_bad_row_refuses_the_whole_file_naming_it(operator, manager, tmp_path, row, words):
    number = _number(register(operator))
    good = [number, "网络平台", "满意", "", "2026-11-20 10:00"]
    bad = [c.replace("{n}", number) if isinstance(c, str) else c for c in row]
    report = import_evaluations(manager, _file(tmp_path / "x.csv", [good, bad]))
    assert not report.ok and report.rejected[0].line == 3 and words in report.rejected[0].reason
    assert Evaluation.select().count() == 0 and "整个文件未导入" in report.summary()


def test_a_second_evaluation_that_says_otherwise_is_refused(operator, manager, tmp_path):
    number = _number(register(operator))
    import_evaluations(manager, _file(tmp_path / "a.csv", [[number, "短信", "满意", "", "2026-11-20 10:00"]]))
    report = import_evaluations(manager, _file(tmp_path / "b.csv", [[number, "短信", "不满意", "", "2026-11-21 10:00"]]))
    assert "只能评价一次" in report.rejected[0].reason
    twice = import_evaluations(manager, _file(tmp_path / "c.csv", [[number, "网站", "满意", "", "2026-11-20 10:00"],
                                                                    [number, "网络平台", "满意", "", "2026-11-20 10:00"]]))
    assert "出现了两次" in twice.rejected[0].reason


def test_missing_columns_and_wrong_files_are_named(operator, manager, tmp_path):
    with pytest.raises(EvaluationFileError, match="缺少评价渠道"):
        import_evaluations(manager, _file(tmp_path / "x.csv", [], ["工单编号", "评价结果", "评价时间"]))
    with pytest.raises(EvaluationFileError, match="找不到工单编号列"):
        import_evaluations(manager, _file(tmp_path / "y.csv", [], ["编号x", "渠道"]))
    with pytest.raises(EvaluationFileError, match="只能导入"):
        import_evaluations(manager, tmp_path / "z.xls")


def test_who_may_import_and_a_dry_run(operator, manager, tmp_path, center_db):
    number = _number(register(operator))
    path = _file(tmp_path / "a.csv", [[number, "短信", "满意", "", "2026-11-20 10:00"]])
    with pytest.raises(PermissionDenied):
        import_evaluations(operator, path)
    assert import_evaluations(manager, path, dry_run=True).added == 1 and Evaluation.select().count() == 0
    from db.models import Center

    Center.update(role="province").where(Center.id == 1).execute()
    with pytest.raises(Conflict, match="省级中心"):
        import_evaluations(manager, path)
