"""Headless sync commands: the province scripts these, and a whole exchange needs nothing else.

    keys init|export|register|list|rotate|revoke
    export-batch, import-batch, export-receipt, import-receipt
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from core.errors import HotlineError

OpenDb = Callable[[str], bool]


def add_parsers(sub: argparse._SubParsersAction, db_option) -> None:
    keys = sub.add_parser("keys", help="上报密钥：生成本中心密钥、导出公钥、登记对方公钥（须核对指纹）、列出、更换、吊销")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="操作", required=True)
    init = keys_sub.add_parser("init", help="生成本中心的签名与加密密钥对（设置中心后做一次）")
    db_option(init)
    _as(init)
    exp = keys_sub.add_parser("export", help="导出本中心的公钥文件（含指纹），交给对方登记")
    db_option(exp)
    exp.add_argument("--out", required=True, metavar="FILE", help="公钥文件，如 320102.pubkey.json")
    reg = keys_sub.add_parser("register", help="登记对方的公钥：省级中心登记区县的，区县登记省级的")
    db_option(reg)
    reg.add_argument("file", metavar="FILE", help="对方导出的公钥文件")
    reg.add_argument("--fingerprint", metavar="DIGITS", help="与对方电话或书面核对过的指纹；不一致则不登记")
    _as(reg)
    lst = keys_sub.add_parser("list", help="列出本中心和已登记的对方公钥及其指纹")
    db_option(lst)
    lst.add_argument("--json", action="store_true", help="以 JSON 输出")
    rot = keys_sub.add_parser("rotate", help="更换本中心密钥（旧密钥停用但保留，用于打开旧文件）")
    db_option(rot)
    _as(rot)
    rev = keys_sub.add_parser("revoke", help="吊销已登记的对方公钥：此后用它签名的文件一律拒收")
    db_option(rev)
    rev.add_argument("key_id", metavar="KEY_ID", help="公钥编号（keys list 中的 16 位编号）")
    rev.add_argument("--reason", required=True, metavar="TEXT", help="吊销原因")
    _as(rev)

    eb = sub.add_parser("export-batch", help="区县：把尚未被省级确认的全部记录导出为一个签名、加密的批次文件")
    db_option(eb)
    eb.add_argument("--out", required=True, metavar="DIR", help="放批次文件的文件夹（如 U 盘）")
    _as(eb)
    ib = sub.add_parser("import-batch", help="省级：导入区县批次；任何检查不通过则整份拒收，不改动数据")
    db_option(ib)
    ib.add_argument("files", nargs="+", metavar="FILE", help="批次文件，可以多个")
    ib.add_argument("--dry-run", action="store_true", help="试导入：完整检查并算出结果，但不写入")
    ib.add_argument("--json", action="store_true", help="以 JSON 输出导入报告")
    _as(ib)
    er = sub.add_parser("export-receipt", help="省级：为一个区县出具签名回执（收到了哪些批次、每条记录的结果）")
    db_option(er)
    er.add_argument("--district", required=True, metavar="CODE", help="区县中心代码，如 320102")
    er.add_argument("--out", required=True, metavar="DIR", help="放回执文件的文件夹")
    _as(er)
    ir = sub.add_parser("import-receipt", help="区县：导入省级回执，标记已确认的记录；其余随下一批重发")
    db_option(ir)
    ir.add_argument("file", metavar="FILE", help="回执文件")
    ir.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    _as(ir)


def _as(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="username", default=None, metavar="USER", help="以哪个账号操作（默认：第一个管理员）")


COMMANDS = ("keys", "export-batch", "import-batch", "export-receipt", "import-receipt")


def run(args: argparse.Namespace, open_db: OpenDb) -> int:
    if not open_db(args.db):
        return 2
    from core.center.acting import acting_user

    if args.command == "keys":
        return _keys(args, acting_user)
    actor = acting_user(args.username, "上报同步")
    if args.command == "export-batch":
        from sync import export

        made = export.export_batch(actor, Path(args.out))
        print(made.summary())
        print(made.path)
        return 0
    if args.command == "import-batch":
        return _import_batches(args, actor)
    if args.command == "export-receipt":
        from sync import receipts

        made = receipts.export_receipt(actor, args.district.strip(), Path(args.out))
        print(made.summary())
        print(made.path)
        return 0
    from sync import receipts

    result = receipts.import_receipt(actor, Path(args.file))
    print(json.dumps(result.as_dict(), ensure_ascii=False, indent=1) if args.json else result.summary())
    return 0


def _import_batches(args: argparse.Namespace, actor) -> int:
    from sync import importer

    reports = []
    for name in args.files:
        try:
            report = importer.import_batch(actor, Path(name), dry_run=args.dry_run)
        except HotlineError as exc:  # a failure of this center (disk, rights), not of the file: stop here
            print(f"{exc.title}：{exc.message}", file=sys.stderr)
            return 2
        reports.append(report)
        if not args.json:
            print(report.summary())
            for item in report.rejections[:20]:
                print(f"  拒收 {item['label']} {item['uid']}（版本 {item['rev']}）：{item['reason']}")
            for item in report.conflicts[:20]:
                print(f"  冲突 {item['label']} {item['uid']}（版本 {item['rev']}）：内容与已存的同版本不同，另存待查")
    if args.json:
        print(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=1))
    return 0 if all(r.ok for r in reports) else 1


def _keys(args: argparse.Namespace, acting_user) -> int:
    from sync import keys

    command = args.keys_command
    if command == "list":
        own, peers = keys.list_keys()
        if args.json:
            print(json.dumps({"own": [k.__dict__ for k in own], "peers": [k.__dict__ for k in peers]},
                             ensure_ascii=False, indent=1))
            return 0
        print("本中心的密钥：" if own else "本中心还没有密钥（keys init）。")
        for k in own:
            print(f"  {k.key_id}  {k.state}  生成于 {k.created_at}\n    指纹 {k.fingerprint}")
        print("已登记的对方公钥：" if peers else "还没有登记对方的公钥（keys register）。")
        for k in peers:
            print(f"  {k.center_name}（{k.center_code}，{k.role_label}）  {k.key_id}  {k.state}\n    指纹 {k.fingerprint}")
        return 0
    if command == "export":
        info = keys.export_public(Path(args.out))
        print(f"已导出 {info.center_name}（{info.center_code}）的公钥：{args.out}")
        print(f"指纹：{info.fingerprint}")
        print("请通过电话或书面与对方核对这串数字，对方登记时应看到同样的指纹。")
        return 0
    actor = acting_user(args.username, "管理上报密钥")
    if command == "init":
        info = keys.init_keys(actor)
        print(f"已生成本中心的密钥（编号 {info.key_id}）。\n指纹：{info.fingerprint}")
        return 0
    if command == "rotate":
        info = keys.rotate_keys(actor)
        print(f"已更换本中心的密钥（新编号 {info.key_id}）。请导出新的公钥文件交给对方登记。\n指纹：{info.fingerprint}")
        return 0
    if command == "revoke":
        info = keys.revoke_peer(actor, args.key_id, args.reason)
        print(f"已吊销 {info.center_name}（{info.center_code}）的公钥 {info.key_id}。")
        return 0
    info, new = keys.register_peer(actor, Path(args.file), args.fingerprint)
    print(f"{'已登记' if new else '早已登记过'} {info.center_name}（{info.center_code}，{info.role_label}）的公钥 {info.key_id}。")
    print(f"指纹：{info.fingerprint}")
    if args.fingerprint is None:
        print("请与对方电话或书面核对这串指纹；若不一致，请立即吊销（keys revoke）。")
    return 0
