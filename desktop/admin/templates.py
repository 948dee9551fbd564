"""系统管理 · 文书模板: which template makes each document, the admin's own uploaded after a
check, an earlier version brought back, the bundled one restored (forms.templates).

Left the eight documents with the template in use; right the chosen one's buttons,
its versions, and the placeholders its template may use. A refused template changes
nothing: its problems are listed one per line, to fix in Word and upload again.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSplitter,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core import clock
from core.errors import ValidationError
from core.roles import Actor
from desktop import theme
from desktop.widgets.parts import GREEN, GREY, read_only_table, say
from desktop.widgets.forms import push_button
from desktop.widgets.parts import documents_folder
from desktop.errors import show_error
from desktop.worker import Runner
from forms import templates
from forms.catalog import SPECS, DocumentKind
from core.files import safe_file_name, write_atomically
from forms.render import TemplateProblem
from forms.templates import TemplateVersion

IN_USE = "使用中"

_CODE = "<code style='font-family: monospace; color: #1f4e79'>{}</code>"
SYNTAX_HELP = (
    "在 Word 或 WPS 中把占位符直接写进文档，如“来电人：{caller}”，出具时换成工单里的内容，没有内容的留空。"
    "标有“列表”的一项有多条，用来做会变长的表格：在表格里放三行，第一行只写 {tr_for}，"
    "第二行各格写 {row_at}、{row_unit} 等，第三行只写 {tr_end}；出具时第二行按条数重复，第一、三行删去。"
    "不在表格里时改用 {p_for} 和 {p_end}，各自单独占一段。"
    "只在有内容时才出现的段落，用各自单独一段的 {p_if} 和 {p_endif} 夹住。"
    "大括号和百分号须是半角（英文）字符；整个占位符用同一种字体格式，以免 Word 把它拆开。"
    "（例子中的名称取自诉求工单和调解书，各文书可用的见下表。）"
).format(**{key: _CODE.format(html.escape(tag).replace(" ", "&nbsp;")) for key, tag in (  # a tag never wraps
    ("caller", "{{ caller_name }}"), ("tr_for", "{%tr for row in handling_rows %}"), ("row_at", "{{ row.at }}"),
    ("row_unit", "{{ row.unit }}"), ("tr_end", "{%tr endfor %}"), ("p_for", "{%p for row in sessions %}"),
    ("p_end", "{%p endfor %}"), ("p_if", "{%p if agreement %}"), ("p_endif", "{%p endif %}"))})


@dataclass(frozen=True)
class KindState:
    """One document and the admin's versions of its template (newest first)."""

    kind: DocumentKind
    versions: list[TemplateVersion]

    @property
    def in_use(self) -> TemplateVersion | None:
        return next((v for v in self.versions if v.active), None)

    @property
    def label(self) -> str:
        """As forms.templates.active names it: 内置, or 自定义 第 N 版."""
        v = self.in_use
        return f"自定义 第 {v.version} 版" if v else templates.BUILTIN

    @property
    def uploaded(self) -> str:
        v = self.in_use
        return f"{v.uploaded_by} 于 {clock.display(v.uploaded_at)} 上传" if v else ""


def _load() -> list[KindState]:
    return [KindState(kind, templates.versions(kind)) for kind in DocumentKind]


def placeholder_rows(kind: DocumentKind) -> list[tuple[str, str]]:
    """(占位符, 含义) for the kind's template; a list field as its loop, its row fields, its end."""
    rows: list[tuple[str, str]] = []
    for f in SPECS[kind].fields:
        if not f.is_list:
            rows.append((f"{{{{ {f.name} }}}}", f.label))
            continue
        noun = f.label.removesuffix("（列表）")
        rows.append((f"{{%tr for row in {f.name} %}}", f"{f.label}：开始，单独占表格的一行"))
        rows.extend((f"{{{{ row.{item.name} }}}}", f"　{noun}：{item.label}") for item in f.items)
        rows.append(("{%tr endfor %}", f"{noun}（列表）：结束，单独占表格的一行"))
    return rows


def problems_of(exc: ValidationError) -> list[str]:
    return exc.problems if isinstance(exc, TemplateProblem) else list(exc.fields.values())


