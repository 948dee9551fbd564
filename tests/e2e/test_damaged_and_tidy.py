"""The real program on a damaged file, an empty or missing one, and what every command leaves
behind: no write-ahead log beside the database (issue 15 §2, §3)."""
from __future__ import annotations

import apsw
import pytest

from tests.e2e.test_program import run
from tests.helpers import file_sha256

pytestmark = pytest.mark.slow
GUI_ENV = {"HOTLINE_DESK_PASSWORD": "demo1234"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("tidy") / "demo.db"
    made = run("demo", "--db", str(db), "--tickets", "300", "--seed", "3")
    assert made.returncode == 0, made.stderr
    return db


def _wal(db) -> int:
    wal = db.with_name(db.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def _damage_a_leaf_of(db, table: str) -> None:
    """Garbage over one leaf page of ``table``: the file still opens and logs in (the center and
    accounts live on pages of their own), as a disk that lost a sector would leave it."""
    conn = apsw.Connection(str(db))
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    (page,) = conn.execute("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno"
                           " LIMIT 1 OFFSET 3", (table,)).fetchone()
    conn.close()
    with open(db, "r+b") as fh:
        fh.seek((page - 1) * page_size)
        fh.write(b"\xa5" * page_size)


def test_every_command_leaves_no_write_ahead_log(demo_db, tmp_path):
    assert _wal(demo_db) == 0  # demo
    for args in (("check",), ("kb", "search", "噪音"), ("calendar", "show", "2026"),
                 ("kb", "export", "--out", str(tmp_path / "kb.jsonl"))):
        done = run(*args, "--db", str(demo_db))
        assert done.returncode in (0, 1), (args, done.stderr)
        assert _wal(demo_db) == 0, args
    gui = run("--db", str(demo_db), "--login", "op1", "--exit-after-show", env_extra=GUI_ENV)
    assert gui.returncode == 0 and "main-window-shown" in gui.stdout, gui.stderr
    assert _wal(demo_db) == 0  # the program's end too


def _leave_a_log(db) -> None:
    """A last write still in the -wal file, as a program killed mid-work leaves it."""
    conn = apsw.Connection(str(db))
    conn.execute("PRAGMA journal_mode = wal; PRAGMA wal_autocheckpoint = 0")
    conn.execute("INSERT OR REPLACE INTO setting (key, value) VALUES ('left.in.the.log', '1')")
    conn.config(apsw.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1)
    conn.close()


def test_the_program_refuses_a_damaged_file_instead_of_opening_the_main_window(demo_db, tmp_path):
    db = tmp_path / "damaged.db"
    db.write_bytes(demo_db.read_bytes())
    _damage_a_leaf_of(db, "ticket_event")
    _leave_a_log(db)
    damaged, log = file_sha256(db), _wal(db)
    assert log > 0
    gui = run("--db", str(db), "--login", "op1", "--exit-after-show", env_extra=GUI_ENV)
    assert gui.returncode == 2 and "main-window-shown" not in gui.stdout
    assert "已损坏" in gui.stderr and "复制一份留存" in gui.stderr and "Traceback" not in gui.stderr
    assert "系统管理 → 备份" not in gui.stderr  # no such screen yet
    checked = run("check", "--db", str(db))
    assert checked.returncode == 1 and "发现问题" in checked.stdout
    # Closed as they were: the log the message tells people to keep is not merged into the file.
    assert (file_sha256(db), _wal(db)) == (damaged, log)


@pytest.mark.parametrize("state", ["missing", "empty"])
def test_check_on_a_missing_or_empty_file_says_so_and_writes_nothing(tmp_path, state):
    db = tmp_path / "center.db"
    if state == "empty":
        db.write_bytes(b"")
    for args in (("check",), ("check", "--json"), ("kb", "search", "噪音"), ("export-batch", "--out", str(tmp_path)),
                 ("docs", "fields", "--kind", "work_order")):
        done = run(*args, "--db", str(db))
        if args[0] == "docs":  # needs no database at all
            continue
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        said = done.stdout + done.stderr
        assert "不是热线工作台的数据库" in said and "Traceback" not in said, args
    assert (db.exists(), db.stat().st_size if db.exists() else None) == ((False, None) if state == "missing" else (True, 0))
    assert not db.with_name("center.db-wal").exists()
