"""Typed errors raised by services; the UI turns each into a message in one place.

Every message is Chinese and says what a person can do about it. Bugs are not
HotlineError: they are ordinary exceptions and reach the crash handler.
"""
from __future__ import annotations

from collections.abc import Callable


class HotlineError(Exception):
    """Base of every error a user is meant to read."""

    title = "操作未完成"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(HotlineError):
    """One or more fields are wrong. ``fields`` maps a field name to its message."""

    title = "请检查填写内容"

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = dict(fields)
        text = "；".join(self.fields.values())
        super().__init__(text)

    @classmethod
    def single(cls, field: str, message: str) -> "ValidationError":
        return cls({field: message})


class PermissionDenied(HotlineError):
    title = "没有权限"


class NotFound(HotlineError):
    title = "未找到"


class Conflict(HotlineError):
    title = "数据冲突"


class AuthenticationFailed(HotlineError):
    title = "登录失败"


class StorageError(HotlineError):
    """The environment failed: disk full, database locked, read-only, corrupt."""

    title = "数据库错误"


class NewerDatabaseError(StorageError):
    """The file was written by a newer Hotline Desk; we refuse to touch it."""


class Cancelled(HotlineError):
    """The person cancelled long work (an export, an import); nothing was written."""

    title = "已取消"

    @classmethod
    def check(cls, cancelled: Callable[[], bool] | None, message: str) -> None:
        """Raise when the person has asked to stop; call between units of work."""
        if cancelled is not None and cancelled():
            raise cls(message)
