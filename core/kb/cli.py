"""``main.py kb import|export|search``: the knowledge base (知识库) without the window."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from core.cli import DbOption, as_option, json_option, operations, print_report

if TYPE_CHECKING:
    from core.roles import Actor

COMMANDS = ("kb",)


def add_parsers(sub: argparse._SubParsersAction, db_option: DbOption) -> None:
    kb_sub = operations(sub, "kb", "知识库：批量导入、导出、检索")

    imp = kb_sub.add_parser("import", help="从 .jsonl/.csv/.xlsx/.docx 导入知识；有任何一条被拒绝则整批不导入")
    db_option(imp)
    imp.add_argument("files", nargs="+", metavar="FILE", help="知识文件（.docx 按“标题 1/标题 2”拆分成文章）")
    as_option(imp)
    imp.add_argument("--publish", action="store_true",
                     help="文件已校核过：导入后直接发布（默认进入“待校核”，12345 规范 6.3.4）")
    imp.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入数据库")
    json_option(imp)

    exp = kb_sub.add_parser("export", help="导出知识（与导入相同的列，可再导入）")
    db_option(exp)
    exp.add_argument("--out", required=True, metavar="FILE", help="输出文件（.jsonl、.csv 或 .xlsx）")
    exp.add_argument("--format", choices=("jsonl", "csv", "xlsx"), default=None, help="输出格式（默认按扩展名）")
    exp.add_argument("--all", action="store_true", help="包括已停用的知识")
    as_option(exp, "以哪个账号导出（默认：第一个管理员）")

    find = kb_sub.add_parser("search", help="检索知识，按相关度排序")
    db_option(find)
    find.add_argument("query", metavar="QUERY", help="问题或关键词")
    find.add_argument("--limit", type=int, default=10, metavar="N", help="最多几条（默认 10，最多 100）")
    find.add_argument("--unpublished", action="store_true", help="也查草稿和待校核的知识（需编写权限）")
    as_option(find, "以哪个账号检索（默认：第一个管理员）")
    json_option(find, "以 JSON 输出（id、title、score、snippet 等）")


def run(args: argparse.Namespace) -> int:
    from core import store
    from core.center.acting import acting_user
    from core.kb import import_export as kb_io

    store.open_existing(args.db)
    if args.kb_command == "import":
        report = kb_io.import_articles([Path(f) for f in args.files], username=args.username,
                                       publish=args.publish, dry_run=args.dry_run)
        return print_report(report, args.json, [f"拒绝 {p}" for p in report.rejected])
    if args.kb_command == "export":
        actor = acting_user(args.username, "导出知识")
        count = kb_io.export_articles(actor, Path(args.out), args.format, include_retired=args.all)
        print(f"已导出 {count} 篇知识到 {args.out}")
        return 0
    return _search(args, acting_user(args.username, "检索知识"))


def _search(args: argparse.Namespace, actor: Actor) -> int:
    import html
    import re

    from core.kb import search as kb_search

    hits = kb_search.search_articles(actor, args.query, limit=args.limit, include_unpublished=args.unpublished)
    if args.json:
        print(json.dumps([{"id": h.id, "title": h.title, "score": h.score, "snippet": h.snippet, "version": h.version,
                           "status": h.status, "flags": list(h.flags), "source_unit": h.source_unit} for h in hits],
                         ensure_ascii=False, indent=1))
        return 0
    if not hits:
        print("没有找到相关知识。")
    for rank, hit in enumerate(hits, start=1):
        flags = f"  [{'，'.join(hit.flags)}]" if hit.flags else ""
        snippet = html.unescape(re.sub(r"</?b>", lambda m: "】" if m.group(0) == "</b>" else "【", hit.snippet))
        print(f"{rank}. #{hit.id} {hit.title}（相关度 {hit.score}）{flags}\n   {snippet}")
    return 0
