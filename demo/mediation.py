"""A few complaint mediations for a demo center, made through core.mediation.cases itself,
so the 调解与文书 area opens on cases in every state: agreed, failed, terminated,
and still going. Tickets keep their demo status (the demo's own invariants hold)."""
from __future__ import annotations

import datetime as dt

from core import clock
from core.mediation import cases as mediation
from core.errors import HotlineError
from core.mediation.cases import PartyInput, SessionInput
from core.center.users import actor_for
from db.connection import raw_connection

# (outcome, or "" for still open; the agreement or the reason). One of each state first: a
# small demo made on a quiet day may have only three or four complaints still open.
_STORIES = [
    ("success", "被投诉人于7日内为投诉人免费维修；维修后仍不能正常使用的，全额退款。"),
    ("", ""),
    ("failure", "被投诉人坚持已按合同履行，双方对赔偿金额分歧较大，未能达成一致。"),
    ("terminated", "投诉人已就同一纠纷向人民法院提起诉讼，依法终止调解。"),
    ("success", "被投诉人退还预付卡余额1260元，于3个工作日内转入投诉人账户。"),
    ("", ""),
]
_RECORDS = [
    "投诉人陈述：购买后第三天即出现故障，多次联系商家未果，要求退货。",
    "被投诉人陈述：同意检测，若属质量问题愿意维修，不同意直接退货。",
    "调解员释明《消费者权益保护法》第二十四条有关退货、更换、修理的规定，双方各自考虑方案。",
]


def mediate_demo(count: int = len(_STORIES)) -> int:
    """Mediate the latest unfinished complaints of a demo center; how many cases were made."""
    try:
        mediator = actor_for("mediator")
    except HotlineError:  # not a demo center with the demo accounts
        return 0
    now = clock.now()
    rows = raw_connection().execute(
        "SELECT id, received_at FROM ticket WHERE category = 'complaint' "
        "AND status IN ('pending', 'accepted', 'dispatched', 'returned', 'feedback') "
        "AND reported_unit <> '' AND received_at < ? ORDER BY received_at DESC LIMIT ?",
        (clock.stamp(now - dt.timedelta(hours=4)), count)).fetchall()
    made = 0
    for (ticket_id, received), (outcome, text) in zip(rows, _STORIES):
        case = mediation.open_case(mediator, ticket_id)
        base = mediation.get_case(case)
        complainant = base.complainants[0] if base.complainants else None
        parties = [PartyInput("complainant", complainant.kind, complainant.name, phone=complainant.phone,
                              address=complainant.address)] if complainant else []
        parties += [PartyInput(p.side, p.kind, p.name, address=p.address, representative="王经理",
                               representative_role="agent") for p in base.respondents]
        mediation.save_case(mediator, case, base.facts, "要求退货退款并赔偿损失。", parties)
        start = clock.parse_stamp(received)
        step = min(dt.timedelta(hours=1), (now - start) / (len(_RECORDS) + 1))
        for i, record in enumerate(_RECORDS, 1):
            mediation.add_session(mediator, case, SessionInput(start + step * i, "中心调解室",
                                                               f"{mediator.display_name}", record))
        if outcome:
            mediation.conclude(mediator, case, outcome, text)
        made += 1
    return made
