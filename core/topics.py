"""问题分类: the configurable tree of subjects, with a sensible default."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from core import clock
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
