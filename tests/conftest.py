"""One fixture file (qutebrowser habit): each test gets its own database and data folder."""
from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHARED_DATA = ROOT.parent / "shared" / "data"

# The moment every test runs at, unless it sets its own: 07:30 in Nanjing on a Tuesday is
# 23:30 UTC on Monday, so code that takes the machine's date instead of China's fails here
# on every machine. HOTLINE_DESK_TEST_NOW runs the whole suite at another moment.
DEFAULT_NOW = "2026-11-24T07:30:00+08:00"


class FrozenClock:
    """The one source of "now" in tests: core.clock and the program run as a subprocess
    (through HOTLINE_DESK_NOW) both read it, and it moves only when a test moves it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, at: dt.datetime) -> None:
        self._monkeypatch = monkeypatch
        self.set(at)

    def set(self, at: dt.datetime) -> dt.datetime:
        from core import clock

        clock.fix(at)
        self.now = clock.now()
        self._monkeypatch.setenv(clock.ENV_NOW, self.now.isoformat())
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        return self.set(self.now + dt.timedelta(**delta))

    @property
    def today(self) -> dt.date:
        return self.now.date()


def _default_now() -> dt.datetime:
    return dt.datetime.fromisoformat(os.environ.get("HOTLINE_DESK_TEST_NOW") or DEFAULT_NOW)


# Fixed from the moment the suite is imported: a test module's constants, read at collection,
# never see the wall clock either.
from core import clock as _clock  # noqa: E402 (after sys.path

_clock.fix(_default_now())


@pytest.fixture(scope="session", autouse=True)
def _session_clock():
    """Module- and session-scoped fixtures (a demo file built once) run before any test's
    own fixtures: they see the default moment too, never the wall clock."""
    from core import clock

    patch = pytest.MonkeyPatch()
    FrozenClock(patch, _default_now())
    yield
    patch.undo()
    clock.fix(None)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch) -> FrozenClock:
    """Each test starts at the default moment; ``frozen_clock.set(...)`` or ``.advance(hours=2)``
    moves it for that test alone."""
    from core import clock

    fixed = FrozenClock(monkeypatch, _default_now())
    yield fixed
    clock.fix(_default_now())


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Settings, drafts and default database go to a per-test folder, never the user's."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOTLINE_DESK_HOME", str(home))
    return home


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "center.db"


@pytest.fixture
def center_db(db_path):
    """A set-up 12345 center (玄武区) with an admin; yields the admin Actor."""
    from core import store
    from core.center import profile as center
    from core.center import users

    store.open_center(db_path)
    center.setup_center("12345", "320102", "南京市玄武区12345热线", "admin", "管理员", "admin-pass-1")
    yield users.authenticate("admin", "admin-pass-1")
    store.close_center()


@pytest.fixture
def operator(center_db):
    from core.center import users
    from core.roles import Role

    users.create_user(center_db, "op1", "王小丽", "operator-pass", {Role.OPERATOR})
    return users.authenticate("op1", "operator-pass")


@pytest.fixture
def manager(center_db):
    from core.center import users
    from core.roles import Role

    users.create_user(center_db, "boss", "陈主任", "manager-pass", {Role.MANAGER})
    return users.authenticate("boss", "manager-pass")


@pytest.fixture
def dispatcher(center_db):
    from core.center import users
    from core.roles import Role

    users.create_user(center_db, "pd1", "李派单", "dispatch-pass", {Role.DISPATCHER})
    return users.authenticate("pd1", "dispatch-pass")


@pytest.fixture
def supervisor(center_db):
    from core.center import users
    from core.roles import Role

    users.create_user(center_db, "db1", "赵督办", "supervise-pass", {Role.SUPERVISOR})
    return users.authenticate("db1", "supervise-pass")


@pytest.fixture
def mediator(center_db):
    from core.center import users
    from core.roles import Role

    users.create_user(center_db, "tj1", "杨调解", "mediate-pass", {Role.MEDIATOR})
    return users.authenticate("tj1", "mediate-pass")


@pytest.fixture
def cheap_password_hashing(monkeypatch):
    """Fixtures make accounts for every test; argon2 at full cost (~0.15 s a hash) would be most
    of the run. Hashing at the real cost is tested in tests/core/center/test_users.py."""
    from argon2 import PasswordHasher

    from core.center import users

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def close_center_after():
    from core import store

    yield
    store.close_center()


def shared_file(relative: str) -> Path:
    """A file of ../shared/data, or skip the test with the reason."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"real data not present: {path}")
    return path
