"""A district and a province that have exchanged keys, as files each test copies (helpers for tests/sync)."""
from __future__ import annotations

import contextlib
import itertools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core import store
from core.center import profile as center
from core.center import users
from core.center.acting import acting_user
from core.roles import Actor
from db.connection import raw_connection
from sync import keys, records

DISTRICT, PROVINCE = "320102", "320000"
DATA_TABLES = ("user", "topic", "unit", "kb_category", "kb_article", "ticket", "ticket_event", "attachment",
               "assignment", "deadline", "extension_request", "supervision", "mediation_case", "mediation_party",
               "mediation_session", "issued_document")


@contextlib.contextmanager
def at(path: Path) -> Iterator[Actor]:
    """Open a center's database and act as its first admin."""
    store.open_center(path)
    try:
        yield acting_user(None, "测试")
    finally:
        store.close_center()


def fast_hashing(patch) -> None:
    from argon2 import PasswordHasher

    patch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def make_province(path: Path, code: str = PROVINCE, name: str = "江苏省12345热线") -> None:
    store.open_center(path)
    try:
        center.setup_center("12345", code, name, "admin", "管理员", "admin-pass-1", role="province")
    finally:
        store.close_center()


@dataclass
class Pair:
    district: Path
    province: Path
    folder: Path

    def copy(self, to: Path) -> "Pair":
        """The databases copied to ``to``; other attributes (a batch made once, say) carried over, and those
        naming a database of the pair (another district's) pointed at its copy."""
        to.mkdir(parents=True, exist_ok=True)
        for db in self.folder.glob("*.db"):
            shutil.copy(db, to / db.name)
        copy = Pair(to / "district.db", to / "province.db", to)
        for name, value in self.__dict__.items():
            if name not in ("district", "province", "folder"):
                moved = isinstance(value, Path) and value.suffix == ".db" and value.parent == self.folder
                setattr(copy, name, to / value.name if moved else value)
        return copy


def make_pair(folder: Path, tickets: int, district_db: Path | None = None) -> Pair:
    """A demo district with ``tickets`` tickets (or a copy of ``district_db``) and a fresh province, keys exchanged."""
    from demo import fill as demo

    folder.mkdir(parents=True, exist_ok=True)
    d, p = folder / "district.db", folder / "province.db"
    if district_db is not None:
        shutil.copy(district_db, d)
    else:
        store.open_center(d)
        try:
            demo.fill_demo(tickets, seed=1)
        finally:
            store.close_center()
    make_province(p)
    with at(d) as actor:
        keys.init_keys(actor)
        keys.export_public(folder / "district.pubkey.json")
    with at(p) as actor:
        keys.init_keys(actor)
        keys.export_public(folder / "province.pubkey.json")
        keys.register_peer(actor, folder / "district.pubkey.json")
    with at(d) as actor:
        keys.register_peer(actor, folder / "province.pubkey.json")
    return Pair(d, p, folder)


def make_exported_pair(folder: Path, tickets: int) -> Pair:
    """make_pair with fast hashing, and the district's first batch exported (``pair.batch``)."""
    from sync import export

    with pytest.MonkeyPatch.context() as patch:
        fast_hashing(patch)
        pair = make_pair(folder, tickets)
        with at(pair.district) as actor:
            pair.batch = export.export_batch(actor, pair.folder).path
    return pair


def dump(origin: str = DISTRICT, kinds: tuple[str, ...] | None = None) -> dict[str, tuple[str, int, str]]:
    """Every record of ``origin`` in the open database as the JSON it travels as (uid -> kind, rev, JSON)."""
    conn = raw_connection()
    out = {}
    for kind in records.KINDS:
        if kinds is not None and kind.name not in kinds:
            continue
        sql = records.export_sql(kind).replace("LEFT JOIN sync_state s ON s.uid = t.uid",
                                               "LEFT JOIN (SELECT NULL AS uid, 0 AS acked_rev) s ON 0")
        for uid, rev, data in conn.execute(sql, (origin,)):
            out[uid] = (kind.name, rev, data)
    return out


def row_counts() -> dict[str, int]:
    conn = raw_connection()
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in DATA_TABLES}


def comparable(d: dict, kb: bool = False) -> dict:
    """What must arrive unchanged: everything sent but the staff rows, which the province keeps as non-accounts."""
    optional = {k.name for k in records.KINDS if k.optional and not kb}
    return {u: v for u, v in d.items() if v[0] != records.USER and v[0] not in optional}


# Crafted batches: real records, real keys and the real envelope, with a record's JSON changed before sealing.

def record_lines(db: Path, origin: str = DISTRICT) -> list[bytes]:
    """The record lines a real export of ``db`` would write now."""
    from sync import export

    class Lines:
        def __init__(self) -> None:
            self.lines: list[bytes] = []

        def add(self, line: bytes) -> None:
            self.lines.append(line)

    collected = Lines()
    with at(db):
        export._read_records(origin, export.travelling_kinds(), collected, None, None)
    return collected.lines


def parse(line: bytes) -> tuple[str, dict]:
    """(kind, record) of a record line."""
    import json

    outer = json.loads(line)
    return outer["k"], outer["d"]


def line(kind: str, record: dict) -> bytes:
    """A record line as sync.export writes it, its hash made over the record's JSON."""
    import hashlib
    import json

    body = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    rev = record.get("rev", 1) if records.BY_NAME[kind].has_rev else 1
    return (f'{{"k":"{kind}","u":"{record["uid"]}","r":{rev},"h":"{hashlib.sha256(body).hexdigest()}","d":'.encode()
            + body + b"}")


