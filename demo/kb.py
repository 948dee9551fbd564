"""The demo center's knowledge base: a dozen articles of the kind a district hotline answers daily.

Written for the demo (not copied from any one city's rules) so the 知识库 area,
the registration panel's suggestions and the flags have something real to show:
one article is past its review date and one has expired, as happens in life.
"""
from __future__ import annotations

from core.kb import articles as kb
from core.kb import synonyms as kb_synonyms
from core.kb.articles import ArticleInput
from core.roles import Actor

ARTICLES: list[dict[str, str]] = [
    {"title": "住房公积金提取办理指南", "category": "住房保障/住房公积金", "source_unit": "市住房公积金管理中心",
     "keywords": "公积金 取钱 提取 租房提取", "effective_on": "2026-01-01", "review_on": "2027-01-01",
     "body": "# 可以提取的情形\n\n- 购买、建造、翻建、大修自住住房\n- 离休、退休\n- 租赁自住住房（每年可提取一次）\n"
             "- 偿还购房贷款本息\n\n# 办理方式\n\n1. 线上：登录公积金中心网站或 App，在线提交申请；\n"
             "2. 线下：携带身份证和相关证明材料，到公积金中心任一服务网点办理。\n\n"
             "租房提取无需提供租赁合同，按月租金标准直接提取。"},
    {"title": "新生儿医保参保办理", "category": "社会保障/医疗保险", "source_unit": "区医疗保障局",
     "keywords": "宝宝医保 新生儿参保 出生医保", "effective_on": "2026-01-01", "review_on": "2027-01-01",
     "body": "新生儿在出生后 90 天内参保缴费的，自出生之日起享受城乡居民医保待遇。\n\n# 办理方式\n\n"
             "- 线上：通过“我的南京”App 或医保公共服务平台办理；\n- 线下：携带出生医学证明、户口簿到街道（镇）便民服务中心办理。"},
    {"title": "燃气泄漏应急处置", "category": "城市管理/燃气", "source_unit": "市燃气集团",
     "keywords": "煤气味 天然气 漏气", "effective_on": "2025-06-01", "review_on": "2026-12-31",
     "body": "闻到燃气味时：\n\n1. 立即关闭燃气表前阀门；\n2. 打开门窗通风，不要开关电灯、电器，不要使用明火和手机；\n"
             "3. 到室外安全处拨打燃气公司 24 小时抢修电话 96777 或 119。\n\n属紧急事项，受理后按紧急工单处理。"},
    {"title": "夜间施工噪声的投诉与处理", "category": "生态环境/噪声", "source_unit": "区城市管理局",
     "keywords": "工地 半夜施工 扰民 噪音", "effective_on": "2025-03-01", "review_on": "2026-03-01",
     "body": "每日 22 时至次日 6 时，禁止在噪声敏感建筑物集中区域进行产生噪声的建筑施工作业，"
             "因生产工艺要求或特殊需要必须连续施工的，须取得相关部门证明并公告附近居民。\n\n"
             "来电反映夜间施工噪声的，登记施工地点、时段和工地名称，派区城市管理局处理。"},
    {"title": "社会保障卡补办", "category": "社会保障/社保卡", "source_unit": "区人力资源和社会保障局",
     "keywords": "社保卡丢了 挂失 补卡", "effective_on": "2026-01-01", "review_on": "2027-06-30",
     "body": "社会保障卡丢失的，先通过 12333 电话或“江苏智慧人社”App 办理挂失，再到合作银行网点或人社服务窗口补办。\n\n"
             "补办需携带本人身份证，现场制卡的当场领取。"},
    {"title": "ETC 办理与注销", "category": "交通出行/ETC", "source_unit": "省交通运输厅",
     "keywords": "ETC 电子不停车收费 卸载", "effective_on": "2026-01-01", "review_on": "2027-01-01",
     "body": "ETC 可在合作银行网点或发行方线上渠道办理，需提供车辆行驶证和车主身份证。\n\n"
             "注销：到原办理银行或发行方客服网点，交回电子标签并结清通行费。"},
    {"title": "居住证办理", "category": "公安户政/居住证", "source_unit": "区公安分局",
     "keywords": "暂住证 居住登记", "effective_on": "2025-01-01", "review_on": "2026-06-30",
     "body": "在本市居住半年以上，符合合法稳定就业、合法稳定住所、连续就读条件之一的，可申领居住证。\n\n"
             "携带身份证、住所证明和就业或就读证明，到居住地派出所或社区警务室办理。"},
    {"title": "2025 年冬季供暖收费标准", "category": "城市管理/供暖", "source_unit": "市发展和改革委员会",
     "keywords": "暖气费 采暖费", "effective_on": "2025-11-01", "expires_on": "2026-04-30",
     "body": "2025—2026 年采暖季，居民供暖费按建筑面积每平方米每采暖季 25 元收取。"},
    {"title": "市民投诉经营者的受理范围", "category": "市场监管/消费投诉", "source_unit": "区市场监督管理局",
     "keywords": "消费纠纷 退款 商家 12315", "effective_on": "2025-01-01", "review_on": "2027-01-01",
     "body": "消费者与经营者发生消费者权益争议，可以投诉。投诉须有明确的被投诉人、具体的投诉请求和事实依据。\n\n"
             "已经人民法院受理、仲裁机构受理，或已经其他行政机关处理的，不予受理。"},
    {"title": "路灯不亮的报修", "category": "城市管理/市政设施", "source_unit": "区城市管理局",
     "keywords": "路灯坏了 灯不亮", "effective_on": "2025-01-01", "review_on": "2027-01-01",
     "body": "登记路灯所在道路、附近门牌号或标志性建筑及灯杆编号（灯杆上的白色编号），派区城市管理局路灯所维修，"
             "一般 3 个工作日内修复。"},
]

SYNONYMS = ["住房公积金 公积金", "燃气 煤气 天然气", "噪声 噪音", "社会保障卡 社保卡", "供暖 暖气 采暖"]


def fill_knowledge(admin: Actor) -> int:
    """Publish the demo articles and synonyms; returns how many articles were added."""
    for words in SYNONYMS:
        kb_synonyms.save_group(admin, None, words)
    for entry in ARTICLES:
        fields = {k: v for k, v in entry.items() if k != "category"}
        article = kb.save_article(admin, None, ArticleInput(category_path=entry["category"], **fields))
        kb.move(admin, article, "publish")
    return len(ARTICLES)
