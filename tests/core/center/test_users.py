"""Local accounts (core.center.users): argon2 hashes, login, roles, and who may manage accounts."""
from __future__ import annotations

import json

import pytest
from argon2 import PasswordHasher

from core.center import users
from core.errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied, ValidationError
from core.roles import Permission, Role
from db.models import Audit, User, UserRole


@pytest.fixture
def real_argon2():
    """Keep the program's own argon2 parameters for this test."""


@pytest.fixture(autouse=True)
def _cheap_password_hashing(request, monkeypatch):
    """Accounts are made for every test; argon2 at full cost (~0.15 s a hash) would dominate the
    run. Tests that look at the stored hash ask for ``real_argon2``."""
    if "real_argon2" not in request.fixturenames:
        monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _user(username: str) -> User:
    return User.get(User.username == username)


def _counts() -> tuple[int, int, int]:
    return User.select().count(), UserRole.select().count(), Audit.select().count()


# --- hashes and login ------------------------------------------------------------------------


def test_an_argon2_hash_is_stored_not_the_password(real_argon2, center_db, operator):
    stored = _user("op1").password_hash
    assert stored.startswith("$argon2id$")
    # OWASP's argon2id setting (19 MiB, 2 passes, 1 lane), not a weakened one.
    assert "m=19456,t=2,p=1" in stored
    assert "operator-pass" not in stored
    assert PasswordHasher().verify(stored, "operator-pass")


def test_a_hash_made_with_other_settings_is_upgraded_at_login(real_argon2, center_db, operator):
    old = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("operator-pass")
    User.update(password_hash=old).where(User.username == "op1").execute()
    assert users.authenticate("op1", "operator-pass").username == "op1"
    upgraded = _user("op1").password_hash
    assert upgraded != old and "m=19456,t=2,p=1" in upgraded
    assert users.authenticate("op1", "operator-pass").username == "op1"


def test_same_password_gives_different_hashes(real_argon2, center_db):
    users.create_user(center_db, "a1", "甲", "same-password", {Role.OPERATOR})
    users.create_user(center_db, "a2", "乙", "same-password", {Role.OPERATOR})
    assert _user("a1").password_hash != _user("a2").password_hash


def test_authenticate_returns_the_actor_with_roles(center_db, operator):
    assert operator.username == "op1"
    assert operator.display_name == "王小丽"
    assert operator.roles == frozenset({Role.OPERATOR})
    assert operator.can(Permission.TICKET_REGISTER)
    assert not operator.can(Permission.USER_MANAGE)


def test_login_name_is_trimmed_and_case_insensitive(center_db, operator):
    assert users.authenticate("  op1 ", "operator-pass").user_id == operator.user_id
    assert users.authenticate("OP1", "operator-pass").user_id == operator.user_id


def test_wrong_password_and_unknown_user_give_the_same_message(center_db, operator):
    with pytest.raises(AuthenticationFailed) as wrong_password:
        users.authenticate("op1", "not-the-password")
    with pytest.raises(AuthenticationFailed) as unknown_user:
        users.authenticate("nobody", "operator-pass")
    assert wrong_password.value.message == unknown_user.value.message == "登录名或密码不正确。"


def test_inactive_account_is_refused(center_db, operator):
    users.update_user(center_db, operator.user_id, "王小丽", {Role.OPERATOR}, active=False)
    with pytest.raises(AuthenticationFailed) as caught:
        users.authenticate("op1", "operator-pass")
    assert "停用" in caught.value.message
    # A wrong password on an inactive account does not reveal that the account exists.
    with pytest.raises(AuthenticationFailed) as wrong:
        users.authenticate("op1", "bad-password")
    assert wrong.value.message == "登录名或密码不正确。"


def test_reactivated_account_may_log_in_again(center_db, operator):
    users.update_user(center_db, operator.user_id, "王小丽", {Role.OPERATOR}, active=False)
    users.update_user(center_db, operator.user_id, "王小丽", {Role.OPERATOR}, active=True)
    assert users.authenticate("op1", "operator-pass").user_id == operator.user_id


