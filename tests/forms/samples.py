"""Sample contexts for every document kind, built from ``forms.catalog``.

- ``full(kind)``: realistic data in every field (2 complainants, 1 respondent with a
  legal representative, 3 mediation sessions, 3 rows in every other list), in the
  shapes ``forms.contexts`` gives (times as ``2026-11-22 09:15``, labels not codes).
- ``empty(kind)``: every text "" and every list [].
- ``long(kind)``: ``full`` with the long texts at about 6,000 characters in several
  paragraphs and 40 rows in every list: what must flow over pages.

A field the catalog gains without a sample here fails ``full`` (KeyError), so the
template tests never silently skip a field.
"""
from __future__ import annotations

from typing import Any

from forms.catalog import SPECS, DocumentKind, Field

COMMON = {
    "center_name": "南京市玄武区12345政务服务便民热线",
    "hotline": "12345",
    "issued_on": "2026年11月22日",
    "ticket_number": "320102-20261103-0042",
}

COMPLAINANTS = [
    {"kind": "个人", "name": "张建国", "gender": "男", "id_number": "320102198703152318",
     "phone": "13905171234", "address": "南京市玄武区珠江路88号3幢502室",
     "representative": "", "representative_role": ""},
    {"kind": "个人", "name": "李秀英", "gender": "女", "id_number": "320102199011204526",
     "phone": "13851789012", "address": "南京市玄武区珠江路88号3幢502室",
     "representative": "王律师（江苏金陵律师事务所）", "representative_role": "委托代理人"},
]
RESPONDENTS = [
    {"kind": "单位", "name": "南京玄武A&B<优选>家电销售有限公司", "gender": "",
     "id_number": "91320102MA1XYZ8K3P", "phone": "025-84561234",
     "address": "南京市玄武区中山路128号", "representative": "陈志强", "representative_role": "法定代表人"},
]
SESSIONS = [
    {"at": "2026-11-10 09:30", "place": "玄武区12345热线调解室", "mediators": "刘敏、周涛",
     "record": "双方陈述事实。投诉人要求退货退款并赔偿误工费；被投诉人同意检测后处理。"},
    {"at": "2026-11-14 14:00", "place": "被投诉人门店", "mediators": "刘敏",
     "record": "现场查看冰箱，压缩机异响属实，检测报告认定为质量问题。"},
    {"at": "2026-11-18 10:00", "place": "玄武区12345热线调解室", "mediators": "刘敏、周涛",
     "record": "双方就退款金额和误工补偿协商一致。"},
]
ROWS = {
    "handling_rows": [
        {"at": "2026-11-03 10:12", "unit": "玄武区市场监督管理局", "text": "已签收。"},
        {"at": "2026-11-05 16:40", "unit": "玄武区市场监督管理局", "text": "已联系诉求人，约定11月6日上门核查。"},
        {"at": "2026-11-07 11:05", "unit": "玄武区市场监督管理局", "text": "反馈：经核查属实，已责令商家整改。"},
    ],
    "earlier": [
        {"at": "2026-11-06 09:00", "kind": "系统督办", "content": "临近办理时限，系统提醒尽快办理。"},
        {"at": "2026-11-08 15:20", "kind": "文件督办", "content": "已超期，发督办函要求说明原因。"},
        {"at": "2026-11-10 10:30", "kind": "会商督办", "content": "召集相关单位会商，明确牵头单位。"},
    ],
}

CONTENT = ("来电人反映：2026年10月在玄武区中山路128号A&B<优选>家电门店购买的双门冰箱，使用两周后压缩机持续异响、"
           "冷藏室不制冷，多次联系商家要求退货均被拒绝，商家称“需原厂检测”。\n"
           "来电人要求商家按照《消费者权益保护法》退货退款，并请相关部门督促处理。")

