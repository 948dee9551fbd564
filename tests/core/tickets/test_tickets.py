"""Reading tickets (core.tickets.reads over core.tickets.queries): list filters, sorting, keyset
paging, the repeat-caller look-up, masking of confidential callers, and the detail.

是否保密 (12345 5.1.4.1): a confidential caller's identity is masked for anyone without the
right; 诉求工单样式 (12345 appendix D) gives the fields of the detail.
"""
from __future__ import annotations

import datetime as dt

import pytest

from core import clock
from core.tickets import registration
from core.tickets import reads as tickets
from core.errors import NotFound, PermissionDenied, ValidationError
from core.tickets.registration import TicketInput
from core.roles import Actor
from core.tickets.reads import TicketFilter
from db.models import Ticket, Topic
from core.tickets.queries import SORT_COLUMNS

NOW = dt.datetime(2026, 11, 22, 10, 0, 0, tzinfo=clock.LOCAL_TZ)


pytestmark = pytest.mark.usefixtures("cheap_password_hashing")


@pytest.fixture(autouse=True)
def _fixed_now(frozen_clock):
    frozen_clock.set(NOW)


def at(day: int, hour: int = 9, minute: int = 0, second: int = 0) -> str:
    """A stored stamp in November 2026, local time."""
    return clock.stamp(dt.datetime(2026, 11, day, hour, minute, second, tzinfo=clock.LOCAL_TZ))


def reg(actor: Actor, **fields) -> int:
    data = TicketInput(category="consult", content="请问社保卡补办需要什么材料？", caller_phone="13812345678")
    details = fields.pop("details", {})
    for name, value in fields.items():
        setattr(data, name, value)
    data.details |= details
    if data.category in ("help", "complaint", "report"):
        data.caller_name = data.caller_name or "李明"
        data.occurred_at = data.occurred_at or "昨晚"
        data.address = data.address or "玄武区珠江路88号"
        data.reported_unit = data.reported_unit or "某公司"
        data.details.setdefault("prior_handling", "无")
    return registration.register(actor, data).id


def ids(rows) -> list[int]:
    return [r.id for r in rows]


def listed(actor: Actor, **flt) -> list[int]:
    return ids(tickets.list_page(actor, TicketFilter(**flt), limit=1_000))


# --- filters ------------------------------------------------------------------------------


def test_date_range_includes_the_whole_end_day(operator):
    before = reg(operator, received_at=at(19, 23, 59, 59))
    first = reg(operator, received_at=at(20, 0, 0, 0))
    last = reg(operator, received_at=at(20, 23, 59, 59))
    after = reg(operator, received_at=at(21, 0, 0, 0))
    day = dt.date(2026, 11, 20)
    assert sorted(listed(operator, date_from=day, date_to=day)) == [first, last]
    assert sorted(listed(operator, date_from=day)) == [first, last, after]
    assert sorted(listed(operator, date_to=day)) == [before, first, last]
    assert sorted(listed(operator)) == [before, first, last, after]


def test_status_filter(operator):
    pending = reg(operator)
    closed = reg(operator, disposition="direct_answer", reply="可到区政务服务中心办理。")
    refused = reg(operator, disposition="not_accepted", not_accepted_reason="out_of_scope", referral="请向有关部门反映。")
    assert listed(operator, status="pending") == [pending]
    assert listed(operator, status="closed") == [closed]
    assert listed(operator, status="not_accepted") == [refused]


def test_category_filter(operator):
    consult = reg(operator)
    complaint = reg(operator, category="complaint")
    suggestion = reg(operator, category="suggestion", details={"suggestion_reason": "方便群众"})
    assert listed(operator, category="consult") == [consult]
    assert listed(operator, category="complaint") == [complaint]
    assert listed(operator, category="suggestion") == [suggestion]
    assert listed(operator, category="report") == []


def test_urgency_filter(operator):
    normal = reg(operator)
    urgent = reg(operator, urgency="urgent", emergency_type="utilities")
    assert listed(operator, urgency="urgent") == [urgent]
    assert listed(operator, urgency="normal") == [normal]
    row = tickets.list_page(operator, TicketFilter(urgency="urgent"))[0]
    assert row.urgency == "紧急·基本民生保障(水电气热)"


