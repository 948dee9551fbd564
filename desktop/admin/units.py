"""系统管理 · 承办单位: the admin keeps the tree of handling units (core.units.tree, core.units.import_export).

Left the tree with a filter (name, pinyin initials, matter or keyword), right the
chosen unit's form. Units are retired with a reason, never deleted. An Excel or
CSV import is checked in full first (a dry run) and its report shown; only then
may the admin confirm it.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.units import tree as units
from core.units import import_export as units_io
from core.errors import ValidationError
from core.roles import Actor
from core.units.tree import UnitNode
from desktop import theme
from desktop.admin.imports import UnitFiles
from desktop.widgets.parts import GREY
from desktop.admin.unit_form import UnitForm
from desktop.errors import show_error
from desktop.widgets.pickers import Prepared, prepare
from desktop.worker import Runner

ID_ROLE = Qt.ItemDataRole.UserRole
RETIRED = "#8a8f98"


def matches(node: UnitNode, needle: str) -> bool:
    """The filter box: part of the name, the pinyin initials (``csgl``), a matter or a keyword."""
    return (needle in node.name.casefold() or (needle.isascii() and needle in node.initials)
            or any(needle in t.casefold() for t in node.matters + node.keywords))


def _load_tree() -> tuple[list[UnitNode], dict[int, str], Prepared]:
    """The units, their duty phones, and the parent picker's items."""
    nodes = units.unit_tree(include_retired=True)
    # UnitNode has no phone; export_rows walks the same tree in the same order, in one query.
    rows = units_io.export_rows()
    phones = {n.id: r["duty_phone"] for n, r in zip(nodes, rows)
              if (r["parent"], r["name"]) == (n.path.rpartition("/")[0], n.name)}
    # Retired units are listed too: a retired unit under a retired parent must keep it when edited.
    return nodes, phones, prepare([(n.path + ("" if n.active else "（已停用）"), n.id) for n in nodes])


