"""The form beside the unit tree: one handling unit's fields, each with its message under it.

It gathers a core.units.tree.UnitInput and shows what core said was wrong; it
decides nothing itself. A refused save keeps every field as typed.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.units.tree import UnitDetail, UnitInput
from core.vocab import UnitKind
from desktop import theme
from desktop.widgets.parts import GREEN, error_label, say
from desktop.widgets.inputs import ComboBox
from desktop.widgets.pickers import PinyinPicker, Prepared

TERMS_HINT = "多项用顿号、逗号或换行分开"
# A new unit's likely kind under a parent of this kind: a convenience, the admin may change it.
CHILD_KIND = {UnitKind.DISTRICT.value: UnitKind.DEPARTMENT.value, UnitKind.STREET.value: UnitKind.COMMUNITY.value}


class UnitForm(QWidget):
    save_requested = Signal()
    revert_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.unit_id: int | None = None  # None: a new unit
        self._loaded = UnitInput("", "")
        self.heading = QLabel()
        font = self.heading.font()
        font.setBold(True)
        font.setPixelSize(15)
        self.heading.setFont(font)
        self.heading.setWordWrap(True)

        self.name = QLineEdit()
        self.kind = ComboBox()
        for kind in UnitKind:
            self.kind.addItem(kind.label, kind.value)
        self.parent_picker = PinyinPicker(placeholder="留空为最上级单位；可输入名称或拼音首字母")
        self.contact = QLineEdit()
        self.duty_phone = QLineEdit()
        self.duty_phone.setPlaceholderText("如 025-84001234、96777")
        self.email = QLineEdit()
        self.email.setPlaceholderText("如 xwcg@example.gov.cn")
        self.address = QLineEdit()
        self.matters = QPlainTextEdit()
        self.keywords = QPlainTextEdit()
        for box, hint in ((self.matters, f"该单位负责的事项，对应问题分类，如：噪声污染、占道经营（{TERMS_HINT}）"),
                          (self.keywords, f"诉求中常见的说法、路名、地名，用于派单推荐（{TERMS_HINT}）")):
            box.setPlaceholderText(hint)
            box.setTabChangesFocus(True)
            box.setFixedHeight(64)
        self.fields: dict[str, QWidget] = {
            "name": self.name, "kind": self.kind, "parent_id": self.parent_picker, "contact": self.contact,
            "duty_phone": self.duty_phone, "email": self.email, "address": self.address,
            "matters": self.matters, "keywords": self.keywords,
        }
        labels = {"name": "单位名称", "kind": "单位类别", "parent_id": "上级单位", "contact": "联系人",
                  "duty_phone": "值班电话", "email": "电子邮箱", "address": "地址", "matters": "职责事项",
                  "keywords": "关键词"}
        for name, editor in self.fields.items():
            editor.setObjectName(f"unit_{name}")
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name, editor in self.fields.items():
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(editor)
            self.errors[name] = error_label()
            box.addWidget(self.errors[name])
            form.addRow(labels[name], box)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.save_button = QPushButton("保存 (Ctrl+S)")
        self.save_button.setStyleSheet(theme.PRIMARY_SHEET)
        self.revert_button = QPushButton("撤销修改")
        for button in (self.save_button, self.revert_button):
            button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save_requested)
        self.revert_button.clicked.connect(self.revert_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.setEnabled(False)

    # Filling -------------------------------------------------------------

    def set_parents(self, rows: Prepared) -> None:
        self.parent_picker.set_prepared(rows)

    def load(self, detail: UnitDetail) -> None:
        """Show a stored unit for editing; the unit just saved keeps its 已保存 line."""
        if detail.id != self.unit_id:
            self.status.clear()
        self.unit_id = detail.id
        self.heading.setText(f"修改：{detail.path}" + ("（已停用）" if not detail.active else ""))
        self._fill(detail.as_input())

    def start_new(self, parent_id: int | None, parent_path: str, kind: str) -> None:
        """An empty form for a unit to add under ``parent_id`` (None: at the top)."""
        self.unit_id = None
        self.status.clear()
        self.heading.setText(f"新增单位：在“{parent_path}”之下" if parent_path else "新增单位：最上级")
        self._fill(UnitInput("", CHILD_KIND.get(kind, kind) or UnitKind.DEPARTMENT.value, parent_id))
        self.name.setFocus()

    def _fill(self, data: UnitInput) -> None:
        self.setEnabled(True)
        self.clear_errors()
        self.name.setText(data.name)
        self.kind.setCurrentIndex(max(self.kind.findData(data.kind), 0))
        self.parent_picker.set_value(data.parent_id)
        self.contact.setText(data.contact)
        self.duty_phone.setText(data.duty_phone)
        self.email.setText(data.email)
        self.address.setText(data.address)
        self.matters.setPlainText("、".join(data.matters))
        self.keywords.setPlainText("、".join(data.keywords))
        self._loaded = self.gather()

    # Reading back --------------------------------------------------------

    def gather(self) -> UnitInput:
        return UnitInput(
            name=self.name.text(), kind=self.kind.currentData() or "", parent_id=self.parent_picker.value(),  # type: ignore[arg-type]
            contact=self.contact.text(), duty_phone=self.duty_phone.text(), email=self.email.text(),
            address=self.address.text(), matters=[self.matters.toPlainText()], keywords=[self.keywords.toPlainText()],
        )

    def unknown_parent(self) -> str:
        """Text typed as the parent that names no unit ('' when the choice is clear)."""
        text = self.parent_picker.currentText().strip()
        return text if text and self.parent_picker.value() is None else ""

    @property
    def dirty(self) -> bool:
        return self.isEnabled() and self.gather() != self._loaded

    def mark_saved(self) -> None:
        self._loaded = self.gather()

    # Messages ------------------------------------------------------------

    def clear_errors(self) -> None:
        for name, label in self.errors.items():
            label.hide()
            theme.mark_invalid(self.fields[name], False)

    def show_errors(self, problems: dict[str, str]) -> None:
        self.clear_errors()
        for name, message in problems.items():
            if name in self.errors:
                self.errors[name].setText(message)
                self.errors[name].show()
                theme.mark_invalid(self.fields[name], True)
        unplaced = [m for n, m in problems.items() if n not in self.errors]
        self.say("未保存：" + ("；".join(unplaced) if unplaced else f"{len(problems)} 处需要修改，已在对应栏目下标出。"),
                 error=True)
        first = next((self.fields[n] for n in self.fields if n in problems), None)
        if first is not None:
            first.setFocus()

    def say(self, text: str, error: bool = False) -> None:
        say(self.status, text, theme.ERROR if error else GREEN)