def test_channel_filter(operator):
    phone = reg(operator)
    letter = reg(operator, channel="letter", received_at=at(18))
    assert listed(operator, channel="letter") == [letter]
    assert listed(operator, channel="phone") == [phone]


def test_phone_filter_matches_a_normalised_prefix(operator):
    mobile = reg(operator, caller_phone="13812345678")
    other_mobile = reg(operator, caller_phone="13912345678")
    landline = reg(operator, caller_phone="025-84561234")
    assert listed(operator, phone="13812345678") == [mobile]
    assert listed(operator, phone="+86 138-1234") == [mobile]
    assert sorted(listed(operator, phone="13")) == sorted([mobile, other_mobile])
    assert listed(operator, phone="（025）8456") == [landline]
    assert listed(operator, phone="13700000000") == []


def test_text_filter_finds_one_and_two_character_words(operator):
    gas = reg(operator, title="燃气泄漏", content="楼下有燃气味")
    fund = reg(operator, title="住房公积金提取", content="想问公积金怎么提取")
    noise = reg(operator, title="噪声扰民", content="工地夜间施工")
    assert listed(operator, text="燃") == [gas]
    assert listed(operator, text="施工") == [noise]
    assert listed(operator, text="公积金") == [fund]
    assert listed(operator, text="气泄") == [gas]  # any substring, not only dictionary words
    assert listed(operator, text="燃气 漏") == [gas]  # every term must occur
    assert listed(operator, text="燃气 公积金") == []
    assert listed(operator, text="积公") == []


def test_text_filter_matches_latin_and_digits_by_word_start(operator):
    percent = reg(operator, title="满50%减10元促销被拒")
    five_hundred = reg(operator, title="满500减10元促销被拒")
    etc = reg(operator, title="ＥＴＣ卡无法使用")  # full-width letters fold to ETC
    hotline = reg(operator, title="打12345热线没人接")
    assert sorted(listed(operator, text="50")) == sorted([percent, five_hundred])
    assert listed(operator, text="500") == [five_hundred]
    assert listed(operator, text="etc") == [etc]
    assert listed(operator, text="ET") == [etc]
    assert listed(operator, text="12345") == [hotline]


def test_text_filter_takes_fts_syntax_and_punctuation_as_plain_text(operator):
    near = reg(operator, title="NEAR 小区 OR 门口")
    plain = reg(operator, title="小区门口积水")
    # The words are searched for (OR, NEAR as text), the syntax characters dropped.
    assert listed(operator, text='"小区" OR (门口*') == [near]
    assert listed(operator, text="小区门口") == [plain]  # 小区 OR 门口 are apart in the other
    assert plain in listed(operator, text="小区 门口")
    assert listed(operator, text="50%") == []
    assert listed(operator, text="C:\\temp") == []


@pytest.mark.parametrize("text, message", [
    ("%", "没有可以查找"), ('"*()', "没有可以查找"), ("，。！", "没有可以查找"), ("燃" * 201, "太长"),
])
def test_text_filter_refuses_what_cannot_be_searched_with_a_message(operator, text, message):
    flt = TicketFilter(text=text)
    assert message in flt.problems()["text"]
    with pytest.raises(ValidationError) as caught:
        tickets.list_page(operator, flt, None, 10)
    assert message in caught.value.fields["text"]


def test_text_filter_searches_title_content_number_address_and_unit(operator):
    by_title = reg(operator, title="电梯故障")
    by_content = reg(operator, content="楼道里的电梯故障三天了")
    by_address = reg(operator, category="complaint", address="玄武区电梯厂宿舍")
    by_unit = reg(operator, category="complaint", reported_unit="电梯维保公司")
    unrelated = reg(operator, title="路灯不亮")
    found = listed(operator, text="电梯")
    assert sorted(found) == sorted([by_title, by_content, by_address, by_unit])
    number = Ticket.get_by_id(unrelated).number
    assert listed(operator, text=number) == [unrelated]