# --- creating accounts -------------------------------------------------------------------------


def test_create_user_writes_one_audit_row_without_the_password(center_db):
    before = Audit.select().count()
    users.create_user(center_db, "disp", "调度员甲", "dispatch-pass", {Role.DISPATCHER, Role.SUPERVISOR})
    new = list(Audit.select().order_by(Audit.id).offset(before))
    assert len(new) == 1
    assert (new[0].action, new[0].actor_id) == ("create_user", center_db.user_id)
    assert new[0].object_uid == _user("disp").uid
    assert json.loads(new[0].detail) == {"username": "disp", "roles": ["dispatcher", "supervisor"]}
    assert "dispatch-pass" not in new[0].detail


def test_duplicate_username_is_a_conflict_and_writes_nothing(center_db, operator):
    before = _counts()
    with pytest.raises(Conflict) as caught:
        users.create_user(center_db, "op1", "另一个人", "another-pass", {Role.OPERATOR})
    assert "op1" in caught.value.message
    with pytest.raises(Conflict):
        users.create_user(center_db, "OP1", "另一个人", "another-pass", {Role.OPERATOR})
    assert _counts() == before


def test_short_password_is_refused_under_the_password_key(center_db):
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        users.create_user(center_db, "short", "短密码", "x" * (users.MIN_PASSWORD_LENGTH - 1), {Role.OPERATOR})
    assert set(caught.value.fields) == {"password"}
    assert str(users.MIN_PASSWORD_LENGTH) in caught.value.fields["password"]
    assert _counts() == before
    users.create_user(center_db, "short", "短密码", "x" * users.MIN_PASSWORD_LENGTH, {Role.OPERATOR})


@pytest.mark.parametrize(
    "username, display_name, roles, key",
    [
        ("a", "甲", {Role.OPERATOR}, "username"),
        ("有中文", "甲", {Role.OPERATOR}, "username"),
        ("with space", "甲", {Role.OPERATOR}, "username"),
        ("ok_name", "  ", {Role.OPERATOR}, "display_name"),
        ("ok_name", "长" * 41, {Role.OPERATOR}, "display_name"),
        ("ok_name", "甲", set(), "roles"),
    ],
)
def test_account_fields_are_checked(center_db, username, display_name, roles, key):
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        users.create_user(center_db, username, display_name, "good-password", roles)
    assert set(caught.value.fields) == {key}
    assert _counts() == before


def test_non_admin_cannot_create_users(center_db, operator, manager):
    before = _counts()
    for actor in (operator, manager):
        with pytest.raises(PermissionDenied) as caught:
            users.create_user(actor, "sneaky", "偷偷", "sneaky-pass", {Role.ADMIN})
        assert "管理账号" in caught.value.message
    assert _counts() == before


def test_non_admin_cannot_change_accounts(center_db, operator):
    with pytest.raises(PermissionDenied):
        users.update_user(operator, operator.user_id, "王小丽", {Role.OPERATOR, Role.MANAGER}, active=True)
    assert users.authenticate("op1", "operator-pass").roles == frozenset({Role.OPERATOR})


# --- changing accounts -------------------------------------------------------------------------


def test_admin_cannot_deactivate_self(center_db):
    before = _counts()
    with pytest.raises(Conflict):
        users.update_user(center_db, center_db.user_id, "管理员", {Role.ADMIN}, active=False)
    assert _counts() == before
    assert _user("admin").active


def test_admin_cannot_drop_own_admin_role(center_db):
    with pytest.raises(Conflict):
        users.update_user(center_db, center_db.user_id, "管理员", {Role.MANAGER}, active=True)
    assert users.authenticate("admin", "admin-pass-1").roles == frozenset({Role.ADMIN})