class UnitsView(UnitFiles, QWidget):
    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.nodes: dict[int, UnitNode] = {}
        self.items: dict[int, QTreeWidgetItem] = {}
        self._reverting = False

        self.filter = QLineEdit()
        self.filter.setObjectName("unitFilter")
        self.filter.setPlaceholderText("筛选：名称、拼音首字母（如 csgl）、职责事项或关键词")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(lambda _t: self._apply_filter())
        self.show_retired = QCheckBox("显示已停用")
        self.show_retired.toggled.connect(lambda _c: self._apply_filter())
        self.tree = QTreeWidget()
        self.tree.setObjectName("unitTree")
        self.tree.setHeaderLabels(["单位名称", "类别", "值班电话", "状态"])
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the name takes what is left
        for column, width in ((1, 150), (2, 115), (3, 60)):
            self.tree.setColumnWidth(column, width)
        self.tree.currentItemChanged.connect(self._chosen)

        self.form = UnitForm()
        self.form.save_requested.connect(self.save)
        self.form.revert_requested.connect(self._revert)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        for key, text, slot, keys in (
            ("add_child", "新增下级 (Ins)", self.add_child, "Ins"),
            ("add_sibling", "新增同级 (Shift+Ins)", self.add_sibling, "Shift+Ins"),
            ("toggle", "停用… (Del)", self.toggle_active, "Del"),
            ("import", "从 Excel 导入…", self.import_file, ""),
            ("export", "导出…", self.export_file, ""),
        ):
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            bar.addWidget(button)
            self.buttons[key] = button
            if keys:
                QShortcut(QKeySequence(keys), self.tree, activated=slot, context=Qt.ShortcutContext.WidgetShortcut)
        bar.addStretch(1)
        QShortcut(QKeySequence("F5"), self, activated=self.reload, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.filter.setFocus,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.counts = QLabel()
        self.counts.setObjectName("unitCounts")
        theme.set_text_color(self.counts, GREY)
        self.status = QLabel()  # what an import or export did
        self.status.setObjectName("unitsStatus")
        self.status.setWordWrap(True)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.show_retired)
        left_layout.addLayout(top)
        left_layout.addWidget(self.tree, 1)
        left_layout.addWidget(self.counts)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.form)
        split.setSizes([590, 520])
        split.setChildrenCollapsible(False)
        note = QLabel("承办单位不使用本程序：派单时选择单位，按其值班电话、邮箱通知。停用的单位不再出现在派单选择中，"
                      "已派给它的工单不受影响。Ins 新增下级 · Shift+Ins 新增同级 · Del 停用/启用 · Ctrl+S 保存 · Ctrl+F 筛选")
        note.setWordWrap(True)
        theme.small(note)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)
        self._enable()
        self.reload()

    # Reading -------------------------------------------------------------

    def reload(self, select: int | None = None) -> None:
        wanted = select if select is not None else self.current_id()
        self.runner.read(_load_tree, lambda loaded: self._show(*loaded, wanted), lambda exc: show_error(self, exc),
                         owner=self)

    def _show(self, nodes: list[UnitNode], phones: dict[int, str], parents: Prepared, select: int | None) -> None:
        self.form.set_parents(parents)
        self.nodes = {n.id: n for n in nodes}
        self._reverting = True  # rebuilding is not the admin choosing
        self.tree.clear()
        self.items = {}
        for node in nodes:
            item = QTreeWidgetItem([node.name, node.kind.label, phones.get(node.id, ""), "在用" if node.active else "已停用"])
            item.setData(0, ID_ROLE, node.id)
            if not node.active:
                for column in range(4):
                    item.setForeground(column, QBrush(QColor(RETIRED)))
            parent = self.items.get(node.parent_id) if node.parent_id is not None else None
            (parent.addChild(item) if parent is not None else self.tree.addTopLevelItem(item))
            self.items[node.id] = item
        self._reverting = False
        self._apply_filter()
        target = self.items.get(select) if select is not None else None
        if target is not None and target.isHidden() and self.filter.text():
            self.filter.clear()  # the unit just saved must be seen, even if the filter would hide it
        if target is not None and not target.isHidden():
            self.tree.setCurrentItem(target)
        elif self.tree.currentItem() is None and self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self._enable()

    def _apply_filter(self) -> None:
        """Show the units that match and the path down to each; the matches in bold."""
        needle = unicodedata.normalize("NFKC", self.filter.text()).strip().casefold()
        retired = self.show_retired.isChecked()
        hits = [n for n in self.nodes.values() if (n.active or retired) and (not needle or matches(n, needle))]
        shown: set[int] = set()
        for node in hits:
            at: UnitNode | None = node
            while at is not None and at.id not in shown:
                shown.add(at.id)
                at = self.nodes.get(at.parent_id) if at.parent_id is not None else None
        bold = {n.id for n in hits} if needle else set()
        for unit_id, item in self.items.items():
            item.setHidden(unit_id not in shown)
            font = item.font(0)
            font.setBold(unit_id in bold)
            item.setFont(0, font)
        self.tree.expandAll()
        retired_count = sum(1 for n in self.nodes.values() if not n.active)
        self.counts.setText(f"筛选出 {len(hits)} 个单位" if needle else
                            f"共 {len(self.nodes)} 个单位，其中已停用 {retired_count} 个")
        current = self.current_id()
        if needle and hits and current not in bold and not self.form.dirty:
            self.tree.setCurrentItem(self.items[hits[0].id])

    def current_id(self) -> int | None:
        item = self.tree.currentItem()
        return int(item.data(0, ID_ROLE)) if item is not None else None

    def _chosen(self, item: QTreeWidgetItem | None, previous: QTreeWidgetItem | None) -> None:
        if self._reverting:
            return
        if self.form.dirty:
            if not self._discard():
                self._reverting = True
                self.tree.setCurrentItem(previous)
                self._reverting = False
                return
            self.form.mark_saved()  # dropped: the unit chosen may replace the fields
        self._enable()
        unit_id = self.current_id()
        if unit_id is None:
            return

        def show(detail: units.UnitDetail) -> None:
            if self.current_id() == detail.id and not self.form.dirty:
                self.form.load(detail)

        self.runner.read(lambda: units.get_unit(unit_id), show, lambda exc: show_error(self, exc), owner=self)

    def _enable(self) -> None:
        node = self.nodes.get(self.current_id() or -1)
        for key in ("add_child", "add_sibling", "toggle"):
            self.buttons[key].setEnabled(node is not None)
        if node is not None:
            self.buttons["toggle"].setText("停用… (Del)" if node.active else "重新启用 (Del)")
            self.buttons["add_child"].setEnabled(node.active)

    # Asking (tests stand in for these) -------------------------------------

    def _discard(self) -> bool:
        answer = QMessageBox.question(self, "放弃修改？", "当前单位有未保存的修改，确定放弃吗？",
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _ask_reason(self, name: str, text: str = "", error: str = "") -> str | None:
        prompt = f"停用“{name}”的原因（如：机构改革，职责并入区城市管理局）：" + (f"\n\n⚠ {error}" if error else "")
        reason, ok = QInputDialog.getText(self, "停用承办单位", prompt, text=text)
        return reason if ok else None

    # Writing -------------------------------------------------------------

    def _write(self, fn: Callable[[], object], done: Callable[[object], None],
               failed: Callable[[BaseException], None] | None = None) -> None:
        self.runner.write(fn, done, failed or (lambda exc: show_error(self, exc)), owner=self)

    def add_child(self) -> None:
        node = self.nodes.get(self.current_id() or -1)
        if node is not None and node.active and (not self.form.dirty or self._discard()):
            self.form.start_new(node.id, node.path, node.kind.value)

    def add_sibling(self) -> None:
        node = self.nodes.get(self.current_id() or -1)
        if node is None or (self.form.dirty and not self._discard()):
            return
        parent = self.nodes.get(node.parent_id) if node.parent_id is not None else None
        self.form.start_new(node.parent_id, parent.path if parent else "", node.kind.value)

    def save(self) -> None:
        if not self.form.isEnabled() or not self.form.save_button.isEnabled():
            return
        typed = self.form.unknown_parent()
        if typed:
            self.form.show_errors({"parent_id": f"上级单位“{typed}”不在列表中，请从列表中选择，或清空表示最上级"})
            return
        data, unit_id = self.form.gather(), self.form.unit_id
        self.form.clear_errors()
        self.form.say("正在保存…")
        self.form.save_button.setEnabled(False)

        def saved(result: object) -> None:
            self.form.save_button.setEnabled(True)
            self.form.mark_saved()
            new_id = result if unit_id is None else unit_id
            self.form.unit_id = new_id  # type: ignore[assignment]
            self.form.say("已保存。" if unit_id is None or result else "没有改动。")
            self.reload(select=new_id)  # type: ignore[arg-type]

        def failed(exc: BaseException) -> None:
            self.form.save_button.setEnabled(True)
            if isinstance(exc, ValidationError):
                self.form.show_errors(exc.fields)
            else:
                self.form.say("未保存，填写的内容仍在。", error=True)
                show_error(self, exc)

        if unit_id is None:
            self._write(lambda: units.create_unit(self.actor, data), saved, failed)
        else:
            self._write(lambda: units.update_unit(self.actor, unit_id, data), saved, failed)

    def _revert(self) -> None:
        unit_id = self.form.unit_id if self.form.unit_id is not None else self.current_id()
        if unit_id is None:
            return
        self.form.mark_saved()  # so the reload below may replace the fields
        self.runner.read(lambda: units.get_unit(unit_id), self.form.load, lambda exc: show_error(self, exc), owner=self)

    def toggle_active(self, reason: str = "", error: str = "") -> None:
        node = self.nodes.get(self.current_id() or -1)
        if node is None:
            return
        if not node.active:
            self._write(lambda: units.restore_unit(self.actor, node.id), lambda _r: self.reload(select=node.id))
            return
        typed = self._ask_reason(node.name, reason, error)
        if typed is None:
            return

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ValidationError):  # ask again, keeping what was typed
                self.toggle_active(typed, "；".join(exc.fields.values()))
            else:
                show_error(self, exc)

        def retired(_result: object) -> None:
            self.show_retired.setChecked(True)  # the admin sees what was retired, and may restore it
            self.reload(select=node.id)

        self._write(lambda: units.retire_unit(self.actor, node.id, typed), retired, failed)
