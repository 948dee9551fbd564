"""How long free text may be, where no form had its own limit: one table the district's
services enforce and the province's import holds every record to (issue 15 §4).

The forms that had limits keep them (``registration.MAX_LENGTHS``, ``units``, ``topics``,
``kb``, ``mediation.MAX_TEXT``, ``users``); these cover the rest. What the program composes
from limited parts (an event's summary and data, a unit's feedback) has a bound that the
parts can never reach, so no record a district writes is refused for its length.
"""
from __future__ import annotations

from core.errors import ValidationError

NAME = 100          # a person's or an organisation's name (a ticket's 工作单位 is 100)
LINE = 200          # one line: an address, a place, who was phoned, a file name, a legacy number
NOTE = 2_000        # a reason, an opinion, a note on a decision (a ticket's 告知内容 is 2,000)
TEXT = 20_000       # what a unit did, a supervision's content or answer, a mediation record
TERMS = 2_000       # a unit's 职责事项 or 关键词, all terms together
COMPOSED = 200_000  # an event's summary or data, a feedback: built from the parts above
FILE_NAME = 255     # an attachment's name and type, as the file system gives them: none allows longer


def too_long(texts: dict[str, tuple[str, str, int]]) -> dict[str, str]:
    """``{field: (label, value, limit)}`` → the Chinese message for each value over its limit."""
    return {name: f"{label}不能超过 {limit:,} 个字（现有 {len(value):,} 个）"
            for name, (label, value, limit) in texts.items() if len(value.strip()) > limit}


def check(texts: dict[str, tuple[str, str, int]]) -> None:
    """Raise ValidationError naming every value over its limit."""
    problems = too_long(texts)
    if problems:
        raise ValidationError(problems)
