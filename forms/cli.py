"""``main.py docs …``: documents without the window (scripts, a clerk's batch at night)."""
from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from core.errors import NotFound, ValidationError
from forms.catalog import SPECS, DocumentKind


def add_parsers(sub: argparse._SubParsersAction, db_option) -> None:
    docs = sub.add_parser("docs", help="文书：按模板生成调解书、归档表、诉求工单、派单/督办通知单")
    docs_sub = docs.add_subparsers(dest="docs_command", metavar="操作", required=True)
    kinds = "、".join(f"{k.value}（{k.label}）" for k in DocumentKind)

    render = docs_sub.add_parser("render", help="为一张工单出具一份文书（编号、留存并记入工单）")
    db_option(render)
    render.add_argument("--ticket", required=True, metavar="NO", help="工单编号，如 320102-20261122-0007")
    render.add_argument("--kind", required=True, choices=[k.value for k in DocumentKind], metavar="KIND",
                        help=f"文书种类：{kinds}")
    render.add_argument("--out", required=True, metavar="FILE", help="输出的 .docx 文件")
    render.add_argument("--pdf", action="store_true", help="同时用 LibreOffice 生成同名 .pdf")
    render.add_argument("--as", dest="username", default=None, metavar="USER", help="以哪个账号出具（默认：第一个管理员）")

    batch = docs_sub.add_parser("batch", help="为某段时间内办结的全部工单生成归档表，放在一个文件夹里")
    db_option(batch)
    batch.add_argument("--from", dest="start", required=True, type=_date, metavar="YYYY-MM-DD", help="办结日期自")
    batch.add_argument("--to", dest="end", required=True, type=_date, metavar="YYYY-MM-DD", help="办结日期至（含）")
    batch.add_argument("--out", required=True, metavar="DIR", help="在此文件夹中建立“归档表 日期 至 日期”文件夹")
    batch.add_argument("--pdf", action="store_true", help="同时生成每份归档表的 .pdf")
    batch.add_argument("--as", dest="username", default=None, metavar="USER", help="以哪个账号出具（默认：第一个管理员）")
    batch.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    check = docs_sub.add_parser("check-template", help="检查自制模板：列出每个未知或拼错的占位符及其位置")
    check.add_argument("--kind", required=True, choices=[k.value for k in DocumentKind], metavar="KIND",
                       help=f"文书种类：{kinds}")
    check.add_argument("file", metavar="FILE", help="模板 .docx")

    fields = docs_sub.add_parser("fields", help="列出某种文书模板可用的占位符")
    fields.add_argument("--kind", required=True, choices=[k.value for k in DocumentKind], metavar="KIND")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{text}”格式不对，应为 YYYY-MM-DD，如 2026-11-22") from None


def run(args: argparse.Namespace, open_db) -> int:
    if args.docs_command == "fields":
        for f in SPECS[DocumentKind(args.kind)].fields:
            print(f"{{{{ {f.name} }}}}\t{f.label}")
            for item in f.items:
                print(f"    {{{{ row.{item.name} }}}}\t{item.label}")
        return 0
    if args.docs_command == "check-template":
        from forms.render import check_template

        problems = check_template(Path(args.file), SPECS[DocumentKind(args.kind)])
        for p in problems:
            print(p)
        if not problems:
            print(f"模板可以用作{DocumentKind(args.kind).label}。")
        return 1 if problems else 0
    if not open_db(args.db):
        return 2
    from core.center.acting import acting_user

    actor = acting_user(args.username, "出具文书")
    if args.docs_command == "render":
        return _render(args, actor)
    return _batch(args, actor)


def _render(args: argparse.Namespace, actor) -> int:
    from db.models import Ticket
    from core import files as outputs
    from forms import issue, pdf

    out = Path(args.out)
    if problem := outputs.check_name(out.name):
        raise ValidationError.single("out", problem)
    ticket = Ticket.get_or_none(Ticket.number == args.ticket)
    if ticket is None:
        raise NotFound(f"没有编号为“{args.ticket}”的工单。")
    outputs.check_folder_writable(out.parent)
    made = issue.issue(actor, DocumentKind(args.kind), ticket.id, target=lambda _name: out)
    print(f"已出具{made.kind.label}{('（' + made.number + '）') if made.number else ''}：{out}")
    if args.pdf:
        target = pdf.to_pdf(out, out.with_suffix(".pdf"))
        print(f"PDF：{target}")
    return 0


def _batch(args: argparse.Namespace, actor) -> int:
    import sys

    from forms import batch, pdf

    def progress(done: int, total: int) -> bool:
        print(f"\r已写出 {done}/{total}", end="", file=sys.stderr, flush=True)
        return True

    result = batch.archive_forms(actor, args.start, args.end, Path(args.out), progress)
    print(file=sys.stderr)
    pdfs = {}
    if args.pdf and result.written:
        pdfs = pdf.to_pdf_many([result.folder / d.file_name for d in result.written], result.folder)
    if args.json:
        print(json.dumps({"folder": str(result.folder), "total": result.total, "written": len(result.written),
                          "pdf": len(pdfs), "skipped": [{"ticket": n, "reason": r} for n, r in result.skipped],
                          "seconds": round(result.seconds, 2)}, ensure_ascii=False, indent=1))
    else:
        print(result.summary())
        for number, reason in result.skipped:
            print(f"  未归档 {number}：{reason}")
    return 0
