"""承办单位 (core.units.tree, demo.units): the tree, its rules, and suggestions for dispatch (issue 4)."""
from __future__ import annotations

import time

import pytest

from demo import units as demo_units
from core.center import topics
from core.units import tree as units
from core.errors import Conflict, PermissionDenied, ValidationError
from core.service import write
from core.units.tree import UnitInput
from core.vocab import UnitKind
from db.models import Audit, Unit


def _add(actor, name: str, kind: UnitKind = UnitKind.DEPARTMENT, parent: int | None = None, **fields) -> int:
    return units.create_unit(actor, UnitInput(name, kind.value, parent, **fields))


@pytest.fixture
def district(center_db) -> int:
    return _add(center_db, "玄武区人民政府", UnitKind.DISTRICT)


@pytest.fixture
def demo(center_db):
    demo_units.fill_demo_units(center_db)
    return {n.name: n.id for n in units.unit_tree()}


def _paths(include_retired: bool = False) -> list[str]:
    return [n.path for n in units.unit_tree(include_retired)]


# ---------------------------------------------------------------- the tree


def test_units_form_a_tree_in_the_admins_order(center_db, district):
    street = _add(center_db, " 新街口街道 ", UnitKind.STREET, district, duty_phone="025-8555 0101",
                  matters=["社区服务、占道经营", "噪声污染"], keywords=["珠江路，洪武北路"])
    _add(center_db, "珠江路社区", UnitKind.COMMUNITY, street)
    _add(center_db, "区城市管理局", UnitKind.DEPARTMENT, district)  # after its last sibling
    assert _paths() == ["玄武区人民政府", "玄武区人民政府/新街口街道", "玄武区人民政府/新街口街道/珠江路社区",
                        "玄武区人民政府/区城市管理局"]
    _add(center_db, "区市场监督管理局", UnitKind.DEPARTMENT, district, sort=-1)
    assert _paths()[1] == "玄武区人民政府/区市场监督管理局"
    node = next(n for n in units.unit_tree() if n.id == street)
    assert (node.depth, node.kind, node.initials, node.active) == (1, UnitKind.STREET, "xjkjd", True)
    detail = units.get_unit(street)
    assert detail.name == "新街口街道" and detail.path == "玄武区人民政府/新街口街道"
    assert detail.matters == ("社区服务", "占道经营", "噪声污染") and detail.keywords == ("珠江路", "洪武北路")
    row = Unit.get_by_id(street)
    assert row.matters == "社区服务\n占道经营\n噪声污染" and row.origin == "320102" and len(row.uid) == 36
    assert Audit.select().where(Audit.action == "unit.add").count() == 5


def test_an_edit_raises_rev_and_an_unchanged_save_does_not(center_db, district):
    unit = _add(center_db, "区城市管理局", parent=district, contact="周科长")
    data = units.get_unit(unit).as_input()
    assert units.update_unit(center_db, unit, data) is False
    assert Unit.get_by_id(unit).rev == 1
    data.duty_phone, data.matters = "025-85550102", ["餐饮油烟", "违法建设"]
    assert units.update_unit(center_db, unit, data) is True
    after = units.get_unit(unit)
    assert (after.rev, after.duty_phone, after.matters, after.contact) == (2, "025-85550102", ("餐饮油烟", "违法建设"), "周科长")
    edit = Audit.select().where(Audit.action == "unit.edit").order_by(Audit.id.desc()).first()
    assert "duty_phone" in edit.detail and "matters" in edit.detail


@pytest.mark.parametrize("fields, field, message", [
    ({"name": ""}, "name", "请填写单位名称"),
    ({"name": "局" * 61}, "name", "不能超过 60 个字"),
    ({"name": "城管/执法"}, "name", "不能有“/”"),
    ({"kind": "bureau"}, "kind", "单位类别“bureau”不存在"),
    ({"kind": ""}, "kind", "请选择单位类别"),
    ({"duty_phone": "025-8555转0101"}, "duty_phone", "只能包含数字"),
    ({"duty_phone": "8555"}, "duty_phone", "位数不对"),
    ({"duty_phone": "025-85550101-1234567"}, "duty_phone", "位数不对"),
    ({"email": "cgj@xuanwu"}, "email", "格式不对"),
    ({"matters": ["城市管理综合行政执法及市容环境卫生监督管理与违法建设查处和户外广告设置审批"]}, "matters", "太长"),
    ({"parent_id": 9999}, "parent_id", "上级单位不存在"),
])
def test_bad_input_is_refused_naming_the_field(center_db, district, fields, field, message):
    data = UnitInput("区城市管理局", "department", district, duty_phone="025-85550102", email="cgj@example.gov.cn")
    for key, value in fields.items():
        setattr(data, key, value)
    with pytest.raises(ValidationError) as caught:
        units.create_unit(center_db, data)
    assert message in caught.value.fields[field]
    assert Unit.select().count() == 1


