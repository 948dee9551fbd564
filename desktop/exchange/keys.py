"""数据交换 · 密钥: this center's key fingerprint, its public key file, the other side's keys.

A fingerprint is 12 groups of 5 digits, read out over the phone or compared on
paper; a key is registered only once someone has said they match.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from core.roles import Actor
from desktop import theme
from desktop.widgets.parts import GREEN, GREY, error_label, fill_table, hint_label, read_only_table, say
from desktop.widgets.forms import push_button
from desktop.errors import show_error
from desktop.exchange.exporting import exchange_folder, remember_folder
from desktop.worker import LatestRead, Runner
from sync import keys


def fingerprint_lines(fingerprint: str) -> str:
    """Four groups a line, as people read them out."""
    groups = fingerprint.split()
    return "\n".join(" ".join(groups[i:i + 4]) for i in range(0, len(groups), 4))


def fingerprint_label(fingerprint: str, name: str) -> QLabel:
    label = QLabel(fingerprint_lines(fingerprint))
    label.setObjectName(name)
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(font.pointSizeF() * 1.35)
    font.setWeight(QFont.Weight.DemiBold)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class RegisterKeyDialog(QDialog):
    """Shows whose key a file holds and its fingerprint; registers only after the check is confirmed."""

    def __init__(self, key: keys.PublicKeyFile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setWindowTitle("登记对方公钥")
        self.setMinimumWidth(520)
        who = QLabel(f"<b>{key.center_name}</b>（{key.center_code}，{keys.ROLE_LABELS.get(key.role, key.role)}）"
                     f"<br>公钥编号 {key.key_id}")
        steps = QLabel("请打电话给对方（电话号码不要取自这个文件），请对方在“数据交换 → 密钥”页念出本中心指纹，"
                       "逐组核对下面的数字；也可以核对对方盖章的书面指纹。全部一致才能登记：不一致说明文件可能在途中被调换。")
        steps.setWordWrap(True)
        self.typed = QLineEdit()
        self.typed.setObjectName("typedFingerprint")
        self.typed.setPlaceholderText("可选：输入对方书面提供的指纹，程序帮您逐位比对")
        self.confirmed = QCheckBox("我已与对方逐组核对，指纹完全一致")
        self.confirmed.setObjectName("fingerprintConfirmed")
        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("登记")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.ok.setEnabled(False)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.confirmed.toggled.connect(lambda on: self.ok.setEnabled(on))
        layout = QVBoxLayout(self)
        layout.addWidget(who)
        layout.addWidget(QLabel("文件中的指纹："))
        layout.addWidget(fingerprint_label(key.fingerprint, "peerFingerprint"))
        layout.addWidget(steps)
        layout.addWidget(self.typed)
        layout.addWidget(self.confirmed)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _accept(self) -> None:
        typed = self.typed.text().strip()
        if typed and keys.normalize_fingerprint(typed) != self.key.fingerprint:
            self.error.setText("输入的指纹与文件中的不一致。请再核对一遍；确实不一致就不要登记，并告知对方。")
            self.error.show()
            self.typed.setFocus()
            return
        self.accept()


class KeysPanel(QWidget):
    def __init__(self, actor: Actor, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.province = keys.center_role() == keys.PROVINCE

        self.own_box = QGroupBox("本中心的密钥")
        self.own_who = QLabel()
        self.own_who.setObjectName("ownKey")
        self.own_fingerprint = fingerprint_label("", "ownFingerprint")
        self.init_button = push_button("生成本中心密钥", self.init_keys, primary=True)
        self.init_button.setObjectName("initKeys")
        self.export_button = push_button("导出公钥文件…", self.export_public)
        self.export_button.setObjectName("exportPublic")
        self.rotate_button = push_button("更换密钥…", self.rotate)
        self.rotate_button.setObjectName("rotateKeys")
        hint = hint_label("把公钥文件交给对方登记，并通过电话或书面让对方核对这串指纹。公钥文件可以公开，私钥从不离开本机。")
        own_buttons = QHBoxLayout()
        for b in (self.init_button, self.export_button, self.rotate_button):
            own_buttons.addWidget(b)
        own_buttons.addStretch(1)
        own = QVBoxLayout(self.own_box)
        own.addWidget(self.own_who)
        own.addWidget(self.own_fingerprint)
        own.addWidget(hint)
        own.addLayout(own_buttons)

        side = "区县中心" if self.province else "省级中心"
        peers_box = QGroupBox(f"已登记的{side}公钥")
        self.peers = read_only_table(["中心", "代码", "级别", "公钥编号", "指纹", "状态", "登记时生成于"], "peerKeys")
        for col, width in enumerate((230, 60, 70, 140, 580, 60)):
            self.peers.setColumnWidth(col, width)
        self.peers.horizontalHeader().setStretchLastSection(True)
        self.register_button = push_button(f"登记{side}公钥…", self.register)
        self.register_button.setObjectName("registerPeer")
        self.revoke_button = push_button("吊销选中的公钥…", self.revoke)
        self.revoke_button.setObjectName("revokePeer")
        peer_buttons = QHBoxLayout()
        peer_buttons.addWidget(self.register_button)
        peer_buttons.addWidget(self.revoke_button)
        peer_buttons.addStretch(1)
        peers = QVBoxLayout(peers_box)
        peers.addWidget(self.peers)
        peers.addLayout(peer_buttons)

        self.result = QLabel()
        self.result.setObjectName("keysResult")
        self.result.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.own_box)
        layout.addWidget(peers_box, 1)
        layout.addWidget(self.result)
        self._own: list[keys.KeyInfo] = []
        self._peers: list[keys.KeyInfo] = []
        self._keys_read = LatestRead(runner, self)
        self.init_button.hide()  # until the keys are read: offer nothing that may not apply
        self.export_button.setEnabled(False)
        self.rotate_button.setEnabled(False)
        self.refresh()

    def refresh(self) -> None:
        self._keys_read(keys.list_keys, self._show, lambda exc: show_error(self, exc))

    def _show(self, found: tuple[list[keys.KeyInfo], list[keys.KeyInfo]]) -> None:
        self._own, self._peers = found
        current = next((k for k in self._own if k.state == "当前"), None)
        if current is None:
            self.own_who.setText("本中心还没有上报密钥。生成后才能导出上报批次（区县）或出具回执（省级）。")
            self.own_fingerprint.setText("")
        else:
            retired = len(self._own) - 1
            self.own_who.setText(f"<b>{current.center_name}</b>（{current.center_code}）· 公钥编号 {current.key_id}"
                                 f" · 生成于 {current.created_at[:10]}" + (f" · 已更换过 {retired} 次" if retired else "")
                                 + "<br>本中心指纹：")
            self.own_fingerprint.setText(fingerprint_lines(current.fingerprint))
        self.init_button.setVisible(current is None)
        self.export_button.setEnabled(current is not None)
        self.rotate_button.setEnabled(current is not None)
        fill_table(self.peers, [(k.center_name, k.center_code, k.role_label, k.key_id, k.fingerprint, k.state,
                                 k.created_at[:10]) for k in self._peers])

    # Writes -----------------------------------------------------------------

    def _write(self, work, done) -> None:  # type: ignore[no-untyped-def]
        def finished(value) -> None:  # type: ignore[no-untyped-def]
            done(value)
            self.refresh()

        self.runner.write(work, finished, lambda exc: show_error(self, exc), owner=self)

    def init_keys(self) -> None:
        self._write(lambda: keys.init_keys(self.actor),
                    lambda info: say(self.result, "已生成本中心密钥。请导出公钥文件交给对方，并核对指纹。", GREEN))

    def rotate(self) -> None:
        answer = QMessageBox.question(
            self, "更换密钥",
            "更换后，对方必须登记本中心的新公钥，之后的文件才能被接收或打开。旧密钥停用但保留，仍能打开发给旧密钥的文件。\n\n"
            "只在密钥可能泄露（电脑丢失、被他人使用）或按规定定期更换时更换。现在更换吗？",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._write(lambda: keys.rotate_keys(self.actor),
                    lambda info: say(self.result, "已更换本中心密钥。请导出新的公钥文件交给对方重新登记，并核对新指纹。", GREEN))

    def export_public(self) -> None:
        current = next((k for k in self._own if k.state == "当前"), None)
        if current is None:
            return
        suggested = exchange_folder() / f"{current.center_code}_公钥.pubkey.json"
        name = QFileDialog.getSaveFileName(self, "导出本中心公钥", str(suggested), "公钥文件 (*.pubkey.json)")[0]
        if not name:
            return
        path = Path(name)
        remember_folder(path.parent)
        self._write(lambda: keys.export_public(path),
                    lambda info: say(self.result, f"已导出公钥文件：{path}\n请让对方登记时与您核对指纹。", GREEN))

    def register(self) -> None:
        name = QFileDialog.getOpenFileName(self, "选择对方的公钥文件", str(exchange_folder()),
                                           "公钥文件 (*.pubkey.json *.json);;所有文件 (*)")[0]
        if not name:
            return
        path = Path(name)
        remember_folder(path.parent)
        try:
            key = keys.read_public(path)
        except Exception as exc:
            show_error(self, exc)
            return
        dialog = RegisterKeyDialog(key, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        # The fingerprint shown is the one registered: a file swapped since is refused.
        expected = dialog.typed.text().strip() or key.fingerprint

        def registered(found: tuple[keys.KeyInfo, bool]) -> None:
            info, new = found
            say(self.result, f"{'已登记' if new else '早已登记过'} {info.center_name}（{info.center_code}）的公钥 {info.key_id}。",
                GREEN)

        self._write(lambda: keys.register_peer(self.actor, path, expected), registered)

    def revoke(self) -> None:
        row = self.peers.currentRow()
        if not 0 <= row < len(self._peers):
            say(self.result, "请先在表中选中要吊销的公钥。", theme.ERROR)
            return
        key = self._peers[row]
        if key.state == "已吊销":
            say(self.result, "这个公钥已经吊销。", GREY)
            return
        reason, ok = QInputDialog.getText(
            self, "吊销公钥", f"吊销 {key.center_name}（{key.center_code}）的公钥 {key.key_id}：此后用它签名的文件一律拒收。"
                             "\n\n吊销原因（必填）：")
        if not ok:
            return
        if not reason.strip():
            say(self.result, "没有吊销：请填写吊销原因。", theme.ERROR)
            return
        self._write(lambda: keys.revoke_peer(self.actor, key.key_id, reason),
                    lambda info: say(self.result, f"已吊销 {info.center_name} 的公钥 {info.key_id}。", GREEN))

