"""知识库 (core.kb.articles, core.kb.search): versions, 校核, flags, Chinese search and its bad input.

12345 6.3.4 (checked before entered), 12365 6.2.3.1 (look the question up at once).
"""
from __future__ import annotations

import datetime as dt

import pytest

from core.kb import articles as kb
from core.kb import search as kb_search
from core.errors import Conflict, PermissionDenied, ValidationError
from core.kb.articles import ArticleInput
from core.vocab import ArticleStatus, FeedbackKind
from db.models import Article, Audit, Synonym

TODAY = dt.date(2026, 11, 22)


def _published(actor, title: str, body: str, **fields) -> int:
    article = kb.save_article(actor, None, ArticleInput(title=title, body=body, **fields))
    kb.move(actor, article, "publish")
    return article


@pytest.fixture
def base(center_db):
    """A small published base: (admin, {name: id})."""
    ids = {
        "fund": _published(center_db, "住房公积金提取办理指南", "职工购买、建造自住住房，可以申请提取住房公积金。携带身份证到公积金中心办理。"),
        "gas": _published(center_db, "燃气泄漏应急处置", "闻到燃气味时，立即关闭燃气阀门，开窗通风，不要开关电器，到户外拨打燃气公司抢修电话。"),
        "etc": _published(center_db, "ETC 办理与注销", "ETC 卡可在合作银行网点办理，注销需携带车辆行驶证。12345 可咨询。"),
        "noise": _published(center_db, "夜间施工噪声投诉", "夜间22时至次日6时禁止产生噪声污染的建筑施工作业。"),
    }
    return center_db, ids


def _titles(actor, query: str, **kw) -> list[str]:
    return [h.title for h in kb_search.search_articles(actor, query, today=TODAY, **kw)]


def test_a_whole_question_finds_its_article_first(base):
    admin, _ = base
    assert _titles(admin, "请问公积金怎么提取啊？")[0] == "住房公积金提取办理指南"
    assert _titles(admin, "家里闻到煤气味了怎么办")[0] != "住房公积金提取办理指南"


def test_one_and_two_characters_find_articles(base):
    admin, _ = base
    assert _titles(admin, "燃")[0] == "燃气泄漏应急处置"
    assert _titles(admin, "噪声")[0] == "夜间施工噪声投诉"


def test_latin_and_digits_are_found_and_a_word_being_typed_matches_its_start(base):
    admin, _ = base
    assert _titles(admin, "ETC")[0] == "ETC 办理与注销"
    assert _titles(admin, "et")[0] == "ETC 办理与注销"
    assert _titles(admin, "12345")[0] == "ETC 办理与注销"


def test_the_title_weighs_more_than_the_body(center_db):
    in_body = _published(center_db, "办事指南", "这里顺便提到了社保卡补办。")
    in_title = _published(center_db, "社保卡补办", "带身份证到网点办理。")
    hits = kb_search.search_articles(center_db, "社保卡补办", today=TODAY)
    assert [h.id for h in hits] == [in_title, in_body]


def test_synonyms_from_the_admin_widen_the_search(base):
    admin, _ = base
    assert "燃气泄漏应急处置" not in _titles(admin, "煤气")
    Synonym.create(words="燃气|煤气|天然气", updated_at="2026-11-22T09:00:00+08:00")
    assert _titles(admin, "煤气")[0] == "燃气泄漏应急处置"


def test_the_snippet_marks_the_matched_words_and_escapes_the_rest(center_db):
    _published(center_db, "网页问题", "燃气缴费时输入 <script> 后页面出错。")
    hit = kb_search.search_articles(center_db, "燃气缴费", today=TODAY)[0]
    assert "<b>燃气缴费</b>" in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "<script>" not in hit.snippet


def test_expired_and_overdue_articles_are_flagged_never_shown_as_current(center_db):
    _published(center_db, "旧版停车收费标准", "按小时收费。", expires_on="2026-01-01")
    _published(center_db, "停车收费复核", "按次收费。", review_on="2026-06-30")
    flags = {h.title: h.flags for h in kb_search.search_articles(center_db, "停车收费", today=TODAY)}
    assert any("失效" in f for f in flags["旧版停车收费标准"])
    assert any("逾期未复核" in f for f in flags["停车收费复核"])


