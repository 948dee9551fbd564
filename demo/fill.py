"""演示数据: a demo center, its accounts, and realistic tickets for trial and benchmarks.

The texts are written from general knowledge of what a district 12345 line
hears (noise, property management, wages, utilities …), never copied from
real records. A seed gives the same tickets (numbers, times, callers, texts)
on a fresh database for the same ``now``; uids are always fresh UUIDs from
the OS's randomness and the clock, never from the seed, because a uid is a
record's global identity (DESIGN "Data") and two demo databases must never
share one. They are time-ordered (version 7), so the uid indexes of a
million tickets and their seven million events grow at their end.

Rows are written through ``db.bulk`` in chunks of one transaction each, so a
million tickets take minutes, and a cancelled fill keeps what it finished.
"""
from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import itertools
import json
import logging
import os
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core import clock
from demo import calls as demo_calls
from demo import mediation as demo_mediation
from demo import visits as demo_visits
from demo import kb as demo_kb
from demo import units as demo_units
from core.center import users
from core.center.profile import CenterInfo, current_center, setup_center
from demo.dispatch import (
    ASSIGNMENT_COLUMNS,
    DEADLINE_COLUMNS,
    EXTENSION_COLUMNS,
    SUPERVISION_COLUMNS,
    Stories,
    TicketFacts,
    account_ids,
)
from core.errors import AuthenticationFailed, Conflict
from core.tickets.registration import TicketInput
from core.roles import Role
from core.service import write
from core.store import storage_errors
from core.center.topics import active_topics
from core.vocab import (
    DEFAULT_REFERRALS,
    Category,
    Channel,
    Disposition,
    EmergencyType,
    EventKind,
    NotAcceptedReason,
    Status,
)
from db import bulk
from db.connection import raw_connection

if TYPE_CHECKING:
    import apsw

log = logging.getLogger("hotline.demo")

DEMO_PASSWORD = "demo1234"
DEMO_CENTER = ("12345", "320102", "南京市玄武区12345政务服务便民热线(演示)")
DEMO_ADMIN = ("admin", "系统管理员")
DEMO_ACCOUNTS: list[tuple[str, str, Role]] = [
    ("op1", "王小丽", Role.OPERATOR),
    ("op2", "张伟", Role.OPERATOR),
    ("dispatcher", "刘芳", Role.DISPATCHER),
    ("supervisor", "陈刚", Role.SUPERVISOR),
    ("mediator", "杨静", Role.MEDIATOR),
    ("visitor", "周敏", Role.RETURN_VISITOR),
    ("manager", "孙建国", Role.MANAGER),
]

# Raised whenever what a demo holds changes, so a cached demo database (bench/) is made again.
# 2: dispatch state (units, assignments, clocks, extensions, supervision).
DEMO_VERSION = 2

# Each ticket brings some seven events and three clocks: 10,000 tickets keep a
# chunk's rows near 100 MB in memory; commits are few enough not to count.
CHUNK_TICKETS = 10_000
HISTORY_DAYS = 730  # "the past two years", ending today
REPEAT_CALLER_SHARE = 0.15
SAME_MATTER_SHARE = 0.3  # of repeat callers: the same matter again (重复件)
URGENT_SHARE = 0.05
NOT_ACCEPTED_SHARE = 0.035

TICKET_COLUMNS = (
    "id", "uid", "origin", "rev", "updated_at", "number", "hotline", "channel", "status", "received_at",
    "caller_name", "caller_phone", "caller_contact", "caller_address", "caller_org", "confidential",
    "visit_consent", "occurred_at", "region_code", "address", "reported_unit", "title", "content",
    "category", "topic_id", "urgency", "emergency_type", "risk_level", "not_accepted_reason", "referral",
    "reply", "repeat_of_id", "details", "created_by", "complex",
)
EVENT_COLUMNS = ("uid", "origin", "ticket_id", "kind", "at", "actor_id", "summary", "data")
_COL = {name: i for i, name in enumerate(TICKET_COLUMNS)}
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class DemoResult:
    center_name: str
    center_code: str
    tickets: int  # added by this fill
    usernames: list[str] = field(default_factory=list)  # accounts whose password is DEMO_PASSWORD
    cancelled: bool = False


# --- people and places -------------------------------------------------------

# Common surnames, roughly by frequency (weights are relative).
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_SURNAME_CUM = list(itertools.accumulate(max(1.0, 30.0 / (i + 1) ** 0.7) for i in range(len(_SURNAMES))))
_GIVEN_MALE = "伟强磊军勇杰涛明超斌浩鹏飞华俊峰建国平辉刚波宇晨阳林东海志文博新正宏亮凯永健春"
_GIVEN_FEMALE = "芳娟敏静丽艳娜秀英霞燕玲婷雪琳洁晶颖倩梅兰红慧欣悦佳琪萍蓉瑶璐月桂凤琴莉"
_MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 173 177 180 181 "
    "182 183 185 186 187 188 189 191 198 199"
).split()
_MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "139.com")

# 玄武区's sub-districts (街道) with roads in or along them, and residential
# estates: the street names are real, the estates plausible.
_STREETS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "梅园新村街道": (("长江路", "汉府街", "中山东路", "龙蟠中路", "竺桥", "大悲巷"),
                ("梅园公寓", "汉府雅苑", "竺桥新村", "长江花园", "大悲巷小区", "利济苑")),
    "新街口街道": (("中山路", "中山东路", "洪武北路", "碑亭巷", "太平北路", "估衣廊", "丹凤街"),
              ("碑亭巷小区", "估衣廊小区", "洪武新村", "丹凤新寓", "太平花园", "文昌苑")),
    "玄武门街道": (("北京东路", "珠江路", "进香河路", "成贤街", "四牌楼", "鸡鸣寺路"),
              ("成贤街小区", "进香河公寓", "四牌楼小区", "珠江花园", "鸡鸣新村", "北门桥小区")),
    "锁金村街道": (("锁金村路", "龙蟠路", "板仓街", "新庄路", "樱铁村路"),
              ("锁金新村", "板仓新村", "新庄花园", "龙蟠花园", "锁金雅苑", "樱铁村小区")),
    "红山街道": (("红山路", "和燕路", "樱驼路", "黑墨营路", "北苑路"),
             ("红山新村", "樱驼花园", "和燕雅居", "黑墨营小区", "红山名苑", "北苑新村")),
    "孝陵卫街道": (("孝陵卫街", "钟灵街", "中山门大街", "卫岗", "童卫路", "蓝旗街"),
              ("钟灵花园", "卫岗小区", "蓝旗新村", "孝陵卫小区", "童卫家园", "钟山名苑")),
    "玄武湖街道": (("玄武大道", "后宰门街", "黄埔路", "龙蟠中路", "中山东路"),
              ("后宰门小区", "黄埔花园", "玄武湖公寓", "湖滨新村", "后宰门西村", "玄武雅苑")),
}
_STREET_NAMES = tuple(_STREETS)
_SHOP_NAMES = ("老王", "金陵", "好再来", "鑫源", "福满楼", "小城故事", "张记", "李记", "味之源", "百味", "顺发",
               "惠民", "悦来", "红星", "家乐", "鸿福", "聚贤", "佳佳", "阿强", "小刘")
