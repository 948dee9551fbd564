"""催办 / 督办 in the system tray: a notice for each ticket newly late, or urgent and near.

Every minute the reader scans the open clocks (core.deadlines.reminders.scan); what is new
(core.deadlines.reminders.to_announce) is shown, then remembered on the writer
(core.deadlines.reminders.mark_announced) so neither the next scan nor a restart shows it
again. Many at once make one summary. Clicking a notice or the icon emits
``activated``: the main window comes forward on its 工作台.

Where the platform has no tray (and offscreen in tests) the same notices still
go out as ``notice`` for the status bar; ``messages`` is plain logic, for tests.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from core import clock
from core.deadlines import reminders
from core.deadlines.reminders import Reminder
from desktop import theme
from desktop.worker import Runner

log = logging.getLogger("hotline.desktop.tray")

SCAN_MS = 60_000
MANY = 3  # more tickets than this in one scan: one summary instead of a notice each
SHOW_MS = 15_000


def _icon() -> QIcon:
    """A navy disc with 督 on it: the program has no icon file yet."""
    pixmap = QPixmap(64, 64)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(theme.NAVY))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(2, 2, 60, 60)
    font = QFont()
    font.setFamilies(theme.UI_FONTS)
    font.setPixelSize(38)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, "督")
    painter.end()
    return QIcon(pixmap)


def _one(r: Reminder) -> tuple[str, str]:
    late = r.level >= reminders.OVERDUE
    when = clock.display(r.due_at) + ("（暂定）" if r.provisional else "")
    title = f"{'紧急工单' if r.urgent else '工单'}{'超期' if late else '临近到期'}：{r.number}"
    text = f"{r.title}\n{r.unit_name} · {r.stage_label}时限 {when} · {r.level_label}"
    return title, text


def notices_for(new: list[Reminder]) -> list[tuple[str, str]]:
    """The notices for what ``to_announce`` found: (title, text) each, the most urgent first.

    A ticket with several clocks due (one per unit) is one notice, at its highest
    level; more than MANY tickets make one summary.
    """
    first: dict[int, Reminder] = {}
    for r in sorted(new, key=lambda r: (-r.level, not r.urgent, r.due_at)):
        first.setdefault(r.ticket_id, r)
    tickets = list(first.values())
    if len(tickets) <= MANY:
        return [_one(r) for r in tickets]
    late = [r for r in tickets if r.level >= reminders.OVERDUE]
    near = [r for r in tickets if r.level < reminders.OVERDUE]  # urgent ones only (to_announce)
    parts = []
    if late:
        urgent = sum(1 for r in late if r.urgent)
        parts.append(f"新增 {len(late)} 件超期工单" + (f"，其中紧急 {urgent} 件" if urgent else ""))
    if near:
        parts.append(f"{'另有' if late else '新增'} {len(near)} 件紧急工单临近到期")
    return [("催办督办提醒", "；".join(parts) + "。\n点击打开工作台查看。")]


class ReminderTray(QObject):
    activated = Signal()  # bring the window forward on its 工作台
    notice = Signal(str)  # each notice as one line, for the status bar

    def __init__(self, runner: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._busy = False
        self.icon: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon = QSystemTrayIcon(_icon(), self)
            self.icon.setToolTip("热线工作台 · 催办督办提醒")
            self.icon.messageClicked.connect(self.activated)
            self.icon.activated.connect(self._icon_activated)
            self.menu = QMenu()
            self.menu.addAction("打开工作台").triggered.connect(self.activated)
            self.menu.addAction("立即检查").triggered.connect(self.check)
            self.icon.setContextMenu(self.menu)
            self.icon.show()
        self.timer = QTimer(self, interval=SCAN_MS)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        """Check now, then every minute."""
        self.check()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        if self.icon is not None:
            self.icon.hide()

    def check(self) -> None:
        if self._busy:  # the last scan, or its marking, has not finished
            return
        self._busy = True
        self.runner.read(reminders.scan, self._announce, self._failed, owner=self)

    @staticmethod
    def messages(found: list[Reminder]) -> list[tuple[str, str]]:
        """What a scan's result would show: (title, text) for each notice; [] when nothing is new."""
        return notices_for(reminders.to_announce(found))

    def _announce(self, found: list[Reminder]) -> None:
        new = reminders.to_announce(found)
        if not new:
            self._busy = False
            return
        for title, text in notices_for(new):
            self.show(title, text)
        self.runner.write(lambda: reminders.mark_announced(new), self._marked, self._failed, owner=self)

    def show(self, title: str, text: str) -> None:
        self.notice.emit(f"{title} · {text.splitlines()[0]}")
        if self.icon is not None:
            self.icon.showMessage(title, text, QSystemTrayIcon.MessageIcon.Warning, SHOW_MS)

    def _marked(self, _result: object) -> None:
        self._busy = False

    def _failed(self, exc: BaseException) -> None:
        # A minute later it tries again; a dialog each minute would be worse than a line in the log.
        self._busy = False
        log.warning("reminder scan failed: %s", exc)

    def _icon_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.activated.emit()
