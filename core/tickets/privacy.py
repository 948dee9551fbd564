"""Masking of confidential callers (是否保密, 12345 5.1.4.1)."""
from __future__ import annotations


def mask_name(name: str) -> str:
    """``张三丰`` → ``张**``; what stays tells staff it is a person, not who."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, min(len(name) - 1, 3))


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``; short numbers keep only the last two."""
    if not phone:
        return ""
    if len(phone) >= 8:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * (len(phone) - 2) + phone[-2:]


def mask_text(text: str) -> str:
    return "（保密）" if text else ""