_RESTAURANTS = ("饭店", "面馆", "烧烤店", "小吃店", "火锅店", "餐馆", "大排档", "快餐店")
_STORES = ("超市", "便利店", "水果店", "烟酒店", "副食品店", "母婴店")
_SERVICES = ("美容美发店", "健身房", "洗车店", "游泳馆", "瑜伽馆", "洗衣店")
_TRADES = ("建筑劳务", "装饰工程", "物流", "餐饮管理", "保洁服务", "电子科技", "网络科技", "保安服务")
_BUS_LINES = ("1路", "2路", "3路", "5路", "8路", "9路", "11路", "20路", "22路", "25路", "29路", "31路", "34路",
              "36路", "48路", "52路", "55路", "63路", "65路", "70路", "142路", "202路", "304路", "游1路")
_TIME_OF_NIGHT = ("每晚十点后", "每天夜里十一点以后", "凌晨一两点", "清晨五点多", "每天午休时间", "周末整天")

# Received-time curve by hour: a 24-hour line, busiest mid-morning and mid-afternoon.
_HOUR_WEIGHTS = (0.8, 0.5, 0.3, 0.25, 0.25, 0.4, 1.0, 2.5, 5.5, 8.5, 9.0, 8.0,
                 5.0, 5.5, 7.5, 8.0, 7.5, 6.0, 4.0, 3.5, 3.2, 2.8, 2.0, 1.3)
_HOUR_CUM = list(itertools.accumulate(_HOUR_WEIGHTS))

_CHANNELS = ((Channel.PHONE, 70), (Channel.NETWORK, 17), (Channel.SMS, 4), (Channel.VISIT, 4),
             (Channel.EMAIL, 3), (Channel.LETTER, 2))
_CATEGORIES = ((Category.CONSULT, 30), (Category.HELP, 17), (Category.COMPLAINT, 36),
               (Category.REPORT, 8), (Category.SUGGESTION, 9))
_EMERGENCIES = ((EmergencyType.UTILITIES, 45), (EmergencyType.EXTREME_WEATHER, 20), (EmergencyType.INCIDENT, 15),
                (EmergencyType.INSTABILITY, 15), (EmergencyType.EPIDEMIC, 5))

_PRIOR_HANDLING = (
    "已多次与对方沟通，至今未解决",
    "已与对方当面协商，对方不予理睬",
    "此前曾拨打12345反映过，问题反复出现",
    "未向其他部门反映过",
    "已向社区反映，社区称需要相关职能部门处理",
    "已向相关部门反映，暂无答复",
    "已在网上平台留言，未收到回复",
)


# --- what callers say ----------------------------------------------------------

@dataclass(frozen=True)
class _Template:
    category: Category
    topic: str  # leaf name in core.center.topics.DEFAULT_TOPICS
    title: str
    content: str
    unit: str = ""  # 被反映单位（涉及对象）
    reply: str = ""  # a consult answerable on the spot (直接答复)
    reason: str = ""  # a suggestion's reason (附录C.2)
    prior: tuple[str, ...] = ()
    emergency: EmergencyType | None = None
    details: tuple[tuple[str, str], ...] = ()
    not_accepted: NotAcceptedReason | None = None
    weight: int = 1


_T = _Template
_C, _H, _P, _R, _S = Category.CONSULT, Category.HELP, Category.COMPLAINT, Category.REPORT, Category.SUGGESTION

