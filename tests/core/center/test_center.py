"""The center and its first-launch setup (core.center.profile): validation, one-time setup, default topics."""
from __future__ import annotations

import json

import pytest

from core import store
from core.center import profile as center
from core.center import topics
from core.center import users
from core.errors import Conflict, ValidationError
from core.roles import Role
from core.vocab import CenterKind
from db.models import Audit, Center, Topic, User, UserRole


pytestmark = pytest.mark.usefixtures("cheap_password_hashing")


@pytest.fixture
def fresh(db_path):
    """An opened database that has not been set up."""
    store.open_center(db_path)
    yield
    store.close_center()


GOOD = {
    "kind": "12345",
    "code": "320102",
    "name": "南京市玄武区12345热线",
    "admin_username": "admin",
    "admin_display_name": "管理员",
    "admin_password": "admin-pass-1",
}


def _setup(**changes):
    return center.setup_center(**(GOOD | changes))


def _counts() -> tuple[int, int, int, int, int]:
    return (Center.select().count(), User.select().count(), UserRole.select().count(),
            Topic.select().count(), Audit.select().count())


def test_fresh_database_is_not_set_up(fresh):
    assert center.current_center() is None
    assert not center.is_set_up()


def test_setup_creates_the_center_and_its_admin(fresh):
    info = _setup()
    assert info == center.CenterInfo("320102", "南京市玄武区12345热线", CenterKind.HOTLINE_12345)
    assert center.current_center() == info
    assert center.is_set_up()
    admin = users.authenticate("admin", "admin-pass-1")
    assert admin.roles == frozenset({Role.ADMIN})
    audit = Audit.get(Audit.action == "setup_center")
    assert audit.actor_id is None
    assert audit.object_uid == "320102"
    assert json.loads(audit.detail)["admin"] == User.get(User.username == "admin").uid


def test_setup_trims_code_and_name(fresh):
    info = _setup(code=" 320102 ", name="  玄武区热线  ")
    assert (info.code, info.name) == ("320102", "玄武区热线")


@pytest.mark.parametrize(
    "changes, key",
    [
        ({"code": "32010"}, "code"),
        ({"code": "3201020"}, "code"),
        ({"code": "abcdef"}, "code"),
        ({"code": ""}, "code"),
        ({"code": "990102"}, "code"),  # no province 99 in GB/T 2260
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "长" * 61}, "name"),
        ({"kind": "110"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"admin_password": "short"}, "admin_password"),
        ({"admin_username": "管理员"}, "admin_username"),
        ({"admin_display_name": ""}, "admin_display_name"),
    ],
)
def test_setup_validation_names_the_field_and_writes_nothing(fresh, changes, key):
    with pytest.raises(ValidationError) as caught:
        _setup(**changes)
    assert set(caught.value.fields) == {key}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.fields[key])
    assert _counts() == (0, 0, 0, 0, 0)
    assert center.current_center() is None


def test_setup_reports_every_problem_at_once(fresh):
    with pytest.raises(ValidationError) as caught:
        _setup(kind="x", code="1", name="", admin_password="1")
    assert set(caught.value.fields) == {"kind", "code", "name", "admin_password"}
    assert _counts() == (0, 0, 0, 0, 0)


def test_second_setup_is_refused_and_changes_nothing(fresh):
    _setup()
    before = _counts()
    with pytest.raises(Conflict):
        _setup(code="320104", name="秦淮区12345热线", admin_username="admin2")
    assert _counts() == before
    assert center.current_center().code == "320102"
    assert [u.username for u in users.list_users()] == ["admin"]


@pytest.mark.parametrize("kind, runs_12365", [("12345", False), ("12365", True), ("both", True)])
def test_each_center_kind(fresh, kind, runs_12365):
    info = _setup(kind=kind)
    assert info.kind == CenterKind(kind)
    assert info.runs_12365 is runs_12365


def test_default_topic_tree_is_seeded(fresh):
    _setup()
    parents = list(Topic.select().where(Topic.parent.is_null()).order_by(Topic.sort))
    assert [p.name for p in parents] == list(topics.DEFAULT_TOPICS)
    for parent in parents:
        children = list(Topic.select().where(Topic.parent == parent.id).order_by(Topic.sort))
        assert [c.name for c in children] == topics.DEFAULT_TOPICS[parent.name]
    assert all(t.origin == "320102" and t.rev == 1 and t.active for t in Topic.select())
    assert len({t.uid for t in Topic.select()}) == Topic.select().count()


def test_seeded_topics_are_offered_to_pickers(fresh):
    _setup()
    offered = topics.active_topics()
    assert len(offered) == sum(len(children) for children in topics.DEFAULT_TOPICS.values())
    paths = [t.path for t in offered]
    for path in ("生态环境 / 噪声污染", "市场监管 / 食品安全", "公用事业 / 供暖"):
        assert path in paths
    # Grouped under their parents in the admin's order.
    assert paths.index("城乡建设 / 施工扰民") < paths.index("生态环境 / 噪声污染") < paths.index("其他 / 其他")
    noise = next(t for t in offered if t.name == "噪声污染")
    assert topics.topic_path(noise.id) == "生态环境 / 噪声污染"
