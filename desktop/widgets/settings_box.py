"""A group of whole-number settings (a frozen dataclass with ``LABELS`` and ``LIMITS``): read, shown as
spin boxes within their limits, saved through the service that checks them (催办督办提醒, 回访设置)."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from core.errors import ValidationError
from desktop import theme
from desktop.errors import show_error
from desktop.widgets.inputs import SpinBox
from desktop.widgets.parts import GREEN, say
from desktop.worker import Runner


class SettingsBox(QGroupBox):
    def __init__(self, title: str, kind: type, read: Callable[[], Any], save: Callable[[Any], None],
                 runner: Runner, name: str, saved_text: str, note: str = "", suffix: dict[str, str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.kind, self._read, self._save, self.runner, self.saved_text = kind, read, save, runner, saved_text
        self.spins: dict[str, QSpinBox] = {}
        form = QFormLayout()
        for field_name, label in kind.LABELS.items():
            spin = SpinBox()
            spin.setObjectName(f"{name}_{field_name}")
            low, high = kind.LIMITS[field_name]
            spin.setRange(low, high)
            spin.setSuffix((suffix or {}).get(field_name, ""))
            self.spins[field_name] = spin
            text = QLabel(label)
            text.setWordWrap(True)
            form.addRow(text, spin)
        button = QPushButton(f"保存{title}")
        button.setAutoDefault(False)
        button.clicked.connect(self.save)
        self.status = QLabel()
        self.status.setObjectName(f"{name}Status")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(button)
        layout.addWidget(self.status)
        if note:
            hint = QLabel(note)
            hint.setWordWrap(True)
            theme.small(hint)
            layout.addWidget(hint)
        self.reload()

    def reload(self) -> None:
        self.runner.read(self._read, self._show, lambda exc: show_error(self, exc), owner=self)

    def _show(self, conf: Any) -> None:
        for field_name, spin in self.spins.items():
            spin.setValue(getattr(conf, field_name))

    def gather(self) -> Any:
        return dataclasses.replace(self.kind(), **{n: s.value() for n, s in self.spins.items()})

    def save(self) -> None:
        conf = self.gather()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ValidationError):
                say(self.status, "未保存：" + "；".join(exc.fields.values()), theme.ERROR)
            else:
                show_error(self, exc)

        self.runner.write(lambda: self._save(conf), lambda _r: say(self.status, self.saved_text, GREEN), failed,
                          owner=self)
