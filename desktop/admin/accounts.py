"""系统管理 · 账号: the admin adds accounts, sets roles, disables and resets passwords."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.center import users
from core.errors import Cancelled, ValidationError
from core.roles import Actor, Role
from desktop import theme
from desktop.errors import show_error
from desktop.progress import one_at_a_time
from desktop.worker import Runner


class AccountDialog(QDialog):
    """Add an account, or edit one (``existing`` given: no login name or password here)."""

    def __init__(self, existing: users.UserInfo | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("修改账号" if existing else "添加账号")
        self.username = QLineEdit(existing.username if existing else "")
        self.username.setEnabled(existing is None)
        self.display_name = QLineEdit(existing.display_name if existing else "")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("至少 8 位")
        self.active = QCheckBox("启用")
        self.active.setChecked(existing.active if existing else True)
        self.role_boxes: dict[Role, QCheckBox] = {}
        roles = QGridLayout()
        for i, role in enumerate(Role):
            box = QCheckBox(role.label)
            box.setChecked(bool(existing and role in existing.roles))
            self.role_boxes[role] = box
            roles.addWidget(box, i // 4, i % 4)
        form = QFormLayout()
        form.addRow("登录名：", self.username)
        form.addRow("姓名：", self.display_name)
        if existing is None:
            form.addRow("初始密码：", self.password)
        form.addRow("角色：", roles)
        form.addRow("", self.active)
        self.error = QLabel()
        theme.set_text_color(self.error, theme.ERROR)
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def roles(self) -> set[Role]:
        return {role for role, box in self.role_boxes.items() if box.isChecked()}


class AccountsView(QWidget):
    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("accountsTable")
        self.table.setHorizontalHeaderLabels(["登录名", "姓名", "角色", "状态"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.setColumnWidth(2, 320)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        add = QPushButton("添加账号…")
        edit = QPushButton("修改…")
        reset = QPushButton("重设密码…")
        add.clicked.connect(self.add)
        edit.clicked.connect(self.edit)
        reset.clicked.connect(self.reset_password)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("<b>账号管理</b>：每个操作都会记录是谁做的。"))
        bar.addStretch(1)
        for b in (add, edit, reset):
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self._users: list[users.UserInfo] = []
        self.reload()

    def reload(self) -> None:
        self._users = users.list_users()
        self.table.setRowCount(len(self._users))
        for row, u in enumerate(self._users):
            for col, value in enumerate((u.username, u.display_name, u.roles_label, "启用" if u.active else "已停用")):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, u.id)
                self.table.setItem(row, col, item)

    def _selected(self) -> users.UserInfo | None:
        row = self.table.currentRow()
        return self._users[row] if 0 <= row < len(self._users) else None

    def _run_dialog(self, dialog: AccountDialog, action: Callable[[AccountDialog], Callable[[], object]]) -> None:
        """``action(dialog)`` takes what was typed (on the UI thread) and gives the write to run."""
        while dialog.exec() == QDialog.DialogCode.Accepted:
            try:  # hashing the password takes a moment: on the writer, the window keeps painting
                self._wait_for(action(dialog))
            except Cancelled:  # the program is quitting
                return
            except ValidationError as exc:
                dialog.error.setText("\n".join(exc.fields.values()))
                continue  # reopen with everything typed kept
            except Exception as exc:
                show_error(self, exc)
                continue
            self.reload()
            return

    def _wait_for(self, work: Callable[[], object]) -> object:
        self.setEnabled(False)  # the list and its buttons wait with the person
        try:
            return self.runner.write_and_wait(work, initiator=self)
        finally:
            self.setEnabled(True)

    @one_at_a_time
    def add(self) -> None:
        def typed(d: AccountDialog) -> Callable[[], object]:
            username, name = d.username.text().strip(), d.display_name.text()
            password, roles = d.password.text(), d.roles()
            return lambda: users.create_user(self.actor, username, name, password, roles)

        self._run_dialog(AccountDialog(None, self), typed)

    @one_at_a_time
    def edit(self) -> None:
        user = self._selected()
        if user is None:
            return

        def typed(d: AccountDialog) -> Callable[[], object]:
            name, roles, active = d.display_name.text(), d.roles(), d.active.isChecked()
            return lambda: users.update_user(self.actor, user.id, name, roles, active)

        self._run_dialog(AccountDialog(user, self), typed)

    @one_at_a_time
    def reset_password(self) -> None:
        user = self._selected()
        if user is None:
            return
        dialog = QDialog(self)
        dialog.setWindowTitle(f"重设密码 · {user.display_name}")
        password = QLineEdit()
        password.setEchoMode(QLineEdit.EchoMode.Password)
        error = QLabel()
        theme.set_text_color(error, theme.ERROR)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(QLabel("新密码（至少 8 位）："))
        layout.addWidget(password)
        layout.addWidget(error)
        layout.addWidget(buttons)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                typed = password.text()
                self._wait_for(lambda: users.reset_password(self.actor, user.id, typed))
            except Cancelled:
                return
            except ValidationError as exc:
                error.setText("\n".join(exc.fields.values()))
                continue
            except Exception as exc:
                show_error(self, exc)
            return
