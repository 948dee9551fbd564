"""Legacy ledger (台账) import: real ledger, messy CSV and xlsx, errors, audit and events."""
from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from tests.conftest import shared_file
from core import clock
from core.tickets import ledger_import
from core.errors import Conflict, HotlineError, NotFound, PermissionDenied
from core.tickets.ledger_import import LedgerError, RejectedRow, clean_line, clean_text, import_ledger, parse_time
from db.models import Audit, Ticket, TicketEvent

REAL_LEDGER = "tickets/citizen-messages-with-replies.xlsx"
TZ = clock.LOCAL_TZ


def _bare(text: object) -> str:
    """The characters of a cell without any whitespace, for comparing across normalisation."""
    text = str(text or "").replace("_x000D_", "")
    return "".join(ch for ch in text if not ch.isspace() and ch not in "\u200b\ufeff")


def _ticket(ref: str) -> Ticket:
    return Ticket.get(Ticket.source_ref == ref)


def _events(ticket: Ticket) -> list[TicketEvent]:
    return list(TicketEvent.select().where(TicketEvent.ticket == ticket.id).order_by(TicketEvent.id))


def _audits() -> list[Audit]:
    return list(Audit.select().where(Audit.action == "import_ledger").order_by(Audit.id))


# ---------------------------------------------------------------- the real ledger