def test_filters_combine(operator):
    wanted = reg(operator, category="complaint", channel="letter", received_at=at(20))
    reg(operator, category="complaint", channel="phone", received_at=at(20))
    reg(operator, category="consult", channel="letter", received_at=at(20))
    reg(operator, category="complaint", channel="letter", received_at=at(10))
    day = dt.date(2026, 11, 20)
    assert listed(operator, category="complaint", channel="letter", date_from=day, date_to=day) == [wanted]


def test_count_matches_the_filter_and_stops_at_the_cap(operator):
    for i in range(10):
        reg(operator, category="consult" if i % 2 else "complaint")
    assert tickets.count(operator, TicketFilter()) == 10
    assert tickets.count(operator, TicketFilter(category="complaint")) == 5
    assert tickets.count(operator, TicketFilter(), cap=4) == 4
    assert tickets.count(operator, TicketFilter(category="report")) == 0


# --- sorting and keyset paging -----------------------------------------------------------------


@pytest.fixture
def varied(operator) -> list[int]:
    """23 tickets over three received_at stamps (many ties), mixed status and category."""
    stamps = [at(20, 9), at(20, 9), at(21, 14), at(20, 9), at(19, 8)]
    made = []
    for i in range(23):
        fields: dict = {"received_at": stamps[i % len(stamps)]}
        if i % 3 == 0:
            fields |= {"disposition": "direct_answer", "reply": "已答复"}
        elif i % 5 == 0:
            fields |= {"disposition": "not_accepted", "not_accepted_reason": "petition", "referral": "请向信访部门了解"}
        fields["category"] = ("consult", "complaint", "suggestion", "help")[i % 4]
        if fields["category"] == "suggestion":
            fields["details"] = {"suggestion_reason": "理由"}
        made.append(reg(operator, **fields))
    return made


def _raw(column: str) -> dict[int, str]:
    return {t.id: getattr(t, column) for t in Ticket.select()}


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("column", SORT_COLUMNS)
def test_sorting_by_each_column(operator, varied, column, descending):
    rows = tickets.list_page(operator, TicketFilter(sort=column, descending=descending), limit=1_000)
    raw = _raw(column)
    expected = sorted(raw, key=lambda i: (raw[i], i), reverse=descending)
    assert ids(rows) == expected
    assert [r.sort_key for r in rows] == [(raw[i], i) for i in expected]


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("column", SORT_COLUMNS)
def test_keyset_paging_returns_every_row_exactly_once(operator, varied, column, descending):
    flt = TicketFilter(sort=column, descending=descending)
    seen: list[int] = []
    after = None
    pages = 0
    while True:
        page = tickets.list_page(operator, flt, after=after, limit=7)
        if not page:
            break
        assert len(page) <= 7
        seen += ids(page)
        after = page[-1].sort_key
        pages += 1
        assert pages <= 10, "paging does not end"
    assert pages == 4  # 7 + 7 + 7 + 2
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == set(varied)
    assert seen == ids(tickets.list_page(operator, flt, limit=1_000))


def test_keyset_paging_with_a_filter(operator, varied):
    flt = TicketFilter(status="closed", sort="received_at")
    seen, after = [], None
    while page := tickets.list_page(operator, flt, after=after, limit=3):
        seen += ids(page)
        after = page[-1].sort_key
    expected = [t.id for t in Ticket.select().where(Ticket.status == "closed")]
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))


def test_default_order_is_newest_first(operator):
    old = reg(operator, received_at=at(1))
    new = reg(operator, received_at=at(21))
    middle = reg(operator, received_at=at(10))
    assert listed(operator) == [new, middle, old]


def test_unsortable_column_is_refused(operator):
    with pytest.raises(ValueError):
        tickets.list_page(operator, TicketFilter(sort="caller_phone"))


# --- the repeat-caller panel ----------------------------------------------------------------


