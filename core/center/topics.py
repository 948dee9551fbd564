"""问题分类: the configurable tree of subjects, with a sensible default."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from peewee import fn

from core import clock
from core.errors import ValidationError
from core.roles import Actor, Permission
from core.service import existing, local_origin, require_own, write
from db.models import Topic

# A starting tree drawn from what 12345 and 12365 centers commonly classify;
# the admin edits it. (12345 6.4.2.3.3 asks for monthly high-frequency topics,
# which needs a stable tree from day one.)
DEFAULT_TOPICS: dict[str, list[str]] = {
    "城乡建设": ["施工扰民", "房屋质量", "物业管理", "违法建设", "市政设施", "拆迁安置"],
    "生态环境": ["噪声污染", "大气污染", "水污染", "垃圾处理", "餐饮油烟"],
    "交通运输": ["公交地铁", "出租网约车", "道路设施", "停车管理", "交通拥堵"],
    "公用事业": ["供水", "供电", "供气", "供暖", "通信网络"],
    "劳动保障": ["拖欠工资", "社会保险", "劳动合同", "就业创业"],
    "市场监管": ["消费维权", "食品安全", "产品质量", "价格收费", "计量器具", "特种设备", "药品医疗器械"],
    "教育文体": ["学校管理", "校外培训", "文体设施"],
    "医疗卫生": ["医疗服务", "医保报销", "疫情防控"],
    "社会管理": ["户籍证件", "社区服务", "养老服务", "社会救助", "治安秩序"],
    "政务服务": ["办事流程", "政策咨询", "工作人员作风"],
    "其他": ["其他"],
}


@dataclass(frozen=True)
class TopicInfo:
    id: int
    name: str
    path: str  # 生态环境 / 噪声污染
    parent_id: int | None


def seed_default_topics(origin: str) -> None:
    """Create the default tree; call inside the setup transaction."""
    now = clock.stamp()
    for sort, (parent_name, children) in enumerate(DEFAULT_TOPICS.items()):
        parent = Topic.create(uid=str(uuid.uuid4()), name=parent_name, sort=sort, origin=origin, updated_at=now)
        for child_sort, child in enumerate(children):
            Topic.create(
                uid=str(uuid.uuid4()), parent=parent.id, name=child, sort=child_sort, origin=origin, updated_at=now
            )


def active_topics() -> list[TopicInfo]:
    """Leaves first under their parents, in the admin's order; for pickers."""
    rows = list(Topic.select().where(Topic.active == True).order_by(Topic.sort, Topic.id))  # noqa: E712
    by_id = {t.id: t for t in rows}
    out: list[TopicInfo] = []
    for t in rows:
        if t.parent_id is None:
            continue
        parent = by_id.get(t.parent_id)
        if parent is None:  # under a retired 大类: retired with it
            continue
        path = f"{parent.name} / {t.name}" if parent else t.name
        out.append(TopicInfo(t.id, t.name, path, t.parent_id))
    order = {t.id: (t.sort, t.id) for t in rows}
    out.sort(key=lambda i: (order.get(i.parent_id or 0, (0, 0)), order[i.id]))
    return out


def topic_path(topic_id: int | None) -> str:
    if topic_id is None:
        return ""
    topic = Topic.get_or_none(Topic.id == topic_id)
    if topic is None:
        return ""
    if topic.parent_id:
        parent = Topic.get_or_none(Topic.id == topic.parent_id)
        if parent:
            return f"{parent.name} / {topic.name}"
    return topic.name


# --- the admin edits the tree (系统管理 · 问题分类) -------------------------------------------

MAX_TOPIC_NAME = 20


@dataclass(frozen=True)
class TopicNode:
    """One topic for the admin's tree: retired ones included, children in order."""

    id: int
    name: str
    active: bool
    children: tuple[TopicNode, ...] = ()


def topic_tree() -> list[TopicNode]:
    rows = list(Topic.select().order_by(Topic.sort, Topic.id))
    children: dict[int, list[Topic]] = {}
    for t in rows:
        if t.parent_id is not None:
            children.setdefault(t.parent_id, []).append(t)
    return [
        TopicNode(t.id, t.name, t.active, tuple(TopicNode(c.id, c.name, c.active) for c in children.get(t.id, [])))
        for t in rows
        if t.parent_id is None
    ]


