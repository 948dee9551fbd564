"""Search-as-you-type over the knowledge base, shared by the 知识库 area and the registration panel.

Searches run on a reader thread (core.kb.search); only the newest request's
answer is shown, so typing on never waits for, nor is overwritten by, an
older search. Hits are drawn with the snippet's matches in bold and any flag
(已失效, 逾期未复核, 待校核 …) in red, never as if current.
"""
from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from core.kb import search as kb_search
from core.errors import ValidationError
from core.kb.search import KbHit
from core.roles import Actor
from desktop import theme
from desktop.worker import Runner

HIT_ROLE = Qt.ItemDataRole.UserRole
HTML_ROLE = Qt.ItemDataRole.UserRole + 1


def hit_html(hit: KbHit, number: int | None = None) -> str:
    """Title, flags, source and snippet; the snippet is already HTML-escaped by core."""
    prefix = f"<span style='color:#888'>Alt+{number}</span> " if number is not None else ""
    flags = "".join(f" <span style='color:{theme.ERROR}'>【{html.escape(f)}】</span>" for f in hit.flags)
    source = f" <span style='color:#888'>· {html.escape(hit.source_unit)}</span>" if hit.source_unit else ""
    return (f"{prefix}<b>{html.escape(hit.title)}</b>{flags}{source}"
            f"<br><span style='color:#444'>{hit.snippet}</span>")


class HtmlDelegate(QStyledItemDelegate):
    """Paints an item's HTML_ROLE text as rich text, wrapped to the view's width."""

    def _document(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setDocumentMargin(6)
        doc.setHtml(str(index.data(HTML_ROLE) or ""))
        doc.setTextWidth(max(option.rect.width(), 200))
        return doc

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else None
        text_free = QStyleOptionViewItem(option)
        text_free.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, text_free, painter, option.widget)
        doc = self._document(option, index)
        painter.save()
        painter.translate(option.rect.topLeft())
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, option.palette.color(QPalette.ColorRole.Text))
        painter.setClipRect(QRectF(0, 0, option.rect.width(), option.rect.height()))
        doc.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        self.initStyleOption(option, index)
        width = option.widget.viewport().width() if option.widget else 300
        option.rect.setWidth(width)
        doc = self._document(option, index)
        return QSize(width, int(doc.size().height()) + 2)


class HitList(QListWidget):
    """Ranked hits, best first; the current item's KbHit is ``current_hit()``."""

    def __init__(self, numbered: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.numbered = numbered
        self.setItemDelegate(HtmlDelegate(self))
        self.setWordWrap(True)
        self.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.setUniformItemSizes(False)

    def show_hits(self, hits: list[KbHit]) -> None:
        self.clear()
        for n, hit in enumerate(hits, 1):
            item = QListWidgetItem()
            item.setData(HIT_ROLE, hit)
            item.setData(HTML_ROLE, hit_html(hit, n if self.numbered and n <= 9 else None))
            # Plain text for accessibility and for tests reading the list.
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{hit.title} {' '.join(hit.flags)}")
            self.addItem(item)
        if hits:
            self.setCurrentRow(0)

    def hit(self, row: int) -> KbHit | None:
        item = self.item(row)
        return item.data(HIT_ROLE) if item is not None else None

    def current_hit(self) -> KbHit | None:
        return self.hit(self.currentRow())

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().resizeEvent(event)
        self.scheduleDelayedItemsLayout()  # wrapped heights depend on the width


class LiveSearch(QObject):
    """Debounced searches off the UI thread; emits only the answer to the latest text."""

    found = Signal(str, list)  # text searched, hits
    problem = Signal(str)  # what is wrong with the text, in Chinese

    def __init__(self, actor: Actor, runner: Runner, delay_ms: int = 150, limit: int = 20,
                 include_unpublished: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.limit = limit
        self.include_unpublished = include_unpublished
        self._text = ""
        self._asked = 0
        self._timer = QTimer(self, singleShot=True, interval=delay_ms)
        self._timer.timeout.connect(self._run)

    def request(self, text: str) -> None:
        self._text = text
        self._timer.start()

    def now(self, text: str) -> None:
        self._text = text
        self._timer.stop()
        self._run()

    def _run(self) -> None:
        self._asked += 1
        ticket, text = self._asked, self._text
        if not text.strip():
            self.found.emit(text, [])
            return
        self.runner.read(
            lambda: kb_search.search_articles(self.actor, text, limit=self.limit,
                                              include_unpublished=self.include_unpublished),
            lambda hits: ticket == self._asked and self.found.emit(text, hits),
            lambda exc: ticket == self._asked and self._failed(exc),
            owner=self,
        )

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.problem.emit("；".join(exc.fields.values()))
            return
        from desktop.errors import show_error

        show_error(None, exc)