def test_admin_may_rename_self_and_add_roles(center_db):
    users.update_user(center_db, center_db.user_id, "系统管理员", {Role.ADMIN, Role.MANAGER}, active=True)
    actor = users.authenticate("admin", "admin-pass-1")
    assert actor.display_name == "系统管理员"
    assert actor.roles == frozenset({Role.ADMIN, Role.MANAGER})


def test_update_user_replaces_roles(center_db, operator):
    users.update_user(center_db, operator.user_id, "王小丽", {Role.RETURN_VISITOR}, active=True)
    actor = users.authenticate("op1", "operator-pass")
    assert actor.roles == frozenset({Role.RETURN_VISITOR})
    assert not actor.can(Permission.TICKET_REGISTER)
    assert actor.can(Permission.TICKET_VIEW_CONFIDENTIAL)


def test_update_of_a_missing_account_is_not_found(center_db):
    with pytest.raises(NotFound):
        users.update_user(center_db, 999, "谁", {Role.OPERATOR}, active=True)


# --- passwords ---------------------------------------------------------------------------------


def test_user_may_reset_own_password(center_db, operator):
    users.reset_password(operator, operator.user_id, "brand-new-pass")
    assert users.authenticate("op1", "brand-new-pass").user_id == operator.user_id
    with pytest.raises(AuthenticationFailed):
        users.authenticate("op1", "operator-pass")
    last = Audit.select().order_by(Audit.id.desc()).first()
    assert (last.action, last.actor_id, last.object_uid) == ("reset_password", operator.user_id, _user("op1").uid)
    assert "brand-new-pass" not in last.detail


def test_user_may_not_reset_someone_elses_password(center_db, operator, manager):
    with pytest.raises(PermissionDenied):
        users.reset_password(operator, manager.user_id, "taken-over-1")
    assert users.authenticate("boss", "manager-pass").user_id == manager.user_id


def test_admin_may_reset_someone_elses_password(center_db, operator):
    users.reset_password(center_db, operator.user_id, "reset-by-admin")
    assert users.authenticate("op1", "reset-by-admin").user_id == operator.user_id


def test_reset_to_a_short_password_is_refused(center_db, operator):
    with pytest.raises(ValidationError) as caught:
        users.reset_password(operator, operator.user_id, "short")
    assert set(caught.value.fields) == {"password"}
    assert users.authenticate("op1", "operator-pass")


# --- reading -----------------------------------------------------------------------------------


def test_list_users_in_creation_order_with_roles(center_db, operator, manager):
    listed = users.list_users()
    assert [u.username for u in listed] == ["admin", "op1", "boss"]
    assert listed[1].roles == frozenset({Role.OPERATOR})
    assert listed[2].roles_label == "中心负责人"
    assert all(u.active for u in listed)


def test_actor_for(center_db, operator):
    assert users.actor_for("op1") == operator
    with pytest.raises(NotFound):
        users.actor_for("nobody")


def test_has_users(center_db):
    assert users.has_users()


def test_a_disabled_account_stops_writing_at_once_not_at_next_login(center_db, operator):
    from core.tickets import registration
    from core.tickets.registration import TicketInput

    users.update_user(center_db, operator.user_id, "王小丽", {Role.OPERATOR}, active=False)
    with pytest.raises(PermissionDenied, match="已被停用"):
        registration.register(operator, TicketInput(category="consult", content="问社保", caller_phone="13812345678"))


def test_a_role_taken_away_stops_its_writes_at_once(center_db, operator):
    from core.tickets import registration
    from core.tickets.registration import TicketInput

    users.update_user(center_db, operator.user_id, "王小丽", {Role.DISPATCHER}, active=True)
    with pytest.raises(PermissionDenied, match="受理登记"):
        registration.register(operator, TicketInput(category="consult", content="问社保", caller_phone="13812345678"))


def test_a_disabled_account_cannot_change_its_own_password(center_db, operator):
    users.update_user(center_db, operator.user_id, "王小丽", {Role.OPERATOR}, active=False)
    with pytest.raises(PermissionDenied, match="已被停用"):
        users.reset_password(operator, operator.user_id, "another-pass-2")