_TEMPLATES: tuple[_Template, ...] = (
    # 咨询
    _T(_C, "社会保险", "咨询灵活就业人员社保缴费办理方式",
       "来电人咨询灵活就业人员如何缴纳职工养老保险和医疗保险，需要带哪些材料，能否在网上办理。",
       reply="已告知：灵活就业人员可通过人社部门网上服务平台办理参保登记并按月缴费，也可携带身份证到居住地街道社保服务窗口办理，具体以人社部门公布为准。", weight=3),
    _T(_C, "户籍证件", "咨询居住证办理条件及所需材料",
       "来电人为外地户籍，在{小区}租房居住，咨询办理居住证的条件、所需材料和办理地点。",
       reply="已告知：在本市居住满半年，并有合法稳定就业、合法稳定住所或连续就读之一的，可携带身份证、居住登记凭证及相关证明到居住地派出所或社区警务室申领。", weight=2),
    _T(_C, "户籍证件", "咨询身份证丢失补办及临时身份证办理",
       "来电人身份证不慎丢失，近期需乘坐高铁出行，咨询如何补办身份证以及能否办理临时身份证。",
       reply="已告知：可到就近派出所户籍窗口申请补领，同时可申领临时居民身份证；乘坐火车也可在车站公安制证窗口办理临时乘车身份证明。"),
    _T(_C, "医保报销", "咨询异地就医备案办理方法",
       "来电人父母需到外地子女处长期居住，咨询医保异地就医备案如何办理，备案后能否直接结算。",
       reply="已告知：可通过国家医保服务平台等线上渠道或医保经办窗口办理异地就医备案，备案后在定点医疗机构按规定直接结算。", weight=2),
    _T(_C, "公交地铁", "咨询{公交}公交线路调整情况",
       "来电人咨询{公交}公交近期是否调整了线路，{路}站是否还停靠，首末班时间是多少。",
       reply="已告知：线路调整及首末班时间以站牌和公交集团官方发布为准，已将其关于{路}站停靠的意见一并记录。"),
    _T(_C, "政策咨询", "咨询育儿补贴申领条件和渠道",
       "来电人孩子今年出生，咨询育儿补贴的申领条件、标准和办理渠道。",
       reply="已告知：三周岁以下婴幼儿可按国家育儿补贴制度申领补贴，可通过线上渠道或户籍所在地街道申请，具体以当地公告为准。", weight=2),
    _T(_C, "办事流程", "咨询二手房过户办理流程和材料",
       "来电人购买了{小区}一套二手房，咨询不动产转移登记的办理流程、所需材料和办理地点。",
       reply="已告知：买卖双方携带身份证、不动产权证书、买卖合同及完税凭证到不动产登记窗口办理，可提前网上预约。"),
    _T(_C, "就业创业", "咨询高校毕业生就业补贴政策",
       "来电人为应届高校毕业生，咨询在本区就业或自主创业可以享受哪些补贴，如何申请。",
       reply="已告知：可享受的就业、创业补贴以人社部门公布的政策为准，可到街道就业服务窗口或通过人社部门网上平台申请。"),
    _T(_C, "学校管理", "咨询{学校}新生入学报名时间",
       "来电人孩子明年上小学，家住{小区}，咨询{学校}的学区划分和入学报名时间。",
       reply="已告知：义务教育学区划分和报名时间以区教育局每年公布的招生工作意见为准，报名一般在每年5月至6月通过网上平台进行。", weight=2),
    _T(_C, "养老服务", "咨询高龄老人尊老金申领",
       "来电人父亲今年满80周岁，户籍在{街道}，咨询尊老金（高龄津贴）如何申领。",
       reply="已告知：符合条件的高龄老人可向户籍所在地社区提出申请，携带身份证、户口簿及本人银行卡，审核通过后按月发放。"),
    _T(_C, "供水", "咨询{小区}计划停水时间",
       "来电人看到{小区}张贴的停水通知，咨询具体停水时间段和恢复供水时间。",
       reply="已查询并告知：{小区}所在区域因管网维修，计划于{日期}8时至18时停水，请提前储水。"),
    _T(_C, "停车管理", "咨询道路停车泊位收费时段",
       "来电人咨询{路}路边停车泊位的收费时段和收费标准，夜间停车是否收费。",
       reply="已告知：道路停车泊位的收费时段和标准以现场标牌公示为准，如对收费有异议可保留凭证后再来电。"),
    # 求助
    _T(_H, "市政设施", "{路}路灯不亮", "{路}靠近{小区}一段路灯已连续{天数}天不亮，夜间行人和电动车通行存在安全隐患，希望尽快维修。",
       unit="路灯管理部门", weight=3),
    _T(_H, "供水", "{小区}水压低，高层住户用水困难",
       "{小区}{栋}幢高层住户近{天数}天早晚用水高峰时段水压不足，热水器无法启动，物业称需自来水公司处理，希望协调解决。",
       unit="自来水公司", prior=("已向{小区}物业反映，物业称二次供水设备正常",), weight=2),
    _T(_H, "市政设施", "{路}人行道窨井盖破损", "{路}与{路2}交叉口附近人行道上一处窨井盖破损松动，有行人险些绊倒，请求尽快更换。",
       unit="市政设施管理部门", weight=2),
    _T(_H, "供电", "{小区}频繁短时停电", "{小区}{栋}幢最近一周内多次出现短时停电，家中电器受到影响，物业称是线路老化，希望供电部门检查线路。",
       unit="供电公司"),
    _T(_H, "社会救助", "独居老人生活困难求助",
       "来电人反映{小区}{栋}幢一位独居老人年近九旬、行动不便，子女不在身边，近期生活无人照料，希望社区上门了解并提供帮扶。",
       unit="{小区}所属社区居委会", prior=("未向其他部门反映过", "曾向社区口头反映，未见回音")),
    _T(_H, "道路设施", "{路}路面坑洼破损", "{路}靠近{小区}路段路面多处坑洼破损，雨天积水，电动车通行容易摔倒，希望尽快修补。",
       unit="道路养护部门", weight=2),
    # 投诉
    _T(_P, "施工扰民", "{小区}旁工地夜间施工噪音扰民",
       "{小区}夜间施工噪音扰民，{时段}仍在作业，多次向物业反映无果，希望相关部门尽快处理。",
       unit="{施工单位}", prior=("已多次向{小区}物业反映无果", "曾当面找施工方沟通，对方称在赶工期"), weight=5),
    _T(_P, "餐饮油烟", "{商户}油烟扰民",
       "{地址}楼下{商户}排油烟管道直排，油烟直冲居民楼，夏天无法开窗，已多次与店家沟通未果，要求整改。",
       unit="{商户}", weight=3),
    _T(_P, "噪声污染", "{小区}附近广场舞音响噪音扰民",
       "{小区}附近小广场每晚七点到九点半有人跳广场舞，音响音量过大，影响老人休息和学生学习，希望协调降低音量。",
       unit="{小区}广场舞活动人员", weight=2),
    _T(_P, "物业管理", "{小区}电梯长期故障物业不修",
       "{小区}电梯经常故障停运，{栋}幢电梯本月已停运{天数}天，物业只贴通知不维修，老人上下楼困难，要求物业尽快修复。",
       unit="{小区}物业服务中心", weight=4),
    _T(_P, "物业管理", "{小区}物业擅自上调停车费",
       "{小区}物业未经业主大会同意，将地面停车费从每月150元上调至{停车费}元，业主多次询问未得到答复，要求说明依据。",
       unit="{小区}物业服务中心", weight=2),
    _T(_P, "拖欠工资", "{公司}拖欠工资",
       "来电人在{公司}工作，公司已拖欠其{月数}个月工资共计{金额}元，多次讨要未果，希望劳动保障监察部门介入。",
       unit="{公司}", weight=4),
    _T(_P, "消费维权", "{服务店}预付卡无法退费",
       "来电人在{路}{服务店}办理预付卡{金额}元，近期门店突然关门，剩余金额无法退还，希望相关部门帮助维权。",
       unit="{服务店}", weight=3),
    _T(_P, "食品安全", "{商店}销售过期食品",
       "来电人于{日期}在{路}{商店}购买的面包已过保质期{天数}天，要求商家按规定赔偿被拒，希望市场监管部门处理。",
       unit="{商店}", weight=2),
    _T(_P, "公交地铁", "{公交}公交车不按站停靠",
       "{日期}早上约7点半，来电人在{路}站等候{公交}公交车，车辆未进站停靠直接驶离，导致其上班迟到，要求公交公司加强管理。",
       unit="公交集团{公交}线路", weight=2),
    _T(_P, "出租网约车", "出租车绕路多收费",
       "来电人{日期}晚从南京南站乘坐出租车到{小区}，司机绕路多收费约{车费}元，已保留发票，车牌号{车牌}，要求处理。",
       unit="出租车（车牌{车牌}）"),
    _T(_P, "工作人员作风", "{街道}便民服务中心窗口工作人员态度差",
       "来电人{日期}到{街道}便民服务中心办理业务，窗口工作人员态度生硬，未一次性告知所需材料，导致其往返三次，希望加强管理。",
       unit="{街道}便民服务中心"),
    _T(_P, "垃圾处理", "{小区}垃圾清运不及时",
       "{小区}{栋}幢旁垃圾分类投放点垃圾已堆放{天数}天未清运，气味很大，蚊蝇多，希望督促清运。",
       unit="{小区}物业服务中心", weight=2),
    _T(_P, "校外培训", "{培训机构}拒绝退还课时费",
       "来电人在{路}{培训机构}为孩子报名课程，一次性预缴{金额}元，现机构拒绝退还未上课时的费用，希望相关部门处理。",
       unit="{培训机构}", weight=2),
    _T(_P, "医疗服务", "{医院}候诊时间过长", "来电人反映{医院}门诊挂号后候诊时间过长，{日期}上午等候近三个小时，希望优化就诊流程。",
       unit="{医院}"),
    _T(_P, "通信网络", "{小区}宽带频繁断网", "{小区}{栋}幢宽带近{天数}天频繁断网，报修后维修人员一直未上门，影响孩子上网课和居家办公。",
       unit="宽带运营商"),
    # 举报
    _T(_R, "食品安全", "举报{商户}无证经营", "来电人举报{路}{商户}无营业执照和食品经营许可证，后厨卫生条件差，存在食品安全隐患，请市场监管部门查处。",
       unit="{商户}", weight=2),
    _T(_R, "违法建设", "举报{小区}楼顶违法搭建", "{小区}{栋}幢顶楼住户在楼顶违规搭建彩钢板房，存在安全隐患并影响邻居采光，要求查处。",
       unit="{小区}{栋}幢顶楼住户", weight=2),
    _T(_R, "计量器具", "举报{路}农贸市场摊位缺斤短两", "来电人在{路}农贸市场购买蔬菜，回家复称发现少了约二两，怀疑摊位电子秤不准，请相关部门检查计量器具。",
       unit="{路}农贸市场"),
    _T(_R, "大气污染", "举报{路}工地扬尘污染", "{路}附近建筑工地未采取围挡和洒水措施，渣土车未覆盖行驶，扬尘严重，请相关部门查处。",
       unit="{施工单位}"),
    _T(_R, "治安秩序", "举报{小区}群租房安全隐患", "{小区}{栋}幢有房东将房屋隔成多间出租，居住人员复杂，楼道堆放电动车充电，存在消防安全隐患，请相关部门检查。",
       unit="{小区}{栋}幢出租房房东"),
    _T(_R, "特种设备", "举报{商户}所在商场电梯超期未检", "来电人反映{路}一商场内扶梯合格标志已过期，仍在运行，存在安全隐患，请特种设备监管部门检查。",
       unit="{路}商场管理方"),
    # 建议
    _T(_S, "交通拥堵", "建议在{路}与{路2}路口增设左转信号灯", "来电人建议在{路}与{路2}路口增设左转专用信号灯。",
       reason="该路口早晚高峰左转车辆多，与直行车辆冲突，经常拥堵并发生剐蹭。", weight=2),
    _T(_S, "文体设施", "建议在{小区}附近增设健身器材", "来电人建议在{小区}附近空地增设一批健身器材和休息座椅。",
       reason="周边老年居民较多，现有健身点距离远且器材老化。"),
    _T(_S, "公交地铁", "建议{公交}公交延长末班车时间", "来电人建议{公交}公交末班车时间延后一小时。",
       reason="沿线居民下班较晚，现末班车时间偏早，晚归出行不便。"),
    _T(_S, "养老服务", "建议{街道}增设老年助餐点", "来电人建议在{街道}{小区}附近增设社区老年助餐点。",
       reason="辖区独居和高龄老人多，做饭不便，现有助餐点较远。"),
    _T(_S, "停车管理", "建议{小区}周边增设非机动车停放区", "来电人建议在{小区}门口{路}沿线施划非机动车停放区。",
       reason="电动车在人行道上乱停乱放，影响行人特别是老人和儿童通行。"),
)

