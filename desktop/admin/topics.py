"""系统管理 · 问题分类: the admin edits the two-level topic tree the registration form offers."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.center import topics
from core.roles import Actor
from desktop.errors import show_error
from desktop.worker import Runner

ID_ROLE = Qt.ItemDataRole.UserRole


class TopicsView(QWidget):
    """The topic tree; the registration form hears its changes through the Runner (refresh_on_changes)."""

    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.tree = QTreeWidget()
        self.tree.setObjectName("topicTree")
        self.tree.setHeaderLabels(["问题分类", "状态"])
        self.tree.setColumnWidth(0, 320)
        self.tree.currentItemChanged.connect(lambda *_: self._enable())
        self.tree.itemDoubleClicked.connect(lambda *_: self.rename())

        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        for key, text, slot, shortcut in (
            ("add_group", "新增大类 (Ctrl+Shift+N)", self.add_group, "Ctrl+Shift+N"),
            ("add_child", "新增小类 (Ins)", self.add_child, "Ins"),
            ("rename", "改名 (F2)", self.rename, "F2"),
            ("toggle", "停用", self.toggle, "Del"),
            ("up", "上移 (Alt+↑)", lambda: self.move(-1), "Alt+Up"),
            ("down", "下移 (Alt+↓)", lambda: self.move(1), "Alt+Down"),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            bar.addWidget(button)
            self.buttons[key] = button
            QShortcut(QKeySequence(shortcut), self.tree, activated=slot,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        bar.addStretch(1)
        note = QLabel("问题分类分“大类 / 小类”两级，受理登记时选择小类。停用的分类不再出现在登记表中，"
                      "已登记工单的分类保持不变；改名后旧工单也显示新名称。")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(bar)
        layout.addWidget(self.tree, 1)
        self.reload()

    # Reading -------------------------------------------------------------

    def reload(self, select: int | None = None) -> None:
        current = select if select is not None else self._current_id()
        self.runner.read(topics.topic_tree, lambda nodes: self._show(nodes, current),
                         lambda exc: show_error(self, exc), owner=self)

    def _show(self, nodes: list[topics.TopicNode], select: int | None) -> None:
        self.tree.clear()
        chosen: QTreeWidgetItem | None = None
        for node in nodes:
            group = self._item(node, None)
            chosen = chosen or (group if node.id == select else None)
            for child in node.children:
                item = self._item(child, group)
                chosen = chosen or (item if child.id == select else None)
        self.tree.expandAll()
        self.tree.setCurrentItem(chosen or self.tree.topLevelItem(0))
        self._enable()

    def _item(self, node: topics.TopicNode, parent: QTreeWidgetItem | None) -> QTreeWidgetItem:
        item = QTreeWidgetItem([node.name, "" if node.active else "已停用"])
        item.setData(0, ID_ROLE, node.id)
        item.setData(1, ID_ROLE, node.active)
        if not node.active:
            for column in (0, 1):
                item.setForeground(column, QBrush(QColor("#8a8f98")))
        if parent is None:
            self.tree.addTopLevelItem(item)
        else:
            parent.addChild(item)
        return item

    def _current_id(self) -> int | None:
        item = self.tree.currentItem()
        return int(item.data(0, ID_ROLE)) if item else None

    def _enable(self) -> None:
        item = self.tree.currentItem()
        for key in ("add_child", "rename", "toggle", "up", "down"):
            self.buttons[key].setEnabled(item is not None)
        if item is not None:
            self.buttons["toggle"].setText("停用 (Del)" if item.data(1, ID_ROLE) else "重新启用 (Del)")

    # Writing -------------------------------------------------------------

    def _ask_name(self, title: str, label: str, text: str = "") -> str | None:
        name, ok = QInputDialog.getText(self, title, label, text=text)
        return name if ok else None

    def _write(self, fn: Callable[[], object], select_result: bool = False, retry: Callable[[], None] | None = None) -> None:
        def done(result: object) -> None:
            self.reload(select=result if select_result and isinstance(result, int) else None)

        def failed(exc: BaseException) -> None:
            show_error(self, exc)
            if retry is not None:
                retry()

        self.runner.write(fn, done, failed, owner=self)

    def add_group(self, name: str = "") -> None:
        typed = self._ask_name("新增大类", "大类名称：", name)
        if typed is not None:
            self._write(lambda: topics.add_topic(self.actor, None, typed), select_result=True,
                        retry=lambda: self.add_group(typed))

    def add_child(self, name: str = "") -> None:
        item = self.tree.currentItem()
        if item is None:
            return
        group = item.parent() or item  # on a 小类, add beside it
        typed = self._ask_name("新增小类", f"“{group.text(0)}”下的小类名称：", name)
        if typed is not None:
            group_id = int(group.data(0, ID_ROLE))
            self.tree.setCurrentItem(group)
            self._write(lambda: topics.add_topic(self.actor, group_id, typed), select_result=True,
                        retry=lambda: self.add_child(typed))

    def rename(self, name: str | None = None) -> None:
        topic_id = self._current_id()
        item = self.tree.currentItem()
        if topic_id is None or item is None:
            return
        typed = self._ask_name("改名", "新名称：", name if name is not None else item.text(0))
        if typed is not None and typed != item.text(0):
            self._write(lambda: topics.rename_topic(self.actor, topic_id, typed), retry=lambda: self.rename(typed))

    def toggle(self) -> None:
        item = self.tree.currentItem()
        topic_id = self._current_id()
        if item is None or topic_id is None:
            return
        active = not bool(item.data(1, ID_ROLE))
        self._write(lambda: topics.set_topic_active(self.actor, topic_id, active))

    def move(self, step: int) -> None:
        topic_id = self._current_id()
        if topic_id is not None:
            self._write(lambda: topics.move_topic(self.actor, topic_id, step))
