"""知识库: find an answer while the caller waits; write, check (校核), publish and retire articles.

Typing searches at once (on a reader thread, desktop.kb.hits); with the box
empty the list shows the newest articles of the chosen status, so a reviewer
sees what waits for 校核. The article pane shows the body as formatted text,
its flags (expired, overdue for review, unpublished) in red, and the actions
this user's role allows.
"""
from __future__ import annotations

import html
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core import clock
from core.kb import articles as kb
from core.kb import answers as kb_answers
from core.kb import search as kb_search
from core.errors import HotlineError
from core.kb.search import KbHit
from core.roles import Actor, Permission
from core.vocab import ArticleStatus, FeedbackKind
from desktop import theme
from desktop.errors import show_error
from desktop.widgets.inputs import ComboBox
from desktop.kb.hits import HitList, LiveSearch
from desktop.worker import Runner, refresh_on_changes

STATUS_CHOICES = [("在用（不含已停用）", ""), ("已发布", "published"), ("待校核", "pending"), ("草稿", "draft"),
                  ("已停用", "retired")]


@dataclass(frozen=True)
class Shown:
    """What the article pane shows, read on a worker."""

    article: kb.ArticleView
    category: str
    flags: tuple[str, ...]
    feedback: list[kb.FeedbackRow]
    questions: list[kb_answers.QuestionRow]
    files: list[kb.FileRow]


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


def _as_hit(row: kb.ArticleRow) -> KbHit:
    """A browsed article drawn like a search hit: status and open flags instead of a snippet."""
    flags = [] if row.status == ArticleStatus.PUBLISHED else [ArticleStatus.label_of(row.status)]
    if row.pending_version:
        flags.append(f"第 {row.pending_version} 版修改待校核")
    if row.open_feedback:
        flags.append(f"{row.open_feedback} 条反馈待处理")
    detail = " · ".join(x for x in (row.category, f"第 {row.version} 版", row.updated_at, f"使用 {row.use_count} 次") if x)
    return KbHit(row.id, row.title, 0.0, html.escape(detail), row.version, row.status, tuple(flags), row.source_unit)


