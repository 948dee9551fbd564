"""First launch on an empty database: set up the center, or make a demo center."""
from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.center import profile as center
from core.center import regions
from sync import keys
from core.errors import Cancelled, ValidationError
from core.vocab import CenterKind
from desktop import theme
from desktop.errors import show_error
from desktop.widgets.inputs import ComboBox
from desktop.widgets.pickers import PinyinPicker
from desktop.progress import one_at_a_time, run_with_progress
from desktop.worker import Runner

DEMO_TICKETS = 3000


class SetupDialog(QDialog):
    """Accepted with ``demo_created`` telling which path was taken."""

    def __init__(self, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.demo_created = False
        self.setWindowTitle("热线工作台 · 首次设置")
        self.setMinimumWidth(560)

        intro = QLabel(
            "<b>欢迎使用热线工作台。</b><br>这是一个新的数据库。请设置本中心的信息和第一个管理员账号；"
            "想先看看程序，可以创建一个带演示数据的演示中心。"
        )
        intro.setWordWrap(True)

        self.kind = ComboBox()
        for kind in CenterKind:
            self.kind.addItem(kind.label, kind.value)
        # 省级 gathers the districts' batches and reads them; 区县 registers and handles (DESIGN "Who uses it").
        self.level = ComboBox()
        self.level.addItem("区县中心（受理、办理，向省级上报）", "district")
        self.level.addItem("省级中心（导入各区县上报的数据，只读汇总）", "province")
        self.region = PinyinPicker(placeholder="输入区县名称、代码或拼音首字母，如 xwq")
        self._regions_for_level()
        self.code = QLineEdit()
        self.code.setPlaceholderText("6 位行政区划代码")
        self.code.setMaxLength(6)
        self.name = QLineEdit()
        self.name.setPlaceholderText("如 南京市玄武区12345政务服务便民热线")
        self.admin_username = QLineEdit("admin")
        self.admin_name = QLineEdit()
        self.admin_name.setPlaceholderText("管理员姓名")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("至少 8 位")
        self.password2 = QLineEdit()
        self.password2.setEchoMode(QLineEdit.EchoMode.Password)
        for name, w in (("setupKind", self.kind), ("setupLevel", self.level), ("setupRegion", self.region), ("setupCode", self.code),
                        ("setupName", self.name), ("setupAdmin", self.admin_username),
                        ("setupAdminName", self.admin_name), ("setupPassword", self.password),
                        ("setupPassword2", self.password2)):
            w.setObjectName(name)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("中心类型：", self.kind)
        form.addRow("中心级别：", self.level)
        self.region_label = QLabel("所在区县：")
        form.addRow(self.region_label, self.region)
        form.addRow("中心代码：", self.code)
        form.addRow("中心名称：", self.name)
        form.addRow("管理员登录名：", self.admin_username)
        form.addRow("管理员姓名：", self.admin_name)
        form.addRow("密码：", self.password)
        form.addRow("再次输入密码：", self.password2)

        self.errors = QLabel()
        self.errors.setObjectName("setupErrors")
        theme.set_text_color(self.errors, theme.ERROR)
        self.errors.setWordWrap(True)

        self.create_button = QPushButton("创建中心")
        self.create_button.setDefault(True)
        self.demo_button = QPushButton("创建演示中心（试用）")
        cancel = QPushButton("退出")
        buttons = QHBoxLayout()
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.create_button)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.errors)
        layout.addLayout(buttons)

        self.region.value_changed.connect(self._region_chosen)
        self.kind.currentIndexChanged.connect(lambda _i: self._region_chosen())
        self.level.currentIndexChanged.connect(lambda _i: self._regions_for_level())
        self.create_button.clicked.connect(self._create)
        self.demo_button.clicked.connect(self._create_demo)
        cancel.clicked.connect(self.reject)
        self._suggested_name = ""

    def _regions_for_level(self) -> None:
        province = self.level.currentData() == "province"
        if province:
            found = [r for r in regions.all_regions() if r.code.endswith("0000")]
            self.region.lineEdit().setPlaceholderText("输入省份名称、代码或拼音首字母，如 js")
        else:
            found = regions.counties()
            self.region.lineEdit().setPlaceholderText("输入区县名称、代码或拼音首字母，如 xwq")
        if hasattr(self, "region_label"):
            self.region_label.setText("所在省份：" if province else "所在区县：")
        self.region.set_items([(r.full_name, r.code) for r in found], {r.code: r.code for r in found})

    def _region_chosen(self) -> None:
        code = self.region.value()
        if not code:
            return
        self.code.setText(str(code))
        region = regions.lookup(str(code))
        if region is None:
            return
        kind = self.kind.currentData()
        suffix = {"12345": "12345政务服务便民热线", "12365": "12365质检举报处置指挥中心"}.get(kind, "12345/12365热线中心")
        suggested = region.full_name.replace(" ", "") + suffix
        if not self.name.text().strip() or self.name.text() == self._suggested_name:
            self.name.setText(suggested)
            self._suggested_name = suggested

    @one_at_a_time
    def _create(self) -> None:
        if self.password.text() != self.password2.text():
            self.errors.setText("两次输入的密码不一致。")
            self.password2.setFocus()
            return
        typed = (self.kind.currentData(), self.code.text().strip(), self.name.text(),
                 self.admin_username.text().strip(), self.admin_name.text(), self.password.text())
        level = self.level.currentData()
        self.setEnabled(False)  # nothing to press (演示, 取消, 创建 again) while the center is made
        try:  # the admin's password is hashed: on the writer, the dialog keeps painting
            self.runner.write_and_wait(lambda: center.setup_center(*typed, role=level), initiator=self)
        except Cancelled:  # the program is quitting
            return
        except ValidationError as exc:
            self.setEnabled(True)
            self.errors.setText("\n".join(exc.fields.values()))
            return
        except Exception as exc:
            self.setEnabled(True)
            show_error(self, exc)
            return
        try:
            self.runner.write_and_wait(lambda: keys.make_keys_at_setup(typed[3]), initiator=self)
        except Exception as exc:  # the center stands; the admin can make keys later under 数据交换 → 密钥
            show_error(self, exc)
        self.accept()

    @one_at_a_time  # shares _create's guard: one or the other
    def _create_demo(self) -> None:
        from demo import fill as demo

        def work(progress, cancelled):  # type: ignore[no-untyped-def]
            return demo.fill_demo(DEMO_TICKETS, seed=1, progress=progress, should_cancel=cancelled)

        result = run_with_progress(self, "正在创建演示中心…", work, self.runner)
        if result is None:  # failed; the error was shown
            if center.is_set_up():
                # Failed after the center was made: the chunks written are whole,
                # so it is a usable demo center with fewer tickets, not a half state.
                self.demo_created = True
                self.accept()
            return
        self.demo_created = True
        with contextlib.suppress(Exception):  # a demo center without keys still demonstrates everything else
            admin = result.usernames[0] if result.usernames else "admin"
            self.runner.write_and_wait(lambda: keys.make_keys_at_setup(admin), initiator=self)
        made = (f"已取消生成其余演示工单；已生成的 {result.tickets} 张可以正常使用。" if result.cancelled
                else f"已生成 {result.tickets} 张演示工单。")
        QMessageBox.information(
            self, "演示中心已创建",
            f"{result.center_name}\n{made}\n\n"
            f"演示账号：{'、'.join(result.usernames)}\n密码均为 demo1234（接线员用 op1 登录）。",
        )
        self.accept()
