"""知识库 on screen: search as you type, write and check articles, answer a caller with one key.

12345 5.2.1 / 12365 6.2.3.1: the operator looks the question up at once and
answers from the base; 12345 6.3.4: what is written is checked before use;
12365 6.1.4: what the base could not answer becomes a queue.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from core.kb import articles as kb
from core.tickets import registration
from core.kb.articles import ArticleInput
from core.tickets.registration import TicketInput
from db.models import Article, ArticleUse, OpenQuestion, Ticket
from desktop.kb.editor import ArticleEditor
from desktop.kb.view import KbView
from tests.helpers import commit, type_text

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")


def _publish(actor, title: str, body: str, **kw) -> int:
    article = kb.save_article(actor, None, ArticleInput(title=title, body=body, **kw))
    kb.move(actor, article, "publish")
    return article


@pytest.fixture
def base(center_db):
    return {
        "fund": _publish(center_db, "住房公积金提取办理指南",
                         "# 办理条件\n\n- 购买自住住房\n- 离休、退休\n\n携带身份证到公积金中心办理。"),
        "gas": _publish(center_db, "燃气泄漏应急处置", "关闭燃气阀门，开窗通风，到户外拨打抢修电话。"),
        "old": _publish(center_db, "2019 年供暖收费标准", "供暖费每平方米 25 元。", expires_on="2020-06-30",
                        effective_on="2019-11-01"),
    }


@pytest.fixture
def kb_view(qtbot, center_db):
    from desktop.worker import Runner

    runner = Runner()
    view = KbView(center_db, runner)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    qtbot.waitExposed(view)
    yield view
    runner.wait()


def titles(hit_list) -> list[str]:
    return [hit_list.hit(i).title for i in range(hit_list.count())]


def test_typing_a_question_lists_the_right_article_first_and_shows_it(qtbot, base, kb_view):
    browser = kb_view.browser
    browser.query.setFocus()
    type_text(qtbot, browser.query, "公积金怎么提取")
    qtbot.waitUntil(lambda: titles(browser.hits)[:1] == ["住房公积金提取办理指南"], timeout=5000)
    qtbot.waitUntil(lambda: "住房公积金提取办理指南" in browser.header.text(), timeout=5000)
    # The body is shown formatted: the Markdown heading and list become text, not marks.
    assert "办理条件" in browser.body.toPlainText() and "#" not in browser.body.toPlainText()
    qtbot.keyClick(browser.query, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is browser.hits


def test_an_expired_article_is_flagged_in_the_list_and_the_pane(qtbot, base, kb_view):
    browser = kb_view.browser
    browser.query.setText("供暖收费")
    qtbot.waitUntil(lambda: browser.hits.count() == 1, timeout=5000)
    assert any("失效" in f for f in browser.hits.hit(0).flags)
    qtbot.waitUntil(lambda: "失效" in browser.header.text(), timeout=5000)


@pytest.mark.parametrize(("query", "message"), [
    ('"*', "没有可以查找的汉字、字母或数字"),
    ("？！。", "没有可以查找的汉字、字母或数字"),
    ("NEAR ( OR )", "没有找到"),  # FTS words typed by a person are plain words, not syntax
    ("燃" * 201, "查询文字太长"),
])
def test_syntax_or_punctuation_only_queries_get_a_message_not_a_crash(qtbot, base, kb_view, query, message):
    browser = kb_view.browser
    browser.query.setText(query)
    qtbot.waitUntil(lambda: message in browser.message.text(), timeout=5000)
    assert browser.hits.count() == 0


def test_an_article_written_in_the_editor_is_saved_as_a_draft_then_published(qtbot, center_db, kb_view):
    browser = kb_view.browser
    qtbot.keyClick(browser, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), ArticleEditor) or any(
        isinstance(w, ArticleEditor) and w.isVisible() for w in QApplication.topLevelWidgets()), timeout=5000)
    editor = next(w for w in QApplication.topLevelWidgets() if isinstance(w, ArticleEditor) and w.isVisible())
    commit(editor.title, "新生儿医保参保")
    editor.body.setFocus()
    commit(editor.body, "出生后 90 天内办理。")
    editor.effective_on.setText("2026-13-01")  # a bad date: told, and nothing typed is lost
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editor.errors["effective_on"].isVisible(), timeout=5000)
    assert "不是日期" in editor.errors["effective_on"].text()
    assert editor.title.text() == "新生儿医保参保" and "90 天" in editor.body.toPlainText()
    editor.effective_on.setText("2026-01-01")
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=5000)
    article = Article.get(Article.title == "新生儿医保参保")
    assert article.status == "draft" and article.effective_on == "2026-01-01"
    qtbot.waitUntil(lambda: browser.hits.current_hit() is not None and browser.hits.current_hit().id == article.id,
                    timeout=5000)
    qtbot.waitUntil(lambda: browser.buttons["publish"].isVisibleTo(browser), timeout=5000)
    browser.buttons["publish"].click()
    qtbot.waitUntil(lambda: Article.get_by_id(article.id).status == "published", timeout=5000)


def test_an_operator_sees_no_editing_actions(qtbot, base, operator):
    from desktop.worker import Runner

    runner = Runner()
    view = KbView(operator, runner)
    qtbot.addWidget(view)
    view.show()
    assert view.count() == 1  # no 待答问题, no 同义词
    view.browser.query.setText("燃气")
    qtbot.waitUntil(lambda: "燃气泄漏应急处置" in view.browser.header.text(), timeout=5000)
    assert not view.browser.buttons["edit"].isVisibleTo(view.browser)
    assert not view.browser.new_button.isVisibleTo(view.browser)
    assert view.browser.buttons["flag"].isVisibleTo(view.browser)
    runner.wait()


def test_the_queue_lists_unanswered_consults_and_an_article_written_from_it_links_back(qtbot, center_db, operator,
                                                                                        kb_view):
    ticket = registration.register(operator, TicketInput(category="consult", content="新生儿医保在哪里办？",
                                                         caller_phone="13812345678")).id
    questions = kb_view.questions
    questions.refresh()
    qtbot.waitUntil(lambda: questions.list.count() == 1, timeout=5000)
    assert kb_view.tabText(1) == "待答问题（1）"
    kb_view.setCurrentIndex(1)
    questions.list.setFocus()
    questions.list.setCurrentRow(0)
    qtbot.keyClick(questions.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(isinstance(w, ArticleEditor) and w.isVisible()
                                for w in QApplication.topLevelWidgets()), timeout=5000)
    editor = next(w for w in QApplication.topLevelWidgets() if isinstance(w, ArticleEditor) and w.isVisible())
    assert editor.answers == [ticket]
    editor.body.setPlainText("出生后 90 天内通过“我的南京”App 办理。")
    editor.save()
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=5000)
    question = OpenQuestion.get_by_id(ticket)
    assert question.status == "answered" and question.article_id is not None
    qtbot.waitUntil(lambda: questions.list.count() == 0, timeout=5000)


# --- during registration ----------------------------------------------------------------------


def test_alt_1_answers_from_the_suggested_article_and_the_ticket_closes_with_it(qtbot, base, window):
    reg = window.registration
    reg.rows["caller_phone"].editor.setText("13812345678")
    reg.rows["category"].set_value("consult")
    content = reg.rows["content"].editor
    content.setFocus()
    commit(content, "请问公积金怎么提取？")
    panel = reg.kb_panel
    qtbot.waitUntil(lambda: titles(panel.hits)[:1] == ["住房公积金提取办理指南"], timeout=5000)
    qtbot.keyClick(content, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: reg.kb_answer is not None, timeout=5000)
    assert reg.rows["disposition"].value() == "direct_answer"
    reply = reg.rows["reply"].value()
    assert "携带身份证到公积金中心办理" in reply and "#" not in reply
    assert "住房公积金提取办理指南" in reg.kb_source.text()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: Ticket.select().count() == 1, timeout=5000)
    ticket = Ticket.get()
    assert ticket.status == "closed"
    use = ArticleUse.get(ArticleUse.ticket == ticket.id)
    assert (use.article_id, use.version) == (base["fund"], 1)
    assert not OpenQuestion.select().exists()
    qtbot.waitUntil(lambda: reg.kb_answer is None and reg.kb_panel.hits.count() == 0, timeout=5000)


def test_after_alt_1_the_whole_reply_is_in_view(qtbot, base, window):
    """The reply appears below the matter: the form scrolls to it, so the operator reads it out."""
    window.resize(1200, 600)  # the form is taller than its view
    reg = window.registration
    reg.rows["category"].set_value("consult")
    content = reg.rows["content"].editor
    content.setFocus()
    reg.scroll.ensureWidgetVisible(content)
    commit(content, "请问公积金怎么提取？")
    qtbot.waitUntil(lambda: titles(reg.kb_panel.hits)[:1] == ["住房公积金提取办理指南"], timeout=5000)
    qtbot.keyClick(content, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: reg.kb_answer is not None, timeout=5000)
    reply, view = reg.rows["reply"].editor, reg.scroll.viewport()
    top, bottom = reply.mapTo(view, QPoint(0, 0)).y(), reply.mapTo(view, QPoint(0, reply.height())).y()
    assert QApplication.focusWidget() is reply
    assert 0 <= top and bottom <= view.height(), (top, bottom, view.height())


def test_the_chosen_article_survives_a_draft_restore(qtbot, base, window):
    reg = window.registration
    reg.rows["content"].editor.setPlainText("燃气泄漏怎么办")
    qtbot.waitUntil(lambda: titles(reg.kb_panel.hits)[:1] == ["燃气泄漏应急处置"], timeout=5000)
    reg.kb_panel.use(0)
    qtbot.waitUntil(lambda: reg.kb_answer is not None, timeout=5000)
    saved = reg.gather()
    assert (saved.kb_article_id, saved.kb_version) == (base["gas"], 1)
    reg.load(TicketInput.from_json(saved.to_json()))
    assert reg.kb_answer[:2] == (base["gas"], 1)
    assert reg.kb_source.isVisibleTo(reg)


def test_an_edit_awaiting_review_is_listed_for_the_reviewer_who_publishes_it(qtbot, center_db, base, kb_view):
    kb.save_article(center_db, base["gas"], ArticleInput(title="燃气泄漏应急处置", body="关闭阀门，开窗通风，拨打 96777。"))
    browser = kb_view.browser
    browser.status_filter.setCurrentIndex(browser.status_filter.findData("pending"))
    qtbot.waitUntil(lambda: titles(browser.hits) == ["燃气泄漏应急处置"], timeout=5000)
    assert browser.hits.hit(0).flags == ("第 2 版修改待校核",)
    qtbot.waitUntil(lambda: browser.buttons["publish"].isVisibleTo(browser), timeout=5000)
    assert "仍看到下面的第 1 版" in browser.header.text()
    assert "到户外拨打抢修电话" in browser.body.toPlainText()  # the checked text, as operators see it
    browser.buttons["publish"].click()
    qtbot.waitUntil(lambda: Article.get_by_id(base["gas"]).version == 2, timeout=5000)
    assert Article.get_by_id(base["gas"]).pending_version is None


def test_a_late_choice_never_reaches_the_next_caller(qtbot, base, window, monkeypatch):
    """Alt+1 then Ctrl+N before the article has loaded: the new caller's form stays blank."""
    import threading

    from core.kb import articles as kb_module

    gate = threading.Event()
    real = kb_module.load_article
    monkeypatch.setattr(kb_module, "load_article", lambda *a: (gate.wait(5), real(*a))[1])
    reg = window.registration
    reg.rows["content"].editor.setPlainText("燃气泄漏怎么办")
    qtbot.waitUntil(lambda: reg.kb_panel.hits.count() > 0, timeout=5000)
    reg.kb_panel.use(0)
    reg.new_call()
    gate.set()
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=5000)
    assert reg.kb_answer is None and reg.rows["reply"].value() == ""
    assert reg.rows["disposition"].value() != "direct_answer"


def test_a_typed_reply_is_not_replaced_without_asking(qtbot, base, window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    reg = window.registration
    reg.rows["disposition"].set_value("direct_answer")
    reg.rows["reply"].set_value("我自己写的答复")
    reg.rows["content"].editor.setPlainText("燃气泄漏怎么办")
    qtbot.waitUntil(lambda: reg.kb_panel.hits.count() > 0, timeout=5000)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    reg.kb_panel.use(0)
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    assert "替换" in asked[0]
    assert reg.rows["reply"].value() == "我自己写的答复" and reg.kb_answer is None


def test_enter_in_a_field_does_not_save_a_half_written_article(qtbot, center_db, kb_view, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    editor = ArticleEditor(center_db, kb_view.browser.runner)
    qtbot.addWidget(editor)
    editor.show()
    commit(editor.title, "写了一半")
    qtbot.keyClick(editor.title, Qt.Key.Key_Return)
    assert editor.isVisible()
    assert Article.select().count() == 0
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)  # Esc asks before dropping what was typed
    assert editor.isVisible() and "未保存的修改" in asked[0]
    editor.title.clear()
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert not editor.isVisible()