def _expected_time(value: object) -> str:
    """The ledger's time, read independently of the importer."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=TZ).isoformat()
    if isinstance(value, (int, float)):
        return (dt.datetime(1899, 12, 30, tzinfo=TZ) + dt.timedelta(days=value)).isoformat(timespec="seconds")
    text = str(value).strip()
    for shape in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, shape).replace(tzinfo=TZ).isoformat()
        except ValueError:
            continue
    raise AssertionError(f"unexpected date shape in the real ledger: {text!r}")


@pytest.mark.slow
def test_real_ledger_imports_every_row_once(center_db):
    path = shared_file(REAL_LEDGER)
    book = openpyxl.load_workbook(path, data_only=True)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) for name in header}
    rows = {n: [c.value for c in sheet[n]] for n in range(2, sheet.max_row + 1)}
    rows = {n: r for n, r in rows.items() if any(v not in (None, "") for v in r)}

    report = import_ledger(path)

    assert report.ok
    assert report.read == len(rows) == 2816
    assert report.read == report.new + report.existing + len(report.rejected)
    assert (report.new, report.existing, report.rejected) == (2816, 0, [])
    assert Ticket.select().count() == 2816
    print(f"\nreal ledger: {report.read} rows imported in {report.seconds:.2f} s")
    assert report.seconds < 30  # a few seconds on a laptop; generous for slow CI

    # Row 7 is the ledger's one date-typed cell; the rest are strings like 2019/4/25 9:32:09.
    sample = sorted({7, *range(2, max(rows) + 1, 97), max(rows)})
    for n in sample:
        raw = rows[n]
        ticket = _ticket(f"ledger:{raw[col['留言编号']]}")
        assert ticket.caller_name == str(raw[col["留言用户"]]).strip()
        assert _bare(ticket.title) == _bare(raw[col["留言主题"]])
        assert ticket.title == ticket.title.strip() and "\xa0" not in ticket.title
        assert _bare(ticket.content) == _bare(raw[col["留言详情"]])
        assert _bare(ticket.reply) == _bare(raw[col["答复意见"]])
        assert ticket.received_at == _expected_time(raw[col["留言时间"]])
        assert ticket.number.startswith("320102-" + ticket.received_at[:10].replace("-", "") + "-")
        assert (ticket.channel, ticket.status, ticket.category, ticket.visit_consent) == ("network", "closed", "help", False)
        imported, closed = _events(ticket)
        assert (imported.kind, imported.at) == ("imported", ticket.received_at)
        assert f"第 {n} 行" in imported.summary
        assert (closed.kind, closed.at) == ("closed", _expected_time(raw[col["答复时间"]]))
        assert closed.summary.startswith("台账答复：") and len(closed.summary) <= 200
    assert isinstance(rows[7][col["留言时间"]], dt.datetime)

    # Whitespace padding is gone everywhere, not only in the sample.
    for content, reply in Ticket.select(Ticket.content, Ticket.reply).tuples():
        for text in (content, reply):
            assert text == text.strip()
            assert not {"\t", "\xa0", "\r", "\u200b"} & set(text)
            assert "\n\n" not in text and "_x000D_" not in text

    events = TicketEvent.select().count()
    again = import_ledger(path)
    assert (again.read, again.new, again.existing, again.rejected) == (2816, 0, 2816, [])
    assert again.ok
    assert Ticket.select().count() == 2816
    assert TicketEvent.select().count() == events
    assert [json.loads(a.detail)["new"] for a in _audits()] == [2816, 0]


# ---------------------------------------------------------------- a messy CSV

CSV_HEADER = ["工单编号", " 来电时间 ", "来电人", "联系电话", "工单标题", "诉求内容", "诉求分类", "受理渠道", "答复意见", "答复时间"]
CSV_ROWS = [
    # row 2: padded content, phone with spaces, no title
    ["A001", "2019/1/5 9:30:00", "张三", "138 1234 5678", "", "  小区噪音\u3000扰民\n\n\n  夜间施工 \xa0", "投诉", "电话", "", ""],
    # row 3: a reply with a Chinese date
    ["A002", "2019-01-05 09:30", "李四", "025-84561234", "路灯不亮", "路灯坏了", "咨询类", "", "已转交城管处理", "2019年1月6日"],
    # row 4: an Excel serial as text; a phone that is not a number
    ["A003", "43470.5", "王五", "见备注", "占道经营", "门口摆摊", "", "来访", "", ""],
    # row 5: blank content
    ["A004", "2019年1月5日 下午3时20分", "赵六", "", "无内容", " \u3000 ", "", "", "", ""],
    # row 6: unreadable date
    ["A005", "2019/13/45", "钱七", "", "日期错", "内容", "", "", "", ""],
    # row 7: the same number as row 3
    ["A002", "2019-01-05 09:30", "李四", "025-84561234", "路灯不亮", "路灯坏了", "咨询", "", "", ""],
    # row 8: in the future
    ["A006", "2099-01-01 10:00", "孙八", "", "未来", "内容", "", "", "", ""],
    # row 9: content too long
    ["A007", "2019-01-08 10:00", "周九", "", "太长", "长" * 10_001, "", "", "", ""],
    # row 10: blank, not a row
    ["", "", "", "", "", "", "", "", "", ""],
    # row 11: compact date, nbsp padding, a category word outside the five
    ["A008", "20190107", "\xa0吴十\xa0", "+86 139-0000-1111", "表扬信", "\xa0\xa0感谢社区\t\t帮助\xa0", "表扬", "网站", "", ""],
    # row 12: no time (the reply time cannot stand in for it)
    ["A009", "", "郑十一", "", "两处错", "内容", "", "", "答复", "2018-01-01"],
]
CSV_REJECTED = [
    RejectedRow(5, "诉求内容为空"),
    RejectedRow(6, "来电时间“2019/13/45”无法识别为日期时间"),
    RejectedRow(7, "工单编号“A002”与第 3 行相同，是重复行"),
    RejectedRow(8, "来电时间“2099-01-01 10:00”晚于现在"),
    RejectedRow(9, "诉求内容超过 10000 个字（现有 10001 个）"),
    RejectedRow(12, "来电时间为空"),
]


def _write_csv(path, rows, encoding):
    import csv

    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_messy_csv_rows_are_normalised_or_rejected_by_number(center_db, tmp_path, encoding):
    path = _write_csv(tmp_path / "来电台账.csv", [CSV_HEADER, *CSV_ROWS], encoding)

    report = import_ledger(path)

    assert report.rejected == CSV_REJECTED
    assert (report.read, report.new, report.existing) == (10, 4, 0)
    assert report.ok
    assert report.summary() == (
        "台账《来电台账.csv》：读取 10 行，新增 4，已存在跳过 0，拒绝 6。被拒绝的行未导入，修改后可再次导入同一文件，已导入的行不会重复。"
    )

    a1 = _ticket("ledger:A001")
    assert a1.received_at == "2019-01-05T09:30:00+08:00"
    assert a1.content == "小区噪音 扰民\n夜间施工"
    assert a1.title == "小区噪音 扰民"  # derived from the first line of the content
    assert (a1.caller_phone, a1.caller_contact) == ("13812345678", "")
    assert (a1.category, a1.channel, a1.status, a1.hotline) == ("complaint", "phone", "pending", "12345")
    assert a1.number == "320102-20190105-0001"

    a2 = _ticket("ledger:A002")
    assert (a2.received_at, a2.category, a2.channel, a2.status) == ("2019-01-05T09:30:00+08:00", "consult", "phone", "closed")
    assert a2.reply == "已转交城管处理"
    assert a2.number == "320102-20190105-0002"
    assert [(e.kind, e.at) for e in _events(a2)] == [
        ("imported", "2019-01-05T09:30:00+08:00"),
        ("closed", "2019-01-06T00:00:00+08:00"),
    ]

    a3 = _ticket("ledger:A003")
    assert a3.received_at == "2019-01-05T12:00:00+08:00"  # serial 43470.5
    assert (a3.caller_phone, a3.caller_contact, a3.channel) == ("", "见备注", "visit")

    a8 = _ticket("ledger:A008")
    assert (a8.received_at, a8.caller_name, a8.caller_phone) == ("2019-01-07T00:00:00+08:00", "吴十", "13900001111")
    assert a8.content == "感谢社区 帮助"
    assert (a8.category, a8.channel) == ("help", "network")  # 表扬 is none of the five: the default
    assert json.loads(_events(a8)[0].data)["ledger_category"] == "表扬"

    again = import_ledger(path)
    assert (again.read, again.new, again.existing, again.rejected) == (10, 0, 4, CSV_REJECTED)
    assert Ticket.select().count() == 4


def test_one_row_reports_all_its_problems_at_once(center_db, tmp_path):
    rows = [CSV_HEADER, ["B1", "明天", "", "", "", "", "", "", "答复", "2018-01-01"]]
    report = import_ledger(_write_csv(tmp_path / "x.csv", rows, "utf-8"))
    assert report.rejected == [RejectedRow(2, "诉求内容为空；来电时间“明天”无法识别为日期时间")]
    assert not report.ok


def test_reply_time_before_the_request_is_rejected(center_db, tmp_path):
    rows = [CSV_HEADER, ["B2", "2019-03-01 08:00", "", "", "", "内容", "", "", "答复", "2019-02-01"]]
    report = import_ledger(_write_csv(tmp_path / "x.csv", rows, "utf-8"))
    assert report.rejected == [RejectedRow(2, "答复时间早于来电时间")]


def test_same_number_with_other_content_is_not_taken_for_the_imported_row(center_db, tmp_path):
    first = [CSV_HEADER, ["C1", "2019-03-01 08:00", "", "", "", "第一本台账的内容", "", "", "", ""]]
    import_ledger(_write_csv(tmp_path / "a.csv", first, "utf-8"))
    second = [CSV_HEADER, ["C1", "2020-05-01 08:00", "", "", "", "另一本台账的内容", "", "", "", ""]]
    report = import_ledger(_write_csv(tmp_path / "b.csv", second, "utf-8"))
    assert (report.new, report.existing) == (0, 0)
    assert [r.row for r in report.rejected] == [2]
    assert "已导入过" in report.rejected[0].reason
    assert _ticket("ledger:C1").content == "第一本台账的内容"


def test_ledger_without_number_column_dedupes_by_content(center_db, tmp_path):
    rows = [
        ["来电时间", "内容"],
        ["2019-01-05 09:30", "同一件事"],
        ["2019-01-05 09:30", "同一件事"],
        ["2019-01-05 09:31", "同一件事"],
    ]
    path = _write_csv(tmp_path / "x.csv", rows, "utf-8")
    report = import_ledger(path)
    assert report.new == 2
    assert report.rejected == [RejectedRow(3, "时间、标题和内容与第 2 行相同，是重复行")]
    refs = [t.source_ref for t in Ticket.select()]
    assert all(r.startswith("ledger:sha256:") and len(r) == len("ledger:sha256:") + 64 for r in refs)
    assert import_ledger(path).existing == 2


# ---------------------------------------------------------------- xlsx


def test_xlsx_header_below_a_title_on_a_later_sheet(center_db, tmp_path):
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "说明"
    notes["A1"] = "本台账由办公室整理"
    data = book.create_sheet("留言")
    data["A1"] = "2020年市民留言台账"
    data.append([])
    data.append([" 留言编号 ", "留言主题", "留言\n时间", "留言详情", "答复意见", "答复时间"])
    data.append([1001, "噪音", dt.datetime(2019, 12, 1, 8, 5), "\n\t\t楼下夜宵店噪音\n\t\t", None, None])
    data.append([1002.0, "停水", 43831.375, "\u3000\u3000小区停水三天。\u3000\u3000请尽快恢复。", "已恢复供水。" * 50, dt.date(2020, 1, 2)])
    data.append([1003, "空白", "2020-01-03", None, None, None])
    path = tmp_path / "留言台账.xlsx"
    book.save(path)

    report = import_ledger(path)

    assert report.sheet == "留言"
    assert report.rejected == [RejectedRow(6, "留言详情为空")]
    assert (report.read, report.new) == (3, 2)
    t1 = _ticket("ledger:1001")
    assert (t1.received_at, t1.content, t1.channel, t1.status) == ("2019-12-01T08:05:00+08:00", "楼下夜宵店噪音", "network", "pending")
    t2 = _ticket("ledger:1002")  # 1002.0 is the number 1002 typed in a number cell
    assert t2.received_at == "2020-01-01T09:00:00+08:00"  # serial 43831.375
    assert t2.content == "小区停水三天。\n请尽快恢复。"  # full-width indents mark paragraphs
    closed = _events(t2)[1]
    assert (closed.kind, closed.at) == ("closed", "2020-01-02T00:00:00+08:00")
    assert len(closed.summary) == 200 and closed.summary.endswith("…")


def test_xlsx_serials_follow_the_workbook_date_system(center_db, tmp_path):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    book = openpyxl.Workbook()
    book.epoch = CALENDAR_MAC_1904  # old Mac workbooks count days from 1904-01-01
    book.active.append(["编号", "来电时间", "内容"])
    book.active.append(["M1", 42008.5, "噪音"])
    path = tmp_path / "mac.xlsx"
    book.save(path)
    assert import_ledger(path).new == 1
    assert _ticket("ledger:M1").received_at == "2019-01-05T12:00:00+08:00"


def test_tab_separated_csv_with_commas_in_the_text(center_db, tmp_path):
    text = "编号\t来电时间\t内容\nT1\t2019-01-05 09:30\t噪音大, 影响休息; 请处理\n"
    path = tmp_path / "tab.csv"
    path.write_text(text, encoding="utf-8")
    report = import_ledger(path)
    assert (report.new, report.rejected) == (1, [])
    assert _ticket("ledger:T1").content == "噪音大, 影响休息; 请处理"


# ---------------------------------------------------------------- whole-file errors


def _nothing_written():
    assert Ticket.select().count() == 0
    assert _audits() == []


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("台账.txt", b"hello", "只能导入 .xlsx 或 .csv"),
        ("台账.xls", b"\xd0\xcf\x11\xe0", "另存为"),
        ("台账.xlsx", b"PK\x03\x04 not really a zip", "无法读取“台账.xlsx”"),
        ("台账.csv", b"\xff\xfe\x00\x00binary\x00", "不是文本格式"),
    ],
)
def test_unreadable_or_other_format_is_a_clear_error(center_db, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(HotlineError) as caught:
        import_ledger(path)
    assert expected in caught.value.message
    assert "台账" in caught.value.message
    _nothing_written()


def test_missing_content_column_lists_the_headers_found(center_db, tmp_path):
    path = _write_csv(tmp_path / "名单.csv", [["序号", "姓名", "电话"], ["1", "张三", "13800000000"]], "gb18030")
    with pytest.raises(LedgerError) as caught:
        import_ledger(path)
    assert "找不到诉求内容列" in caught.value.message
    assert "序号、姓名、电话" in caught.value.message
    _nothing_written()


def test_missing_time_column_is_a_clear_error(center_db, tmp_path):
    path = _write_csv(tmp_path / "x.csv", [["标题", "内容"], ["a", "b"]], "utf-8")
    with pytest.raises(LedgerError, match="找不到时间列"):
        import_ledger(path)


def test_missing_file(center_db, tmp_path):
    with pytest.raises(LedgerError, match="找不到台账文件"):
        import_ledger(tmp_path / "nope.xlsx")


def test_center_must_be_set_up(db_path, tmp_path):
    from core import store

    store.open_center(db_path)
    try:
        with pytest.raises(Conflict, match="中心尚未设置"):
            import_ledger(tmp_path / "x.csv")
    finally:
        store.close_center()


# ---------------------------------------------------------------- who, audit, events, cancel


def test_audit_entry_and_events_name_the_acting_admin(center_db, tmp_path):
    path = _write_csv(tmp_path / "来电台账.csv", [CSV_HEADER, *CSV_ROWS], "utf-8-sig")
    import_ledger(path, username="admin")

    (audit,) = _audits()
    assert (audit.actor_id, audit.object_type) == (center_db.user_id, "ticket")
    detail = json.loads(audit.detail)
    assert detail["file"] == "来电台账.csv" and len(detail["sha256"]) == 64
    assert (detail["read"], detail["new"], detail["existing"], detail["rejected"]) == (10, 4, 0, 6)
    for ticket in Ticket.select():
        events = _events(ticket)
        assert events[0].kind == "imported" and events[0].at == ticket.received_at
        assert events[0].actor_id == center_db.user_id
        assert "来电台账.csv" in events[0].summary and ticket.source_ref[len("ledger:"):] in events[0].summary
        assert [e.kind for e in events[1:]] == (["closed"] if ticket.reply else [])
        assert ticket.created_by_id == center_db.user_id


def test_import_needs_the_import_right(operator, tmp_path):
    path = _write_csv(tmp_path / "x.csv", [CSV_HEADER, *CSV_ROWS[:1]], "utf-8")
    with pytest.raises(PermissionDenied):
        import_ledger(path, username="op1")
    with pytest.raises(NotFound):
        import_ledger(path, username="nobody")
    _nothing_written()


def test_cancelling_from_progress_leaves_nothing(center_db, tmp_path):
    rows = [["编号", "来电时间", "内容"]] + [[f"N{i}", "2019-01-05 09:30", f"诉求{i}"] for i in range(150)]
    path = _write_csv(tmp_path / "x.csv", rows, "utf-8")

    class Cancelled(Exception):
        pass

    def cancel(done, total):
        raise Cancelled

    with pytest.raises(Cancelled):
        import_ledger(path, progress=cancel)
    _nothing_written()
    assert import_ledger(path).new == 150


# ---------------------------------------------------------------- dates and text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019/1/5 9:30:00", "2019-01-05T09:30:00"),
        ("2019-01-05 09:30", "2019-01-05T09:30:00"),
        ("2019年1月5日", "2019-01-05T00:00:00"),
        ("2019年1月5日 9时30分", "2019-01-05T09:30:00"),
        ("2019年1月5日下午3时", "2019-01-05T15:00:00"),
        ("2019.1.5", "2019-01-05T00:00:00"),
        ("２０１９／１／５", "2019-01-05T00:00:00"),
        ("20190105", "2019-01-05T00:00:00"),
        ("2019-01-05T01:30:00Z", "2019-01-05T09:30:00"),
        ("2019-01-05 9:30 PM", "2019-01-05T21:30:00"),
        (43470.40625, "2019-01-05T09:45:00"),
        (43470, "2019-01-05T00:00:00"),
        ("43470.40625", "2019-01-05T09:45:00"),
        (dt.datetime(2019, 1, 5, 9, 30), "2019-01-05T09:30:00"),
        (dt.date(2019, 1, 5), "2019-01-05T00:00:00"),
    ],
)
def test_parse_time_shapes(value, expected):
    assert clock.stamp(parse_time(value)) == expected + "+08:00"


@pytest.mark.parametrize("value", ["", None, "2019/13/45", "明天", "1/5/2019", "2019-02-30", "2019-01-05 25:00", True, -3])
def test_parse_time_refuses_what_is_not_a_date(value):
    assert parse_time(value) is None


def test_clean_text_and_line():
    assert clean_text("\n\t\t\n\t\t第一段\xa0\xa0说明\u200b。\u3000\u3000第二段_x000D_\n\n\n第三段  \n") == "第一段 说明。\n第二段\n第三段"
    assert clean_line("\u3000 标题\n 第二行\xa0") == "标题 第二行"
    assert clean_line(13800000000.0) == "13800000000"
    assert ledger_import.LedgerReport("f.xlsx").ok is False
