"""A ticket's details in the order of 12345 appendix D, and the timeline of its events."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.roles import Actor
from core.tickets.reads import TicketDetail
from desktop.worker import Runner


def _readonly_text(value: str, height: int) -> QPlainTextEdit:
    box = QPlainTextEdit(value)
    box.setReadOnly(True)
    box.setMinimumHeight(height)
    return box


class TicketDetailDialog(QDialog):
    def __init__(self, detail: TicketDetail, parent: QWidget | None = None, actor: Actor | None = None,
                 runner: Runner | None = None) -> None:
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

        timeline = QTreeWidget()
        timeline.setObjectName("timeline")
        timeline.setHeaderLabels(["时间", "环节", "经办人", "说明"])
        timeline.setRootIsDecorated(False)
        for entry in detail.timeline:
            QTreeWidgetItem(timeline, [entry.at, entry.kind, entry.actor, entry.summary])
        for col, width in enumerate((130, 110, 80)):
            timeline.setColumnWidth(col, width)
        tabs = QTabWidget()
        tabs.setObjectName("detailTabs")
        tabs.addTab(timeline, "办理经过")
        self.documents = None
        if actor is not None and runner is not None:  # 文书: issue, look at and print this ticket's documents
            from desktop.documents.panel import DocumentsPanel

            self.documents = DocumentsPanel(actor, runner)
            self.documents.in_tab()
            self.documents.counted.connect(lambda n: tabs.setTabText(1, f"文书（{n}）"))
            self.documents.install_keys(self)
            self.documents.show_ticket(detail.id)
            tabs.addTab(self.documents, "文书")
        layout.addWidget(tabs, 1)

        close = QPushButton("关闭 (Esc)")  # a QDialogButtonBox says "Close": Qt's own words are not translated
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