TEXTS = {
    # mediation letters
    "request": "请求被投诉人退还购机款人民币4,299元，并赔偿误工费及交通费共计500元。",
    "facts": ("2026年10月18日，投诉人在被投诉人门店购买双门冰箱一台，价款4,299元。使用约两周后，冰箱压缩机异响、"
              "冷藏室不制冷。投诉人多次要求退货，被投诉人以须原厂检测为由拒绝。\n"
              "经委托检测，该冰箱压缩机存在质量缺陷。"),
    "mediators": "刘敏、周涛",
    "concluded_on": "2026年11月18日",
    "agreement": ("一、被投诉人于2026年11月25日前退还投诉人购机款人民币4,299元，并一次性补偿误工费及交通费300元；\n"
                  "二、投诉人于收到上述款项之日起三日内配合被投诉人取回冰箱；\n"
                  "三、双方就本纠纷再无其他争议。"),
    "termination_reason": ("被投诉人对检测结论有异议，双方就退款金额和补偿数额分歧较大，经三次调解仍未能达成一致意见；"
                           "被投诉人明确表示不再参加调解。"),
    # archive forms, work order, notices
    "received_at": "2026-11-03 09:15",
    "caller_name": "张建国",
    "caller_org": "南京市玄武区锁金村街道社区卫生服务中心",
    "caller_contact": "13905171234",
    "receiver": "王小丽",
    "content": CONTENT,
    "accepted": "受理",
    "forwarding": "2026-11-03 10:02 打印派单通知单派至玄武区市场监督管理局（牵头）",
    "handling": "玄武区市场监督管理局于 2026-11-07 11:05 反馈（已解决）：已责令商家为来电人办理退货退款。",
    "transfer": "2026-11-03 10:02 打印派单通知单派至玄武区市场监督管理局（牵头），2026-11-03 10:12 签收",
    "mediated": "是",
    "mediation": ("2026-11-10 09:30 在玄武区12345热线调解室调解（刘敏、周涛）：双方陈述事实。\n"
                  "调解成功：被投诉人退还购机款4,299元并补偿300元。"),
    "letter_issued": "是：调解书（调字〔2026〕第12号）",
    "approval": "2026-11-20 16:00 陈主任：同意结案。",
    "replied_at": "2026-11-20 16:30",
    "replier": "王小丽",
    "result": "经核查，举报属实。玄武区市场监督管理局已对该门店立案调查，责令停止销售涉事批次商品。",
    "channel": "电话",
    "accepting_unit": "南京市玄武区12345政务服务便民热线",
    "caller_phone": "13905171234",
    "caller_address": "南京市玄武区珠江路88号3幢502室",
    "topic": "市场监管 / 消费维权 / 家用电器",
    "category": "投诉",
    "address": "南京市玄武区中山路128号",
    "reported_unit": "南京玄武A&B<优选>家电销售有限公司",
    "title": "新购冰箱压缩机异响，商家拒绝退货",
    "status": "已办结",
    "urgency": "一般",
    "dispatcher": "赵磊",
    "dispatched_at": "2026-11-03 10:02",
    "dispatch_opinion": "请核实来电人反映的商品质量问题，督促商家依法履行退货义务，并于时限内反馈。",
    "due_at": "2026-11-10 10:02",
    "time_limit": "5 个工作日",
    "confidential": "否",
    "occurred_at": "2026年11月1日起",
    "units": "玄武区市场监督管理局（牵头）、玄武区商务局（协办）",
    "unit": "玄武区市场监督管理局",
    "co_units": "玄武区商务局、锁金村街道办事处",
    "emergency_type": "基本民生保障（水电气热）",
    "method": "打印派单通知单",
    "alerts": "已于 2026-11-03 10:05 电话联系玄武区市场监督管理局值班员孙明；未报公安部门",
    "overdue": "截至督办时已超期 1 天 4 小时",
    "supervision_kind": "文件督办",
    "supervision_content": "请于2026年11月13日前办结并书面说明超期原因。",
    "supervisor": "钱芳",
    "supervised_at": "2026-11-11 14:20",
}

LIST_SAMPLES = {"complainants": COMPLAINANTS, "respondents": RESPONDENTS, "sessions": SESSIONS, **ROWS}

# Long texts: what a clerk may paste from a long letter; ~6,000 characters in 13 paragraphs.
LONG_FIELDS = {"content", "facts", "agreement", "termination_reason"}
LONG_ROWS = 40
_SENTENCES = (
    "来电人称其所在小区自今年八月起夜间施工噪声持续不断，严重影响家中老人和孩子休息",
    "施工单位多次承诺整改但未见实效，来电人已先后向物业公司和街道反映",
    "经现场查看，施工区域距离居民楼不足三十米，围挡破损、渣土未覆盖",
    "承办单位表示将会同住建、城管部门联合执法，督促施工单位落实降噪和扬尘防治措施",
    "来电人要求有关部门依法查处夜间违规施工行为，并公开处理结果",
    "双方对上述事实均无异议，同意在本中心主持下继续协商",
)


def long_text(tag: str, paragraphs: int = 13) -> str:
    """~500 characters a paragraph, each paragraph marked (``【内容-第3段】``) so a test can find it."""
    out = []
    for i in range(paragraphs):
        body = "；".join(_SENTENCES[(i + j) % len(_SENTENCES)] for j in range(14))
        out.append(f"【{tag}-第{i + 1}段】{body}。")
    return "\n".join(out)


def doc_number(kind: DocumentKind) -> str:
    """As ``forms.issue`` numbers it; "" for the kinds the ticket number identifies."""
    word = SPECS[kind].number_word
    return f"{word}字〔2026〕第12号" if word else ""


def _sample(kind: DocumentKind, field: Field) -> Any:
    if field.is_list:
        return [dict(row) for row in LIST_SAMPLES[field.name]]
    if field.name == "doc_number":
        return doc_number(kind)
    if field.name in COMMON:
        return COMMON[field.name]
    return TEXTS[field.name]


def full(kind: DocumentKind) -> dict[str, Any]:
    return {f.name: _sample(kind, f) for f in SPECS[kind].fields}


def empty(kind: DocumentKind) -> dict[str, Any]:
    return {f.name: ([] if f.is_list else "") for f in SPECS[kind].fields}


def long(kind: DocumentKind) -> dict[str, Any]:
    ctx = full(kind)
    for f in SPECS[kind].fields:
        if f.name in LONG_FIELDS:
            ctx[f.name] = long_text(f.label)
        elif f.is_list and f.name not in ("complainants", "respondents"):
            base = LIST_SAMPLES[f.name]
            ctx[f.name] = [{k: (f"{v}（第{i + 1}条）" if k in ("text", "record", "content") else v)
                            for k, v in base[i % len(base)].items()} for i in range(LONG_ROWS)]
    return ctx


SAMPLES = {"full": full, "empty": empty, "long": long}
