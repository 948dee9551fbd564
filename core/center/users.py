"""Local accounts (账号): argon2 password hashes, roles, login."""
from __future__ import annotations

import logging
import re
import uuid
from functools import lru_cache
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core import clock
from core.errors import AuthenticationFailed, Conflict, NotFound, ValidationError
from core.roles import Actor, Permission, Role
from core.service import Changes, existing, local_origin, write
from db.models import User, UserRole

# OWASP's argon2id setting (19 MiB, 2 passes, 1 lane): ~30 ms a login on an
# office PC, against 0.11 s for argon2-cffi's default, which a cold start with
# the login in it would feel. Hashes made with other settings still verify and
# are re-hashed with these at the next login.
log = logging.getLogger("hotline.users")

_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)

MIN_PASSWORD_LENGTH = 8
USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,32}\Z")
MAX_DISPLAY_NAME = 40


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    roles: frozenset[Role]
    active: bool

    @property
    def roles_label(self) -> str:
        return "、".join(r.label for r in Role if r in self.roles)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Made on first need: hashing at import would cost every start-up 0.1 s."""
    return _hasher.hash("not-a-password")


def _check_account_fields(username: str, display_name: str, roles: set[Role]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not USERNAME.match(username):
        errors["username"] = "登录名应为 2–32 个英文字母、数字或 _ . -"
    if not display_name.strip():
        errors["display_name"] = "请填写姓名"
    elif len(display_name) > MAX_DISPLAY_NAME:
        errors["display_name"] = f"姓名不能超过 {MAX_DISPLAY_NAME} 个字"
    if not roles:
        errors["roles"] = "请至少选择一个角色"
    return errors


def _check_password(password: str) -> dict[str, str]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return {"password": f"密码至少 {MIN_PASSWORD_LENGTH} 位"}
    return {}


def _insert_user(username: str, display_name: str, password: str, roles: set[Role]) -> User:
    if User.select().where(User.username == username).exists():
        raise Conflict(f"登录名“{username}”已被使用，请换一个。")
    now = clock.stamp()
    user = User.create(
        uid=str(uuid.uuid4()),
        username=username,
        display_name=display_name.strip(),
        password_hash=_hasher.hash(password),
        created_at=now,
        updated_at=now,
        origin=local_origin(),
    )
    for role in roles:
        UserRole.insert(user=user.id, role=role.value).execute()
    return user


def validate_first_admin(username: str, display_name: str, password: str) -> dict[str, str]:
    return _check_account_fields(username, display_name, {Role.ADMIN}) | _check_password(password)


def insert_first_admin(username: str, display_name: str, password: str) -> str:
    """The admin made at setup; call inside the setup transaction. Returns the uid."""
    if User.select().exists():
        raise Conflict("已经有账号了，请用管理员账号登录后再添加。")
    return _insert_user(username, display_name, password, {Role.ADMIN}).uid


def create_user(actor: Actor, username: str, display_name: str, password: str, roles: set[Role]) -> Changes:
    errors = _check_account_fields(username, display_name, roles) | _check_password(password)
    if errors:
        raise ValidationError(errors)
    with write(actor, Permission.USER_MANAGE, "create_user", "user") as tx:
        user = _insert_user(username, display_name, password, roles)
        tx.object_uid = user.uid
        tx.detail = {"username": username, "roles": sorted(r.value for r in roles)}
    return Changes(users=True, ids=[user.id])


def update_user(actor: Actor, user_id: int, display_name: str, roles: set[Role], active: bool) -> Changes:
    errors = {k: v for k, v in _check_account_fields("ok", display_name, roles).items() if k != "username"}
    if errors:
        raise ValidationError(errors)
    with write(actor, Permission.USER_MANAGE, "update_user", "user") as tx:
        user = existing(User, user_id, "账号不存在。")
        if user_id == actor.user_id and (not active or Role.ADMIN not in roles):
            raise Conflict("不能停用自己的账号或去掉自己的管理员角色，以免无人能管理账号。")
        user.display_name = display_name.strip()
        user.active = active
        user.updated_at = clock.stamp()
        user.save()
        UserRole.delete().where(UserRole.user == user_id).execute()
        for role in roles:
            UserRole.insert(user=user_id, role=role.value).execute()
        tx.object_uid = user.uid
        tx.detail = {"roles": sorted(r.value for r in roles), "active": active}
    return Changes(users=True, ids=[user_id])


def reset_password(actor: Actor, user_id: int, password: str) -> Changes:
    """The admin sets a new password, or a user changes their own."""
    errors = _check_password(password)
    if errors:
        raise ValidationError(errors)
    permission = None if user_id == actor.user_id else Permission.USER_MANAGE
    with write(actor, permission, "reset_password", "user") as tx:
        user = existing(User, user_id, "账号不存在。")
        user.password_hash = _hasher.hash(password)
        user.updated_at = clock.stamp()
        user.save()
        tx.object_uid = user.uid
    return Changes(users=True, ids=[user_id])


def _actor_of(user: User) -> Actor:
    roles = frozenset(Role(r.role) for r in UserRole.select().where(UserRole.user == user.id))
    return Actor(user.id, user.username, user.display_name, roles)


def authenticate(username: str, password: str) -> Actor:
    """Check a login; the same message for a wrong name or password, as usual."""
    failed = AuthenticationFailed("登录名或密码不正确。")
    user = User.get_or_none(User.username == username.strip())
    if user is None:
        # Spend the same time as a wrong password, so timing does not tell which names exist.
        try:
            _hasher.verify(_dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            pass
        raise failed
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise failed from None
    if not user.active:
        raise AuthenticationFailed("这个账号已停用，请联系管理员。")
    if _hasher.check_needs_rehash(user.password_hash):
        try:
            User.update(password_hash=_hasher.hash(password)).where(User.id == user.id).execute()
        except Exception as exc:  # best effort: a read-only database still lets people log in
            log.warning("password of %s not re-hashed: %s", user.username, exc)
    return _actor_of(user)


def actor_for(username: str) -> Actor:
    """The Actor of an account, for headless commands run by the admin on the PC."""
    user = User.get_or_none(User.username == username)
    if user is None:
        raise NotFound(f"账号“{username}”不存在。")
    return _actor_of(user)


def list_users() -> list[UserInfo]:
    """This center's accounts; a province's copies of district staff are not accounts."""
    roles: dict[int, set[Role]] = {}
    for row in UserRole.select():
        roles.setdefault(row.user_id, set()).add(Role(row.role))
    return [
        UserInfo(u.id, u.username, u.display_name, frozenset(roles.get(u.id, set())), u.active)
        for u in User.select().where(User.origin.in_((local_origin(), ""))).order_by(User.id)
    ]


def has_users() -> bool:
    return User.select().exists()
