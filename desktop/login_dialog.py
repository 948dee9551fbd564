"""登录: who is at the desk; every action is recorded under this account."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from core.center import users
from core.center.profile import CenterInfo
from core.errors import Cancelled, HotlineError
from core.roles import Actor
from desktop import settings, theme
from desktop.errors import show_error
from desktop.progress import one_at_a_time
from desktop.worker import off_the_ui_thread


class LoginDialog(QDialog):
    def __init__(self, center: CenterInfo, username: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor: Actor | None = None
        self.setWindowTitle(f"登录 · {center.name}")
        self.setMinimumWidth(380)
        self.username = QLineEdit(username or settings.get("login/last_user"))
        self.username.setObjectName("loginUser")
        self.password = QLineEdit()
        self.password.setObjectName("loginPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setObjectName("loginError")
        theme.set_text_color(self.error, theme.ERROR)
        form = QFormLayout()
        form.addRow("登录名：", self.username)
        form.addRow("密码：", self.password)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("登录")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")
        buttons.accepted.connect(self._login)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        title = QLabel(f"<h3>{center.name}</h3>")
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        (self.password if self.username.text() else self.username).setFocus()

    @one_at_a_time
    def _login(self) -> None:
        username, password = self.username.text(), self.password.text()
        self._checking(True)
        try:  # argon2 takes a while: off the UI thread, so the window keeps painting
            actor = off_the_ui_thread(lambda: users.authenticate(username, password))
        except Cancelled:  # the program is quitting
            return
        except HotlineError as exc:
            self._checking(False)
            self.error.setText(exc.message)
            self.password.selectAll()
            self.password.setFocus()
            return
        except Exception as exc:
            self._checking(False)
            show_error(self, exc)
            return
        if not self.isVisible():  # 退出 (Esc) was pressed while the password was checked
            return
        self.actor = actor
        settings.put("login/last_user", actor.username)
        self.accept()

    def _checking(self, busy: bool) -> None:
        """While the password is checked: no second 登录, nothing typed over (Esc still quits)."""
        self.ok_button.setEnabled(not busy)
        self.username.setReadOnly(busy)
        self.password.setReadOnly(busy)