def test_plausible_phones_and_emails_pass(center_db, district):
    for phone in ("025-8555 0101", "96777", "+86 138 0000 0000", "０２５－８５５５０１０１"):
        assert "duty_phone" not in UnitInput("x", "department", duty_phone=phone).cleaned().problems(), phone
    assert UnitInput("x", "department", email="xw.cgj@example.gov.cn").problems() == {}


def test_a_name_is_unique_under_its_parent_and_the_message_names_the_clash(center_db, district):
    street = _add(center_db, "新街口街道", UnitKind.STREET, district)
    _add(center_db, "和平社区", UnitKind.COMMUNITY, street)
    _add(center_db, "和平社区", UnitKind.COMMUNITY, district)  # the same name elsewhere is another unit
    with pytest.raises(ValidationError) as caught:
        _add(center_db, "和平社区", UnitKind.COMMUNITY, street)
    assert caught.value.fields["name"] == "“玄武区人民政府/新街口街道”下已有名为“和平社区”的单位"
    with pytest.raises(ValidationError) as caught:
        _add(center_db, "玄武区人民政府", UnitKind.DISTRICT)
    assert "最上级已有名为“玄武区人民政府”" in caught.value.fields["name"]


def test_a_unit_cannot_move_under_itself_or_below_itself(center_db, district):
    street = _add(center_db, "新街口街道", UnitKind.STREET, district)
    community = _add(center_db, "珠江路社区", UnitKind.COMMUNITY, street)
    data = units.get_unit(street).as_input()
    data.parent_id = street
    with pytest.raises(ValidationError) as caught:
        units.update_unit(center_db, street, data)
    assert caught.value.fields["parent_id"] == "不能把单位设为自己的上级"
    data = units.get_unit(district).as_input()
    data.parent_id = community
    with pytest.raises(ValidationError) as caught:
        units.update_unit(center_db, district, data)
    assert "自己的下级“玄武区人民政府/新街口街道/珠江路社区”之下" in caught.value.fields["parent_id"]
    assert "循环" in caught.value.fields["parent_id"]
    assert Unit.get_by_id(district).parent_id is None


def test_a_unit_moves_to_another_parent(center_db, district):
    one = _add(center_db, "新街口街道", UnitKind.STREET, district)
    two = _add(center_db, "梅园新村街道", UnitKind.STREET, district)
    community = _add(center_db, "大行宫社区", UnitKind.COMMUNITY, one)
    data = units.get_unit(community).as_input()
    data.parent_id = two
    units.update_unit(center_db, community, data)
    assert units.get_unit(community).path == "玄武区人民政府/梅园新村街道/大行宫社区"


# ---------------------------------------------------------------- retire and restore


def test_retire_needs_a_reason_and_children_retired_first(center_db, district):
    street = _add(center_db, "新街口街道", UnitKind.STREET, district)
    community = _add(center_db, "珠江路社区", UnitKind.COMMUNITY, street)
    with pytest.raises(ValidationError) as caught:
        units.retire_unit(center_db, community, "  ")
    assert caught.value.fields["reason"] == "请填写停用原因"
    with pytest.raises(Conflict) as refused:
        units.retire_unit(center_db, street, "街道合并")
    assert "还有在用的单位（珠江路社区）" in refused.value.message
    units.retire_unit(center_db, community, "社区合并")
    units.retire_unit(center_db, street, "街道合并")
    assert _paths() == ["玄武区人民政府"]
    assert len(_paths(include_retired=True)) == 3
    row = Unit.get_by_id(street)
    assert (row.active, row.rev) == (False, 2)
    assert "街道合并" in Audit.select().where(Audit.action == "unit.retire").order_by(Audit.id.desc()).first().detail
    with pytest.raises(Conflict):
        units.retire_unit(center_db, street, "again")


