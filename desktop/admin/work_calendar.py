"""系统管理 · 工作日历: a year's holidays and make-up working days, the State Council notice
imported, and the admin's own corrections (core.deadlines.workcalendar, core.deadlines.holiday_notice).

A red banner says what to import now (core.deadlines.workcalendar.alerts): deadlines that
run into a year nobody has given us are provisional until its notice arrives.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core import clock
from core.deadlines import workcalendar
from core.deadlines import holiday_notice
from core.deadlines.holiday_notice import ImportReport
from core.errors import ValidationError
from core.roles import Actor
from core.deadlines.workcalendar import DayInfo, YearInfo
from desktop import theme
from desktop.admin.imports import ImportReportDialog
from desktop.widgets.parts import GREEN, GREY, error_label, say
from desktop.errors import show_error
from desktop.widgets.inputs import ComboBox, DateEdit, SpinBox
from desktop.worker import Runner

BANNER_SHEET = f"background: {theme.ERROR}; color: white; padding: 8px; font-weight: bold;"
OFF, WORK = "放假", "上班"


def _load(year: int) -> tuple[YearInfo, list[DayInfo], list[str], list[int]]:
    calendar = workcalendar.current()
    return (workcalendar.year_info(year), workcalendar.year_days(year), workcalendar.alerts(clock.now().date()),
            calendar.known_years())


def _years_text(years: list[int]) -> str:
    """2004–2026、2028: runs of years joined."""
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return "、".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs) or "无"


class CalendarView(QWidget):
    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.days: list[DayInfo] = []
        self._select: dt.date | None = None  # the day to choose once the year is shown

        self.banner = QLabel()
        self.banner.setObjectName("calendarAlerts")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_SHEET)
        self.banner.hide()

        self.year = SpinBox()
        self.year.setObjectName("calendarYear")
        self.year.setRange(1990, 2200)
        self.year.setValue(clock.now().year)
        self.year.setKeyboardTracking(False)  # typing 2027 does not load 2, 20, 202 on the way
        self.year.valueChanged.connect(lambda _y: self.reload(self._select))
        self.year_state = QLabel()
        self.year_state.setObjectName("calendarYearState")
        self.year_state.setWordWrap(True)
        self.known = QLabel()
        theme.small(self.known)
        import_button = QPushButton("导入放假通知…")
        import_button.setStyleSheet(theme.PRIMARY_SHEET)
        import_button.clicked.connect(self.import_notice)
        top = QHBoxLayout()
        top.addWidget(QLabel("年份"))
        top.addWidget(self.year)
        top.addWidget(self.year_state, 1)
        top.addWidget(import_button)

        self.table = QTableWidget(0, 5)
        self.table.setObjectName("calendarDays")
        self.table.setHorizontalHeaderLabels(["日期", "星期", "安排", "名称", "来源"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        for column, width in enumerate((110, 60, 110, 0, 110)):
            if width:
                self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.currentCellChanged.connect(lambda row, *_: self._row_chosen(row))
        QShortcut(QKeySequence("Del"), self.table, activated=self.clear_day, context=Qt.ShortcutContext.WidgetShortcut)

        self.empty = QLabel()
        self.empty.setObjectName("calendarEmpty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        theme.set_text_color(self.empty, GREY)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.table)
        self.pages.addWidget(self.empty)

        self.status = QLabel()
        self.status.setObjectName("calendarStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        left = QVBoxLayout()
        left.addWidget(self.pages, 1)
        left.addWidget(self.known)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(self._day_box())
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        layout.addWidget(self.status)
        self.reload()

    def _day_box(self) -> QGroupBox:
        box = QGroupBox("设置某一天")
        box.setFixedWidth(360)
        self.day = DateEdit()
        self.day.setObjectName("calendarDay")
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setCalendarPopup(True)
        self.day.setDate(QDate(self.year.value(), 1, 1))
        self.off = ComboBox()
        self.off.setObjectName("calendarOff")
        self.off.addItem(OFF, True)
        self.off.addItem(f"{WORK}（含调休上班）", False)
        self.name = QLineEdit()
        self.name.setObjectName("calendarName")
        self.name.setPlaceholderText("如 春节、春节调休上班")
        self.name_error = error_label()
        self.note = QLineEdit()
        self.note.setPlaceholderText("为什么改，记入操作日志（可不填）")
        self.name.returnPressed.connect(self.set_day)
        self.note.returnPressed.connect(self.set_day)
        save = QPushButton("保存这一天")
        save.setAutoDefault(False)
        save.clicked.connect(self.set_day)
        self.clear_button = QPushButton("清除所选日期的设置 (Del)")
        self.clear_button.setAutoDefault(False)
        self.clear_button.clicked.connect(self.clear_day)
        names = QVBoxLayout()
        names.setSpacing(2)
        names.addWidget(self.name)
        names.addWidget(self.name_error)
        form = QFormLayout()
        form.addRow("日期", self.day)
        form.addRow("安排", self.off)
        form.addRow("名称", names)
        form.addRow("说明", self.note)
        hint = QLabel("管理员的设置优先于放假通知和程序内置数据。清除后，这一天回到放假通知或内置数据的安排；"
                      "内置数据的日期不能清除，只能用设置覆盖。")
        hint.setWordWrap(True)
        theme.small(hint)
        layout = QVBoxLayout(box)
        layout.addLayout(form)
        layout.addWidget(save)
        layout.addSpacing(12)
        layout.addWidget(self.clear_button)
        layout.addWidget(hint)
        layout.addStretch(1)
        return box

    # Reading -------------------------------------------------------------

    def reload(self, select: dt.date | None = None) -> None:
        year = self.year.value()
        self._select = select or self._selected_day()
        self.runner.read(lambda: _load(year), lambda loaded: self._show(year, *loaded),
                         lambda exc: show_error(self, exc), owner=self)

    def _show(self, year: int, info: YearInfo, days: list[DayInfo], alerts: list[str], known: list[int]) -> None:
        if year != self.year.value():
            return  # the admin has moved on to another year
        self.banner.setText("\n".join(alerts))
        self.banner.setVisible(bool(alerts))
        self.year_state.setText(info.describe())
        theme.set_text_color(self.year_state, GREEN if info.known else theme.ERROR)
        self.known.setText(f"已知年份：{_years_text(known)}")
        self.days = days
        self.empty.setText(f"{year} 年还没有任何放假和调休安排。\n\n国务院办公厅的放假通知通常在前一年 11–12 月发布。"
                           "请点右上角“导入放假通知…”，选择 holiday-cn 的 .json 文件或日历 .ics 文件。")
        self.pages.setCurrentWidget(self.table if days else self.empty)
        if self.day.date().year() != year:
            self.day.setDate(QDate(year, 1, 1))
        self.table.setRowCount(len(days))
        for row, d in enumerate(days):
            kind = OFF if d.off else "上班（调休）" if d.make_up else WORK
            source = workcalendar.SOURCE_LABELS.get(d.source, d.source)
            for column, text in enumerate((d.day.isoformat(), workcalendar.WEEKDAY_NAMES[d.day.weekday()], kind,
                                           d.name, source)):
                item = QTableWidgetItem(text)
                if column == 2:
                    item.setForeground(QBrush(QColor(theme.ERROR if d.off else theme.NAVY)))
                self.table.setItem(row, column, item)
        rows = [i for i, d in enumerate(days) if d.day == self._select]
        if rows:
            self.table.selectRow(rows[0])
            self.table.scrollToItem(self.table.item(rows[0], 0))
        self._enable()

    def _selected_day(self) -> dt.date | None:
        row = self.table.currentRow()
        return self.days[row].day if 0 <= row < len(self.days) else None

    def _row_chosen(self, row: int) -> None:
        if 0 <= row < len(self.days):
            d = self.days[row]
            self.day.setDate(QDate(d.day.year, d.day.month, d.day.day))
            self.off.setCurrentIndex(0 if d.off else 1)
            self.name.setText(d.name)
        self._enable()

    def _enable(self) -> None:
        row = self.table.currentRow()
        self.clear_button.setEnabled(0 <= row < len(self.days) and self.days[row].source != workcalendar.SOURCE_BUILTIN)

    # Writing -------------------------------------------------------------

    def set_day(self) -> None:
        day = self.day.date().toPython()
        off, name, note = bool(self.off.currentData()), self.name.text(), self.note.text()
        self.name_error.hide()
        theme.mark_invalid(self.name, False)

        def done(saved: DayInfo) -> None:
            self.note.clear()
            say(self.status, f"已设置 {saved.day.isoformat()}：{saved.describe()}。")
            self._go_to(saved.day)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ValidationError):  # the fields stay as typed
                self.name_error.setText("；".join(exc.fields.values()))
                self.name_error.show()
                theme.mark_invalid(self.name, True)
                self.name.setFocus()
            else:
                show_error(self, exc)

        self.runner.write(lambda: workcalendar.set_day(self.actor, day, off, name, note), done, failed, owner=self)

    def clear_day(self) -> None:
        day = self._selected_day()
        if day is None or not self.clear_button.isEnabled():
            return
        self.runner.write(lambda: workcalendar.clear_day(self.actor, day),
                          lambda _r: (say(self.status, f"已清除 {day.isoformat()} 的设置。"), self.reload()),
                          lambda exc: show_error(self, exc), owner=self)

    def _go_to(self, day: dt.date) -> None:
        """Show ``day``'s year with ``day`` chosen."""
        self._select = day
        if self.year.value() != day.year:
            self.year.setValue(day.year)  # reloads
        else:
            self.reload(day)

    def _ask_notice_file(self) -> str:
        return QFileDialog.getOpenFileName(self, "导入放假通知", "", "放假通知 (*.json *.ics);;所有文件 (*)")[0]

    def _show_report(self, report: ImportReport) -> None:
        ImportReportDialog("放假通知已导入", report.summary(), [], None, self).exec()

    def import_notice(self) -> None:
        name = self._ask_notice_file()
        if not name:
            return
        path = Path(name)
        say(self.status, f"正在导入《{path.name}》…", GREY)

        def done(report: ImportReport) -> None:
            say(self.status, report.summary())
            if report.years:
                self._go_to(dt.date(report.years[-1], 1, 1))
            self._show_report(report)

        def failed(exc: BaseException) -> None:
            say(self.status, f"《{path.name}》未导入。", theme.ERROR)
            show_error(self, exc)

        self.runner.write(lambda: holiday_notice.import_notice(self.actor, path), done, failed, owner=self)
