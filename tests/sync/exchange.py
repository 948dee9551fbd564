"""A district and a province that have exchanged keys, as files each test copies (helpers for tests/sync)."""
from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core import center, store, users
from core.acting import acting_user
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
        """The two databases copied to ``to``; other attributes (a batch made once, say) carried over."""
        to.mkdir(parents=True, exist_ok=True)
        for name in ("district.db", "province.db"):
            shutil.copy(getattr(self, name.split(".")[0]), to / name)
        copy = Pair(to / "district.db", to / "province.db", to)
        copy.__dict__.update({k: v for k, v in self.__dict__.items() if k not in ("district", "province", "folder")})
        return copy


def make_pair(folder: Path, tickets: int, district_db: Path | None = None) -> Pair:
    """A demo district with ``tickets`` tickets (or a copy of ``district_db``) and a fresh province, keys exchanged."""
    from core import demo

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
