"""The registration form's 知识库 panel: articles suggested from what the operator types.

As the title and content of the call are typed, the best five articles are
listed (searched off the UI thread). Alt+1 … Alt+5, or Enter on a chosen one,
puts that article's answer into the ticket's reply; the form then records
which article and version answered (12345 5.2.1, 12365 6.2.3.1).
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMessageBox, QVBoxLayout, QWidget

from core.kb import articles as kb
from core.kb.search import KbHit
from core.roles import Actor
from desktop import theme
from desktop.kb.hits import HitList, LiveSearch
from desktop.worker import Runner

SUGGESTIONS = 5
MIN_TEXT = 2


@dataclass(frozen=True)
class ChosenAnswer:
    article_id: int
    version: int
    title: str
    text: str  # the body as plain text, ready to read out and to store as the reply
    flags: tuple[str, ...]


class KbSuggestions(QWidget):
    chosen = Signal(object)  # ChosenAnswer

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        heading = QLabel("知识库建议")
        heading.setStyleSheet("font-weight:bold;")
        self.hint = QLabel("填写诉求内容时，这里列出可用于答复的知识。Alt+1…5 选用，答复内容自动填入。")
        self.hint.setWordWrap(True)
        theme.small(self.hint)
        self.hits = HitList(numbered=True)
        self.hits.setObjectName("kbSuggestions")
        self.hits.activated.connect(lambda index: self.use(index.row()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(heading)
        layout.addWidget(self.hint)
        layout.addWidget(self.hits, 1)
        self.live = LiveSearch(actor, runner, delay_ms=350, limit=SUGGESTIONS, parent=self)
        self.live.found.connect(self._found)
        self.live.problem.connect(self._problem)
        self._text = ""
        self._chosen = 0  # the newest Alt+n; an older one arriving late is dropped

    def install_shortcuts(self, form: QWidget) -> None:
        """Alt+1 … Alt+5 anywhere in the registration form."""
        for n in range(1, SUGGESTIONS + 1):
            QShortcut(QKeySequence(f"Alt+{n}"), form, activated=lambda row=n - 1: self.use(row),
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def suggest_for(self, title: str, content: str) -> None:
        # The title says the matter in few words; the start of the content is the question itself.
        text = " ".join(x for x in (title.strip(), content.strip()[:150]) if x)
        if text == self._text:
            return
        self._text = text
        if len(text) < MIN_TEXT:
            self.hits.clear()
            return
        self.live.request(text)

    def clear(self) -> None:
        self._text = ""
        self._chosen += 1  # a choice still loading belonged to the caller just finished
        self.hits.clear()
        self.hint.setText("填写诉求内容时，这里列出可用于答复的知识。Alt+1…5 选用，答复内容自动填入。")

    def _found(self, text: str, hits: list[KbHit]) -> None:
        if text != self._text:
            return
        self.hits.show_hits(hits)
        self.hint.setText("按 Alt+数字 选用，答复内容自动填入；核对答复后按 Ctrl+S 保存（直接答复办结）。" if hits
                          else "知识库中没有找到相关知识。咨询类来电保存后会进入“待答问题”，供编写知识。")

    def _problem(self, message: str) -> None:
        self.hits.clear()
        self.hint.setText(message)

    def use(self, row: int) -> None:
        hit = self.hits.hit(row)
        if hit is None:
            return
        if hit.flags:
            answer = QMessageBox.question(
                self, "这条知识有提示", f"《{hit.title}》：{'；'.join(hit.flags)}。\n仍然用它答复吗？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._chosen += 1
        asked = self._chosen

        def read() -> ChosenAnswer:
            article = kb.load_article(self.actor, hit.id)[0]
            return ChosenAnswer(article.id, article.version, article.title, kb.answer_text(article.body), hit.flags)

        self.runner.read(read, lambda answer: asked == self._chosen and self.chosen.emit(answer), owner=self)
