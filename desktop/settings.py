"""Every setting declared once with its type, default and Chinese label (Picard's options)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings

from core import paths


@dataclass(frozen=True)
class Option:
    key: str
    type: type
    default: Any
    label: str


OPTIONS = {
    o.key: o
    for o in [
        Option("window/geometry", bytes, b"", "主窗口位置和大小"),
        Option("window/state", bytes, b"", "主窗口布局"),
        Option("login/last_user", str, "", "上次登录的账号"),
        Option("register/autosave_ms", int, 2000, "登记草稿自动保存间隔（毫秒）"),
        Option("exchange/folder", str, "", "数据交换上次使用的文件夹（常为 U 盘）"),
    ]
}


def _store() -> QSettings:
    path = paths.data_home() / "settings.ini"
    return QSettings(str(path), QSettings.Format.IniFormat)


def get(key: str) -> Any:
    option = OPTIONS[key]
    value = _store().value(key, option.default)
    if option.type is bytes:
        return bytes(value) if value else b""
    try:
        return option.type(value)
    except (TypeError, ValueError):
        return option.default


def put(key: str, value: Any) -> None:
    OPTIONS[key]  # unknown keys are a bug
    store = _store()
    store.setValue(key, value)
    store.sync()