# 紧急 (12345 5.1.4.1): detail elements per appendix C.4 / C.5 where the type asks for them.
_URGENT: dict[EmergencyType, tuple[_Template, ...]] = {
    EmergencyType.UTILITIES: (
        _T(_H, "供水", "{小区}突然停水", "{小区}{栋}幢自{时}起突然停水，未见停水通知，家中有老人和婴儿，请求尽快恢复供水。",
           unit="自来水公司", prior=("已联系物业，物业称不清楚原因",)),
        _T(_H, "供电", "{小区}大面积停电", "{小区}多栋楼自{时}起停电，至今已超过{小时}小时，家中有老人需要用电，请求供电部门尽快抢修。",
           unit="供电公司", prior=("已拨打供电服务热线报修，尚未恢复",)),
        _T(_H, "供气", "{小区}燃气中断未恢复", "{小区}燃气管道维修后至今未恢复供气，已{小时}小时无法做饭，请求燃气公司尽快恢复。",
           unit="燃气公司"),
    ),
    EmergencyType.EXTREME_WEATHER: (
        _T(_H, "市政设施", "{路}暴雨积水严重", "受强降雨影响，{路}{小区}门口积水深约半米，车辆熄火，行人无法通行，部分一楼住户进水，请求尽快排水。",
           unit="排水管理部门"),
        _T(_H, "市政设施", "{路}行道树被大风刮倒", "{路}一棵行道树被大风刮倒横在路中，阻断非机动车道，请求尽快清理。", unit="园林绿化部门"),
    ),
    EmergencyType.INCIDENT: (
        _T(_H, "道路设施", "{路}路面突然塌陷", "{路}靠近{小区}路段路面突然出现塌陷坑，直径约一米，已有电动车险些掉入，请求立即处置。",
           unit="道路养护部门", details=(
               ("incident_status", "塌陷坑仍在，现场有市民用锥桶临时围挡"), ("incident_scope", "影响{路}单侧车道通行"),
               ("incident_harm", "暂无人员受伤，夜间存在较大安全隐患"), ("emergency_called", "已拨打110"),
               ("onsite_departments", "来电时现场暂无相关部门"))),
        _T(_H, "供气", "{小区}楼道有燃气泄漏气味", "{小区}{栋}幢楼道内闻到明显燃气气味，住户担心泄漏，请求燃气公司立即上门检查。",
           unit="燃气公司", details=(
               ("incident_status", "气味仍在，住户已开窗通风"), ("incident_scope", "{栋}幢一个单元约二十户"),
               ("incident_harm", "暂无人员不适"), ("emergency_called", "未拨打119"), ("onsite_departments", "物业人员在现场"))),
    ),
    EmergencyType.INSTABILITY: (
        _T(_P, "拖欠工资", "{公司}拖欠农民工工资", "来电人称{公司}在{路}的项目拖欠其与二十余名工友工资共计{金额}元，工友情绪激动。",
           unit="{公司}", details=(
               ("threat_action", "来电人原话：“这周再不发工资，我们就一起去区政府门口拉横幅。”"),
               ("threat_time_place", "本周五上午，区政府门口"))),
    ),
    EmergencyType.EPIDEMIC: (
        _T(_H, "疫情防控", "{学校}多名学生出现发热呕吐", "家长反映{学校}同班近两天有多名学生出现发热、呕吐症状，担心出现聚集性疫情，请求卫生健康部门介入。",
           unit="{学校}", prior=("已向学校老师反映",)),
    ),
}

# 不予受理 (12345 5.1.2.2): registered with the reason and what the caller was told.
_NOT_ACCEPTED: tuple[_Template, ...] = (
    _T(_H, "治安秩序", "反映{小区}门口有人打架", "来电人称{小区}门口有人正在打架斗殴，要求派人到场处理。",
       unit="现场当事人", not_accepted=NotAcceptedReason.EMERGENCY_LINE, prior=("未报警",), weight=3),
    _T(_C, "劳动合同", "对劳动仲裁裁决不服要求重新处理", "来电人与原单位的劳动争议已经仲裁裁决，对结果不服，要求热线重新处理。",
       not_accepted=NotAcceptedReason.LEGAL_CHANNEL, weight=2),
    _T(_C, "拆迁安置", "反映房屋征收补偿问题（已信访）", "来电人反映其房屋征收补偿问题，称已向信访部门提交信访事项，现要求热线督促处理。",
       not_accepted=NotAcceptedReason.PETITION),
    _T(_C, "其他", "要求查询他人住址和电话", "来电人要求热线提供其前同事的住址和联系电话。", not_accepted=NotAcceptedReason.SECRET),
    _T(_C, "消费维权", "反映外地网店不发货", "来电人反映其在外地某网店购买的商品迟迟不发货，商家经营地不在本市。",
       not_accepted=NotAcceptedReason.OUT_OF_SCOPE, weight=2),
)


# Each urgent template carries its type, so a ticket made from it is marked urgent.
_URGENT = {kind: tuple(dataclasses.replace(t, emergency=kind) for t in tpls) for kind, tpls in _URGENT.items()}


def _cumulative(pairs: tuple[tuple[object, int], ...]) -> tuple[list[object], list[float]]:
    items = [p[0] for p in pairs]
    return items, list(itertools.accumulate(float(p[1]) for p in pairs))


@dataclass
class _Caller:
    name: str
    phone: str
    contact: str
    home: str
    last: tuple | None = None  # their latest ticket row (for 重复件)


class _FastRandom(random.Random):
    """``choice``/``randint``/``randrange`` from one float each: a third of the exact ones' cost.

    The exact versions avoid a bias of about 2**-53, which demo data does not
    need; a million tickets make some twenty million of these calls.
    """

    def choice(self, seq):  # type: ignore[no-untyped-def, override]
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None) -> int:  # type: ignore[override]
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))


