"""A ticket's details in the order of 12345 appendix D, and the timeline of its events."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.tickets import TicketDetail


def _readonly_text(value: str, height: int) -> QPlainTextEdit:
    box = QPlainTextEdit(value)
    box.setReadOnly(True)
    box.setMinimumHeight(height)
    return box


class TicketDetailDialog(QDialog):
    def __init__(self, detail: TicketDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"工单 {detail.number}")
        self.resize(820, 720)
        layout = QVBoxLayout(self)

        if detail.masked:
            note = QLabel("该诉求人要求保密，姓名和联系方式已隐藏（您的账号无查看权限）。")
            note.setStyleSheet("color:#8a6d3b; background:#fcf8e3; padding:4px;")
            layout.addWidget(note)

        fields = QGroupBox("工单信息")
        form = QFormLayout(fields)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for label, value in detail.fields:
            text = QLabel(value)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setWordWrap(True)
            form.addRow(f"{label}：", text)
        layout.addWidget(fields)

        layout.addWidget(QLabel("主要内容："))
        layout.addWidget(_readonly_text(detail.content, 90))
        if detail.reply:
            layout.addWidget(QLabel("答复内容："))
            layout.addWidget(_readonly_text(detail.reply, 60))
        if detail.attachments:
            names = "、".join(f"{a.name}（{a.size // 1024 + 1} KB）" for a in detail.attachments)
            layout.addWidget(QLabel(f"附件：{names}"))

        layout.addWidget(QLabel("办理经过："))
        timeline = QTreeWidget()
        timeline.setObjectName("timeline")
        timeline.setHeaderLabels(["时间", "环节", "经办人", "说明"])
        timeline.setRootIsDecorated(False)
        for entry in detail.timeline:
            QTreeWidgetItem(timeline, [entry.at, entry.kind, entry.actor, entry.summary])
        for col, width in enumerate((130, 110, 80)):
            timeline.setColumnWidth(col, width)
        layout.addWidget(timeline, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
