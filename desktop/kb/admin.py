"""知识库 housekeeping: the queue of questions the base could not answer, and synonym groups.

12365 6.1.4: questions met in calls that the base lacks are written up as
articles; the article links back to the tickets (core.kb.answers). Synonyms
(燃气 / 煤气) are the admin's, because which words callers use is local.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.kb import answers as kb_answers
from core.kb import synonyms as kb_synonyms
from core.errors import ValidationError
from core.roles import Actor
from desktop import theme
from desktop.errors import show_error
from desktop.worker import Runner

ID_ROLE = Qt.ItemDataRole.UserRole


def _note(text: str) -> QLabel:
    note = QLabel(text)
    note.setWordWrap(True)
    theme.small(note)
    return note


def _button_bar(owner: QWidget, target: QWidget, specs: list[tuple[str, object, str]]) -> QHBoxLayout:
    """Buttons with their keys, the keys active while ``target`` has focus."""
    bar = QHBoxLayout()
    for text, slot, keys in specs:
        button = QPushButton(f"{text} ({keys})" if keys else text)
        button.clicked.connect(slot)
        bar.addWidget(button)
        if keys:
            QShortcut(QKeySequence(keys), target, activated=slot, context=Qt.ShortcutContext.WidgetShortcut)
    bar.addStretch(1)
    return bar


class QuestionsView(QWidget):
    """待答问题: consults answered without the base, oldest first."""

    counted = Signal(int)
    write_article = Signal(list, str)  # ticket ids, suggested title

    def __init__(self, actor: Actor, runner: Runner, browser: QWidget | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.browser = browser
        self.list = QListWidget()
        self.list.setObjectName("openQuestions")
        self.list.setWordWrap(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setAlternatingRowColors(True)
        layout = QVBoxLayout(self)
        layout.addWidget(_note("知识库未能答复的咨询来电（12365 规范 6.1.4）。可多选同类问题（Ctrl / Shift 加点击），"
                               "据此编写一篇知识；写成后这些问题即关联到该知识。个案不需编写的，写明理由后移出。"))
        layout.addWidget(self.list, 1)
        layout.addLayout(_button_bar(self, self.list, [
            ("据此编写知识", self.write, "Return"),
            ("关联到当前选中的知识", self.link_to_current, ""),
            ("不需编写…", self.dismiss, "Del"),
            ("刷新", self.refresh, "F5"),
        ]))
        self.refresh()

    def refresh(self) -> None:
        self.runner.read(lambda: kb_answers.open_questions(self.actor), self._fill, owner=self)

    def _fill(self, rows: list[kb_answers.QuestionRow]) -> None:
        self.list.clear()
        for q in rows:
            content = q.content if len(q.content) <= 160 else q.content[:160] + "…"
            title = "" if content.startswith(q.title.rstrip("…")) else f"{q.title}\n"
            item = QListWidgetItem(f"{q.number}  {q.received_at}\n{title}{content}")
            item.setData(ID_ROLE, (q.ticket_id, q.title))
            self.list.addItem(item)
        if rows:
            self.list.setCurrentRow(0)
        self.counted.emit(len(rows))

    def _chosen(self) -> list[tuple[int, str]]:
        return [item.data(ID_ROLE) for item in self.list.selectedItems()]

    def write(self) -> None:
        chosen = self._chosen()
        if chosen:
            self.write_article.emit([i for i, _ in chosen], chosen[0][1])

    def link_to_current(self) -> None:
        chosen = self._chosen()
        hit = self.browser.hits.current_hit() if self.browser is not None else None  # type: ignore[attr-defined]
        if not chosen:
            return
        if hit is None:
            QMessageBox.information(self, "关联到知识", "请先在“查找与编写”中选中要关联的知识。")
            return
        ids = [i for i, _ in chosen]
        answer = QMessageBox.question(self, "关联到知识", f"把选中的 {len(ids)} 个问题关联到知识《{hit.title}》，"
                                      "并移出待答问题吗？")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.runner.write(lambda: kb_answers.link_questions(self.actor, hit.id, ids), lambda _n: self.refresh(),
                          lambda exc: show_error(self, exc), owner=self)

    def dismiss(self) -> None:
        chosen = self._chosen()
        if len(chosen) != 1:
            QMessageBox.information(self, "不需编写", "请一次选择一个问题，并写明理由。")
            return
        reason, ok = QInputDialog.getText(self, "不需编写知识", "理由（如：个案，不具普遍性）：")
        if not ok:
            return
        ticket_id = chosen[0][0]
        self.runner.write(lambda: kb_answers.dismiss_question(self.actor, ticket_id, reason),
                          lambda _r: self.refresh(), lambda exc: show_error(self, exc), owner=self)


class SynonymsView(QWidget):
    """同义词: groups of words a question may use for the same thing."""

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.list = QListWidget()
        self.list.setObjectName("synonymGroups")
        self.list.itemDoubleClicked.connect(lambda _i: self.edit())
        layout = QVBoxLayout(self)
        layout.addWidget(_note("同一组里的词互为同义：群众说“煤气”，也能查到写着“燃气”的知识。"
                               "词之间用空格、逗号或顿号隔开，例如：住房公积金、公积金。"))
        layout.addWidget(self.list, 1)
        layout.addLayout(_button_bar(self, self.list, [
            ("新增", lambda: self.edit(new=True), "Ins"),
            ("修改", self.edit, "F2"),
            ("删除", self.delete, "Del"),
        ]))
        self.refresh()

    def refresh(self, select: int | None = None) -> None:
        def fill(groups: list[kb_synonyms.SynonymGroup]) -> None:
            self.list.clear()
            for g in groups:
                item = QListWidgetItem("、".join(g.words))
                item.setData(ID_ROLE, g.id)
                self.list.addItem(item)
                if g.id == select:
                    self.list.setCurrentItem(item)

        self.runner.read(lambda: kb_synonyms.groups(self.actor), fill, owner=self)

    def edit(self, new: bool = False, text: str | None = None, error: str = "") -> None:
        item = None if new else self.list.currentItem()
        if not new and item is None:
            return
        group_id = item.data(ID_ROLE) if item is not None else None
        current = text if text is not None else (item.text() if item is not None else "")
        prompt = "同义词（用空格、逗号或顿号隔开）：" + (f"\n\n⚠ {error}" if error else "")
        typed, ok = QInputDialog.getText(self, "新增同义词" if group_id is None else "修改同义词", prompt, text=current)
        if not ok:
            return

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ValidationError):  # ask again, keeping what was typed
                self.edit(new=group_id is None, text=typed, error="；".join(exc.fields.values()))
            else:
                show_error(self, exc)

        self.runner.write(lambda: kb_synonyms.save_group(self.actor, group_id, typed),
                          lambda saved: self.refresh(select=saved), failed, owner=self)

    def delete(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        answer = QMessageBox.question(self, "删除同义词", f"删除这一组同义词吗？\n{item.text()}")
        if answer != QMessageBox.StandardButton.Yes:
            return
        group_id = item.data(ID_ROLE)
        self.runner.write(lambda: kb_synonyms.delete_group(self.actor, group_id), lambda _r: self.refresh(),
                          lambda exc: show_error(self, exc), owner=self)