def test_restore_needs_the_parent_in_use(center_db, district):
    street = _add(center_db, "新街口街道", UnitKind.STREET, district)
    community = _add(center_db, "珠江路社区", UnitKind.COMMUNITY, street)
    units.retire_unit(center_db, community, "合并")
    units.retire_unit(center_db, street, "合并")
    with pytest.raises(Conflict) as refused:
        units.restore_unit(center_db, community)
    assert "上级单位“新街口街道”已停用" in refused.value.message
    units.restore_unit(center_db, street)
    units.restore_unit(center_db, community)
    assert len(_paths()) == 3 and Unit.get_by_id(community).rev == 3


def test_nothing_new_goes_under_a_retired_unit_but_a_retired_name_is_named(center_db, district):
    street = _add(center_db, "新街口街道", UnitKind.STREET, district)
    units.retire_unit(center_db, street, "撤销")
    with pytest.raises(ValidationError) as caught:
        _add(center_db, "珠江路社区", UnitKind.COMMUNITY, street)
    assert "上级单位“玄武区人民政府/新街口街道”已停用" in caught.value.fields["parent_id"]
    with pytest.raises(ValidationError) as caught:
        _add(center_db, "新街口街道", UnitKind.STREET, district)
    assert "（已停用，可重新启用）" in caught.value.fields["name"]
    data = units.get_unit(street).as_input()
    data.contact = "王主任"
    assert units.update_unit(center_db, street, data)  # a retired unit's record can still be corrected


def test_operators_and_dispatchers_cannot_change_units(center_db, operator, dispatcher, district):
    for actor in (operator, dispatcher):
        with pytest.raises(PermissionDenied):
            _add(actor, "区城市管理局", parent=district)
        with pytest.raises(PermissionDenied):
            units.retire_unit(actor, district, "x")
    assert Unit.select().count() == 1
    assert units.unit_tree()[0].name == "玄武区人民政府"  # reading needs no right: dispatchers pick units


# ---------------------------------------------------------------- pickers


def test_find_by_name_initials_and_keyword(demo):
    assert [n.name for n in units.find_units("城市管理")] == ["区城市管理局"]
    assert units.find_units("qcsg")[0].name == "区城市管理局"
    assert units.find_units("XJK")[0].name == "新街口街道"
    assert "南京港华燃气玄武服务站" in [n.name for n in units.find_units("漏气")]
    assert units.find_units("  ") == []


def test_retired_units_leave_the_picker(center_db, demo):
    units.retire_unit(center_db, demo["南京港华燃气玄武服务站"], "改由市燃气集团承办")
    assert units.find_units("燃气") == []


# ---------------------------------------------------------------- suggestions


def _top(category: str, topic: str, text: str) -> list[str]:
    return [s.name for s in units.suggest_units(category, topic, text)]


def test_noise_at_night_goes_to_city_management_and_the_street(demo):
    found = units.suggest_units("complaint", "生态环境 / 噪声污染",
                                "玄武门街道湖南路一家烧烤店每天夜里一两点还在营业，噪音很大，油烟也呛人")
    names = [s.name for s in found]
    assert names[0] in ("区城市管理局", "玄武门街道") and {"区城市管理局", "玄武门街道"} <= set(names[:3])
    assert "新街口街道" not in names  # a street is suggested for its own area only
    street = next(s for s in found if s.name == "玄武门街道")
    assert street.path == "玄武区人民政府/玄武门街道"
    assert "职责事项“噪声污染”与问题分类相符" in street.reasons
    assert "诉求内容提到“玄武门”，属其辖区" in street.reasons
    city = next(s for s in found if s.name == "区城市管理局")
    assert "关键词“烧烤”出现在诉求内容中" in city.reasons


def test_a_gas_leak_goes_to_the_gas_company(demo):
    found = units.suggest_units("help", "公用事业/供气", "锁金村一小区楼道里燃气味很重，怀疑燃气泄漏")
    assert found[0].name == "南京港华燃气玄武服务站"
    assert found[0].reasons[:2] == ["职责事项“供气”与问题分类相符", "关键词“燃气”出现在诉求内容中"]
    assert found[0].score > found[1].score


