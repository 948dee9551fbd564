"""db.search: the Chinese FTS5 tokenizer, query building, and the ticket index kept current.

DESIGN "Data": FTS5 with a tokenization that finds 1- and 2-character words
(SQLite's trigram cannot).
"""
from __future__ import annotations

import pytest

from core import store
from core.tickets import registration
from core.tickets.registration import TicketInput
from db import connection, schema, search
from db.connection import raw_connection
from db.models import Ticket

pytestmark = pytest.mark.usefixtures("close_center_after")


def _tokens(text: str, for_query: bool = False) -> list[tuple]:
    return list(search.tokens(text, for_query))


def test_han_characters_are_indexed_with_the_bigram_they_start():
    # Offsets are UTF-8 bytes, as FTS5 wants them: a Han character is 3.
    assert _tokens("燃气漏") == [(0, 3, "燃", "燃气"), (3, 6, "气", "气漏"), (6, 9, "漏")]


def test_a_query_becomes_the_bigrams_of_each_han_run():
    assert [t[2] for t in _tokens("燃气泄漏", for_query=True)] == ["燃气", "气泄", "泄漏"]
    assert [t[2] for t in _tokens("燃", for_query=True)] == ["燃"]


def test_letters_and_digits_are_whole_folded_words():
    assert [t[2] for t in _tokens("ＥＴＣ卡 12345热线 Wi-Fi")] == ["etc", "卡", "12345", "热", "线", "wi", "fi"]


@pytest.mark.parametrize("text", ["问：ETC办理", "ＥＴＣ卡𠀀字 a1", "𠮷野家 12345"])
def test_offsets_point_into_the_utf8_text(text):
    data = text.encode("utf-8")
    for for_query in (False, True):
        for start, end, token, *_ in _tokens(text, for_query):
            assert search._fold(data[start:end].decode("utf-8")) == token


def test_terms_drop_punctuation_and_query_syntax():
    assert search.terms('"燃气" OR (泄漏* NEAR') == ["燃气", "or", "泄漏", "near"]
    assert search.terms('"*()：，。') == []


def test_match_all_quotes_every_term():
    assert search.match_all('燃气 "x" OR') == '"燃气" AND "x" * AND "or" *'
    assert search.match_all("，。") is None


# --- the ticket index --------------------------------------------------------------------


def _register(actor, title: str, content: str = "请问社保卡补办需要什么材料？") -> int:
    data = TicketInput(category="consult", title=title, content=content, caller_phone="13812345678")
    return registration.register(actor, data).id


def _found(text: str) -> list[int]:
    sql = "SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH ? ORDER BY rowid"
    return [row[0] for row in raw_connection().execute(sql, (search.match_all(text),))]


def test_a_registered_ticket_is_found_at_once(operator):
    ticket = _register(operator, "燃气泄漏")
    assert _found("燃气") == [ticket]


def test_the_index_follows_edits_and_deletes(operator):
    ticket = _register(operator, "燃气泄漏")
    Ticket.update(title="路灯不亮").where(Ticket.id == ticket).execute()
    assert _found("燃气") == []
    assert _found("路灯") == [ticket]
    for table in ("ticket_event", "kb_question", "deadline"):  # rows that refer to it go first
        raw_connection().execute(f"DELETE FROM {table} WHERE ticket_id = ?", (ticket,))
    raw_connection().execute("DELETE FROM ticket WHERE id = ?", (ticket,))
    assert _found("路灯") == []
    assert list(raw_connection().execute("INSERT INTO ticket_fts(ticket_fts) VALUES ('integrity-check')")) == []


def test_upgrading_an_older_database_indexes_the_tickets_it_holds(db_path, monkeypatch):
    with monkeypatch.context() as older:  # a database made before the index existed
        older.setattr(schema, "UPGRADES", schema.UPGRADES[:1])
        older.setattr(schema, "SCHEMA_VERSION", 1)
        store.open_center(db_path)
        # The models follow the newest schema, so the old ticket goes in as SQL.
        raw_connection().execute(
            "INSERT INTO ticket (uid, origin, updated_at, number, channel, status, received_at, title, content, category)"
            " VALUES ('u1', '320102', '2026-01-05T09:00:00+08:00', '320102-20260105-0001', 'phone', 'pending',"
            " '2026-01-05T09:00:00+08:00', '噪声扰民', '请问社保卡补办需要什么材料？', 'consult')")
        ticket = raw_connection().execute("SELECT id FROM ticket").fetchone()[0]
        store.close_center()
    store.open_center(db_path)
    assert schema.schema_version(raw_connection()) == schema.SCHEMA_VERSION
    assert _found("噪声") == [ticket]


def test_a_plain_connection_from_db_connection_can_write_tickets(operator, db_path):
    _register(operator, "燃气泄漏")
    other = connection.connect(db_path)
    try:
        other.execute("UPDATE ticket SET title = '积水'")
    finally:
        other.close()
    assert len(_found("积水")) == 1