def test_caller_history_puts_open_tickets_before_closed_ones(operator):
    old_open = reg(operator, received_at=at(5))
    new_closed = reg(operator, received_at=at(21), disposition="direct_answer", reply="已答复")
    refused = reg(operator, received_at=at(15), disposition="not_accepted",
                  not_accepted_reason="out_of_scope", referral="请向有关部门反映")
    new_open = reg(operator, received_at=at(12))
    reg(operator, caller_phone="13900000000", received_at=at(20))
    history = tickets.caller_history(operator, "+86 138-1234-5678")
    assert ids(history) == [new_open, old_open, new_closed, refused]


def test_caller_history_needs_at_least_five_digits(operator):
    reg(operator, caller_phone="12345")
    assert tickets.caller_history(operator, "1234") == []
    assert len(tickets.caller_history(operator, "12345")) == 1


def test_caller_history_is_limited(operator):
    for day in range(1, 8):
        reg(operator, received_at=at(day))
    assert len(tickets.caller_history(operator, "13812345678", limit=5)) == 5


# --- confidential callers (是否保密, 12345 5.1.4.1) ---------------------------------------------


@pytest.fixture
def secret(operator, manager) -> int:
    return reg(
        operator,
        category="report",
        caller_name="张三丰",
        caller_phone="13812345678",
        caller_contact="微信 zsf1234",
        caller_address="玄武区孝陵卫街道100号",
        caller_org="某食品厂",
        confidential=True,
    )


def test_list_rows_mask_a_confidential_caller_for_an_operator(operator, secret):
    row = tickets.list_page(operator, TicketFilter())[0]
    assert row.id == secret and row.confidential
    assert row.caller_name == "张**"
    assert row.caller_phone == "138****5678"


def test_list_rows_show_a_confidential_caller_to_a_manager(manager, secret):
    row = tickets.list_page(manager, TicketFilter())[0]
    assert (row.caller_name, row.caller_phone) == ("张三丰", "13812345678")


def test_caller_history_masks_for_an_operator_and_shows_a_manager(operator, manager, secret):
    masked = tickets.caller_history(operator, "13812345678")[0]
    assert (masked.caller_name, masked.caller_phone) == ("张**", "138****5678")
    shown = tickets.caller_history(manager, "13812345678")[0]
    assert (shown.caller_name, shown.caller_phone) == ("张三丰", "13812345678")


def _fields(detail) -> dict[str, str]:
    return dict(detail.fields)


def test_detail_masks_name_phone_contact_and_address_for_an_operator(operator, secret):
    detail = tickets.detail(operator, secret)
    fields = _fields(detail)
    assert detail.masked and detail.confidential
    assert fields["来电人"] == "张**"
    assert fields["来电号码"] == "138****5678"
    assert fields["其他联系方式"] == "（保密）"
    assert fields["来电人地址"] == "（保密）"
    text = " ".join(value for _, value in detail.fields)
    for secret_part in ("张三丰", "13812345678", "zsf1234", "孝陵卫街道100号"):
        assert secret_part not in text


def test_detail_masks_the_work_unit_of_a_confidential_caller(operator, secret):
    assert "某食品厂" not in " ".join(value for _, value in tickets.detail(operator, secret).fields)


def test_detail_shows_a_confidential_caller_to_a_manager(manager, secret):
    detail = tickets.detail(manager, secret)
    fields = _fields(detail)
    assert not detail.masked and detail.confidential
    assert fields["来电人"] == "张三丰"
    assert fields["来电号码"] == "13812345678"
    assert fields["其他联系方式"] == "微信 zsf1234"
    assert fields["来电人地址"] == "玄武区孝陵卫街道100号"
    assert fields["是否保密"] == "是"


def test_a_caller_who_is_not_confidential_is_shown_to_an_operator(operator):
    tid = reg(operator, category="complaint", caller_name="李明")
    row = tickets.list_page(operator, TicketFilter())[0]
    assert (row.caller_name, row.caller_phone) == ("李明", "13812345678")
    assert not tickets.detail(operator, tid).masked


# --- detail -------------------------------------------------------------------------------