@pytest.mark.parametrize("query, message", [
    ('"*()', "没有可以查找"), ("，。？", "没有可以查找"), ("问" * 201, "太长"),
])
def test_queries_that_cannot_be_searched_get_a_message(center_db, query, message):
    with pytest.raises(ValidationError) as caught:
        kb_search.search_articles(center_db, query)
    assert message in caught.value.fields["query"]


def test_fts_syntax_in_a_query_is_text_not_syntax(base):
    admin, _ = base
    assert _titles(admin, '燃气 OR NEAR("公积金" *')[0] in ("燃气泄漏应急处置", "住房公积金提取办理指南")
    assert kb_search.search_articles(admin, "") == []


# --- life of an article ---------------------------------------------------------------------


def test_drafts_and_pending_articles_are_not_answers_for_operators(center_db, operator):
    article = kb.save_article(center_db, None, ArticleInput(title="医保报销比例", body="门诊报销比例为 50%。"))
    assert kb_search.search_articles(operator, "医保报销") == []
    assert [h.flags for h in kb_search.search_articles(center_db, "医保报销", include_unpublished=True)] == [("草稿",)]
    kb.move(center_db, article, "submit")
    kb.move(center_db, article, "publish")
    assert [h.id for h in kb_search.search_articles(operator, "医保报销")] == [article]


def test_drafts_ranked_above_a_published_answer_do_not_hide_it(center_db, operator, monkeypatch):
    """The index ranks before statuses are looked at; it is asked again for more when drafts fill the top."""
    monkeypatch.setattr(kb_search, "CANDIDATES", 1)
    for n in range(3):
        kb.save_article(center_db, None, ArticleInput(title=f"医保报销比例（草稿{n}）", body="医保报销比例。"))
    published = _published(center_db, "门诊须知", "医保报销比例为 50%。")
    assert [h.id for h in kb_search.search_articles(operator, "医保报销比例", limit=1)] == [published]


def test_an_edit_of_a_published_article_waits_for_review_while_operators_keep_the_checked_text(center_db, operator):
    """12345 6.3.4: checked before it is used; fixing a text never takes the answer off the line."""
    article = _published(center_db, "医保报销比例", "门诊报销比例为 50%。")
    kb.save_article(center_db, article, ArticleInput(title="医保报销比例", body="门诊报销比例为 60%。"), note="新政策")
    row = Article.get_by_id(article)
    assert (row.status, row.version, row.pending_version) == (ArticleStatus.PUBLISHED, 1, 2)
    hit = kb_search.search_articles(operator, "医保报销", today=TODAY)[0]
    assert (hit.id, hit.version) == (article, 1) and "50%" in kb.load_article(operator, article)[0].body
    assert kb.load_article(center_db, article)[1].body == "门诊报销比例为 60%。"  # the editor goes on from the edit
    assert [v.version for v in kb.history(center_db, article)] == [1, 2]
    assert kb.history(center_db, article)[1].note == "新政策"
    assert kb.diff(center_db, article, 1, 2) == [("正文", "-", "门诊报销比例为 50%。"), ("正文", "+", "门诊报销比例为 60%。")]
    assert [r.id for r in kb.list_articles(center_db, "pending")] == [article]
    kb.move(center_db, article, "publish")
    row = Article.get_by_id(article)
    assert (row.status, row.version, row.pending_version, row.body) == ("published", 2, None, "门诊报销比例为 60%。")
    assert kb_search.search_articles(operator, "医保报销", today=TODAY)[0].version == 2


def test_a_rejected_edit_leaves_the_checked_text_and_stays_in_the_history(center_db):
    article = _published(center_db, "医保报销比例", "门诊报销比例为 50%。")
    kb.save_article(center_db, article, ArticleInput(title="医保报销比例", body="门诊报销比例为 70%。"))
    kb.move(center_db, article, "send_back", "比例有误")
    row = Article.get_by_id(article)
    assert (row.status, row.version, row.pending_version, row.body) == ("published", 1, None, "门诊报销比例为 50%。")
    kb.save_article(center_db, article, ArticleInput(title="医保报销比例", body="门诊报销比例为 60%。"))
    assert Article.get_by_id(article).pending_version == 3  # numbers are never reused
    assert [v.version for v in kb.history(center_db, article)] == [1, 2, 3]