def test_food_goes_to_market_regulation_even_without_a_topic(demo):
    assert _top("report", "市场监管 / 食品安全", "在一家餐馆吃饭后全家拉肚子，怀疑食物中毒")[0] == "区市场监督管理局"
    assert _top("complaint", "", "外卖送来的饭菜已经变质，商家不肯退款")[0] == "区市场监督管理局"


def test_the_more_specific_unit_wins_a_tie(center_db, district):
    street = _add(center_db, "新街口街道", UnitKind.STREET, district, matters=["占道经营"])
    _add(center_db, "珠江路社区", UnitKind.COMMUNITY, street, matters=["占道经营"])
    units.update_unit(center_db, district, UnitInput("玄武区人民政府", "district", matters=["占道经营"]))
    assert _top("complaint", "城乡建设/占道经营", "新街口珠江路有人占道经营") == \
        ["珠江路社区", "新街口街道", "玄武区人民政府"]


def test_a_question_naming_a_place_does_not_put_the_street_first(demo):
    found = units.suggest_units("consult", "社会管理 / 养老服务", "卫岗社区的老人怎么申请高龄津贴")
    assert found[0].name == "区民政局"
    community = next(s for s in found if s.name == "卫岗社区")
    assert community.reasons[0] == "诉求内容提到“卫岗”，属其辖区" and community.score < found[0].score


def test_no_match_is_an_empty_list_for_the_district_government(demo):
    assert units.suggest_units("consult", "公用事业 / 供暖", "今年什么时候开始集中供暖") == []
    assert units.suggest_units("complaint", "", "") == []


def test_suggestions_follow_edits_and_retirement(center_db, demo):
    gas = demo["南京港华燃气玄武服务站"]
    assert _top("help", "公用事业 / 供暖", "小区暖气不热")[:1] == []
    data = units.get_unit(gas).as_input()
    data.matters.append("供暖")
    units.update_unit(center_db, gas, data)  # the cached list is dropped by the write
    assert _top("help", "公用事业 / 供暖", "小区暖气不热") == ["南京港华燃气玄武服务站"]
    units.retire_unit(center_db, gas, "不再承办")
    assert _top("help", "公用事业 / 供暖", "小区暖气不热") == []


def test_suggestions_are_fast_for_500_units(center_db, demo):
    parent = demo["玄武区人民政府"]
    with units.unit_write(center_db, "unit.bench"):
        for i in range(460):
            units.insert_unit(UnitInput(f"测试单位{i}", "other", parent, matters=[f"事项{i}", "测试"],
                                        keywords=[f"词{i}", f"关键{i}", "路面"]))
    assert len(units.unit_tree()) > 500
    units.suggest_units("complaint", "生态环境 / 噪声污染", "热身")
    started = time.perf_counter()
    for _ in range(20):
        found = units.suggest_units("complaint", "生态环境 / 噪声污染", "玄武门街道湖南路夜里噪音很大，路面也坏了" * 5)
    assert (time.perf_counter() - started) / 20 < 0.02
    assert found[0].name in ("区城市管理局", "玄武门街道")


# ---------------------------------------------------------------- the demo district


def test_demo_units_fill_inside_the_demo_transaction_without_an_actor(center_db):
    with write(None, None, "demo_fill", "ticket"):
        added = demo_units.fill_demo_units()
    assert added == len(demo_units._inputs())
    assert demo_units.fill_demo_units() == 0  # the names are there: nothing twice
    tree = units.unit_tree()
    kinds = {n.kind for n in tree}
    assert kinds == {UnitKind.DISTRICT, UnitKind.DEPARTMENT, UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.ENTERPRISE}
    streets = [n for n in tree if n.kind == UnitKind.STREET]
    assert len(streets) == 7 and all(sum(c.parent_id == s.id for c in tree) == 2 for s in streets)
    assert all(units.get_unit(n.id).duty_phone.startswith("025-8555") for n in tree)


def test_demo_matters_use_the_default_topic_words(demo):
    matters = {m for n in units.unit_tree() for m in n.matters}
    leaves = {leaf for children in topics.DEFAULT_TOPICS.values() for leaf in children}
    assert leaves - matters == {"供暖"}  # Nanjing has no central heating: those go to the district
