"""Answers from the knowledge base, the open-question queue and synonyms.

12345 5.2.1 / 12365 6.2.3.1: a consult answered from the base is closed at once
(直接答复, 即时办结) with the article and version it came from. 12365 6.1.4:
what the base could not answer becomes a queue to write articles from.
"""
from __future__ import annotations

import json

import pytest

from core.kb import articles as kb
from core.kb import answers as kb_answers
from core.kb import search as kb_search
from core.kb import synonyms as kb_synonyms
from core.tickets import registration
from core.errors import Conflict, PermissionDenied, ValidationError
from core.kb.articles import ArticleInput
from core.tickets.registration import TicketInput
from core.vocab import Status
from db.models import Article, ArticleUse, OpenQuestion, Ticket, TicketEvent

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")


@pytest.fixture
def article(center_db) -> int:
    article_id = kb.save_article(center_db, None, ArticleInput(
        title="新生儿医保参保办理", body="新生儿可在出生后 90 天内通过“我的南京”App 办理城乡居民医保参保。"))
    kb.move(center_db, article_id, "publish")
    return article_id


def consult(**kw) -> TicketInput:
    return TicketInput(category="consult", content="请问新生儿医保在哪里办理？", caller_phone="13812345678", **kw)


def test_a_consult_answered_from_an_article_is_closed_with_the_article_and_version(operator, article):
    reply = "出生后 90 天内通过“我的南京”App 办理。"
    result = registration.register(operator, consult(disposition="direct_answer", reply=reply,
                                                     kb_article_id=article, kb_version=1))
    assert result.status == Status.CLOSED
    answered = TicketEvent.get(TicketEvent.ticket == result.id, TicketEvent.kind == "direct_answered")
    source = json.loads(answered.data)
    assert source["kb_article"] == Article.get_by_id(article).uid
    assert source["kb_version"] == 1
    closed = TicketEvent.get(TicketEvent.ticket == result.id, TicketEvent.kind == "closed")
    assert "新生儿医保参保办理" in closed.summary and "第 1 版" in closed.summary
    use = ArticleUse.get(ArticleUse.ticket == result.id)
    assert (use.article_id, use.version, use.used_by_id) == (article, 1, operator.user_id)
    assert Article.get_by_id(article).use_count == 1
    assert not OpenQuestion.select().where(OpenQuestion.ticket == result.id).exists()


def test_the_version_read_out_is_kept_even_after_the_article_changes(center_db, operator, article):
    kb.save_article(center_db, article, ArticleInput(title="新生儿医保参保办理", body="改为出生后 60 天内办理。"))
    registration.register(operator, consult(disposition="direct_answer", reply="90 天内", kb_article_id=article,
                                            kb_version=1))
    assert ArticleUse.get().version == 1


def test_an_article_retired_meanwhile_is_refused_and_nothing_is_saved(center_db, operator, article):
    kb.move(center_db, article, "retire")
    with pytest.raises(ValidationError) as caught:
        registration.register(operator, consult(disposition="direct_answer", reply="…", kb_article_id=article))
    assert "已停用" in caught.value.fields["reply"]
    assert Ticket.select().count() == 0


def test_a_consult_without_an_article_joins_the_queue_others_do_not(operator):
    dispatched = registration.register(operator, consult())
    own_answer = registration.register(operator, consult(disposition="direct_answer", reply="请到医保窗口办理。"))
    registration.register(operator, TicketInput(category="suggestion", content="建议增设站点。", caller_phone="13812345678",
                                                details={"suggestion_reason": "方便"}))
    registration.register(operator, consult(disposition="not_accepted", not_accepted_reason="legal_channel",
                                            referral="请向人民法院起诉。"))
    queued = [q.ticket_id for q in kb_answers.open_questions(operator)]
    assert queued == [dispatched.id, own_answer.id]


def test_an_article_written_for_questions_links_back_to_them(center_db, operator):
    first = registration.register(operator, consult()).id
    second = registration.register(operator, consult()).id
    article = kb.save_article(center_db, None, ArticleInput(title="新生儿医保", body="90 天内办理。"))
    assert kb_answers.link_questions(center_db, article, [first, second]) == 2
    assert kb_answers.open_questions(center_db) == []
    assert [q.ticket_id for q in kb_answers.questions_answered_by(center_db, article)] == [first, second]
    with pytest.raises(Conflict):
        kb_answers.link_questions(center_db, article, [first])  # already answered


def test_an_article_saved_for_questions_is_not_saved_when_the_link_fails(center_db, operator):
    """One transaction: a question someone else answered meanwhile leaves no orphan article behind."""
    ticket = registration.register(operator, consult()).id
    kb_answers.dismiss_question(center_db, ticket, "个案")
    with pytest.raises(Conflict):
        kb.save_article(center_db, None, ArticleInput(title="新生儿医保", body="90 天内办理。"), answers=[ticket])
    assert Article.select().count() == 0


