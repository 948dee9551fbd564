"""Autosaved drafts of a form, so a crash mid-call loses nothing (DESIGN "UI").

A draft is the operator's own scratch, not a record: it is written without an
audit entry (it would flood the audit with keystrokes) but in its own small
transaction, with the same durability as tickets.
"""
from __future__ import annotations

from core import clock
from core.roles import Actor
from core.store import storage_errors, writes_refused
from db.connection import database
from db.models import Draft


def save_draft(actor: Actor, form: str, data: str) -> None:
    if writes_refused():  # a damaged file: the person was told that nothing more is saved
        return
    with storage_errors(), database.atomic("IMMEDIATE"):
        Draft.replace(user=actor.user_id, form=form, data=data, saved_at=clock.stamp()).execute()


def load_draft(actor: Actor, form: str) -> str | None:
    with storage_errors():
        row = Draft.get_or_none((Draft.user == actor.user_id) & (Draft.form == form))
    return row.data if row else None


def clear_draft(actor: Actor, form: str) -> None:
    if writes_refused():
        return
    with storage_errors(), database.atomic("IMMEDIATE"):
        Draft.delete().where((Draft.user == actor.user_id) & (Draft.form == form)).execute()