class _Uids:
    """Version-7 UUIDs (RFC 9562 6.2, method 2, "monotonic random"): the fill's start in
    milliseconds, then 74 random bits raised by a random step for each uid.

    Each is as unique as a version-4 UUID (74 random bits where that has 122, and
    the millisecond: two fills would have to start in the same one and then meet
    within 2**39 of 2**73), and they come in increasing order. A random uid lands
    anywhere in its unique index, so with seven million events every chunk of
    the fill rewrote most of the index's pages: 67 s of a million-ticket fill;
    in order, the index only grows at its end.
    """

    def __init__(self) -> None:
        self.ms = time.time_ns() // 1_000_000
        self.value = int.from_bytes(os.urandom(10), "big") >> 7  # 73 bits: room to step up
        self._steps: list[int] = []

    def __call__(self) -> str:
        if not self._steps:
            raw = os.urandom(2 * 4096)
            self._steps = [1 + int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]
        self.value += self._steps.pop()
        if self.value >> 74:  # never in practice; the next millisecond keeps the order
            self.ms, self.value = self.ms + 1, self.value & ((1 << 73) - 1)
        n = (self.ms << 80) | (0x7 << 76) | ((self.value >> 62) << 64) | (0b10 << 62) | (self.value & ((1 << 62) - 1))
        h = f"{n:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _Slots(dict):
    """Slot values of one ticket's texts, made on first use so each text pays only for its own."""

    def __init__(self, gen: "_Generator", day: dt.date, hour: int) -> None:
        super().__init__()
        self.gen, self.day, self.hour = gen, day, hour

    def __missing__(self, key: str) -> str:
        value = self.gen.slot(key, self)
        self[key] = value
        return value


_COMPANY_WORDS = ("宏达", "恒通", "华信", "金诚", "鼎盛", "瑞丰", "中盛", "泰和", "永安", "广源", "汇通", "天成")
_TRAININGS = ("教育培训中心", "艺术培训学校", "英语培训中心", "编程培训中心", "舞蹈培训中心")
_ORDINALS = "一二三四五"


# Slot values that need nothing but the dice (and the ticket's road or street).
_SLOT_MAKERS: dict[str, Callable[[_FastRandom, _Slots], str]] = {
    "栋": lambda rng, s: str(rng.randint(1, 30)),
    "天数": lambda rng, s: str(rng.randint(2, 15)),
    "月数": lambda rng, s: str(rng.randint(2, 8)),
    "小时": lambda rng, s: str(rng.randint(3, 12)),
    "金额": lambda rng, s: str(rng.randrange(8, 600) * 100),
    "停车费": lambda rng, s: str(rng.choice((200, 220, 250, 300))),
    "车费": lambda rng, s: str(rng.randint(20, 80)),
    "时段": lambda rng, s: rng.choice(_TIME_OF_NIGHT),
    "商户": lambda rng, s: rng.choice(_SHOP_NAMES) + rng.choice(_RESTAURANTS),
    "商店": lambda rng, s: rng.choice(_SHOP_NAMES) + rng.choice(_STORES),
    "服务店": lambda rng, s: rng.choice(_SHOP_NAMES) + rng.choice(_SERVICES),
    "公司": lambda rng, s: f"南京{rng.choice(_COMPANY_WORDS)}{rng.choice(_TRADES)}有限公司",
    "施工单位": lambda rng, s: f"南京{rng.choice(_COMPANY_WORDS)}建设工程有限公司{s['路']}项目部",
    "培训机构": lambda rng, s: rng.choice(_COMPANY_WORDS) + rng.choice(_TRAININGS),
    "学校": lambda rng, s: f"{s['街道'][:2]}第{rng.choice(_ORDINALS)}小学",
    "医院": lambda rng, s: f"{s['街道']}社区卫生服务中心",
    "公交": lambda rng, s: rng.choice(_BUS_LINES),
    "车牌": lambda rng, s: f"苏A{rng.choice('BDEFHT')}{rng.randint(1000, 9999)}",
}