def test_only_a_published_version_can_be_named_as_the_answer(center_db, operator, article):
    draft = kb.save_article(center_db, None, ArticleInput(title="草稿", body="未校核的内容"))
    for article_id, version in ((draft, None), (article, 5)):
        with pytest.raises(ValidationError):
            registration.register(operator, consult(disposition="direct_answer", reply="…", kb_article_id=article_id,
                                                    kb_version=version))
    assert Ticket.select().count() == 0


def test_dismissing_a_question_needs_a_reason(center_db, operator):
    ticket = registration.register(operator, consult()).id
    with pytest.raises(ValidationError):
        kb_answers.dismiss_question(center_db, ticket, "  ")
    kb_answers.dismiss_question(center_db, ticket, "个案，不具普遍性")
    assert OpenQuestion.get_by_id(ticket).status == "dismissed"
    with pytest.raises(PermissionDenied):
        kb_answers.dismiss_question(operator, ticket, "…")


# --- synonyms ---------------------------------------------------------------------------------


def test_a_synonym_group_makes_either_word_find_the_article(center_db):
    article = kb.save_article(center_db, None, ArticleInput(title="燃气泄漏怎么办", body="关闭阀门，开窗通风。"))
    kb.move(center_db, article, "publish")
    assert kb_search.search_articles(center_db, "家里煤气味") == []
    kb_synonyms.save_group(center_db, None, "燃气、煤气，天然气")
    assert [g.words for g in kb_synonyms.groups(center_db)] == [("燃气", "煤气", "天然气")]
    assert kb_search.search_articles(center_db, "家里煤气味")[0].id == article


@pytest.mark.parametrize(("text", "message"), [
    ("燃气", "至少要有两个词"),
    ("燃气 " + "长" * 21, "太长"),
])
def test_bad_synonym_groups_are_refused_with_the_reason(center_db, text, message):
    with pytest.raises(ValidationError) as caught:
        kb_synonyms.save_group(center_db, None, text)
    assert message in caught.value.fields["words"]


def test_a_word_belongs_to_one_group_only(center_db):
    kb_synonyms.save_group(center_db, None, "公积金 住房公积金")
    with pytest.raises(ValidationError) as caught:
        kb_synonyms.save_group(center_db, None, "公积金 住房基金")
    assert "已在另一组" in caught.value.fields["words"]


def test_operators_cannot_edit_synonyms(operator):
    with pytest.raises(PermissionDenied):
        kb_synonyms.save_group(operator, None, "燃气 煤气")


def test_category_paths_are_made_on_save(center_db):
    article = kb.save_article(center_db, None, ArticleInput(title="医保", body="…", category_path="社会保障/医疗保险"))
    _row, _data, path = kb.load_article(center_db, article)
    assert path == "社会保障/医疗保险"
    again = kb.save_article(center_db, None, ArticleInput(title="医保 2", body="…", category_path="社会保障 / 医疗保险"))
    assert Article.get_by_id(again).category_id == Article.get_by_id(article).category_id


def test_publishing_resolves_the_flags_raised(center_db, operator, article):
    kb.flag(operator, article, kb.FeedbackKind.OUTDATED, "已改为 60 天")
    assert [r.open_feedback for r in kb.list_articles(center_db) if r.id == article] == [1]
    kb.move(center_db, article, "publish")
    assert [r.open_feedback for r in kb.list_articles(center_db) if r.id == article] == [0]


def test_policy_files_are_kept_with_an_article_and_opened_under_their_name(center_db, article, tmp_path):
    policy = tmp_path / "医保参保通知.pdf"
    policy.write_bytes(b"%PDF-1.4 policy")
    files = kb.attach_files(center_db, article, [str(policy), str(policy)])  # the same file twice: kept once
    assert [(f.name, f.size) for f in files] == [("医保参保通知.pdf", 15)]
    copy = kb.file_copy(files[0].sha256, files[0].name, tmp_path / "open")
    assert copy.name == "医保参保通知.pdf" and copy.read_bytes() == b"%PDF-1.4 policy"
    assert Article.get_by_id(article).status == "published"  # a file is not the answer: no new 校核
    kb.detach_file(center_db, article, files[0].sha256)
    assert kb.files_of(center_db, article) == []


def test_a_missing_policy_file_is_named(center_db, article, tmp_path):
    with pytest.raises(ValidationError) as caught:
        kb.attach_files(center_db, article, [str(tmp_path / "不存在.pdf")])
    assert "不存在.pdf" in caught.value.fields["attachments"]
