"""What a write changed, as the write frame reports it (issue 16: one way to hear what changed)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core import service
from core.center import topics
from core.errors import ValidationError
from core.service import OBJECT_CHANGES, Changes, collect_changes
from core.tickets import registration
from core.tickets.registration import TicketInput
from tests.core.dispatch.test_dispatch import register, send, units  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]


def _object_types_written() -> set[str]:
    """The object type every ``write(actor, permission, action, object_type)`` in the code names."""
    found = set()
    for top in ("core", "forms", "sync", "demo"):
        for path in (ROOT / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                func = getattr(node, "func", None)
                if isinstance(node, ast.Call) and getattr(func, "id", getattr(func, "attr", None)) == "write":
                    args = node.args + [k.value for k in node.keywords if k.arg == "object_type"]
                    if len(args) >= 4 and isinstance(args[3], ast.Constant):
                        found.add(args[3].value)
    return found


def test_every_object_type_written_says_what_it_changes():
    written = _object_types_written()
    assert len(written) > 20  # the scan sees the writes
    assert written <= set(OBJECT_CHANGES), written - set(OBJECT_CHANGES)
    assert all(set(kinds) <= set(service.KINDS) for kinds in OBJECT_CHANGES.values())


def test_a_registration_reports_its_ticket(operator):
    with collect_changes() as changes:
        ticket_id = register(operator)
    assert changes.tickets and changes.ticket_ids == {ticket_id}
    assert not (changes.topics or changes.users or changes.kb)


def test_a_dispatch_reports_the_ticket_it_touched(operator, dispatcher, units):  # noqa: F811
    ticket_id = register(operator)
    with collect_changes() as changes:
        send(dispatcher, ticket_id, units["区城市管理局"])
    assert changes.ticket_ids == {ticket_id}


def test_a_refused_write_reports_nothing(operator):
    with collect_changes() as changes, pytest.raises(ValidationError):
        registration.register(operator, TicketInput())
    assert not changes and changes == Changes()


def test_a_topic_added_reports_topics(center_db):
    with collect_changes() as changes:
        topics.add_topic(center_db, None, "新的分类")
    assert changes.topics and not changes.tickets


def test_collectors_nest_and_stop_at_the_block(operator):
    with collect_changes() as outer:
        with collect_changes() as inner:
            register(operator)
        register(operator)
    assert len(outer.ticket_ids) == 2 and len(inner.ticket_ids) == 1
    register(operator)
    assert len(outer.ticket_ids) == 2


def test_a_write_of_an_unknown_object_type_is_refused(center_db):
    with pytest.raises(KeyError):
        with service.write(center_db, None, "test", "no_such_type"):
            pass


def test_a_write_inside_a_write_is_heard_only_when_the_outer_one_commits(center_db):
    with collect_changes() as changes, pytest.raises(RuntimeError):
        with service.write(center_db, None, "test", "ticket"):
            topics.add_topic(center_db, None, "回滚的分类")  # a savepoint inside
            raise RuntimeError("the outer write fails")
    assert not changes
    with collect_changes() as changes:
        with service.write(center_db, None, "test", "ticket"):
            topics.add_topic(center_db, None, "留下的分类")
    assert changes.topics and changes.tickets
