"""Who a headless command acts as: the account named with ``--as``, else the first admin.

Imports and scripted look-ups run without a login; what they write is still
audited under a real account (DESIGN "Who uses it").
"""
from __future__ import annotations

from core.errors import Conflict, NotFound
from core.roles import Actor, Role
from core.center.users import actor_for
from db.models import User, UserRole


def acting_user(username: str | None, task: str) -> Actor:
    """The Actor for ``task`` (e.g. "导入台账"); a disabled account is refused."""
    if username:
        actor = actor_for(username)
        user = User.get_by_id(actor.user_id)
        if not user.active:
            raise Conflict(f"账号“{username}”已停用，不能用它{task}。")
        return actor
    admin = (
        User.select(User.username)
        .join(UserRole, on=(UserRole.user == User.id))
        .where((UserRole.role == Role.ADMIN.value) & (User.active == True))  # noqa: E712 (peewee expression)
        .order_by(User.id)
        .first()
    )
    if admin is None:
        raise NotFound(f"没有可用的管理员账号，无法确定由谁{task}。请先创建管理员账号，或用 --as 指定账号。")
    return actor_for(admin.username)
