"""Reads check the account as it is stored now, not the Actor made at login (core.service.require).

An admin who disables an account or takes a role away expects it to stop at once: not only
its writes (tests/core/center/test_users.py) but the ticket list, a ticket's detail, the caller
look-up, knowledge-base search and export, and the units export too.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from core.kb import articles as kb
from core.kb import import_export as kb_io
from core.kb import search as kb_search
from core.tickets import registration
from core.tickets import reads as tickets
from core.units import tree as units
from core.units import import_export as units_io
from core.center import users
from core.workbench import items as workbench
from core.errors import PermissionDenied
from core.kb.articles import ArticleInput
from core.tickets.registration import TicketInput
from core.roles import Actor, Role
from core.tickets.reads import TicketFilter
from core.units.tree import UnitInput

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")

DISABLED = "这个账号已被停用，不能再进行操作。请联系管理员。"
PHONE = "13812345678"


@pytest.fixture
def office(center_db, manager) -> dict[str, int]:
    """A confidential complaint, a published and a draft article, a unit; returns their ids."""
    ticket = registration.register(manager, TicketInput(
        category="complaint", content="楼下餐馆油烟直排。", caller_phone=PHONE, caller_name="李明", confidential=True,
        occurred_at="每天中午", address="玄武区珠江路88号", reported_unit="某餐馆",
        details={"prior_handling": "无"})).id
    published = kb.save_article(center_db, None, ArticleInput(title="餐饮油烟投诉处理", body="油烟直排由城管部门查处。"))
    kb.move(center_db, published, "publish")
    draft = kb.save_article(center_db, None, ArticleInput(title="油烟净化设备补贴草稿", body="油烟净化设备补贴尚在起草。"))
    unit = units.create_unit(center_db, UnitInput(name="区城市管理局", kind="department"))
    return {"ticket": ticket, "published": published, "draft": draft, "unit": unit}


def _account(admin: Actor, username: str, roles: set[Role]) -> Actor:
    users.create_user(admin, username, "孙某", "reader-pass-1", roles)
    return users.authenticate(username, "reader-pass-1")


READS: dict[str, Callable[[Actor, Path], object]] = {
    "ticket list": lambda a, _: tickets.list_page(a, TicketFilter()),
    "ticket count": lambda a, _: tickets.count(a, TicketFilter()),
    "ticket detail": lambda a, _: tickets.detail(a, 1),
    "caller history": lambda a, _: tickets.caller_history(a, PHONE),
    "kb search": lambda a, _: kb_search.search_articles(a, "油烟"),
    "kb export": lambda a, folder: kb_io.export_articles(a, folder / "知识库.xlsx"),
    "units export": lambda a, folder: units_io.export_units(a, folder / "承办单位.xlsx"),
    "workbench": lambda a, _: workbench.my_work(a),
}


@pytest.mark.parametrize("read", READS)
def test_an_account_disabled_after_login_reads_nothing(center_db, office, tmp_path, read):
    reader = _account(center_db, "reader", {Role.ADMIN})
    READS[read](reader, tmp_path)  # allowed while the account is active
    users.update_user(center_db, reader.user_id, "孙某", {Role.ADMIN}, active=False)
    with pytest.raises(PermissionDenied) as refused:
        READS[read](reader, tmp_path)
    assert refused.value.message == DISABLED


@pytest.mark.parametrize("read, right", [("kb export", "编写知识库"), ("units export", "管理承办单位")])
def test_a_role_taken_away_after_login_stops_its_reads(center_db, office, tmp_path, read, right):
    reader = _account(center_db, "reader", {Role.ADMIN})
    READS[read](reader, tmp_path)
    users.update_user(center_db, reader.user_id, "孙某", {Role.OPERATOR}, active=True)
    with pytest.raises(PermissionDenied) as refused:
        READS[read](reader, tmp_path / "again")
    assert refused.value.message == f"当前账号已没有“{right}”的权限（角色已被管理员修改），请重新登录。"
    assert not (tmp_path / "again").exists()


def test_a_ticket_read_with_no_role_left_is_refused_naming_the_right(center_db, office):
    """No screen leaves an account without a role, but a stored account with none reads nothing."""
    from db.models import UserRole

    reader = _account(center_db, "reader", {Role.OPERATOR})
    UserRole.delete().where(UserRole.user == reader.user_id).execute()
    for read in ("ticket list", "ticket count", "ticket detail", "caller history"):
        with pytest.raises(PermissionDenied, match="当前账号已没有“查看工单”的权限"):
            READS[read](reader, Path())


def test_the_confidential_caller_is_masked_once_the_right_is_taken_away(center_db, office):
    """是否保密 (12345 5.1.4.1): a mediator sees the caller; made an operator, at once no longer."""
    reader = _account(center_db, "reader", {Role.MEDIATOR})
    assert tickets.list_page(reader, TicketFilter())[0].caller_phone == PHONE
    users.update_user(center_db, reader.user_id, "孙某", {Role.OPERATOR}, active=True)
    assert tickets.list_page(reader, TicketFilter())[0].caller_phone != PHONE
    assert tickets.caller_history(reader, PHONE)[0].caller_name != "李明"
    shown = tickets.detail(reader, office["ticket"])
    assert shown.masked and ("来电号码", PHONE) not in shown.fields


def test_drafts_leave_the_search_once_the_editing_right_is_taken_away(center_db, office):
    reader = _account(center_db, "reader", {Role.MANAGER})
    found = lambda: {h.id for h in kb_search.search_articles(reader, "油烟", include_unpublished=True)}  # noqa: E731
    assert found() == {office["published"], office["draft"]}
    users.update_user(center_db, reader.user_id, "孙某", {Role.OPERATOR}, active=True)
    assert found() == {office["published"]}