class KbBrowser(QWidget):
    """Search box, hits, and the chosen article with its actions."""

    changed = Signal()  # an article was saved or moved: the queue and counts refresh
    notice = Signal(str)  # a message for the status bar

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        refresh_on_changes(self, runner, lambda c: c.kb, self.refresh)
        self.actor = actor
        self.runner = runner
        self.editor_role = actor.can(Permission.KB_EDIT)
        self.reviewer = actor.can(Permission.KB_REVIEW)
        self.current: Shown | None = None
        self._listing = 0  # the newest list request; older answers are dropped

        self.query = QLineEdit()
        self.query.setObjectName("kbQuery")
        self.query.setPlaceholderText("输入问题或关键词，如：公积金怎么提取、燃气、ETC（↓ 进入结果）")
        self.query.setClearButtonEnabled(True)
        self.query.textChanged.connect(self._typed)
        self.status_filter = ComboBox()
        for label, value in STATUS_CHOICES:
            self.status_filter.addItem(label, value)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.new_button = QPushButton("新建知识 (Ctrl+N)")
        self.new_button.clicked.connect(lambda: self.edit(None))
        top = QHBoxLayout()
        top.addWidget(self.query, 1)
        top.addWidget(self.status_filter)
        top.addWidget(self.new_button)
        if not self.editor_role:  # not setVisible(True): a widget not yet placed would open as a window
            self.status_filter.hide()
            self.new_button.hide()

        self.message = QLabel()
        self.message.setObjectName("kbMessage")
        theme.small(self.message)
        self.hits = HitList()
        self.hits.setObjectName("kbHits")
        self.hits.currentRowChanged.connect(lambda _r: self._show_current())
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.message)
        left_layout.addWidget(self.hits, 1)

        self.header = QLabel("在左侧选择一篇知识。")
        self.header.setObjectName("kbHeader")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.linkActivated.connect(self.open_file)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.body = QTextBrowser()
        self.body.setObjectName("kbBody")
        self.actions_bar = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, slot in (
            ("edit", "修改 (F2)", lambda: self.edit(self._current_id())),
            ("submit", "提交校核", lambda: self.move("submit")),
            ("publish", "校核通过并发布", lambda: self.move("publish")),
            ("send_back", "退回修改…", lambda: self.move("send_back")),
            ("retire", "停用…", lambda: self.move("retire")),
            ("restore", "重新启用", lambda: self.move("restore")),
            ("flag", "报告有误或过时…", self.flag),
            ("history", "版本历史…", self.show_history),
            ("attach", "添加附件…", self.attach),
            ("detach", "移除附件…", self.detach),
        ):
            button = QPushButton(text)
            button.setObjectName(f"kb_{key}")
            button.clicked.connect(slot)
            button.hide()
            self.actions_bar.addWidget(button)
            self.buttons[key] = button
        self.actions_bar.addStretch(1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.addWidget(self.header)
        right_layout.addLayout(self.actions_bar)
        right_layout.addWidget(self.body, 1)

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([430, 650])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        self.live = LiveSearch(actor, runner, include_unpublished=self.editor_role, parent=self)
        self.live.found.connect(self._found)
        self.live.problem.connect(self._problem)
        for keys, slot in (("Ctrl+N", lambda: self.editor_role and self.edit(None)),
                           ("F2", lambda: self.editor_role and self.edit(self._current_id())),
                           ("Ctrl+F", self._focus_query)):
            QShortcut(QKeySequence(keys), self, activated=slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.query.installEventFilter(self)
        self.refresh()

    # Searching ------------------------------------------------------------

    def eventFilter(self, watched, event) -> bool:  # type: ignore[no-untyped-def]  # noqa: N802
        from PySide6.QtCore import QEvent

        if watched is self.query and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down:
            self.hits.setFocus()
            return True
        return super().eventFilter(watched, event)

    def _focus_query(self) -> None:
        self.query.setFocus()
        self.query.selectAll()

    def _typed(self, text: str) -> None:
        if text.strip():
            self.live.request(text)
        else:
            self.refresh()

    def refresh(self) -> None:
        """Search again, or list the chosen status when nothing is typed."""
        text = self.query.text()
        if text.strip():
            self.live.now(text)
            return
        self._list(self._current_id())

    def _list(self, keep: int | None) -> None:
        status = self.status_filter.currentData() or None  # read here, on the UI thread
        self._listing += 1
        asked = self._listing
        self.runner.read(lambda: kb.list_articles(self.actor, status, limit=500),
                         lambda rows: asked == self._listing and self._listed(rows, keep), owner=self)

    def _listed(self, rows: list[kb.ArticleRow], keep: int | None) -> None:
        if self.query.text().strip():
            return  # typed meanwhile; the search answer is coming
        self._show_hits([_as_hit(r) for r in rows], keep)
        self.message.setText(f"共 {len(rows)} 篇（最近修改的在前）" if rows else "没有这一类的知识。")
        theme.set_text_color(self.message, "black")

    def _found(self, text: str, hits: list[KbHit]) -> None:
        if text != self.query.text():
            return
        self._show_hits(hits, self._current_id())
        self.message.setText(f"找到 {len(hits)} 篇，最相关的在前" if hits else f"没有找到与“{text.strip()}”相关的知识。")
        theme.set_text_color(self.message, "black")

    def _problem(self, message: str) -> None:
        self.hits.clear()
        self.message.setText(message)
        theme.set_text_color(self.message, theme.ERROR)

    def _show_hits(self, hits: list[KbHit], keep: int | None) -> None:
        """New hits, keeping the chosen article chosen; the pane reloads only if the choice changed."""
        self.hits.blockSignals(True)
        try:
            self.hits.show_hits(hits)
            rows = [r for r in range(self.hits.count()) if self.hits.hit(r).id == keep]
            if rows:
                self.hits.setCurrentRow(rows[0])
        finally:
            self.hits.blockSignals(False)
        if self._current_id() != (self.current.article.id if self.current else None):
            self._show_current()

    # The article pane -----------------------------------------------------

    def _current_id(self) -> int | None:
        hit = self.hits.current_hit()
        return hit.id if hit else None

    def _clear_pane(self) -> None:
        self.current = None
        self.header.setText("在左侧选择一篇知识。")
        self.body.clear()
        for button in self.buttons.values():
            button.hide()

    def _show_current(self) -> None:
        article_id = self._current_id()
        if article_id is None:
            self._clear_pane()
            return

        def read() -> Shown:
            article, _data, category = kb.load_article(self.actor, article_id)
            flags = kb_search.flags_of(article, clock.now().date())
            return Shown(article, category, flags, kb.feedback_of(self.actor, article_id),
                         kb_answers.questions_answered_by(self.actor, article_id), kb.files_of(self.actor, article_id))

        self.runner.read(read, lambda shown: self._show(article_id, shown),
                         lambda exc: self._show_failed(article_id, exc), owner=self)

    def _show_failed(self, article_id: int, exc: BaseException) -> None:
        if article_id != self._current_id():
            return
        self._clear_pane()
        if isinstance(exc, HotlineError):
            self.header.setText(html.escape(exc.message))
        else:
            show_error(self, exc)

    def _show(self, article_id: int, shown: Shown) -> None:
        if article_id != self._current_id():
            return
        self.current = shown
        a = shown.article
        flags = "".join(f" <span style='color:{theme.ERROR}'>【{html.escape(f)}】</span>" for f in shown.flags)
        facts = [f"第 {a.version} 版", ArticleStatus.label_of(a.status)]
        facts += [x for x in (shown.category, a.source_unit and f"提供单位：{a.source_unit}") if x]
        dates = [f"{label} {value}" for label, value in (("生效", a.effective_on), ("复核", a.review_on),
                                                         ("失效", a.expires_on)) if value]
        facts += dates + [f"已用于答复 {a.use_count} 次"]
        lines = [f"<span style='font-size:17px'><b>{html.escape(a.title)}</b></span>{flags}",
                 f"<span style='color:#555'>{html.escape(' · '.join(facts))}</span>"]
        if a.pending_version and self.editor_role:
            lines.append(f"<span style='color:{theme.ERROR}'>第 {a.pending_version} 版修改待校核；接线员仍看到下面的"
                         f"第 {a.version} 版。修改的内容见“版本历史”。</span>")
        if a.keywords:
            lines.append(f"<span style='color:#555'>关键词：{html.escape(a.keywords)}</span>")
        if shown.questions:
            numbers = "、".join(q.number for q in shown.questions[:5])
            more = f" 等 {len(shown.questions)} 个" if len(shown.questions) > 5 else ""
            lines.append(f"<span style='color:#555'>为这些来电问题编写：{html.escape(numbers)}{more}</span>")
        open_feedback = [f for f in shown.feedback if not f.resolved]
        for f in open_feedback[:3]:
            lines.append(f"<span style='color:{theme.ERROR}'>反馈（第 {f.version} 版，{html.escape(f.given_by)}，"
                         f"{html.escape(f.given_at)}）：{html.escape(f.kind)} {html.escape(f.note)}</span>")
        if shown.files:
            links = "、".join(f"<a href='{f.sha256}'>{html.escape(f.name)}</a>（{_size(f.size)}）" for f in shown.files)
            lines.append(f"附件：{links}")
        self.header.setText("<br>".join(lines))
        self.body.setMarkdown(a.body)
        status = ArticleStatus(a.status)
        edit = a.pending_version is not None and status == ArticleStatus.PUBLISHED
        visible = {
            "edit": self.editor_role and status != ArticleStatus.RETIRED,
            "submit": self.editor_role and status == ArticleStatus.DRAFT,
            "publish": self.reviewer and (status in (ArticleStatus.DRAFT, ArticleStatus.PENDING) or edit),
            "send_back": self.reviewer and (status == ArticleStatus.PENDING or edit),
            "retire": self.reviewer and status != ArticleStatus.RETIRED,
            "restore": self.reviewer and status == ArticleStatus.RETIRED,
            "flag": status == ArticleStatus.PUBLISHED,
            "history": True,
            "attach": self.editor_role and status != ArticleStatus.RETIRED,
            "detach": self.editor_role and bool(shown.files),
        }
        for key, button in self.buttons.items():
            button.setVisible(visible[key])

    # Actions --------------------------------------------------------------

    def _categories(self) -> list[str]:
        return sorted(kb.category_paths().values())

    def edit(self, article_id: int | None, answers: list[int] | None = None, title: str = "") -> None:
        from desktop.kb.editor import ArticleEditor

        def read() -> tuple:
            if article_id is None:
                return None, kb.ArticleInput(title=title), "", self._categories()
            _article, data, category = kb.load_article(self.actor, article_id)
            return article_id, data, category, self._categories()

        def open_editor(loaded: tuple) -> None:
            known_id, data, category, categories = loaded
            dialog = ArticleEditor(self.actor, self.runner, known_id, data, category, categories, answers, self)
            dialog.saved.connect(self._saved)
            dialog.open()

        self.runner.read(read, open_editor, owner=self)

    def _saved(self, article_id: int) -> None:
        self.changed.emit()
        if self.query.text().strip():
            self.refresh()
            return
        self._list(article_id)

    def move(self, step: str) -> None:
        article_id = self._current_id()
        if article_id is None:
            return
        note = ""
        if step == "send_back":
            note, ok = QInputDialog.getText(self, "退回修改", "退回的理由（写给编写人）：")
            if not ok:
                return
        elif step == "retire":
            answer = QMessageBox.question(self, "停用知识", "停用后接线员将查不到这篇知识，确定停用吗？")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.runner.write(lambda: kb.move(self.actor, article_id, step, note), lambda _r: self._moved(),
                          lambda exc: show_error(self, exc), owner=self)

    def _moved(self) -> None:
        self.changed.emit()
        self.refresh()
        self._show_current()

    def flag(self) -> None:
        article_id = self._current_id()
        if article_id is None:
            return
        labels = [k.label for k in FeedbackKind]
        kind_label, ok = QInputDialog.getItem(self, "报告问题", "这篇知识：", labels, 0, False)
        if not ok:
            return
        note, ok = QInputDialog.getMultiLineText(self, "报告问题", "哪里不对？（如：新政策已改为 60 天）")
        if not ok:
            return
        kind = next(k for k in FeedbackKind if k.label == kind_label)
        self.runner.write(lambda: kb.flag(self.actor, article_id, kind, note), lambda _r: self._flagged(),
                          lambda exc: show_error(self, exc), owner=self)

    def _flagged(self) -> None:
        self._moved()
        self.notice.emit("已报告，这篇知识已列入待校核，校核人员会核实修改。")

    def attach(self) -> None:
        article_id = self._current_id()
        if article_id is None:
            return
        files, _ = QFileDialog.getOpenFileNames(self, "选择政策文件（PDF、Word、图片等）")
        if files:
            self.runner.write(lambda: kb.attach_files(self.actor, article_id, files), lambda _r: self._show_current(),
                              lambda exc: show_error(self, exc), owner=self)

    def detach(self) -> None:
        if self.current is None or not self.current.files:
            return
        labels = [f"{f.name}（{_size(f.size)}，{f.sha256[:8]}）" for f in self.current.files]
        label, ok = QInputDialog.getItem(self, "移除附件", "移除哪个附件？", labels, 0, False)
        if not ok:
            return
        sha = self.current.files[labels.index(label)].sha256
        article_id = self.current.article.id
        self.runner.write(lambda: kb.detach_file(self.actor, article_id, sha), lambda _r: self._show_current(),
                          lambda exc: show_error(self, exc), owner=self)

    def open_file(self, sha256: str) -> None:
        """Open a copy under the file's own name with the system's program."""
        if self.current is None:
            return
        row = next((f for f in self.current.files if f.sha256 == sha256), None)
        if row is None:
            return
        folder = Path(tempfile.gettempdir()) / "hotline-desk-kb"
        self.runner.read(lambda: kb.file_copy(row.sha256, row.name, folder),
                         lambda path: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))),
                         lambda exc: show_error(self, exc), owner=self)

    def show_history(self) -> None:
        if self.current is None:
            return
        from desktop.kb.editor import HistoryDialog

        HistoryDialog(self.actor, self.runner, self.current.article.id, self.current.article.title, self).open()


class KbView(QTabWidget):
    """The 知识库 area: 查找与编写, 待答问题 (editors), 同义词 (reviewers)."""

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabBarAutoHide(True)  # an operator has only the one tab
        self.browser = KbBrowser(actor, runner)
        self.addTab(self.browser, "查找与编写")
        self.questions = None
        if actor.can(Permission.KB_EDIT):
            from desktop.kb.admin import QuestionsView

            self.questions = QuestionsView(actor, runner, self.browser)
            self.questions.counted.connect(lambda n: self.setTabText(1, f"待答问题（{n}）"))
            self.browser.changed.connect(self.questions.refresh)
            self.questions.write_article.connect(self._write_for)
            self.addTab(self.questions, "待答问题")
        if actor.can(Permission.KB_REVIEW):
            from desktop.kb.admin import SynonymsView

            self.addTab(SynonymsView(actor, runner), "同义词")

    def _write_for(self, ticket_ids: list[int], title: str) -> None:
        self.setCurrentIndex(0)
        self.browser.edit(None, answers=ticket_ids, title=title)

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().showEvent(event)
        if self.currentIndex() == 0:
            self.browser.query.setFocus()
