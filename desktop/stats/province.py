"""统计分析 at the province: each district's figures side by side (12345 6.4.1.2 a, d; 6.4.1.3 b)."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core import clock
from core.stats import province as province_stats
from core.stats.province import DistrictFigures
from core.roles import Actor
from core.vocab import Category
from desktop import theme
from desktop.widgets.parts import GREY, fill_table, hint_label, panel_shortcut, read_only_table
from desktop.widgets.forms import push_button
from desktop.errors import show_error
from desktop.widgets.inputs import DateEdit
from desktop.worker import LatestRead, Runner, refresh_on_changes

COLUMNS = ["区县", "代码", "受理总量", *(c.label for c in Category), "办理中", "已办结", "不予受理", "办结率",
           "超期未办结", "超期办理"]


def _date_edit(day: dt.date) -> QDateEdit:
    edit = DateEdit(QDate(day.year, day.month, day.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def figures_row(f: DistrictFigures) -> list[object]:
    rate = f"{f.closed_rate:.1%}" if f.closed_rate is not None else "—"
    return [f.name, f.code, f"{f.received:,}", *(f"{f.by_category.get(c.value, 0):,}" for c in Category),
            f"{f.open:,}", f"{f.closed:,}", f"{f.not_accepted:,}", rate, f"{f.overdue_open:,}", f"{f.handled_late:,}"]


class ProvinceStatsView(QWidget):
    def __init__(self, actor: Actor, runner: Runner, today: dt.date | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        refresh_on_changes(self, runner, lambda c: c.tickets or c.exchange, self.refresh)
        self.actor = actor
        self.runner = runner
        today = today or clock.today()
        self.date_from = _date_edit(today.replace(day=1))
        self.date_from.setObjectName("statsFrom")
        self.date_to = _date_edit(today)
        self.date_to.setObjectName("statsTo")
        self.run_button = push_button("统计 (F5)", self.refresh, primary=True)
        self.note = QLabel()
        self.note.setObjectName("statsNote")
        self.note.setWordWrap(True)
        bar = QHBoxLayout()
        for label, widget in (("受理日期从", self.date_from), ("到", self.date_to)):
            lab = QLabel(label)
            lab.setBuddy(widget)
            bar.addWidget(lab)
            bar.addWidget(widget)
        bar.addWidget(self.run_button)
        bar.addStretch(1)
        self.table = read_only_table(COLUMNS, "districtFigures")
        self.table.setColumnWidth(0, 150)
        self.table.setColumnWidth(1, 60)
        for col in range(2, len(COLUMNS)):
            self.table.setColumnWidth(col, 74)
        about = hint_label("按各区县上报到本中心的工单统计：受理日期在所选范围内的工单。超期未办结：仍在办理、有环节已过时限；"
                       "超期办理：有环节在时限之后才完成。时限由各区县按其工作日历确定。数据截至各区县最近一次上报。")
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addWidget(about)
        panel_shortcut(self, "F5", self.refresh)
        for edit in (self.date_from, self.date_to):
            edit.editingFinished.connect(self.refresh)
        self._figures = LatestRead(runner, self)  # an older range finishing last must not overwrite a newer one
        self.refresh()

    def refresh(self) -> None:
        start, end = self.date_from.date().toPython(), self.date_to.date().toPython()
        if start > end:
            self.note.setText("受理日期的起始日晚于结束日，请调整。")
            theme.set_text_color(self.note, theme.ERROR)
            return
        self.note.setText("正在统计…")
        theme.set_text_color(self.note, GREY)
        self._figures(lambda: province_stats.by_district(self.actor, start, end), self._show,
                      lambda exc: show_error(self, exc))

    def _show(self, found: tuple[list[DistrictFigures], DistrictFigures]) -> None:
        rows, total = found
        numeric = tuple(range(2, len(COLUMNS)))
        fill_table(self.table, [figures_row(f) for f in rows] + [figures_row(total)], right_aligned=numeric)
        bold = QFont(self.table.font())
        bold.setBold(True)
        last = len(rows)
        for col in range(len(COLUMNS)):
            self.table.item(last, col).setFont(bold)
        for r, f in enumerate(rows):
            if f.overdue_open:
                self.table.item(r, COLUMNS.index("超期未办结")).setForeground(theme.brush(theme.ERROR))
        self.note.setText(f"{len(rows)} 个区县，共受理 {total.received:,} 件。" if rows else "所选日期内没有工单。")
        theme.set_text_color(self.note, GREY)
        self.table.item(last, 0).setData(Qt.ItemDataRole.UserRole, "total")
