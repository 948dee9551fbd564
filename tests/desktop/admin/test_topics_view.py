"""系统管理 · 问题分类, driven by the keyboard: the admin's edits reach the registration form."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from core.center import topics
from desktop.admin.topics import TopicsView
from desktop.worker import Runner


@pytest.fixture
def view(qtbot, center_db):
    runner = Runner()
    widget = TopicsView(center_db, runner)
    qtbot.addWidget(widget)
    widget.show()
    widget.activateWindow()
    qtbot.waitActive(widget)
    qtbot.waitUntil(lambda: widget.tree.topLevelItemCount() == len(topics.DEFAULT_TOPICS), timeout=5000)
    widget.tree.setFocus()
    yield widget
    runner.wait()


def _answer(monkeypatch, *names: str) -> list[tuple[str, str]]:
    """Stand in for the name prompt (a stock QInputDialog), answering in turn."""
    asked: list[tuple[str, str]] = []
    answers = list(names)

    def ask(self, title: str, label: str, text: str = "") -> str | None:
        asked.append((title, text))
        return answers.pop(0) if answers else None

    monkeypatch.setattr(TopicsView, "_ask_name", ask)
    return asked


def _texts(view: TopicsView) -> list[str]:
    item = view.tree.currentItem()
    return [item.text(0), item.text(1)] if item else []


def test_insert_adds_a_topic_under_the_current_group(qtbot, view, monkeypatch):
    _answer(monkeypatch, "农资质量")
    qtbot.keyClick(view.tree, Qt.Key.Key_Insert)  # on 城乡建设, the first group
    qtbot.waitUntil(lambda: _texts(view)[:1] == ["农资质量"], timeout=5000)
    assert view.tree.currentItem().parent().text(0) == "城乡建设"
    assert "城乡建设 / 农资质量" in [t.path for t in topics.active_topics()]


def test_a_refused_name_is_asked_again_with_what_was_typed(qtbot, view, monkeypatch):
    asked = _answer(monkeypatch, "施工扰民", None)  # a name the group already has, then cancel
    errors: list[str] = []
    monkeypatch.setattr("desktop.admin.topics.show_error", lambda parent, exc: errors.append(exc.fields["name"]))
    qtbot.keyClick(view.tree, Qt.Key.Key_Insert)
    qtbot.waitUntil(lambda: len(asked) == 2, timeout=5000)
    assert "已有" in errors[0]
    assert asked[1] == ("新增小类", "施工扰民")


def test_f2_renames_and_del_retires_then_restores(qtbot, view, monkeypatch):
    _answer(monkeypatch, "施工噪声")
    qtbot.keyClick(view.tree, Qt.Key.Key_Down)  # 城乡建设 / 施工扰民
    qtbot.keyClick(view.tree, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: _texts(view) == ["施工噪声", ""], timeout=5000)
    qtbot.keyClick(view.tree, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: _texts(view) == ["施工噪声", "已停用"], timeout=5000)
    assert "城乡建设 / 施工噪声" not in [t.path for t in topics.active_topics()]
    assert view.buttons["toggle"].text().startswith("重新启用")
    qtbot.keyClick(view.tree, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: _texts(view) == ["施工噪声", ""], timeout=5000)


def test_alt_down_moves_a_group(qtbot, view):
    qtbot.keyClick(view.tree, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: view.tree.topLevelItem(1).text(0) == "城乡建设", timeout=5000)
    assert [n.name for n in topics.topic_tree()][:2] == ["生态环境", "城乡建设"]