def _clean_name(name: str, parent_id: int | None, exclude: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "请填写分类名称"})
    if len(name) > MAX_TOPIC_NAME:
        raise ValidationError({"name": f"分类名称不能超过 {MAX_TOPIC_NAME} 个字（现在 {len(name)} 个）"})
    if "/" in name:
        raise ValidationError({"name": "分类名称里不能有“/”，它用来分隔大类和小类"})
    parent_clause = Topic.parent.is_null() if parent_id is None else (Topic.parent == parent_id)
    clash = Topic.select().where(parent_clause, Topic.name == name)
    if exclude is not None:
        clash = clash.where(Topic.id != exclude)
    if clash.exists():
        raise ValidationError({"name": f"同一级已有名为“{name}”的分类（可能已停用，可重新启用）"})
    return name


def _topic(topic_id: int) -> Topic:
    topic = existing(Topic, topic_id, "这个问题分类已不存在，请刷新后重试。")
    return topic


def _touch(topic: Topic, **fields: object) -> None:
    require_own(topic.origin, f"问题分类“{topic.name}”")
    Topic.update(rev=Topic.rev + 1, updated_at=clock.stamp(), **fields).where(Topic.id == topic.id).execute()


def add_topic(actor: Actor, parent_id: int | None, name: str) -> int:
    """A new 大类 (parent None) or 小类 under a 大类; two levels, as tickets show ``大类 / 小类``."""
    with write(actor, Permission.TOPIC_MANAGE, "topic.add", "topic") as tx:
        if parent_id is not None:
            parent = _topic(parent_id)
            if parent.parent_id is not None:
                raise ValidationError({"parent": "小类下面不能再分小类：问题分类只有“大类 / 小类”两级"})
            require_own(parent.origin, f"问题分类“{parent.name}”")
        clean = _clean_name(name, parent_id)
        parent_clause = Topic.parent.is_null() if parent_id is None else (Topic.parent == parent_id)
        last = Topic.select(fn.MAX(Topic.sort)).where(parent_clause).scalar()
        topic = Topic.create(uid=str(uuid.uuid4()), parent=parent_id, name=clean, sort=(last or 0) + 1,
                             origin=local_origin(), updated_at=clock.stamp())
        tx.object_uid = topic.uid
        tx.detail = {"name": clean, "parent_id": parent_id}
    return topic.id


def rename_topic(actor: Actor, topic_id: int, name: str) -> None:
    """Tickets keep their topic by id, so they show the new name too."""
    with write(actor, Permission.TOPIC_MANAGE, "topic.rename", "topic") as tx:
        topic = _topic(topic_id)
        clean = _clean_name(name, topic.parent_id, exclude=topic.id)
        _touch(topic, name=clean)
        tx.object_uid = topic.uid
        tx.detail = {"from": topic.name, "to": clean}


def set_topic_active(actor: Actor, topic_id: int, active: bool) -> None:
    """Retire or restore. A retired topic leaves the pickers; tickets filed under it keep it."""
    with write(actor, Permission.TOPIC_MANAGE, "topic.enable" if active else "topic.retire", "topic") as tx:
        topic = _topic(topic_id)
        _touch(topic, active=active)
        tx.object_uid = topic.uid
        tx.detail = {"name": topic.name}


def move_topic(actor: Actor, topic_id: int, step: int) -> None:
    """Up (-1) or down (+1) among its siblings; the pickers follow this order."""
    with write(actor, Permission.TOPIC_MANAGE, "topic.move", "topic") as tx:
        topic = _topic(topic_id)
        parent_clause = Topic.parent.is_null() if topic.parent_id is None else (Topic.parent == topic.parent_id)
        # Only this center's own: at a province the top level also holds the districts' topics.
        siblings = list(Topic.select().where(parent_clause & (Topic.origin == topic.origin))
                        .order_by(Topic.sort, Topic.id))
        at = next(i for i, s in enumerate(siblings) if s.id == topic.id)
        to = at + step
        if not 0 <= to < len(siblings):
            return
        siblings.insert(to, siblings.pop(at))
        for sort, sibling in enumerate(siblings):
            if sibling.sort != sort:
                _touch(sibling, sort=sort)
        tx.object_uid = topic.uid
        tx.detail = {"name": topic.name, "step": step}
