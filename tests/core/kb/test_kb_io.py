"""知识库批量导入导出 (core.kb.import_export): every format, round trips, versions, and all-or-nothing on bad input.

12345 6.3.4: units' files are checked (校核) before they are entered, so imports land as 待校核.
"""
from __future__ import annotations

import csv
import datetime as dt
import errno
import json
import os
from pathlib import Path

import docx
import openpyxl
import pytest

from core import tabular
from core.kb import articles as kb
from core.kb import import_export as kb_io
from core.errors import PermissionDenied
from core.files import FileNotWritten
from core.kb.articles import ArticleInput
from core.kb.import_export import export_articles, import_articles
from core.vocab import ArticleStatus
from db.models import Article, ArticleVersion, Audit, KbCategory

HEADER = ["编号", "标题", "正文", "关键词", "分类", "提供单位", "生效日期", "复核日期", "失效日期"]
ROWS = [
    ["GJJ-001", "住房公积金提取", "职工购房可以提取住房公积金。\n- 携带身份证\n- 携带购房合同", "公积金 提取", "住房/公积金",
     "市住房公积金中心", "2026-01-01", "2027-01-01", ""],
    ["RQ-002", "燃气泄漏应急处置", "关闭阀门，开窗通风，到户外拨打抢修电话。", "煤气", "公用事业", "市燃气集团", "", "", ""],
]