def test_saving_unchanged_content_makes_no_new_version(center_db):
    article = kb.save_article(center_db, None, ArticleInput(title="标题", body="正文"))
    kb.save_article(center_db, article, ArticleInput(title="标题", body="正文"))
    assert [v.version for v in kb.history(center_db, article)] == [1]


@pytest.mark.parametrize("fields, field, message", [
    ({"title": ""}, "title", "请填写标题"),
    ({"body": "  "}, "body", "请填写正文"),
    ({"title": "长" * 101}, "title", "不能超过 100 字"),
    ({"effective_on": "2026-13-01"}, "effective_on", "不是日期"),
    ({"effective_on": "2026-05-01", "expires_on": "2026-04-01"}, "expires_on", "晚于生效日期"),
])
def test_bad_article_input_names_the_field(center_db, fields, field, message):
    data = ArticleInput(title="标题", body="正文")
    for name, value in fields.items():
        setattr(data, name, value)
    with pytest.raises(ValidationError) as caught:
        kb.save_article(center_db, None, data)
    assert message in caught.value.fields[field]
    assert Article.select().count() == 0


def test_an_operator_flag_sends_the_article_back_to_review_without_taking_it_off_the_line(center_db, operator):
    article = _published(center_db, "公交卡退卡", "到公交集团营业厅办理。")
    kb.flag(operator, article, FeedbackKind.OUTDATED, "营业厅已搬迁")
    assert Audit.select().where(Audit.action == "kb.flag").count() == 1
    assert Article.get_by_id(article).status == ArticleStatus.PUBLISHED
    assert [(h.id, h.flags) for h in kb_search.search_articles(operator, "公交卡退卡", today=TODAY)] == [
        (article, ("有反馈待核",))]
    assert [r.id for r in kb.list_articles(center_db, "pending")] == [article]  # on the reviewer's list
    kb.move(center_db, article, "publish")  # checked: the report is closed
    assert kb.list_articles(center_db, "pending") == []
    with pytest.raises(Conflict):
        kb.move(center_db, article, "publish")  # nothing left to check


def test_snippets_show_the_text_not_its_markdown_marks(center_db):
    _published(center_db, "住房公积金提取", "# 办理条件\n\n- 购买自住住房提取公积金\n- 离休、退休")
    snippet = kb_search.search_articles(center_db, "购买自住住房", today=TODAY)[0].snippet
    assert "#" not in snippet and "• <b>购买" in snippet


def test_the_answer_text_keeps_list_marks_and_paragraphs():
    body = "# 处置\n\n1. 关闭燃气阀门\n2. 开窗通风\n\n- 不要开关电器\n* 到户外拨打电话"
    assert kb.answer_text(body) == "处置\n\n1. 关闭燃气阀门\n2. 开窗通风\n\n• 不要开关电器\n• 到户外拨打电话"


def test_who_may_do_what(center_db, operator):
    with pytest.raises(PermissionDenied):
        kb.save_article(operator, None, ArticleInput(title="标题", body="正文"))
    article = kb.save_article(center_db, None, ArticleInput(title="标题", body="正文"))
    with pytest.raises(PermissionDenied):
        kb.move(operator, article, "publish")
    kb.move(center_db, article, "retire")
    with pytest.raises(Conflict):
        kb.move(center_db, article, "publish")
    with pytest.raises(Conflict):
        kb.save_article(center_db, article, ArticleInput(title="新标题", body="正文"))


def test_category_paths_end_at_a_stored_cycle(center_db):
    """A cycle the import refuses today may be stored from before: the paths stop where they repeat."""
    from db.connection import raw_connection
    from db.models import KbCategory

    kb.category_for_path("城建/燃气")
    top, gas = KbCategory.get(KbCategory.name == "城建"), KbCategory.get(KbCategory.name == "燃气")
    raw_connection().execute("UPDATE kb_category SET parent_id = ? WHERE id = ?", (gas.id, top.id))
    alone = KbCategory.create(uid="4f1c2e38-0d6a-4d47-9a0e-2b9f3c6b7a11", name="自环", origin=top.origin,
                              updated_at=top.updated_at)
    raw_connection().execute("UPDATE kb_category SET parent_id = id WHERE id = ?", (alone.id,))
    paths = kb.category_paths()
    assert paths[top.id] == "燃气/城建" and paths[gas.id] == "城建/燃气" and paths[alone.id] == "自环"
