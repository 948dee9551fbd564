"""Document figures: rendering against plain docxtpl, and a batch of 1,000 archive forms.

    python -m bench.bench_docs [--tickets 5000] [--forms 1000] [--runs 20] [--keep DIR]

Works on a copy of the seed-1 demo database (bench/out/demo-N-seed1.db, built once by
bench.common.demo_database), so the cached file stays as it was. One complaint of
the copy is mediated to the end so the letters have a case to render.

- ``render.<kind>``: ``forms.render.render`` (sandboxed, autoescaped, values made
  printable) of the bundled template with a context built from the database, side
  by side with plain docxtpl (``DocxTemplate(...).render(context)`` and ``save``) of
  the same template bytes and the same context, alternating, ``--runs`` each;
  ``ratio`` = our median / plain median (target ≤ 2).
- ``issue.<kind>``: the whole ``forms.issue.issue`` (context from the database,
  number, render, store by hash, record and event in one transaction).
- ``batch``: ``forms.batch.archive_forms`` over a range of finished tickets holding at
  least ``--forms`` tickets, into a temporary folder: seconds, forms per second and
  the time for 1,000 forms (target ≤ 60 s).

Progress goes to stderr; stdout is one JSON object.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate

from bench.common import companions, demo_database, demo_path, judged, machine, peak_rss_mb, print_report, say
from core import clock, store
from core.mediation import cases as mediation
from core.center import users
from core.mediation.cases import PartyInput, SessionInput
from core.roles import Actor
from db.connection import raw_connection
from forms import batch, contexts, issue, templates
from forms.catalog import DocumentKind
from forms.render import render

RATIO_LIMIT = 2.0
BATCH_LIMIT_S = 60.0


def _sample_tickets(actor: Actor) -> dict[DocumentKind, dict[str, Any]]:
    """For each kind, the keyword arguments of a ticket the demo can render it for."""
    conn = raw_connection()

    def first(sql: str) -> int | None:
        row = conn.execute(sql).fetchone()
        return row[0] if row else None

    picks: dict[DocumentKind, dict[str, Any]] = {}
    finished = "status IN ('closed', 'not_accepted')"
    for kind, category in ((DocumentKind.ARCHIVE_CONSULT, "consult"), (DocumentKind.ARCHIVE_COMPLAINT, "complaint"),
                           (DocumentKind.ARCHIVE_REPORT, "report")):
        ticket = first(f"SELECT id FROM ticket WHERE category = '{category}' AND {finished} "
                       "AND id IN (SELECT ticket_id FROM assignment) ORDER BY id DESC LIMIT 1")
        if ticket:
            picks[kind] = {"ticket_id": ticket}
    dispatched = first("SELECT ticket_id FROM assignment WHERE role = 'lead' ORDER BY id DESC LIMIT 1")
    if dispatched:
        picks[DocumentKind.WORK_ORDER] = {"ticket_id": dispatched}
        picks[DocumentKind.DISPATCH_NOTICE] = {"ticket_id": dispatched}
    supervised = first("SELECT ticket_id FROM supervision ORDER BY id DESC LIMIT 1")
    if supervised:
        picks[DocumentKind.SUPERVISION_NOTICE] = {"ticket_id": supervised}
    complaint = first("SELECT id FROM ticket WHERE category = 'complaint' AND status IN ('pending', 'dispatched') "
                      "ORDER BY id DESC LIMIT 1")
    if complaint:
        picks[DocumentKind.MEDIATION_LETTER] = {"ticket_id": _mediate(actor, complaint)}
    return picks


def _mediate(actor: Actor, ticket_id: int) -> int:
    case = mediation.open_case(actor, ticket_id)
    parties = [PartyInput("complainant", "person", "张明", "男", "11010519491231002X", "13812345678",
                          "南京市玄武区北京东路1号"),
               PartyInput("respondent", "organisation", "南京某某商贸有限公司", phone="025-84000000",
                          address="南京市玄武区中山路100号", representative="李华", representative_role="agent")]
    mediation.save_case(actor, case, "投诉人购买的冰箱出现制冷故障，要求退货。" * 8, "退货并退还货款3999元。", parties)
    received = mediation.get_case(case)  # sessions between registration and now
    start = clock.parse_stamp(raw_connection().execute("SELECT received_at FROM ticket WHERE id = ?",
                                                       (received.ticket_id,)).fetchone()[0])
    for minutes in (10, 20, 30):
        mediation.add_session(actor, case, SessionInput(start + dt.timedelta(minutes=minutes), "中心调解室",
                                                        actor.display_name, "双方陈述意见，调解员释法说理。" * 10))
    mediation.conclude(actor, case, "success", "被投诉人于三日内为投诉人办理退货，退还货款3999元。\n双方再无其他争议。")
    return ticket_id


def _plain_docxtpl(content: bytes, context: dict[str, Any]) -> bytes:
    tpl = DocxTemplate(io.BytesIO(content))
    tpl.render(context)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def render_figures(actor: Actor, picks: dict[DocumentKind, dict[str, Any]], runs: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for kind, args in picks.items():
        kinds = [kind, DocumentKind.TERMINATION_LETTER] if kind == DocumentKind.MEDIATION_LETTER else [kind]
        for k in kinds:
            if k == DocumentKind.TERMINATION_LETTER:
                continue  # the demo case succeeded: the 调解书 stands for both letters (same layout)
            context = contexts.build(k, args["ticket_id"], actor).context
            content = templates.builtin(k).content
            ours, plain = [], []
            render(content, context), _plain_docxtpl(content, context)  # warm both
            for _ in range(runs):
                ours.append(_timed(lambda: render(content, context)))
                plain.append(_timed(lambda: _plain_docxtpl(content, context)))
            mine, base = statistics.median(ours), statistics.median(plain)
            figures[f"render.{k.value}"] = judged({"median_ms": round(mine, 1), "plain_docxtpl_median_ms": round(base, 1),
                                                   "ratio": round(mine / base, 2), "runs": runs}, "ratio", RATIO_LIMIT)
            issued = [_timed(lambda: issue.issue(actor, k, **args)) for _ in range(5)]
            figures[f"issue.{k.value}"] = {"median_ms": round(statistics.median(issued), 1), "runs": 5}
            say(f"{k.label}: ours {mine:.1f} ms, plain {base:.1f} ms")
    return figures


def _range_with(count: int) -> tuple[dt.date, dt.date, int]:
    """The latest range of finish days that holds at least ``count`` finished tickets."""
    days = raw_connection().execute(
        "SELECT substr(e.at, 1, 10), count(DISTINCT e.ticket_id) FROM ticket_event e JOIN ticket t ON t.id = e.ticket_id "
        "WHERE e.kind IN ('closed', 'direct_answered', 'not_accepted') AND t.status IN ('closed', 'not_accepted') "
        "GROUP BY 1 ORDER BY 1 DESC").fetchall()
    total, end = 0, dt.date.fromisoformat(days[0][0])
    for day, n in days:
        total += n
        if total >= count:
            return dt.date.fromisoformat(day), end, total
    return dt.date.fromisoformat(days[-1][0]), end, total


def batch_figure(actor: Actor, forms: int, keep: Path | None) -> dict[str, Any]:
    start, end, expected = _range_with(forms)
    parent = keep or Path(tempfile.mkdtemp(prefix="bench-docs-"))
    say(f"batch: {expected} finished tickets {start} … {end} into {parent}")
    result = batch.archive_forms(actor, start, end, parent)
    if keep is None:
        shutil.rmtree(parent, ignore_errors=True)
    per_1000 = result.seconds / max(1, len(result.written)) * 1000
    return judged({"range": f"{start} … {end}", "tickets": result.total, "written": len(result.written),
                   "skipped": len(result.skipped), "seconds": round(result.seconds, 1),
                   "forms_per_s": round(len(result.written) / result.seconds, 1),
                   "seconds_per_1000": round(per_1000, 1)}, "seconds_per_1000", BATCH_LIMIT_S)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=5000, help="demo tickets (default 5000)")
    parser.add_argument("--forms", type=int, default=1000, help="archive forms in the batch (at least)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", type=Path, default=None, help="write the batch here and keep it")
    args = parser.parse_args(argv)
    source = demo_path(args.tickets)
    fill = demo_database(source, args.tickets)
    work = Path(tempfile.mkdtemp(prefix="bench-docs-db-")) / "docs.db"
    for part in companions(source):
        if part.exists():
            shutil.copyfile(part, work.with_name(work.name + part.name[len(source.name):]))
    store.open_center(work)
    try:
        actor = users.actor_for("manager")  # the demo's 中心负责人 may issue every kind
        picks = _sample_tickets(actor)
        report: dict[str, Any] = {"machine": machine(), "demo": fill, "render": render_figures(actor, picks, args.runs)}
        report["batch"] = batch_figure(actor, args.forms, args.keep)
        report["peak_rss_mb"] = peak_rss_mb()
    finally:
        store.close_center()
        shutil.rmtree(work.parent, ignore_errors=True)
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
