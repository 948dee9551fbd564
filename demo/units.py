"""The demo center's handling units: 南京市玄武区 (320102), its departments, streets and communities.

Written for the demo: the structure follows a real district, but contacts,
duty phones, e-mails and addresses are made up (every phone is 025-8555xxxx,
every e-mail at example.gov.cn). Matters use the words of the default 问题分类
(core.center.topics.DEFAULT_TOPICS), so suggestions work on the demo tickets. Nanjing
has no central heating network, so no unit handles 供暖: such tickets find no
suggestion and go to the district government (12345 5.2.2.1.1), as in life.
"""
from __future__ import annotations

from core.units import tree as units
from core.roles import Actor, Permission
from core.units.tree import UnitInput
from core.vocab import UnitKind
from db.models import Unit

DISTRICT = "玄武区人民政府"
_D, _S, _C, _E = UnitKind.DEPARTMENT, UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.ENTERPRISE

# name, kind, contact, matters, keywords
DEPARTMENTS: list[tuple[str, UnitKind, str, str, str]] = [
    ("区城市管理局", _D, "周科长", "违法建设 市政设施 餐饮油烟 垃圾处理 施工扰民 噪声污染 停车管理 占道经营",
     "夜间施工 工地 渣土 油烟 烧烤 摊贩 路灯 井盖 违建 乱停车"),
    ("区市场监督管理局", _D, "孙科长", "消费维权 食品安全 产品质量 价格收费 计量器具 特种设备 药品医疗器械",
     "食品 过期 变质 外卖 餐馆 预付卡 退款 电梯 缺斤短两 假冒 食物中毒"),
    ("区住房和城乡建设局", _D, "吴科长", "物业管理 房屋质量 拆迁安置 施工扰民",
     "物业 维修基金 渗水 开发商 加装电梯 老旧小区 工地"),
    ("区生态环境分局", _D, "郑科长", "大气污染 水污染 噪声污染", "异味 废气 排污 黑臭 工业噪声 河道 污水"),
    # 治安 emergencies are told to call 110 (12345 5.1.2.2, referral); what is sent here is non-urgent.
    ("区公安分局", _D, "王警官", "户籍证件 治安秩序", "户口 身份证 居住证 广场舞 打架"),
    ("区人力资源和社会保障局", _D, "冯科长", "拖欠工资 社会保险 劳动合同 就业创业", "工资 欠薪 社保 社保卡 劳动仲裁 失业 辞退"),
    ("区教育局", _D, "陈科长", "学校管理 校外培训", "学校 幼儿园 入学 学区 培训机构 补课"),
    ("区卫生健康委员会", _D, "褚科长", "医疗服务 疫情防控", "医院 诊所 医生 疫苗 发热"),
    ("区医疗保障局", _D, "卫科长", "医保报销", "医保 报销 门诊 异地就医"),
    ("区交通运输局", _D, "蒋科长", "公交地铁 出租网约车 道路设施 交通拥堵", "公交 地铁 出租车 网约车 拒载 绕路 站台"),
    ("区应急管理局", _D, "沈科长", "安全生产 突发事件", "安全隐患 火灾隐患 危化品 应急"),
    ("区民政局", _D, "韩科长", "养老服务 社会救助", "低保 困难 救助 养老院 高龄津贴 残疾 婚姻登记"),
    ("区文化和旅游局", _D, "杨科长", "文体设施", "健身器材 图书馆 景区 旅游"),
    ("区政务服务管理办公室", _D, "朱主任", "办事流程 政策咨询 工作人员作风", "政务服务中心 窗口 办事"),
]
# street, its roads and landmarks (keywords), its two communities
STREETS: list[tuple[str, str, tuple[str, str]]] = [
    ("玄武门街道", "湖南路 湖北路 中央路 狮子桥", ("湖北路社区", "狮子桥社区")),
    ("新街口街道", "洪武北路 珠江路 中山路", ("洪武北路社区", "珠江路社区")),
    ("梅园新村街道", "长江路 大行宫 汉府街 太平北路", ("大行宫社区", "汉府街社区")),
    ("锁金村街道", "龙蟠路 板仓街 锁金", ("锁金一村社区", "板仓社区")),
    ("孝陵卫街道", "卫岗 钟灵街 中山门", ("卫岗社区", "钟灵街社区")),
    ("玄武湖街道", "台城 北京东路 后宰门", ("台城社区", "后宰门社区")),
    ("红山街道", "红山 和燕路 樱铁村", ("红山社区", "和燕路社区")),
]
STREET_MATTERS = "社区服务 占道经营 噪声污染 餐饮油烟 环境卫生 邻里纠纷 违法建设"
COMMUNITY_MATTERS = "社区服务 养老服务 邻里纠纷 物业管理"
ENTERPRISES: list[tuple[str, UnitKind, str, str, str]] = [
    ("南京水务集团玄武供水所", _E, "钱班长", "供水", "停水 水压 水质 自来水 爆管 水表"),
    ("国网南京供电公司玄武营业部", _E, "李班长", "供电", "停电 跳闸 电费 电表 充电桩"),
    ("南京港华燃气玄武服务站", _E, "赵班长", "供气", "燃气 煤气 天然气 漏气 燃气泄漏 燃气表"),
    ("中国电信南京玄武分公司", _E, "许经理", "通信网络", "宽带 光纤 电信"),
    ("中国移动南京玄武营业部", _E, "何经理", "通信网络", "手机信号 移动 基站"),
]


def _inputs() -> list[tuple[str | None, UnitInput]]:
    """(parent name, unit) in the order they are written: a parent before its children."""
    phones = iter(range(101, 999))

    def unit(name: str, kind: UnitKind, contact: str, matters: str, keywords: str) -> UnitInput:
        number = next(phones)
        return UnitInput(name, kind.value, contact=contact, duty_phone=f"025-8555{number:04d}",
                         email=f"unit{number}@example.gov.cn", address=f"南京市玄武区示例路 {number} 号",
                         matters=matters.split(), keywords=keywords.split())

    out: list[tuple[str | None, UnitInput]] = [(None, unit(DISTRICT, UnitKind.DISTRICT, "总值班室", "其他", ""))]
    out += [(DISTRICT, unit(*row)) for row in DEPARTMENTS]
    for street, places, communities in STREETS:
        out.append((DISTRICT, unit(street, _S, "街道值班室", STREET_MATTERS, places)))
        out += [(street, unit(c, _C, "社区书记", COMMUNITY_MATTERS, "")) for c in communities]
    out += [(None, unit(*row)) for row in ENTERPRISES]
    return out


def fill_demo_units(actor: Actor | None = None) -> int:
    """Add the demo units missing by name; returns how many were added.

    With ``actor`` None it writes without a rights check (the demo center's
    setup, inside its own transaction or not), as core.service.write allows.
    """
    added = 0
    with units.unit_write(actor, "unit.demo", Permission.UNIT_MANAGE if actor else None) as tx:
        ids: dict[str, int] = {u.name: u.id for u in Unit.select(Unit.id, Unit.name)}
        for parent, data in _inputs():
            if data.name in ids:
                continue
            data = data.cleaned()
            data.parent_id = ids[parent] if parent else None
            assert not data.problems(), data.problems()  # the table above is ours: a bug if it fails
            ids[data.name] = units.insert_unit(data).id
            added += 1
        tx.detail = {"added": added}
    return added