class _Generator:
    """Tickets in received order, day by day, as row tuples ready for ``db.bulk``."""

    def __init__(self, rng: _FastRandom, center: CenterInfo, total: int, now: dt.datetime,
                 topic_ids: dict[str, int], operator_ids: list[int | None], stories: Stories | None = None) -> None:
        self.rng = rng
        self.stories = stories  # None: registration only (sample_inputs)
        self.total = total
        self.made = 0
        self._waiting: list[tuple[tuple, TicketFacts]] = []  # handled tickets of this take, for their stories
        self.center = center
        self.now = now
        self.topic_ids = topic_ids
        self.fallback_topics = sorted(set(topic_ids.values()))
        self.operator_ids = operator_ids
        self.address_prefix = "南京市玄武区" if center.code == "320102" else ""
        self.conn: apsw.Connection | None = None  # the chunk's connection, for where each day's numbering continues
        self.next_id = 1
        self.day_key = ""
        self.seq = 0
        self._uid = _Uids()  # fresh, never from the seed (see the module docstring)
        self.recent: deque[_Caller] = deque(maxlen=3000)
        self.reservoir: list[_Caller] = []
        self.callers_seen = 0
        self._channels = _cumulative(_CHANNELS)
        self._categories = _cumulative(_CATEGORIES)
        self._emergencies = _cumulative(_EMERGENCIES)
        by_category: dict[Category, list[_Template]] = {}
        for tpl in _TEMPLATES:
            by_category.setdefault(tpl.category, []).append(tpl)
        self._templates = {c: (ts, list(itertools.accumulate(t.weight for t in ts))) for c, ts in by_category.items()}
        self._not_accepted = (_NOT_ACCEPTED, list(itertools.accumulate(t.weight for t in _NOT_ACCEPTED)))
        self._stream = self._tickets(self._day_plan(total))

    # -- choices ------------------------------------------------------------
    def _weighted(self, table: tuple[list, list[float]]):  # type: ignore[no-untyped-def]
        items, cum = table
        return items[bisect.bisect(cum, self.rng.random() * cum[-1])]

    # -- when -----------------------------------------------------------------
    def _day_plan(self, total: int) -> list[tuple[dt.date, int]]:
        """How many tickets each day gets: weekdays busier, summer and winter peaks, slow growth."""
        rng, today = self.rng, self.now.date()
        first = today - dt.timedelta(days=HISTORY_DAYS)
        now_sec = self.now.hour * 3600 + self.now.minute * 60 + self.now.second
        elapsed_today = self._curve_share(now_sec)
        weights = []
        for offset in range(HISTORY_DAYS + 1):
            day = first + dt.timedelta(days=offset)
            w = (1.0, 1.0, 1.0, 1.0, 0.95, 0.65, 0.55)[day.weekday()]
            w *= 1.0 + 0.12 * offset / 365
            w *= {7: 1.15, 8: 1.15, 1: 1.08, 2: 0.85}.get(day.month, 1.0)
            w *= rng.uniform(0.85, 1.15)
            weights.append(w * (elapsed_today if day == today else 1.0))
        scale = total / sum(weights)
        plan, running, given = [], 0.0, 0
        for offset, w in enumerate(weights):
            running += w * scale
            count = int(running + 0.5) - given
            given += count
            if count:
                plan.append((first + dt.timedelta(days=offset), count))
        return plan

    @staticmethod
    def _curve_share(seconds: int) -> float:
        hour, rest = divmod(seconds, 3600)
        done = (_HOUR_CUM[hour - 1] if hour else 0.0) + _HOUR_WEIGHTS[min(hour, 23)] * rest / 3600
        return max(done / _HOUR_CUM[-1], 1e-6)

    def _times(self, count: int, limit: int) -> list[int]:
        """``count`` seconds of the day along the hourly curve, before ``limit``, sorted."""
        rng, total = self.rng, _HOUR_CUM[-1]
        out = []
        for _ in range(count):
            for _attempt in range(30):
                sec = bisect.bisect(_HOUR_CUM, rng.random() * total) * 3600 + int(rng.random() * 3600)
                if sec < limit:
                    break
            else:
                sec = int(rng.random() * limit)
            out.append(sec)
        out.sort()
        return out

    # -- who ------------------------------------------------------------------
    def _new_caller(self, channel: Channel) -> _Caller:
        rng = self.rng
        surname = _SURNAMES[bisect.bisect(_SURNAME_CUM, rng.random() * _SURNAME_CUM[-1])]
        male = rng.random() < 0.5
        if rng.random() < 0.22:  # many give only a surname: 王先生, 李女士
            name = surname + ("先生" if male else "女士")
        else:
            chars = _GIVEN_MALE if male else _GIVEN_FEMALE
            name = surname + "".join(rng.choice(chars) for _ in range(1 if rng.random() < 0.3 else 2))
        if rng.random() < 0.82:
            phone = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        else:  # Nanjing landline, stored as digits with the area code
            phone = "025" + rng.choice("8585648") + f"{rng.randrange(10**7):07d}"
        home = ""
        if rng.random() < 0.25 or channel == Channel.LETTER:
            street = rng.choice(_STREET_NAMES)
            roads, estates = _STREETS[street]
            home = (f"{self.address_prefix}{street}{rng.choice(roads)}{rng.randint(1, 300)}号{rng.choice(estates)}"
                    f"{rng.randint(1, 30)}幢{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室")
        contact = ""
        if channel == Channel.EMAIL:
            contact = f"{rng.randint(10**7, 3 * 10**9)}@{rng.choice(_MAIL_DOMAINS)}"
            phone = phone if rng.random() < 0.5 else ""
        elif channel == Channel.LETTER:
            contact = f"通信地址：{home}"
            phone = phone if rng.random() < 0.6 else ""
        caller = _Caller(name, phone, contact, home)
        # Callers who may call again: the recent ones most likely, anyone possibly.
        self.recent.append(caller)
        self.callers_seen += 1
        if len(self.reservoir) < 20_000:
            self.reservoir.append(caller)
        else:
            slot = rng.randrange(self.callers_seen)
            if slot < len(self.reservoir):
                self.reservoir[slot] = caller
        return caller

    def _known_caller(self) -> _Caller:
        if not self.reservoir or self.rng.random() < 0.6:
            return self.rng.choice(self.recent)
        return self.rng.choice(self.reservoir)

    # -- what -----------------------------------------------------------------
    def slot(self, key: str, s: _Slots) -> str:
        rng = self.rng
        if key in ("街道", "路", "小区"):
            street = rng.choice(_STREET_NAMES)
            roads, estates = _STREETS[street]
            s["街道"], s["路"], s["小区"] = street, rng.choice(roads), rng.choice(estates)
            return s[key]
        if key == "路2":
            roads = [r for r in _STREETS[s["街道"]][0] if r != s["路"]]
            return rng.choice(roads)
        if key == "地址":
            return f"{self.address_prefix}{s['街道']}{s['路']}{rng.randint(1, 300)}号{s['小区']}{s['栋']}幢"
        if key == "日期":
            day = s.day - dt.timedelta(days=rng.randint(0, 6))
            return f"{day.month}月{day.day}日"
        if key == "时":
            return f"今天{max(0, s.hour - rng.randint(1, 4))}时许"
        return _SLOT_MAKERS[key](rng, s)

    def _occurred(self, s: _Slots, urgent: bool) -> str:
        rng = self.rng
        if urgent:
            return f"今天{max(0, s.hour - rng.randint(0, 3))}时许"
        pick = rng.random()
        if pick < 0.35:
            return f"{s['日期']}{rng.choice(('上午', '下午', '晚上', '夜间'))}"
        if pick < 0.6:
            return f"近{rng.randint(2, 20)}天"
        if pick < 0.8:
            start = s.day - dt.timedelta(days=rng.randint(20, 200))
            return f"{start.year}年{start.month}月起至今"
        return rng.choice(("近一个月", "长期存在", "近一周", "今年以来"))

    def _template(self, day: dt.date) -> tuple[_Template, Category]:
        rng = self.rng
        pick = rng.random()
        if pick < URGENT_SHARE:
            kind = self._weighted(self._emergencies)
            choices = _URGENT[kind]
            if kind == EmergencyType.EXTREME_WEATHER:
                # Heavy rain in the plum-rain and typhoon months, gales otherwise.
                choices = choices[:1] if day.month in (6, 7, 8, 9) else choices[1:]
            tpl = rng.choice(choices)
            return tpl, tpl.category
        if pick < URGENT_SHARE + NOT_ACCEPTED_SHARE:
            tpl = self._weighted(self._not_accepted)
            return tpl, tpl.category
        category = self._weighted(self._categories)
        return self._weighted(self._templates[category]), category

    # -- the rows -------------------------------------------------------------
    def _tickets(self, plan: list[tuple[dt.date, int]]) -> Iterator[tuple[tuple, list[tuple]]]:
        today = self.now.date()
        now_sec = self.now.hour * 3600 + self.now.minute * 60 + self.now.second
        for day, count in plan:
            self.day_key = day.strftime("%Y%m%d")
            prefix = f"{self.center.code}-{self.day_key}-"
            self.seq = bulk.last_ticket_sequence(self.conn, self.day_key, prefix) if self.conn is not None else 0
            limit = now_sec + 1 if day == today else 86_400
            iso = day.isoformat()
            for sec in self._times(count, limit):
                self.seq += 1
                yield self._ticket(day, iso, sec, limit, f"{prefix}{self.seq:04d}")

    def _ticket(self, day: dt.date, iso: str, sec: int, limit: int, number: str) -> tuple[tuple, list[tuple]]:
        rng, code = self.rng, self.center.code
        tid = self.next_id
        self.next_id += 1
        hour = sec // 3600
        received = f"{iso}T{hour:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}+08:00"
        channel = self._weighted(self._channels)
        # Phone, visit and SMS are typed in during the contact; the rest later the same day.
        delay = rng.randint(60, 600) if channel in (Channel.PHONE, Channel.VISIT, Channel.SMS) else rng.randint(600, 14_400)
        at = min(sec + delay, limit - 1, 86_399)
        registered_at = f"{iso}T{at // 3600:02d}:{at // 60 % 60:02d}:{at % 60:02d}+08:00"
        operator = self.operator_ids[int(rng.random() * len(self.operator_ids))]

        base = None
        if self.recent and rng.random() < REPEAT_CALLER_SHARE:
            caller = self._known_caller()
            if caller.last is not None and rng.random() < SAME_MATTER_SHARE:
                base = caller.last
        else:
            caller = self._new_caller(channel)
        confidential = 0
        if base is not None:
            row = self._repeat_fields(base)
            category = row["category"]
        else:
            tpl, category = self._template(day)
            row = self._fields(tpl, category, _Slots(self, day, hour))
            confidential = int(rng.random() < (0.25 if category == Category.REPORT else 0.011))
        hotline = self.center.kind.value
        if hotline == "both":
            hotline = "12365" if rng.random() < 0.2 else "12345"
        risk = ""
        if hotline == "12365" and category in (Category.COMPLAINT, Category.REPORT):
            risk = rng.choice("3334444412")
        status = row.pop("status")
        reason = row.get("not_accepted_reason", "")
        ticket: tuple = (
            tid, self._uid(), code, 1, registered_at, number, hotline, channel.value, status.value, received,
            caller.name, caller.phone, caller.contact, caller.home, "", confidential,
            int(bool(caller.phone or caller.contact) and rng.random() < 0.9),
            row.get("occurred_at", ""), code, row.get("address", ""), row.get("reported_unit", ""),
            row["title"], row["content"], category.value, row["topic_id"], row.get("urgency", "normal"),
            row.get("emergency_type", ""), risk, reason, row.get("referral", ""), row.get("reply", ""),
            base[_COL["id"]] if base is not None else None, row["details"], operator, 0,
        )
        events = [(self._uid(), code, tid, EventKind.REGISTERED.value, registered_at, operator,
                   f"{channel.label}受理，{category.label}", "{}")]
        if base is not None:
            events.append((self._uid(), code, tid, EventKind.MARKED_REPEAT.value, registered_at, operator,
                           f"重复件，原工单 {base[_COL['number']]}",
                           json.dumps({"repeat_of": base[_COL["uid"]]}, ensure_ascii=False)))
        if status == Status.NOT_ACCEPTED:
            label = NotAcceptedReason(reason).label
            events.append((self._uid(), code, tid, EventKind.NOT_ACCEPTED.value, registered_at, operator,
                           f"{label}；已告知：{row['referral']}", json.dumps({"reason": reason})))
        elif status == Status.CLOSED:
            events.append((self._uid(), code, tid, EventKind.DIRECT_ANSWERED.value, registered_at, operator,
                           row["reply"], "{}"))
            events.append((self._uid(), code, tid, EventKind.CLOSED.value, registered_at, operator,
                           "直接答复，即时办结", "{}"))
        elif self.stories is not None:
            self._waiting.append((ticket, self._facts(ticket, day, sec, at)))
        # A later call on the same matter points back here; not to a consult or a refused call.
        if not reason and category != Category.CONSULT:
            caller.last = ticket
        return ticket, events

    @staticmethod
    def _facts(ticket: tuple, day: dt.date, received: int, registered: int) -> TicketFacts:
        """What the ticket's dispatch story needs of it; times in local seconds."""
        base = (day.toordinal() - _EPOCH_ORDINAL) * 86_400
        return TicketFacts(
            id=ticket[_COL["id"]], hotline=ticket[_COL["hotline"]], category=ticket[_COL["category"]],
            urgency=ticket[_COL["urgency"]], emergency_type=ticket[_COL["emergency_type"]],
            channel=ticket[_COL["channel"]], topic_id=ticket[_COL["topic_id"]], title=ticket[_COL["title"]],
            text=f"{ticket[_COL['title']]} {ticket[_COL['content']]} {ticket[_COL['address']]}",
            received=base + received, registered=base + registered,
        )

    def _fields(self, tpl: _Template, category: Category, s: _Slots) -> dict:
        rng = self.rng
        out: dict = {"title": tpl.title.format_map(s)[:100], "content": tpl.content.format_map(s)}
        out["topic_id"] = self.topic_ids.get(tpl.topic) or (rng.choice(self.fallback_topics) if self.fallback_topics else None)
        details: dict[str, str] = {}
        urgent = tpl.emergency is not None
        if tpl.emergency is not None:
            out["urgency"] = "urgent"
            out["emergency_type"] = tpl.emergency.value
        if category in (Category.HELP, Category.COMPLAINT, Category.REPORT) or urgent:
            # 附录C.3: name, time, place, matter, who is involved, what was done before.
            out["occurred_at"] = self._occurred(s, urgent)
            out["address"] = s["地址"]
            out["reported_unit"] = tpl.unit.format_map(s) if tpl.unit else "相关单位"
            details["prior_handling"] = rng.choice(tpl.prior or _PRIOR_HANDLING).format_map(s)
            if rng.random() < 0.1:
                details["landmark"] = f"{s['路']}{s['小区']}门口往{rng.choice('东南西北')}约{rng.randint(1, 9)}0米"
        elif tpl.unit:
            out["reported_unit"] = tpl.unit.format_map(s)
        if category == Category.SUGGESTION:
            details["suggestion_reason"] = tpl.reason.format_map(s)
        for key, text in tpl.details:
            details[key] = text.format_map(s)
        out["details"] = json.dumps(details, ensure_ascii=False)
        if tpl.not_accepted is not None:
            out |= {"status": Status.NOT_ACCEPTED, "not_accepted_reason": tpl.not_accepted.value,
                    "referral": DEFAULT_REFERRALS[tpl.not_accepted]}
        elif tpl.reply and rng.random() < 0.65:
            out |= {"status": Status.CLOSED, "reply": tpl.reply.format_map(s)}
        else:
            out["status"] = Status.PENDING
        return out

    def _repeat_fields(self, base: tuple) -> dict:
        """The same matter again (重复件): pending, or refused when nothing is new (5.1.2.2)."""
        content = base[_COL["content"]]
        again = "来电人再次反映："
        out = {name: base[_COL[name]] for name in ("title", "occurred_at", "address", "reported_unit", "topic_id", "details")}
        out["content"] = content if content.startswith(again) else again + content
        out["category"] = Category(base[_COL["category"]])
        if self.rng.random() < 0.35:
            reason = NotAcceptedReason.REPEAT_NO_NEW_FACTS
            out |= {"status": Status.NOT_ACCEPTED, "not_accepted_reason": reason.value, "referral": DEFAULT_REFERRALS[reason]}
        else:
            out["status"] = Status.PENDING
        return out

    # -- chunks ---------------------------------------------------------------
    def resume(self, conn: "apsw.Connection") -> None:
        """At a chunk's start, inside its write lock: continue after whatever is there now."""
        self.conn = conn
        self.next_id = max(self.next_id, bulk.max_id(conn, "ticket") + 1)
        if self.stories is not None:
            self.stories.resume(bulk.max_id(conn, "assignment"))
        if self.day_key:
            prefix = f"{self.center.code}-{self.day_key}-"
            self.seq = max(self.seq, bulk.last_ticket_sequence(conn, self.day_key, prefix))

    def take(self, count: int) -> tuple[list[tuple], list[tuple], dict[str, int]]:
        """The next ``count`` tickets, their events and each day's last number; the dispatch
        rows of the same tickets wait in ``stories`` (``Stories.take``)."""
        tickets: list[tuple] = []
        events: list[tuple] = []
        counters: dict[str, int] = {}
        number_at = _COL["number"]
        for ticket, ticket_events in itertools.islice(self._stream, count):
            tickets.append(ticket)
            events.extend(ticket_events)
            _, day, seq = ticket[number_at].rsplit("-", 2)
            counters[day] = int(seq)  # rows come in order, so the last is the highest
        self.made += len(tickets)
        if self.stories is not None:
            self._play_stories(tickets, events)
        return tickets, events, counters

    def _play_stories(self, tickets: list[tuple], events: list[tuple]) -> None:
        """Each handled ticket's dispatch story up to now (demo.dispatch); the showcase
        cases go to the youngest tickets of the fill's last chunk."""
        assert self.stories is not None
        waiting, self._waiting = self._waiting, []
        cases = self.stories.showcase_cases([f for _, f in waiting]) if self.made >= self.total else {}
        position = {row[0]: i for i, row in enumerate(tickets)}
        for row, facts in waiting:
            out = self.stories.play(facts, events, cases.get(facts.id))
            if out.rev == 1:
                continue
            changed = list(row)
            changed[_COL["status"]], changed[_COL["rev"]], changed[_COL["complex"]] = out.status, out.rev, out.complex
            changed[_COL["updated_at"]] = self.stories.stamp(out.updated)
            tickets[position[row[0]]] = tuple(changed)


