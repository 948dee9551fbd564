"""Writing a knowledge-base article, and reading its versions side by side.

The body is Markdown (headings, lists, paragraphs) with a live preview, so an
editor sees what an operator will read. Saving makes a new version; an edit to
a published article goes back to 校核 (core.kb.articles). A failed save keeps all the
text and names each problem under its field.
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.kb import articles as kb
from core.errors import ValidationError
from core.kb.articles import ArticleInput
from core.roles import Actor
from desktop import theme
from desktop.widgets.parts import error_label
from desktop.errors import show_error
from desktop.widgets.inputs import ComboBox
from desktop.worker import Runner

DATE_HINT = "如 2026-01-31，可不填"


class ArticleEditor(QDialog):
    """New article (article_id None) or a new version of one."""

    saved = Signal(int)  # article id

    def __init__(self, actor: Actor, runner: Runner, article_id: int | None = None,
                 data: ArticleInput | None = None, category: str = "", categories: list[str] | None = None,
                 answers: list[int] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.article_id = article_id
        self.answers = answers or []  # open questions (ticket ids) this article is written for
        self.setWindowTitle("新建知识" if article_id is None else "修改知识")
        self.resize(1100, 760)
        data = data or ArticleInput()

        self.fields: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.title = self._line(form, "title", "标题", data.title, "一句话说清是什么事，如：住房公积金提取办理指南",
                                kb.MAX_TITLE)
        self.category = ComboBox()
        self.category.setEditable(True)
        self.category.addItems(categories or [])
        self.category.setCurrentText(category)
        self.category.lineEdit().setPlaceholderText("如 社会保障/医疗保险；新的分类保存时自动建立")
        self._row(form, "category_id", "分类", self.category)
        self.source_unit = self._line(form, "source_unit", "提供单位", data.source_unit, "报送这条信息的单位（12345 6.3.4）", 100)
        self.keywords = self._line(form, "keywords", "关键词", data.keywords, "群众常用的说法，用空格或逗号隔开",
                                   kb.MAX_KEYWORDS)
        row = QHBoxLayout()
        self.effective_on = self._date("effective_on", data.effective_on)
        self.review_on = self._date("review_on", data.review_on)
        self.expires_on = self._date("expires_on", data.expires_on)
        dates = QVBoxLayout()
        dates.setSpacing(2)
        dates.addLayout(row)
        for label, name, editor in (("生效", "effective_on", self.effective_on), ("复核", "review_on", self.review_on),
                                    ("失效", "expires_on", self.expires_on)):
            row.addWidget(QLabel(label))
            row.addWidget(editor, 1)
            dates.addWidget(self.errors[name])  # full width below, so a long message is not squeezed
        form.addRow("日期", dates)

        self.body = QPlainTextEdit(data.body)
        self.body.setObjectName("articleBody")
        self.body.setPlaceholderText("正文，支持 Markdown：# 标题、- 列表、1. 编号列表，空行分段。")
        self.preview = QTextBrowser()
        self.preview.setObjectName("articlePreview")
        self.preview.setOpenExternalLinks(False)
        split = QSplitter()
        split.addWidget(self.body)
        split.addWidget(self.preview)
        split.setSizes([550, 450])
        self.errors["body"] = error_label()
        self._preview_timer = QTimer(self, singleShot=True, interval=250)
        self._preview_timer.timeout.connect(self._render_preview)
        self.body.textChanged.connect(self._preview_timer.start)
        self._render_preview()

        self.note = QLineEdit()
        self.note.setPlaceholderText("修改说明，如：按 2026 年新政策调整提取条件（记入版本历史）")
        self.note.setMaxLength(200)
        self.status = QLabel()
        self.status.setWordWrap(True)
        theme.set_text_color(self.status, theme.ERROR)

        # Plain buttons, not a QDialogButtonBox: the box makes Save the default button
        # when shown, and Enter in any field would then save a half-written article.
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.save_button = QPushButton("保存 (Ctrl+S)")
        cancel = QPushButton("取消 (Esc)")
        for button, slot in ((self.save_button, self.save), (cancel, self.reject)):
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)

        layout = QVBoxLayout(self)
        if self.answers:
            hint = QLabel(f"这篇知识保存后，将作为 {len(self.answers)} 个待答问题的答复来源。")
            theme.set_text_color(hint, theme.NAVY)
            layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(QLabel("正文（左：编辑，右：预览）"))
        layout.addWidget(split, 1)
        layout.addWidget(self.errors["body"])
        layout.addWidget(self.note)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.title.setFocus()
        self._loaded = self.gather()

    def _row(self, form: QFormLayout, name: str, label: str, editor: QWidget) -> None:
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(editor)
        self.errors[name] = error_label()
        box.addWidget(self.errors[name])
        self.fields[name] = editor
        form.addRow(label, box)

    def _line(self, form: QFormLayout, name: str, label: str, value: str, hint: str, limit: int) -> QLineEdit:
        editor = QLineEdit(value)
        editor.setPlaceholderText(hint)
        editor.setMaxLength(limit + 50)  # over the limit is told, not silently cut
        editor.setObjectName(f"article_{name}")
        self._row(form, name, label, editor)
        return editor

    def _date(self, name: str, value: str) -> QLineEdit:
        editor = QLineEdit(value)
        editor.setPlaceholderText(DATE_HINT)
        editor.setObjectName(f"article_{name}")
        self.fields[name] = editor
        self.errors[name] = error_label()
        return editor

    def reject(self) -> None:
        """Esc or 取消: ask before dropping what was typed."""
        if self.gather() != self._loaded and self.save_button.isEnabled():
            answer = QMessageBox.question(self, "放弃修改？", "这篇知识有未保存的修改，确定放弃吗？",
                                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                          QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().reject()

    def _render_preview(self) -> None:
        self.preview.setMarkdown(self.body.toPlainText())

    def gather(self) -> ArticleInput:
        return ArticleInput(
            title=self.title.text(), body=self.body.toPlainText(), keywords=self.keywords.text(),
            source_unit=self.source_unit.text(), effective_on=self.effective_on.text(),
            review_on=self.review_on.text(), expires_on=self.expires_on.text(),
            category_path=self.category.currentText().strip(),
        )

    def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        data = self.gather()
        note = self.note.text().strip()
        for name, label in self.errors.items():
            label.hide()
            if name in self.fields:
                theme.mark_invalid(self.fields[name], False)
        self.status.setText("正在保存…")
        self.save_button.setEnabled(False)
        article_id, answers = self.article_id, list(self.answers)

        self.runner.write(lambda: kb.save_article(self.actor, article_id, data, note, answers), self._saved,
                          self._failed, owner=self)

    def _saved(self, article_id: int) -> None:
        self.saved.emit(article_id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if not isinstance(exc, ValidationError):
            self.status.setText("未保存，填写的内容仍在。")
            show_error(self, exc)
            return
        for name, message in exc.fields.items():
            label = self.errors.get(name)
            if label is not None:
                label.setText(message)
                label.show()
            if name in self.fields:
                theme.mark_invalid(self.fields[name], True)
        self.status.setText(f"未保存：{len(exc.fields)} 处需要修改，已在对应栏目下标出。")
        first = next((self.fields[n] for n in exc.fields if n in self.fields), None)
        (first or self.body).setFocus()


class HistoryDialog(QDialog):
    """Every version of an article; choosing one shows what it changed from the one before."""

    def __init__(self, actor: Actor, runner: Runner, article_id: int, title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.article_id = article_id
        self.setWindowTitle(f"版本历史 · {title}")
        self.resize(900, 600)
        self.versions = QListWidget()
        self.versions.setObjectName("versionList")
        self.versions.currentRowChanged.connect(self._show_diff)
        self.changes = QTextBrowser()
        self.changes.setObjectName("versionDiff")
        split = QSplitter()
        split.addWidget(self.versions)
        split.addWidget(self.changes)
        split.setSizes([280, 620])
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(close)
        self.runner.read(lambda: kb.history(actor, article_id), self._fill, owner=self)

    def _fill(self, versions: list[kb.VersionInfo]) -> None:
        for v in reversed(versions):
            item = QListWidgetItem(f"第 {v.version} 版  {v.changed_at}\n{v.changed_by}{('：' + v.note) if v.note else ''}")
            item.setData(Qt.ItemDataRole.UserRole, v.version)
            self.versions.addItem(item)
        if versions:
            self.versions.setCurrentRow(0)
            self.versions.setFocus()

    def _show_diff(self, row: int) -> None:
        item = self.versions.item(row)
        if item is None:
            return
        version = item.data(Qt.ItemDataRole.UserRole)
        if version == 1:
            self.changes.setHtml("<p>第 1 版：最初写成的内容。</p>")
            return
        self.runner.read(lambda: kb.diff(self.actor, self.article_id, version - 1, version),
                         lambda lines: self._render(version, lines), owner=self)

    def _render(self, version: int, lines: list[tuple[str, str, str]]) -> None:
        item = self.versions.currentItem()
        if item is None or item.data(Qt.ItemDataRole.UserRole) != version:
            return  # moved on to another version meanwhile
        if not lines:
            self.changes.setHtml(f"<p>第 {version} 版与第 {version - 1} 版内容相同（只改了状态或说明）。</p>")
            return
        parts = [f"<p><b>第 {version - 1} 版 → 第 {version} 版</b></p>"]
        field = None
        for label, sign, text in lines:
            if label != field:
                parts.append(f"<h4>{html.escape(label)}</h4>")
                field = label
            color, mark = ("#b03030", "删除") if sign == "-" else ("#2e7d32", "新增")
            background = "#fdecea" if sign == "-" else "#e8f5e9"
            parts.append(f"<div style='background:{background}; color:{color}; padding:2px'>"
                         f"[{mark}] {html.escape(text) or '（空行）'}</div>")
        self.changes.setHtml("".join(parts))
