"""One fixture file (qutebrowser habit): each test gets its own database and data folder."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHARED_DATA = ROOT.parent / "shared" / "data"


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
    from core import center, store, users

    store.open_center(db_path)
    center.setup_center("12345", "320102", "南京市玄武区12345热线", "admin", "管理员", "admin-pass-1")
    yield users.authenticate("admin", "admin-pass-1")
    store.close_center()


@pytest.fixture
def operator(center_db):
    from core import users
    from core.roles import Role

    users.create_user(center_db, "op1", "王小丽", "operator-pass", {Role.OPERATOR})
    return users.authenticate("op1", "operator-pass")


@pytest.fixture
def manager(center_db):
    from core import users
    from core.roles import Role

    users.create_user(center_db, "boss", "陈主任", "manager-pass", {Role.MANAGER})
    return users.authenticate("boss", "manager-pass")


@pytest.fixture
def dispatcher(center_db):
    from core import users
    from core.roles import Role

    users.create_user(center_db, "pd1", "李派单", "dispatch-pass", {Role.DISPATCHER})
    return users.authenticate("pd1", "dispatch-pass")


@pytest.fixture
def supervisor(center_db):
    from core import users
    from core.roles import Role

    users.create_user(center_db, "db1", "赵督办", "supervise-pass", {Role.SUPERVISOR})
    return users.authenticate("db1", "supervise-pass")


@pytest.fixture
def mediator(center_db):
    from core import users
    from core.roles import Role

    users.create_user(center_db, "tj1", "杨调解", "mediate-pass", {Role.MEDIATOR})
    return users.authenticate("tj1", "mediate-pass")


@pytest.fixture
def cheap_password_hashing(monkeypatch):
    """Fixtures make accounts for every test; argon2 at full cost (~0.15 s a hash) would be most
    of the run. Hashing at the real cost is tested in tests/core/test_users.py."""
    from argon2 import PasswordHasher

    from core import users

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