# --- public ------------------------------------------------------------------

def _setup_demo_center() -> CenterInfo:
    kind, code, name = DEMO_CENTER
    center = setup_center(kind, code, name, DEMO_ADMIN[0], DEMO_ADMIN[1], DEMO_PASSWORD)
    admin = users.actor_for(DEMO_ADMIN[0])
    for username, display_name, role in DEMO_ACCOUNTS:
        users.create_user(admin, username, display_name, DEMO_PASSWORD, {role})
    demo_kb.fill_knowledge(admin)
    demo_units.fill_demo_units(admin)
    return center


def _demo_usernames() -> list[str]:
    """The demo accounts that exist and really have the demo password (an older center may not)."""
    names = []
    for username in [DEMO_ADMIN[0]] + [a[0] for a in DEMO_ACCOUNTS]:
        try:
            users.authenticate(username, DEMO_PASSWORD)
        except AuthenticationFailed:
            continue
        names.append(username)
    return names


def _operator_ids() -> list[int | None]:
    """Who registered the tickets: operators, else managers, else anyone active."""
    return account_ids(Role.OPERATOR, Role.MANAGER)


def _generator(center: CenterInfo, total: int, seed: int, now: dt.datetime, handled: bool = True) -> _Generator:
    """``handled``: play each ticket's dispatch story up to ``now`` (demo.dispatch)."""
    # Seeded also by where the ticket ids start, so a second fill into the same
    # center tells new stories rather than repeating the first one. The stories
    # have dice of their own: the tickets are the same with them or without.
    start = bulk.max_id(raw_connection(), "ticket")
    rng = _FastRandom(f"hotline-demo:{seed}:{start}")
    topic_ids: dict[str, int] = {}
    for topic in active_topics():
        topic_ids.setdefault(topic.name, topic.id)
    gen = _Generator(rng, center, total, now, topic_ids, _operator_ids())
    if handled:
        gen.stories = Stories(_FastRandom(f"hotline-demo-dispatch:{seed}:{start}"), now, center.code, gen._uid)
    return gen