def test_detail_timeline_is_in_order_with_actor_names(operator):
    tid = reg(operator, disposition="direct_answer", reply="可在区医保中心办理。")
    timeline = tickets.detail(operator, tid).timeline
    assert [e.kind for e in timeline] == ["受理登记", "直接答复", "办结"]
    assert {e.actor for e in timeline} == {"王小丽"}
    assert timeline[1].summary == "可在区医保中心办理。"
    assert timeline[0].at == "2026-11-22 10:00"


def test_detail_timeline_of_a_repeat(operator):
    original = reg(operator)
    original_number = Ticket.get_by_id(original).number
    tid = reg(operator, disposition="not_accepted", not_accepted_reason="repeat_no_new_facts",
              referral="请以原工单办理结果为准", repeat_of_id=original)
    detail = tickets.detail(operator, tid)
    assert [e.kind for e in detail.timeline] == ["受理登记", "标记为重复件", "不予受理并告知"]
    fields = _fields(detail)
    assert fields["重复件，原工单"] == original_number
    assert fields["状态"] == "不予受理"
    assert fields["告知内容"] == "请以原工单办理结果为准"


def test_detail_fields_follow_appendix_d(operator):
    topic = Topic.get(Topic.name == "噪声污染")
    tid = reg(operator, category="complaint", received_at=at(21, 8, 30), topic_id=topic.id, region_code="320102",
              caller_address="玄武区某小区3栋", title="工地夜间施工噪声", content="每晚施工到凌晨。")
    detail = tickets.detail(operator, tid)
    labels = [label for label, _ in detail.fields]
    fields = _fields(detail)
    assert labels[0] == "工单编号"
    assert fields["工单编号"] == Ticket.get_by_id(tid).number
    assert fields["诉求提出时间"] == "2026-11-21 08:30"
    assert fields["诉求来源"] == "电话"
    assert fields["诉求分类"] == "投诉"
    assert fields["问题分类"] == "生态环境 / 噪声污染"
    assert fields["事发区域"] == "江苏省 南京市 玄武区"
    assert fields["前期处理情况"] == "无"
    for earlier, later in [("来电人", "来电号码"), ("来电号码", "来电人地址"), ("发生地址", "被反映单位"),
                           ("被反映单位", "工单标题")]:
        assert labels.index(earlier) < labels.index(later)
    assert detail.content == "每晚施工到凌晨。"
    assert all(value for _, value in detail.fields), "empty fields are left out"


def test_detail_of_a_missing_ticket_is_not_found(operator):
    with pytest.raises(NotFound):
        tickets.detail(operator, 31337)


def test_reading_needs_the_view_right(operator):
    nobody = Actor(operator.user_id, "ghost", "无角色", frozenset())
    reg(operator)
    with pytest.raises(PermissionDenied):
        tickets.list_page(nobody, TicketFilter())
    with pytest.raises(PermissionDenied):
        tickets.count(nobody, TicketFilter())
    with pytest.raises(PermissionDenied):
        tickets.caller_history(nobody, "13812345678")
    with pytest.raises(PermissionDenied):
        tickets.detail(nobody, 1)


@pytest.mark.parametrize("few", [2, 10_000])
def test_text_search_pages_alike_whether_matches_are_few_or_many(operator, monkeypatch, few):
    """Many matches are read in list order, few from the index and sorted: same rows, same order."""
    from core.tickets import queries as ticket_queries

    monkeypatch.setattr(ticket_queries, "FEW_TEXT_MATCHES", few)
    noisy = [reg(operator, title=f"噪音扰民第{i}次", received_at=at(10 + i, 9, 0, 0)) for i in range(5)]
    reg(operator, title="路灯不亮", received_at=at(20, 9, 0, 0))
    seen: list[int] = []
    after = None
    while True:
        rows = tickets.list_page(operator, TicketFilter(text="噪音"), after, limit=2)
        if not rows:
            break
        seen += ids(rows)
        after = rows[-1].sort_key
    assert seen == noisy[::-1]
    assert tickets.count(operator, TicketFilter(text="噪音")) == 5
    number = Ticket.get_by_id(noisy[0]).number
    assert listed(operator, text=number) == [noisy[0]]
    assert len(listed(operator, text=number.rsplit("-", 1)[0])) == 6  # the day's numbers: all registered today
