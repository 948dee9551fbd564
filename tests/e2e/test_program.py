"""The real program as a subprocess: headless commands, bad databases, and the GUI start."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import apsw
import pytest

from tests.helpers import file_sha256

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def run(*args: str, env_extra: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")
    env.update(env_extra or {})
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout)


def test_version_and_help_list_the_commands():
    version = run("--version")
    assert version.returncode == 0 and "热线工作台" in version.stdout
    helptext = run("--help")
    assert helptext.returncode == 0
    for command in ("demo", "check", "import-tickets", "--db"):
        assert command in helptext.stdout


def test_demo_then_check_then_gui_start_as_operator(tmp_path):
    db = tmp_path / "demo.db"
    made = run("demo", "--db", str(db), "--tickets", "300", "--seed", "3")
    assert made.returncode == 0, made.stderr
    assert "演示中心" in made.stdout
    checked = run("check", "--db", str(db))
    assert checked.returncode == 0 and "完好" in checked.stdout
    gui = run("--db", str(db), "--login", "op1", "--exit-after-show",
              env_extra={"HOTLINE_DESK_PASSWORD": "demo1234", "HOTLINE_DESK_HOME": str(tmp_path / "home")})
    assert gui.returncode == 0, gui.stderr
    assert "main-window-shown" in gui.stdout
    assert "Traceback" not in gui.stderr


def sqlite_file(path: Path, sql: str) -> str:
    """An SQLite file made by ``sql`` outside the program; returns its hash to compare later."""
    conn = apsw.Connection(str(path))
    conn.execute(sql)
    conn.close()
    return file_sha256(path)


def test_newer_database_is_refused_and_left_untouched(tmp_path):
    db = tmp_path / "future.db"
    before = sqlite_file(db, "CREATE TABLE t(x); PRAGMA user_version = 999")
    result = run("check", "--db", str(db))
    assert result.returncode == 2
    assert "更新版本" in result.stderr and "Traceback" not in result.stderr
    assert file_sha256(db) == before


def test_foreign_file_is_refused_with_a_message(tmp_path):
    db = tmp_path / "notes.db"
    db.write_bytes("这不是数据库".encode() * 100)
    before = file_sha256(db)
    result = run("check", "--db", str(db))
    assert result.returncode == 2
    assert "不是热线工作台的数据库" in result.stderr and "Traceback" not in result.stderr
    assert file_sha256(db) == before


def test_missing_database_is_not_created_by_check_or_import(tmp_path):
    db = tmp_path / "typo.db"
    assert run("check", "--db", str(db)).returncode == 2
    assert run("import-tickets", "--db", str(db), str(tmp_path / "x.csv")).returncode == 2
    assert not db.exists()


def test_an_sqlite_file_of_another_program_is_not_turned_into_a_center(tmp_path):
    db = tmp_path / "other.db"
    before = sqlite_file(db, "CREATE TABLE notes(x); INSERT INTO notes VALUES ('mine')")
    for args in (("check",), ("demo", "--tickets", "10")):
        done = run(*args, "--db", str(db))
        assert done.returncode == 2 and "别的程序的 SQLite 数据库" in done.stderr, args
    assert file_sha256(db) == before