def fill_demo(
    tickets: int,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    *,
    now: dt.datetime | None = None,
) -> DemoResult:
    """Add ``tickets`` demo tickets, setting up the demo center and accounts on an empty database.

    Runs in chunks of CHUNK_TICKETS, each one transaction; ``progress(done, total)``
    is called after each and ``should_cancel()`` before each. ``now`` (default:
    the clock) is where the two years of history end.
    """
    if tickets < 0:
        raise ValueError("tickets must be >= 0")
    frozen = now is not None
    now = clock.to_local(now) if now is not None else clock.now()
    with storage_errors():
        center = current_center()
        created = center is None
        if center is None:
            center = _setup_demo_center()
        gen = _generator(center, tickets, seed, now)
        added, cancelled = 0, False
        if progress:
            progress(0, tickets)
        with bulk.bulk_session():
            while added < tickets:
                if should_cancel is not None and should_cancel():
                    cancelled = True
                    break
                with bulk.chunk_transaction() as conn:
                    gen.resume(conn)
                    rows, events, counters = gen.take(min(CHUNK_TICKETS, tickets - added))
                    bulk.insert_rows(conn, "ticket", TICKET_COLUMNS, rows)
                    if gen.stories is not None:
                        assignments, clocks, extensions, supervisions = gen.stories.take()
                        bulk.insert_rows(conn, "assignment", ASSIGNMENT_COLUMNS, assignments)
                        bulk.insert_rows(conn, "deadline", DEADLINE_COLUMNS, clocks)
                        bulk.insert_rows(conn, "extension_request", EXTENSION_COLUMNS, extensions)
                        bulk.insert_rows(conn, "supervision", SUPERVISION_COLUMNS, supervisions)
                    bulk.insert_rows(conn, "ticket_event", EVENT_COLUMNS, events)
                    bulk.raise_counters(conn, counters)
                added += len(rows)
                if progress:
                    progress(added, tickets)
                if not rows:
                    break
        with write(None, None, "demo_fill", "ticket") as tx:
            tx.detail = {"tickets": added, "requested": tickets, "seed": seed, "cancelled": cancelled}
        # Mediations go through the services, which stamp the real time: only when the
        # history ends now, not in a snapshot frozen at a given ``now`` (tests, benches).
        if created and not cancelled and not frozen:
            demo_mediation.mediate_demo()
            demo_visits.visit_demo(seed)
        if created and not cancelled:  # a month of the phone system's records, linked to the phone tickets
            demo_calls.fill_calls(users.actor_for(DEMO_ADMIN[0]), now, seed)
    log.info("demo fill: %d tickets%s", added, " (cancelled)" if cancelled else "")
    names = [DEMO_ADMIN[0]] + [a[0] for a in DEMO_ACCOUNTS] if created else _demo_usernames()
    return DemoResult(center.name, center.code, added, names, cancelled)


def _as_input(row: tuple) -> TicketInput:
    d = dict(zip(TICKET_COLUMNS, row))
    disposition = {
        Status.PENDING.value: Disposition.REGISTER,
        Status.CLOSED.value: Disposition.DIRECT_ANSWER,
        Status.NOT_ACCEPTED.value: Disposition.NOT_ACCEPTED,
    }[d["status"]]
    return TicketInput(
        channel=d["channel"], hotline=d["hotline"], caller_name=d["caller_name"], caller_phone=d["caller_phone"],
        caller_contact=d["caller_contact"], caller_address=d["caller_address"], caller_org=d["caller_org"],
        confidential=bool(d["confidential"]), visit_consent=bool(d["visit_consent"]), occurred_at=d["occurred_at"],
        region_code=d["region_code"], address=d["address"], reported_unit=d["reported_unit"], title=d["title"],
        content=d["content"], category=d["category"], topic_id=d["topic_id"], urgency=d["urgency"],
        emergency_type=d["emergency_type"], risk_level=d["risk_level"], disposition=disposition.value,
        not_accepted_reason=d["not_accepted_reason"], referral=d["referral"], reply=d["reply"],
        details=json.loads(d["details"]),
    )


def sample_inputs(count: int, seed: int = 1) -> list[TicketInput]:
    """Registration-form inputs like the demo's tickets (none a repeat), for benchmarks.

    Needs an open, set-up center (for its topics); writes nothing. ``received_at``
    is left empty: the operator registers the call now.
    """
    center = current_center()
    if center is None:
        raise Conflict("中心尚未设置，请先完成首次设置。")
    gen = _generator(center, count * 2, seed, clock.now(), handled=False)
    out: list[TicketInput] = []
    for row, _events in gen._stream:
        if row[_COL["repeat_of_id"]] is None:
            out.append(_as_input(row))
            if len(out) == count:
                break
    return out
