"""First-launch setup, login and account management, typed into the real dialogs."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from core import store
from core.center import profile as center
from core.center import users
from core.roles import Role
from desktop.admin.accounts import AccountsView
from desktop.login_dialog import LoginDialog
from desktop.setup_dialog import SetupDialog
from desktop.worker import Runner


def test_setup_picks_the_region_by_pinyin_and_creates_center_and_admin(qtbot, db_path):
    store.open_center(db_path)
    try:
        dialog = SetupDialog(Runner())
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.activateWindow()
        qtbot.waitActive(dialog)
        dialog.region.setFocus()
        qtbot.keyClicks(dialog.region, "njsxwq")  # 南京市玄武区 by pinyin initials
        popup = dialog.region.completer().popup()
        assert popup.isVisible()  # the suggestion list is open; keys go to it, as on a real screen
        qtbot.keyClick(popup, Qt.Key.Key_Tab)
        assert dialog.code.text() == "320102"
        assert dialog.name.text().startswith("江苏省南京市玄武区")
        qtbot.keyClicks(dialog.admin_name, "admin")
        qtbot.keyClicks(dialog.password, "short")
        qtbot.keyClicks(dialog.password2, "short")
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
        assert "密码至少 8 位" in dialog.errors.text()
        assert center.current_center() is None  # nothing half-written
        for edit in (dialog.password, dialog.password2):
            edit.clear()
            qtbot.keyClicks(edit, "long-enough-1")
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
        assert dialog.result() == QDialog.DialogCode.Accepted
        info = center.current_center()
        assert info.code == "320102" and info.kind.value == "12345"
        assert Role.ADMIN in users.authenticate("admin", "long-enough-1").roles
    finally:
        store.close_center()


def test_login_wrong_password_says_so_and_keeps_the_name(qtbot, center_db):
    dialog = LoginDialog(center.current_center(), "admin")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.password, "wrong-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.error.text() == "登录名或密码不正确。"
    assert dialog.actor is None and dialog.username.text() == "admin"
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, "admin-pass-1")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.actor is not None and dialog.actor.username == "admin"


def test_accounts_view_lists_accounts_with_roles(qtbot, center_db):
    users.create_user(center_db, "visitor", "回访员甲", "visitor-pass", {Role.RETURN_VISITOR})
    view = AccountsView(center_db, Runner())
    qtbot.addWidget(view)
    texts = {view.table.item(r, 0).text(): view.table.item(r, 2).text() for r in range(view.table.rowCount())}
    assert texts == {"admin": "管理员", "visitor": "回访员"}


class _ThreadsHashing:
    """The accounts' hasher, noting on which thread each hash or check runs."""

    def __init__(self, real) -> None:
        self.real, self.threads = real, []

    def __getattr__(self, name):
        import threading

        method = getattr(self.real, name)

        def noted(*args, **kwargs):
            self.threads.append(threading.current_thread() is threading.main_thread())
            return method(*args, **kwargs)

        return noted


def test_passwords_are_hashed_off_the_ui_thread(qtbot, center_db, monkeypatch):
    """argon2 takes a while (issue 16): the login, a new account and a reset hash on a worker, so the
    window keeps painting."""
    hashing = _ThreadsHashing(users._hasher)
    monkeypatch.setattr(users, "_hasher", hashing)
    dialog = LoginDialog(center.current_center(), "admin")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.password, "admin-pass-1")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.actor is not None

    runner = Runner()
    view = AccountsView(center_db, runner)
    qtbot.addWidget(view)

    offered: list[str] = []

    def type_new_account(dialog) -> QDialog.DialogCode:
        offered.append(dialog.error.text())
        if len(offered) > 1:  # reopened: the refusal is on the dialog
            return QDialog.DialogCode.Rejected
        dialog.username.setText("visitor")
        dialog.display_name.setText("回访员甲")
        dialog.password.setText("visitor-pass")
        dialog.role_boxes[Role.RETURN_VISITOR].setChecked(True)
        return QDialog.DialogCode.Accepted

    from desktop.admin import accounts

    monkeypatch.setattr(accounts.AccountDialog, "exec", type_new_account)
    view.add()
    assert offered == [""]  # saved at the first try
    assert "visitor" in [view.table.item(r, 0).text() for r in range(view.table.rowCount())]
    assert hashing.threads and not any(hashing.threads)  # none on the UI thread
    runner.wait()