def _csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _jsonl(path: Path, records: list[object]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _docx(path: Path, blocks: list[tuple[str, str]]) -> Path:
    """blocks: (style or "h1".."h3", text)."""
    document = docx.Document()
    for style, text in blocks:
        if style.startswith("h"):
            document.add_heading(text, int(style[1:]))
        else:
            document.add_paragraph(text, style=style or None)
    document.save(str(path))
    return path


def _state() -> tuple[int, int, int, int]:
    """What an import may change: articles, versions, categories, audit entries."""
    return Article.select().count(), ArticleVersion.select().count(), KbCategory.select().count(), Audit.select().count()


def _by_title(title: str) -> Article:
    return Article.get(Article.title == title)


# ---------------------------------------------------------------- each format


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_csv_in_chinese_encodings_lands_as_pending(center_db, tmp_path, encoding):
    report = import_articles([_csv(tmp_path / "单位报送.csv", [HEADER, *ROWS], encoding)], actor=center_db)
    assert report.ok and report.written and (report.count("added"), len(report.rejected)) == (2, 0)
    fund = _by_title("住房公积金提取")
    assert fund.status == ArticleStatus.PENDING.value and fund.version == 1
    assert fund.source_ref == "GJJ-001" and fund.source_unit == "市住房公积金中心"
    assert fund.body.splitlines()[1] == "- 携带身份证"
    assert (fund.effective_on, fund.review_on, fund.expires_on) == ("2026-01-01", "2027-01-01", "")
    assert KbCategory.get_by_id(fund.category_id).name == "公积金"
    assert report.new_categories == ["住房", "住房/公积金", "公用事业"]
    audit = Audit.get(Audit.action == "kb.import")
    assert json.loads(audit.detail)["added"] == 2 and audit.actor_id == center_db.user_id


def test_jsonl_with_english_or_chinese_keys(center_db, tmp_path):
    path = _jsonl(tmp_path / "a.jsonl", [
        {"id": "ETC-1", "title": "ETC 办理", "body": "到合作银行网点办理。", "keywords": ["ETC", "高速"],
         "category": ["交通", "高速公路"], "effective_on": "2026-03-01"},
        {"标题": "夜间施工噪声", "正文": "夜间22时至次日6时禁止施工。"},
    ])
    (tmp_path / "a.jsonl").write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # blank line: skipped
    report = import_articles([path], actor=center_db)
    assert report.count("added") == 2 and not report.rejected
    etc = _by_title("ETC 办理")
    assert (etc.keywords, etc.effective_on) == ("ETC 高速", "2026-03-01")
    assert kb_io._Categories().text(etc.category_id) == "交通/高速公路"


def test_a_jsonl_number_as_the_id_is_taken_as_text(center_db, tmp_path):
    path = _jsonl(tmp_path / "a.jsonl", [{"id": 17, "title": "ETC 办理", "body": "到合作银行网点办理。"}])
    assert import_articles([path], actor=center_db).count("added") == 1
    assert _by_title("ETC 办理").source_ref == "17"


def test_xlsx_with_a_note_above_the_header_and_date_cells(center_db, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2026 年第一季度政策更新（市人社局报送）"])
    sheet.append(["Title", "Body", "Source_Unit", "Effective_On"])  # English headers, any case
    sheet.append(["灵活就业人员参保", "可在社保窗口办理灵活就业参保登记。", "市人社局", dt.datetime(2026, 2, 1)])
    sheet.append([None, None, None, None])  # formatting left below the data
    path = tmp_path / "人社.xlsx"
    book.save(path)
    report = import_articles([path], actor=center_db)
    assert report.count("added") == 1 and not report.rejected
    assert report.outcomes[0].place == "第 3 行"
    assert _by_title("灵活就业人员参保").effective_on == "2026-02-01"


def test_docx_is_split_by_the_headings_that_hold_text(center_db, tmp_path):
    path = _docx(tmp_path / "政策问答.docx", [
        ("", "市医保局关于政策问答的通知"),  # before the first article: not an article
        ("h1", "医疗保险"),  # a chapter grouping articles, no text of its own
        ("h2", "医保怎么报销"),
        ("", "持社保卡就医即时结算。"),
        ("List Bullet", "异地就医需先备案"),
        ("h3", "注意事项"),
        ("", "急诊除外。"),
        ("h2", "医保断缴怎么办"),
        ("", "三个月内补缴不影响待遇。"),
    ])
    report = import_articles([path], actor=center_db)
    assert [o.title for o in report.outcomes] == ["医保怎么报销", "医保断缴怎么办"]
    assert _by_title("医保怎么报销").body == "持社保卡就医即时结算。\n- 异地就医需先备案\n## 注意事项\n急诊除外。"
    assert report.outcomes[0].place == "标题“医保怎么报销”"


def test_docx_with_text_under_its_top_headings_keeps_lower_ones_inside(center_db, tmp_path):
    path = _docx(tmp_path / "a.docx", [("h1", "居住证办理"), ("", "到派出所办理。"), ("h2", "所需材料"), ("", "身份证。")])
    import_articles([path], actor=center_db)
    assert _by_title("居住证办理").body == "到派出所办理。\n## 所需材料\n身份证。"
    assert Article.select().count() == 1


def test_publish_needs_the_review_right_and_publishes(center_db, manager, operator, tmp_path):
    path = _csv(tmp_path / "a.csv", [HEADER, *ROWS], "utf-8")
    with pytest.raises(PermissionDenied):
        import_articles([path], username="op1")
    report = import_articles([path], username="boss", publish=True)
    assert report.written and {a.status for a in Article.select()} == {ArticleStatus.PUBLISHED.value}


def test_dry_run_reports_and_writes_nothing(center_db, tmp_path):
    before = _state()
    report = import_articles([_csv(tmp_path / "a.csv", [HEADER, *ROWS], "utf-8")], actor=center_db, dry_run=True)
    assert report.ok and not report.written and report.count("added") == 2
    assert "试运行" in report.summary() and "住房/公积金" in report.summary()
    assert _state() == before


# ---------------------------------------------------------------- updates and round trips


def test_a_changed_row_makes_a_new_version_and_goes_back_to_review(center_db, tmp_path):
    import_articles([_csv(tmp_path / "a.csv", [HEADER, *ROWS], "utf-8")], actor=center_db, publish=True)
    fund = _by_title("住房公积金提取")
    changed = [ROWS[0][:2] + ["2026 年起提取需网上预约。"] + ROWS[0][3:], ROWS[1]]
    report = import_articles([_csv(tmp_path / "b.csv", [HEADER, *changed], "utf-8")], actor=center_db)
    assert (report.count("updated"), report.count("unchanged")) == (1, 1)
    fund = Article.get_by_id(fund.id)
    # The edit waits for 校核 beside the published text, which operators keep seeing.
    assert (fund.version, fund.pending_version, fund.status) == (1, 2, ArticleStatus.PUBLISHED.value)
    assert kb.working(fund).body == "2026 年起提取需网上预约。"
    notes = [v.note for v in ArticleVersion.select().where(ArticleVersion.article == fund.id)]
    assert notes[-1] == "从《b.csv》第 2 行导入"
    assert kb.diff(center_db, fund.id, 1, 2)[0][0] == "正文"


def test_a_row_without_number_updates_the_article_of_the_same_title(center_db, tmp_path):
    article = kb.save_article(center_db, None, ArticleInput(title="户口迁移", body="旧的说明。"))
    report = import_articles([_csv(tmp_path / "a.csv", [["编号", "标题", "正文"], ["HK-1", "户口迁移", "新的说明。"]],
                                   "utf-8")], actor=center_db)
    assert report.count("updated") == 1
    updated = Article.get_by_id(article)
    assert (updated.version, updated.body, updated.source_ref) == (2, "新的说明。", "HK-1")
    assert updated.status == ArticleStatus.PENDING.value  # a draft updated from a file is sent to 校核


@pytest.mark.parametrize("name", ["out.jsonl", "out.csv", "out.xlsx"])
def test_export_then_import_is_unchanged(center_db, tmp_path, name):
    import_articles([_csv(tmp_path / "a.csv", [HEADER, *ROWS], "utf-8")], actor=center_db, publish=True)
    # Articles written in the program (no 编号), one with the same title as another, one retired.
    for title, body in (("社保卡补办", "=先挂失，再补办。"), ("社保卡补办", "第二篇同名。"), ("旧政策", "已废止。")):
        kb.save_article(center_db, None, ArticleInput(title=title, body=body, keywords="社保卡,补办"))
    kb.move(center_db, _by_title("旧政策").id, "retire")
    before = _state()
    assert export_articles(center_db, tmp_path / name) == 4
    assert export_articles(center_db, tmp_path / ("all-" + name), include_retired=True) == 5
    for path in (tmp_path / name, tmp_path / ("all-" + name)):
        report = import_articles([path], actor=center_db)
        assert not report.rejected and report.count("unchanged") == len(report.outcomes), report.summary()
    assert _state()[:3] == before[:3]


def test_export_into_an_empty_base_recreates_articles_and_categories(center_db, tmp_path):
    import_articles([_csv(tmp_path / "a.csv", [HEADER, *ROWS], "utf-8")], actor=center_db)
    out = tmp_path / "base.xlsx"
    export_articles(center_db, out)
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER and rows[1][4] == "住房/公积金"
    Article.update(source_ref="").execute()  # as if another base: matched by title, numbers taken over
    report = import_articles([out], actor=center_db)
    assert report.count("unchanged") == 2
    assert _by_title("住房公积金提取").source_ref == "GJJ-001"


def test_export_refuses_what_excel_cannot_hold_and_unknown_formats(center_db, tmp_path):
    kb.save_article(center_db, None, ArticleInput(title="长文", body="字" * 40_000))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(kb_io.KbFileError, match="32,767"):
        export_articles(center_db, out / "a.xlsx")
    assert not list(out.iterdir())  # no half-written file left
    with pytest.raises(kb_io.KbFileError, match="判断导出格式"):
        export_articles(center_db, out / "a.txt")
    assert export_articles(center_db, out / "a.txt", "jsonl") == 1


FORMULAS = {"=HYPERLINK(\"http://example.com\",\"点我\")": "=1+1 是否收费？", "+86 热线说明": "@SUM(A1) 不是公式。",
            "-5 ℃ 以下停工": "\t缩进的正文。"}


def test_cells_that_look_like_formulas_stay_text_in_csv_and_xlsx_and_come_back_unchanged(center_db, tmp_path):
    """OWASP CSV injection: Excel/WPS run "=…", "+…", "-…", "@…" as formulas; an export must not."""
    for title, body in FORMULAS.items():
        kb.save_article(center_db, None, ArticleInput(title=title, body=body, keywords="-公式 =测试"))
    before = _state()
    export_articles(center_db, tmp_path / "base.csv")
    export_articles(center_db, tmp_path / "base.xlsx")
    rows = list(csv.reader((tmp_path / "base.csv").read_text(encoding="utf-8-sig").splitlines()))
    cells = [c for row in rows[1:] for c in row[1:4]]
    assert all(not c.startswith(tabular.FORMULA_START) for c in cells), cells
    assert {r[1] for r in rows[1:]} == {"'" + t for t in FORMULAS}
    sheet = openpyxl.load_workbook(tmp_path / "base.xlsx").active  # formulas kept as formulas, if any
    stored = [c for row in sheet.iter_rows(min_row=2, max_col=4) for c in row[1:4]]
    assert {c.data_type for c in stored} == {"s"} and {c.value for c in stored} >= set(FORMULAS)
    for name in ("base.csv", "base.xlsx"):
        report = import_articles([tmp_path / name], actor=center_db)
        assert not report.rejected and report.count("unchanged") == len(FORMULAS), report.summary()
    assert _state()[:3] == before[:3]


def no_space(*args, **kwargs):
    """What a full disk answers: a real one in tests/e2e/test_full_disk.py, this one everywhere."""
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("name", ["知识库.xlsx", "知识库.csv", "知识库.jsonl"])
def test_an_export_to_a_full_disk_says_so_in_chinese_and_keeps_the_old_file(center_db, tmp_path, monkeypatch, name):
    kb.save_article(center_db, None, ArticleInput(title="社保卡补办", body="带身份证办理。"))
    out = tmp_path / "U盘"
    out.mkdir()
    (out / name).write_bytes(b"old")
    monkeypatch.setattr(os, "fsync", no_space)  # the blocks of a buffered write are placed at fsync
    with pytest.raises(FileNotWritten) as caught:
        export_articles(center_db, out / name)
    assert caught.value.message == (f"磁盘空间不足，“{name}”没有写入。请清理文件夹“{out}”所在的磁盘，或换一个文件夹后重试。")
    assert os.listdir(out) == [name] and (out / name).read_bytes() == b"old"


# ---------------------------------------------------------------- bad input: nothing written


def _bad_cases(tmp: Path) -> dict[str, tuple[list[Path], list[str]]]:
    """name -> (files, words the problems must contain)."""
    broken = tmp / "乱码.csv"
    broken.write_bytes("编号,标题,正文\n".encode() + b"A1,\xff\xfe\xff,x\n")
    long_title = "长" * (kb.MAX_TITLE + 1)
    return {
        "encoding": ([broken], ["乱码.csv", "UTF-8", "第 2 行"]),
        "json": ([tmp.joinpath("a.jsonl")], ["a.jsonl", "第 2 行不是有效的 JSON"]),
        "fields": ([_csv(tmp / "f.csv", [HEADER[:3] + ["生效日期"], ["1", "", "正文", ""], ["2", "标题", "", ""],
                                           ["3", long_title, "正文", ""], ["4", "日期", "正文", "明年"]], "utf-8")],
                   ["第 2 行：请填写标题", "第 3 行：请填写正文", "第 4 行：标题不能超过", "第 5 行：生效日期“明年”不是日期"]),
        "same number": ([_csv(tmp / "x.csv", [HEADER, ROWS[0]], "utf-8"),
                         _jsonl(tmp / "y.jsonl", [{"id": "GJJ-001", "title": "另一个标题", "body": "b"}])],
                        ["《y.jsonl》第 1 行：编号“GJJ-001”与《x.csv》第 2 行重复"]),
        "same title": ([_csv(tmp / "t.csv", [["标题", "正文"], ["办证", "a"], ["办证", "b"]], "gb18030")],
                       ["第 3 行：标题“办证”与《t.csv》第 2 行重复"]),
        "docx without headings": ([_docx(tmp / "通知.docx", [("", "各单位："), ("", "现将有关政策通知如下。")])],
                                  ["通知.docx", "没有标题样式"]),
        "long category": ([_csv(tmp / "c.csv", [["标题", "正文", "分类"], ["社保卡", "带身份证办理。", "社保/" + "长" * 21],
                                                ["医保", "", "长" * 21]], "utf-8")],
                          ["第 2 行：分类名“长长长长长长长长长长…”太长，不超过 20 字", "第 3 行：请填写正文；分类名"]),
        "extension": ([tmp / "a.pdf"], ["a.pdf", "只能导入"]),
        "missing": ([tmp / "不存在.csv"], ["不存在.csv", "文件不存在"]),
        "empty": ([tmp / "空.xlsx"], ["空.xlsx", "空文件"]),
        "only header": ([_csv(tmp / "h.csv", [HEADER], "utf-8")], ["h.csv", "没有知识条目"]),
        "no body column": ([_csv(tmp / "n.csv", [["标题", "答复"], ["a", "b"]], "utf-8")], ["找不到正文列", "标题、答复"]),
        "broken docx": ([tmp / "坏.docx"], ["坏.docx", "不是 Word 文档"]),
        "json types": ([_jsonl(tmp / "类型.jsonl", [
            {"title": "社保卡", "body": {"text": "带身份证办理。"}},
            {"title": ["社保卡", "补办"], "body": "带身份证办理。"},
            {"标题": 12345, "正文": "热线号码。"},
            {"title": "医保", "body": "正文", "keywords": ["医保", 110], "effective_on": 20260101},
            {"id": True, "title": "公积金", "body": False},
        ])], ["《类型.jsonl》第 1 行：“body”应为文字，文件中是一个 JSON 对象",
              "第 2 行：“title”应为文字，文件中是一个列表", "第 3 行：“标题”应为文字，文件中是数字 12345",
              "第 4 行：“keywords”应为文字或文字的列表，列表中有数字 110；“effective_on”应为文字，文件中是数字 20260101",
              "第 5 行：“id”应为文字，文件中是逻辑值 true；“body”应为文字，文件中是逻辑值 false"]),
    }


@pytest.mark.parametrize("case", ["encoding", "json", "fields", "same number", "same title", "docx without headings",
                                  "long category",
                                  "extension", "missing", "empty", "only header", "no body column", "broken docx",
                                  "json types"])
def test_bad_input_is_reported_and_nothing_is_written(center_db, tmp_path, case):
    (tmp_path / "a.jsonl").write_text('{"title": "好的", "body": "b"}\n{"title": "坏的", body}\n', encoding="utf-8")
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "空.xlsx").write_bytes(b"")
    (tmp_path / "坏.docx").write_bytes(b"PK\x03\x04 not a zip")
    kb.save_article(center_db, None, ArticleInput(title="已有的", body="正文"))
    files, expected = _bad_cases(tmp_path)[case]
    good = _csv(tmp_path / "good.csv", [HEADER, ROWS[1]], "utf-8")  # a good file beside it is not written either
    before = _state()
    report = import_articles([good, *files], actor=center_db)
    text = "\n".join(str(p) for p in report.rejected)
    for words in expected:
        assert words in text, text
    assert not report.ok and not report.written and "整批未导入" in report.summary()
    assert _state() == before


def test_ambiguous_title_and_retired_article_are_rejected(center_db, tmp_path):
    for body in ("一", "二"):
        kb.save_article(center_db, None, ArticleInput(title="同名", body=body))
    old = kb.save_article(center_db, None, ArticleInput(title="旧政策", body="旧"))
    kb.move(center_db, old, "retire")
    before = _state()
    report = import_articles([_csv(tmp_path / "a.csv", [["标题", "正文"], ["同名", "三"], ["旧政策", "新"]], "utf-8")],
                             actor=center_db)
    reasons = [p.reason for p in report.rejected]
    assert "无法确定更新哪一篇" in reasons[0] and "已停用" in reasons[1]
    assert _state() == before