def craft_batch(db: Path, folder: Path, lines: list[bytes], **header) -> Path:
    """A well-formed batch of ``lines``, sealed with ``db``'s own key for the province it knows."""
    import io
    import uuid

    from db.schema import SCHEMA_VERSION
    from sync import envelope

    with at(db):
        code = center.current_center().code
        signer_id, signer = keys.own_signer()
        province = keys.recipient()
        packed = envelope.Compressor(io.BytesIO())
        for one in lines:
            packed.add(one)
        packed.finish()
        base = {"type": "batch", "schema_version": SCHEMA_VERSION, "app_version": "test", "from": code,
                "from_name": code, "signer_key": signer_id, "to": province.center_code,
                "recipient_key": province.key_id, "sequence": 7, "previous_hash": "", "created_at": "2026-11-22"}
        path = folder / f"crafted-{uuid.uuid4().hex[:8]}.hdsync"
        envelope.write_file(path, base | header, packed, signer, keys.enc_public_of(province))
    return path


def add_district(pair: Pair, code: str, tickets: int, seed: int = 2) -> Path:
    """Another demo district (every kind of record, under ``code``) whose key the province knows."""
    from demo import fill as demo

    db = pair.folder / f"district-{code}.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo, "DEMO_CENTER", ("12345", code, f"演示区县{code}"))
        store.open_center(db)
        try:
            demo.fill_demo(tickets, seed=seed)
        finally:
            store.close_center()
    with at(db) as actor:
        keys.init_keys(actor)
        keys.export_public(pair.folder / f"{code}.pubkey.json")
        keys.register_peer(actor, pair.folder / "province.pubkey.json")
    with at(pair.province) as actor:
        keys.register_peer(actor, pair.folder / f"{code}.pubkey.json")
    return db


def add_paperwork(db: Path) -> None:
    """A ticket with an attachment, and a document issued for it: kinds the demo does not make."""
    from core.tickets import registration
    from db.models import Ticket
    from forms import issue
    from forms.catalog import DocumentKind

    with at(db) as admin:
        photo = db.parent / "现场照片.jpg"
        photo.write_bytes(b"\xff\xd8\xff\xe0 not really a picture")
        manager = users.authenticate("manager", "demo1234")
        made = registration.register(manager, registration.TicketInput(
            channel="phone", caller_name="钱女士", caller_phone="13905151111", title="井盖松动", category="consult",
            content="人行道井盖松动。", hotline="12345", attachments=[{"path": str(photo), "kind": "photo"}]))
        issue.issue(admin, DocumentKind.WORK_ORDER, Ticket.get_by_id(made.id).id)


def register(db: Path, title: str) -> tuple[str, str]:
    """A ticket registered at ``db`` by its demo manager now: (uid, number)."""
    from core.tickets import registration
    from db.models import Ticket

    with at(db):
        made = registration.register(users.authenticate("manager", "demo1234"), registration.TicketInput(
            channel="phone", caller_name="周女士", caller_phone="13905153333", title=title, content=f"{title}。",
            category="consult", hotline="12345"))
        return Ticket.get_by_id(made.id).uid, made.number


OTHER = "320104"


def make_trio(folder: Path, tickets: int = 120) -> Pair:
    """A district (with paperwork and its knowledge base sent), another district ``OTHER`` and the
    province, each district's first batch imported: every kind of record of both is at the province."""
    from sync import export, importer

    pair = make_pair(folder, tickets)
    pair.other = add_district(pair, OTHER, tickets)
    add_paperwork(pair.district)
    for db in (pair.other, pair.district):
        with at(db) as actor:
            export.set_sends_kb(actor, True)
            made = export.export_batch(actor, pair.folder)
        with at(pair.province) as actor:
            assert importer.import_batch(actor, made.path).counts["rejected"] == 0
    return pair


def records_by_kind(db: Path, origin: str = DISTRICT) -> dict[str, list[dict]]:
    """The records a real export of ``db`` would send now, by kind."""
    out: dict[str, list[dict]] = {}
    for one in record_lines(db, origin):
        kind, data = parse(one)
        out.setdefault(kind, []).append(data)
    return out


_ROUNDS = itertools.count()


def fresh(kind: str, data: dict) -> dict:
    """The record as a new one of its center's: new uids (its children's too), rev 1."""
    import uuid

    copy = dict(data, uid=str(uuid.uuid4()))
    if kind == records.VISIT:  # a ticket has one visit a round: a new one is a later round
        copy["round"] = 2 + next(_ROUNDS) % 990
    if kind == records.EVALUATION:  # one evaluation a ticket and channel: a new one by another channel
        others = [c for c in ("keypad", "web", "sms") if c != data.get("channel")]
        copy["channel"] = others[next(_ROUNDS) % len(others)]
    if records.BY_NAME[kind].has_rev:
        copy["rev"] = 1
    for child in records.BY_NAME[kind].children:
        copy[child.key] = [dict(c, uid=str(uuid.uuid4())) for c in data.get(child.key) or []]
    return copy


def foreign_uid(province: Path, table: str, origin: str = OTHER) -> str:
    """The uid of one of ``origin``'s records of ``table`` held at the province."""
    with at(province):
        row = raw_connection().execute(f'SELECT uid FROM "{table}" WHERE origin = ? ORDER BY id LIMIT 1',
                                       (origin,)).fetchone()
    assert row is not None, table
    return row[0]