class TemplatesView(QWidget):
    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.states: list[KindState] = []
        self._problems_kind: DocumentKind | None = None  # whose refused template the problem list is about

        note = QLabel("出具文书时用“使用中”的模板。要改版式，先“下载当前模板…”，在 Word 或 WPS 中修改并保存为 .docx，"
                      "再“上传自己的模板…”。上传的模板先经检查，有误的不会被采用；各版本都保留，可随时重新启用或恢复内置模板。")
        note.setWordWrap(True)
        theme.small(note)

        self.kinds = read_only_table(["文书", "使用中的模板", "上传"], "templateKinds")
        self.kinds.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.kinds.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.kinds.currentCellChanged.connect(lambda *_: self._show_kind())

        split = QSplitter()
        split.addWidget(self.kinds)
        split.addWidget(self._detail())
        split.setSizes([470, 700])
        split.setChildrenCollapsible(False)
        self.status = QLabel()
        self.status.setObjectName("templatesStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)
        QShortcut(QKeySequence("F5"), self, activated=self.reload, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.reload()

    def _detail(self) -> QWidget:
        self.title = QLabel()
        self.title.setObjectName("templateTitle")
        font = self.title.font()
        font.setPixelSize(17)
        font.setBold(True)
        self.title.setFont(font)
        self.clause = QLabel()
        theme.small(self.clause)
        theme.set_text_color(self.clause, GREY)
        self.in_use = QLabel()
        self.in_use.setObjectName("templateInUse")
        self.in_use.setWordWrap(True)
        self.upload_button = push_button("上传自己的模板…", self.upload, primary=True)
        self.download_button = push_button("下载当前模板…", self.download)
        self.restore_button = push_button("恢复内置模板", self.restore)
        self.note = QLineEdit()
        self.note.setObjectName("templateNote")
        self.note.setPlaceholderText("上传说明（可不填），如：改用本中心红头")
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.upload_button)
        buttons.addSpacing(16)
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.restore_button)

        self.problems_title = QLabel()
        self.problems_title.setObjectName("templateProblemsTitle")
        self.problems_title.setWordWrap(True)
        theme.set_text_color(self.problems_title, theme.ERROR)
        self.problems = QPlainTextEdit()
        self.problems.setObjectName("templateProblems")
        self.problems.setReadOnly(True)
        self.problems.setMaximumHeight(150)
        self.problems.setStyleSheet("QPlainTextEdit { background: #fff5f5; }")
        self.copy_problems = push_button("复制问题清单", lambda: self._copy(self.problems.toPlainText(), "问题清单"))
        problems_bar = QHBoxLayout()
        problems_bar.addWidget(self.problems_title, 1)
        problems_bar.addWidget(self.copy_problems, 0, Qt.AlignmentFlag.AlignBottom)
        self.problem_box = QWidget()
        problem_layout = QVBoxLayout(self.problem_box)
        problem_layout.setContentsMargins(0, 4, 0, 0)
        problem_layout.addLayout(problems_bar)
        problem_layout.addWidget(self.problems)
        self.problem_box.hide()

        self.tabs = QTabWidget()
        self.tabs.addTab(self._history(), "历史版本")
        self.tabs.addTab(self._placeholders(), "可用占位符")
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(8, 0, 0, 0)
        heading = QHBoxLayout()
        heading.addWidget(self.title)
        heading.addWidget(self.clause, 1, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(heading)
        layout.addWidget(self.in_use)
        layout.addLayout(buttons)
        layout.addWidget(self.problem_box)
        layout.addWidget(self.tabs, 1)
        return panel

    def _history(self) -> QWidget:
        self.history = read_only_table(["版本", "文件名", "说明", "上传时间", "上传人", "状态"], "templateHistory")
        self.history.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.history.horizontalHeader()
        for column in (0, 3, 4, 5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.history.setColumnWidth(1, 170)
        self.history.currentCellChanged.connect(lambda *_: self._enable())
        self.history_empty = QLabel()
        self.history_empty.setWordWrap(True)
        theme.set_text_color(self.history_empty, GREY)
        self.activate_button = push_button("启用此版本", self.activate_version)
        QShortcut(QKeySequence("Return"), self.history, activated=self.activate_version,
                  context=Qt.ShortcutContext.WidgetShortcut)
        bar = QHBoxLayout()
        bar.addWidget(self.history_empty, 1)
        bar.addWidget(self.activate_button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.history, 1)
        layout.addLayout(bar)
        return page

    def _placeholders(self) -> QWidget:
        help_text = QLabel(SYNTAX_HELP)
        help_text.setTextFormat(Qt.TextFormat.RichText)
        help_text.setWordWrap(True)
        help_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        theme.small(help_text)
        self.fields = read_only_table(["占位符", "含义"], "templatePlaceholders")
        self.fields.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.fields.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.fields.itemDoubleClicked.connect(lambda _item: self.copy_placeholders())
        QShortcut(QKeySequence.StandardKey.Copy, self.fields, activated=self.copy_placeholders,
                  context=Qt.ShortcutContext.WidgetShortcut)
        hint = QLabel("双击或按 Ctrl+C 复制所选占位符，粘贴到 Word 中。")
        theme.small(hint)
        theme.set_text_color(hint, GREY)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(help_text)
        layout.addWidget(self.fields, 1)
        layout.addWidget(hint)
        return page

    # Reading -------------------------------------------------------------

    def reload(self) -> None:
        self.runner.read(_load, self._show, lambda exc: show_error(self, exc), owner=self)

    def _show(self, states: list[KindState]) -> None:
        row = max(self.kinds.currentRow(), 0)
        self.states = states
        self.kinds.setRowCount(len(states))
        for n, state in enumerate(states):
            for column, text in enumerate((state.kind.label, state.label, state.uploaded)):
                item = QTableWidgetItem(text)
                if column == 1 and state.in_use:
                    item.setForeground(QBrush(QColor(theme.NAVY)))
                    item.setFont(_bold(item.font()))
                self.kinds.setItem(n, column, item)
        self.kinds.setCurrentCell(min(row, len(states) - 1), 0)
        self._show_kind()

    def _state(self) -> KindState | None:
        row = self.kinds.currentRow()
        return self.states[row] if 0 <= row < len(self.states) else None

    def _show_kind(self) -> None:
        state = self._state()
        if state is None:
            return
        if state.kind != self._problems_kind:
            self.problem_box.hide()  # the problems were another document's
        spec = SPECS[state.kind]
        self.title.setText(state.kind.label)
        self.clause.setText(f"　依据 {spec.clause}")
        self.in_use.setText(f"使用中：{state.label}" + (f"（{state.in_use.name}，{state.uploaded}）" if state.in_use else
                                                        "（程序自带的模板）"))
        self.history.setRowCount(len(state.versions))
        active_row = -1
        for n, v in enumerate(state.versions):
            texts = (f"第 {v.version} 版", v.name, v.note, clock.display(v.uploaded_at), v.uploaded_by,
                     IN_USE if v.active else "")
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if v.active:
                    item.setFont(_bold(item.font()))
                    item.setForeground(QBrush(QColor(GREEN)))
                self.history.setItem(n, column, item)
            if v.active:
                active_row = n
        self.history.setCurrentCell(active_row, 0 if active_row >= 0 else -1)  # none chosen when none is in use
        self.history_empty.setText("还没有上传过自己的模板，使用程序自带的模板。" if not state.versions else
                                   "" if state.in_use else "自定义的版本都未启用，使用程序自带的模板。")
        self.fields.setRowCount(0)
        for n, (tag, meaning) in enumerate(placeholder_rows(state.kind)):
            self.fields.insertRow(n)
            tag_item = QTableWidgetItem(tag)
            tag_item.setFont(QFont("monospace"))
            if tag.startswith("{%"):
                tag_item.setForeground(QBrush(QColor(theme.NAVY)))
            self.fields.setItem(n, 0, tag_item)
            self.fields.setItem(n, 1, QTableWidgetItem(meaning))
        self._enable()

    def _chosen_version(self) -> TemplateVersion | None:
        state, row = self._state(), self.history.currentRow()
        if state is None or not (0 <= row < len(state.versions)) or not self.history.selectedItems():
            return None
        return state.versions[row]

    def _enable(self) -> None:
        state = self._state()
        chosen = self._chosen_version()
        self.restore_button.setEnabled(state is not None and state.in_use is not None)
        self.activate_button.setEnabled(chosen is not None and not chosen.active)

    # Copying -------------------------------------------------------------

    def copy_placeholders(self) -> None:
        rows = sorted({i.row() for i in self.fields.selectedIndexes()})
        if rows:
            text = "\n".join(self.fields.item(r, 0).text() for r in rows)
            self._copy(text, text if len(rows) == 1 else f"{len(rows)} 个占位符")

    def _copy(self, text: str, what: str) -> None:
        QApplication.clipboard().setText(text)
        say(self.status, f"已复制 {what}。", GREY)

    # Asking (tests stand in for these) -------------------------------------

    def _ask_template_file(self, kind: DocumentKind) -> str:
        return QFileDialog.getOpenFileName(self, f"上传{kind.label}模板", str(documents_folder()),
                                           "Word 文档 (*.docx)")[0]

    def _ask_save_file(self, kind: DocumentKind, label: str) -> str:
        suggested = documents_folder() / safe_file_name(f"{kind.label}模板（{label}）.docx")
        return QFileDialog.getSaveFileName(self, f"下载{kind.label}模板", str(suggested), "Word 文档 (*.docx)")[0]

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    # Writing -------------------------------------------------------------

    def upload(self) -> None:
        state = self._state()
        if state is None:
            return
        name = self._ask_template_file(state.kind)
        if not name:
            return
        kind, path, note, actor = state.kind, Path(name), self.note.text(), self.actor
        self.upload_button.setEnabled(False)
        self.problem_box.hide()
        say(self.status, f"正在检查《{path.name}》…", GREY)

        def done(version: int) -> None:
            self.upload_button.setEnabled(True)
            self.note.clear()
            say(self.status, f"《{path.name}》已通过检查，{kind.label}现在使用自定义 第 {version} 版。")
            self.reload()

        def failed(exc: BaseException) -> None:
            self.upload_button.setEnabled(True)
            if not isinstance(exc, ValidationError):
                say(self.status, f"《{path.name}》未上传。", theme.ERROR)
                show_error(self, exc)
                return
            self._show_problems(kind, path.name, problems_of(exc), state.label)
            say(self.status, f"《{path.name}》未被采用，{kind.label}仍使用{state.label}模板。", theme.ERROR)

        self.runner.write(lambda: templates.install(actor, kind, path, note), done, failed, owner=self)

    def _show_problems(self, kind: DocumentKind, file_name: str, problems: list[str], label: str) -> None:
        self._problems_kind = kind
        count = f" {len(problems)} 处问题" if len(problems) > 1 else "问题"
        self.problems_title.setText(f"《{file_name}》有{count}，没有采用（仍使用{label}模板）。"
                                    "请在 Word 中改正后重新上传：")
        self.problems.setPlainText("\n".join(f"{n}. {p}" for n, p in enumerate(problems, 1)))
        self.problem_box.show()

    def download(self) -> None:
        state = self._state()
        if state is None:
            return
        name = self._ask_save_file(state.kind, state.label)
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() != ".docx":
            path = path.with_name(path.name + ".docx")
        kind = state.kind

        def save() -> None:
            write_atomically(path, templates.active(kind).content)

        self.runner.read(save, lambda _r: say(self.status, f"已把{kind.label}的{state.label}模板保存到 {path}。"
                                                            "可在 Word 或 WPS 中修改后再上传。"),
                         lambda exc: show_error(self, exc), owner=self)

    def restore(self) -> None:
        state = self._state()
        if state is None or state.in_use is None:
            return
        kind = state.kind
        if not self._confirm("恢复内置模板", f"{kind.label}改用程序自带的模板？\n\n"
                             f"自定义的各版本仍保留在历史版本中，可随时重新启用。"):
            return
        self.runner.write(lambda: templates.restore_builtin(self.actor, kind),
                          lambda _r: (say(self.status, f"{kind.label}已恢复使用内置模板。"), self.reload()),
                          lambda exc: show_error(self, exc), owner=self)

    def activate_version(self) -> None:
        state, chosen = self._state(), self._chosen_version()
        if state is None or chosen is None or chosen.active:
            return
        kind, version = state.kind, chosen.version
        self.runner.write(lambda: templates.activate(self.actor, kind, version),
                          lambda _r: (say(self.status, f"{kind.label}现在使用自定义 第 {version} 版。"), self.reload()),
                          lambda exc: show_error(self, exc), owner=self)


def _bold(font: QFont) -> QFont:
    font.setBold(True)
    return font
