"""问题分类 (core.center.topics): the default tree, and the admin's edits to it (issue 2: "a
configurable 问题分类 tree with a sensible default")."""
from __future__ import annotations

import pytest

from core.tickets import registration
from core.tickets import reads as tickets
from core.center import topics
from core.errors import PermissionDenied, ValidationError
from core.tickets.registration import TicketInput
from db.models import Audit, Topic


def _paths() -> list[str]:
    return [t.path for t in topics.active_topics()]


def _id(path: str) -> int:
    return next(t.id for t in topics.active_topics() if t.path == path)


def _group(name: str) -> int:
    return next(n.id for n in topics.topic_tree() if n.name == name)


def test_a_new_center_has_the_default_tree(center_db):
    tree = topics.topic_tree()
    assert [n.name for n in tree] == list(topics.DEFAULT_TOPICS)
    assert "生态环境 / 噪声污染" in _paths()


def test_the_admin_adds_a_group_and_a_topic_under_it(center_db):
    group = topics.add_topic(center_db, None, "  农业农村 ")
    child = topics.add_topic(center_db, group, "农资质量")
    assert "农业农村 / 农资质量" in _paths()
    assert _paths()[-1] == "农业农村 / 农资质量"  # a new group goes last
    assert Topic.get_by_id(child).origin == "320102"
    assert Audit.select().where(Audit.action == "topic.add").count() == 2


@pytest.mark.parametrize("name, message", [
    ("", "请填写"), ("   ", "请填写"), ("长" * 21, "不能超过 20 个字"), ("水/电", "不能有“/”"), ("噪声污染", "已有"),
])
def test_bad_names_are_refused_with_the_reason(center_db, name, message):
    with pytest.raises(ValidationError) as caught:
        topics.add_topic(center_db, _group("生态环境"), name)
    assert message in caught.value.fields["name"]


def test_the_tree_has_two_levels_only(center_db):
    with pytest.raises(ValidationError) as caught:
        topics.add_topic(center_db, _id("生态环境 / 噪声污染"), "夜间施工")
    assert "两级" in caught.value.fields["parent"]


def test_a_rename_shows_on_tickets_already_filed(center_db, operator):
    noise = _id("生态环境 / 噪声污染")
    ticket = registration.register(operator, TicketInput(
        category="consult", content="问噪声投诉怎么处理", caller_phone="13812345678", topic_id=noise)).id
    topics.rename_topic(center_db, noise, "噪声扰民")
    assert "生态环境 / 噪声扰民" in _paths()
    assert ("问题分类", "生态环境 / 噪声扰民") in tickets.detail(operator, ticket).fields
    assert Topic.get_by_id(noise).rev == 2


def test_a_retired_topic_leaves_the_pickers_but_tickets_keep_it(center_db, operator):
    noise = _id("生态环境 / 噪声污染")
    ticket = registration.register(operator, TicketInput(
        category="consult", content="问噪声投诉怎么处理", caller_phone="13812345678", topic_id=noise)).id
    topics.set_topic_active(center_db, noise, False)
    assert "生态环境 / 噪声污染" not in _paths()
    assert ("问题分类", "生态环境 / 噪声污染") in tickets.detail(operator, ticket).fields
    topics.set_topic_active(center_db, noise, True)
    assert "生态环境 / 噪声污染" in _paths()


def test_retiring_a_group_retires_what_is_under_it(center_db):
    topics.set_topic_active(center_db, _group("生态环境"), False)
    assert not [p for p in _paths() if p.startswith("生态环境")]


def test_moving_reorders_siblings_and_stops_at_the_ends(center_db):
    first = topics.topic_tree()[0]
    topics.move_topic(center_db, first.id, 1)
    assert [n.name for n in topics.topic_tree()][:2] == [list(topics.DEFAULT_TOPICS)[1], first.name]
    topics.move_topic(center_db, first.id, -1)
    topics.move_topic(center_db, first.id, -1)  # already first: nothing happens
    assert topics.topic_tree()[0].id == first.id


def test_only_the_admin_edits_the_tree(center_db, operator):
    with pytest.raises(PermissionDenied):
        topics.add_topic(operator, None, "农业农村")
    with pytest.raises(PermissionDenied):
        topics.set_topic_active(operator, _group("其他"), False)
