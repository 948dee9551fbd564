"""Return visits for a demo center, made through core.visits itself, so the 回访 records are in every
outcome: satisfied, partly solved, dissatisfied (some sent back for re-handling, one score corrected
by the manager), unreachable after three tries, refused, and one still being tried."""
from __future__ import annotations

import csv
import random
import tempfile
from pathlib import Path

from core.center.users import actor_for
from core.visits import evaluations, queue, record
from core.visits.record import VisitInput

VISITS = 60  # of the closed tickets due, the first this many

_COMMENTS = ("处理及时，谢谢", "工作人员态度很好", "问题已经解决了", "希望以后多关注这一片", "")


def visit_demo(seed: int = 1) -> int:
    """Visit the demo's closed tickets in every outcome; returns how many visits were recorded."""
    rng = random.Random(f"hotline-demo-visits:{seed}")
    visitor, dispatcher, manager = actor_for("visitor"), actor_for("dispatcher"), actor_for("manager")
    done = 0
    due_now = queue.queue(visitor, limit=VISITS)
    # The newest third is left for the visitor to call (the area opens on a queue), the rest visited.
    for n, due in enumerate(due_now[:len(due_now) - (len(due_now) + 2) // 3]):
        ticket, kind = due.ticket_id, n % 10
        if kind < 5:
            record.record_visit(visitor, ticket, VisitInput(
                rng.choice(("contacted", "contacted", "tried")), "solved",
                rng.choice(("very_satisfied", "satisfied", "satisfied", "basic")), comment=rng.choice(_COMMENTS)))
        elif kind == 5:
            record.record_visit(visitor, ticket, VisitInput("contacted", "partly", "basic",
                                                            comment="基本解决，但还有一些遗留问题"))
        elif kind == 6:
            visit = record.record_visit(visitor, ticket, VisitInput(
                "tried", "unsolved", rng.choice(("dissatisfied", "very_dissatisfied")),
                rng.sample(("efficiency", "attitude", "result"), 2), "问题反映多次仍未处理好"))
            if n % 20 == 6:
                record.decide_rehandling(dispatcher, visit, "诉求人不满意，请承办单位重新核实处理并答复")
            else:
                record.correct_score(manager, visit, "basic", "诉求人次日来电，表示承办单位已上门处理，更正评价")
        elif kind == 7:
            for note in ("无人接听", "关机", "无人接听"):
                record.record_attempt(visitor, ticket, note)
        elif kind == 8:
            record.record_refusal(visitor, ticket, "诉求人表示不需要回访")
        else:
            record.record_attempt(visitor, ticket, "占线")
        done += 1
    _evaluations(manager, rng)
    return done


def _evaluations(manager, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """The platform's 好差评 of some closed tickets (keypad, web, SMS), through the real import."""
    from db.connection import raw_connection

    closed = raw_connection().execute(
        "SELECT number, updated_at FROM ticket WHERE status = 'closed' ORDER BY updated_at DESC LIMIT 40").fetchall()
    rows = [[number, rng.choice(("电话按键", "网络平台", "短信")),
             rng.choice(("非常满意", "满意", "满意", "基本满意", "不满意")), rng.choice(_COMMENTS), at[:19].replace("T", " ")]
            for number, at in closed]
    if not rows:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "好差评导出.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["工单编号", "评价渠道", "评价结果", "评价内容", "评价时间"])
            out.writerows(rows)
        evaluations.import_evaluations(manager, path)
