"""导入历史台账: legacy Excel/CSV ledgers of web messages (留言) or calls (来电) as tickets.

A ledger predates the program, so the completeness of 12345 appendix C (来电记录要求)
is not asked of its rows; field lengths are, as for any ticket. Each row gets a
stable ``source_ref`` (``ledger:<legacy number>``, or ``ledger:sha256:<hash>`` of
time, title and content when there is no number), so the same file imported again
adds nothing; a known number arriving with other content is reported, never merged.
The whole import is one transaction with one audit entry: it lands entirely or not at all.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import clock, limits, tabular
from core.deadlines import clocks as deadlines
from core.tickets import registration, timeline
from core.center.acting import acting_user
from core.center.profile import current_center
from core.errors import Conflict, HotlineError
from core.roles import Actor, Permission
from core.service import Changes, require, require_district, write
from core.tabular import Sheet, cell_text, clean_line, clean_text, parse_time, sha256_file
from core.vocab import Category, Channel, EventKind, StartEvent, Status
from db.models import Ticket

log = logging.getLogger("hotline.ledger_import")

LEDGER_REF = "ledger:"
EARLIEST_YEAR = 1980  # older "dates" are numbers that were never dates (e.g. a serial 5)
FUTURE_SLACK = dt.timedelta(minutes=5)  # as registration.validate: PC clocks drift
REPLY_EVENT_CHARS = 200
LOOKUP_CHUNK = 500  # keys per IN (...) query, well under SQLite's variable limit

# Field -> accepted headers, most specific first: the first one present wins.
COLUMNS: dict[str, tuple[str, ...]] = {
    "legacy_number": ("留言编号", "工单编号", "工单号", "受理编号", "来电编号", "流水号", "编号"),
    "caller_name": ("留言用户", "来电人", "来电人姓名", "诉求人", "诉求人姓名", "留言人", "反映人", "联系人", "姓名"),
    "caller_phone": ("来电号码", "联系电话", "诉求人电话", "手机号码", "手机号", "手机", "电话", "联系方式"),
    "caller_address": ("来电人地址", "诉求人地址", "联系地址"),
    "title": ("留言主题", "工单标题", "诉求标题", "标题", "主题"),
    "received_at": ("留言时间", "来电时间", "受理时间", "诉求提出时间", "登记时间", "来信时间", "诉求时间", "时间", "日期"),
    "content": ("留言详情", "留言内容", "诉求内容", "来电内容", "主要内容", "诉求描述", "问题描述", "详细内容", "内容"),
    "reply": ("答复意见", "答复内容", "回复内容", "回复意见", "办理结果", "处理结果", "答复"),
    "replied_at": ("答复时间", "回复时间", "办结时间"),
    "category": ("诉求分类", "工单分类", "诉求类型", "诉求类别", "工单类型"),
    "channel": ("受理渠道", "渠道", "诉求来源", "来源渠道", "来源"),
    "address": ("发生地址", "事发地址", "事发地点", "地址", "地点"),
    "reported_unit": ("被反映单位", "涉及对象", "被投诉单位", "被举报单位"),
}
# Words seen in ledgers' 渠道 and 分类 cells, matched inside the cell, first hit wins.
CHANNEL_WORDS: dict[str, Channel] = {
    "电话": Channel.PHONE, "来电": Channel.PHONE, "热线": Channel.PHONE,
    "网络": Channel.NETWORK, "网站": Channel.NETWORK, "网上": Channel.NETWORK, "留言": Channel.NETWORK,
    "微信": Channel.NETWORK, "APP": Channel.NETWORK, "网络平台": Channel.NETWORK,
    "信函": Channel.LETTER, "来信": Channel.LETTER, "信件": Channel.LETTER,
    "来访": Channel.VISIT, "现场": Channel.VISIT, "走访": Channel.VISIT,
    "电子邮件": Channel.EMAIL, "邮件": Channel.EMAIL, "邮箱": Channel.EMAIL,
    "短信": Channel.SMS, "信箱": Channel.NETWORK,
}
CATEGORY_WORDS: dict[str, Category] = {c.label: c for c in Category} | {"意见": Category.SUGGESTION}


class LedgerError(HotlineError):
    """The file as a whole cannot be imported; nothing was written."""

    title = "无法导入台账"


@dataclass(frozen=True)
class RejectedRow:
    row: int  # as the user sees it in Excel: the header is row 1 when it is the first row
    reason: str


@dataclass
class LedgerReport:
    file: str
    sheet: str = ""
    read: int = 0
    new: int = 0
    existing: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """False when nothing in the file could be used (no rows, or every row rejected)."""
        return self.new + self.existing > 0

    def summary(self) -> str:
        text = (
            f"台账《{self.file}》：读取 {self.read} 行，新增 {self.new}，"
            f"已存在跳过 {self.existing}，拒绝 {len(self.rejected)}。"
        )
        if not self.read:
            text += "文件中没有数据行。"
        elif self.rejected:
            text += "被拒绝的行未导入，修改后可再次导入同一文件，已导入的行不会重复。"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "ok": self.ok,
            "read": self.read,
            "new": self.new,
            "existing": self.existing,
            "rejected": [{"row": r.row, "reason": r.reason} for r in self.rejected],
            "seconds": round(self.seconds, 2),
            "summary": self.summary(),
        }

    def changes(self) -> Changes:
        return Changes(tickets=self.new > 0)


class _RowRejected(Exception):
    """A row that cannot be imported; the message is the reason shown for it."""


# ---------------------------------------------------------------- reading files


def _open_sheet(path: Path) -> Sheet:
    suffix = path.suffix.lower()
    if suffix in (".xls", ".et", ".wps"):
        raise LedgerError(f"“{path.name}”是旧版 Excel/WPS 格式，请在 Excel 或 WPS 中“另存为” .xlsx 后再导入。")
    if suffix not in (".xlsx", ".xlsm", ".csv"):
        raise LedgerError(f"“{path.name}”不是可导入的台账文件，只能导入 .xlsx 或 .csv 文件。")
    reader = tabular.read_csv if suffix == ".csv" else tabular.read_xlsx
    try:
        return reader(path, COLUMNS, "content")
    except tabular.MissingHeader as exc:
        raise _no_content_column(path, exc.headers) from None
    except tabular.TableError as exc:
        raise LedgerError(exc.message) from None


def _no_content_column(path: Path, headers: list[str]) -> LedgerError:
    shown = "、".join(headers[:20]) if headers else "（前 10 行都是空的）"
    return LedgerError(
        f"“{path.name}”中找不到诉求内容列（如“留言详情”“诉求内容”“主要内容”“内容”）。"
        f"找到的表头：{shown}。请把内容所在列的表头改成上述名称之一后再导入。"
    )


# ---------------------------------------------------------------- rows to tickets


@dataclass
class _Row:
    row: int
    key: str
    legacy_number: str
    received: dt.datetime
    values: dict[str, Any]
    replied: dt.datetime | None
    legacy_words: dict[str, str]  # the ledger's own 渠道/分类 words, kept on the event


def _match(text: str, words: dict[str, Any]) -> Any:
    upper = text.upper()
    return next((code for word, code in words.items() if word.upper() in upper), None)


def _parse_row(number: int, cells: list[Any], sheet: Sheet, default_channel: Channel, default_category: Category) -> _Row:
    """A data row as ticket values; every problem of the row at once, so one edit fixes it."""
    problems: list[str] = []
    columns, labels = sheet.columns, sheet.labels

    def cell(key: str) -> Any:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    def when(key: str, required: bool) -> dt.datetime | None:
        raw = cell(key)
        if cell_text(raw).strip() == "":
            if required:
                problems.append(f"{labels[key]}为空")
            return None
        moment = parse_time(raw, sheet.epoch)
        if moment is None:
            problems.append(f"{labels[key]}“{clean_line(raw)[:40]}”无法识别为日期时间")
        elif moment.year < EARLIEST_YEAR:
            problems.append(f"{labels[key]}“{clock.display(clock.stamp(moment))}”早于 {EARLIEST_YEAR} 年，不像真实日期")
        elif moment > clock.now() + FUTURE_SLACK:
            problems.append(f"{labels[key]}“{clock.display(clock.stamp(moment))}”晚于现在")
        else:
            return moment
        return None

    content = clean_text(cell("content"))
    if not content:
        problems.append(f"{labels['content']}为空")
    received = when("received_at", required=True)
    reply = clean_text(cell("reply"))
    # A reply time without a reply says nothing; with one, it must be readable.
    replied = when("replied_at", required=False) if reply and "replied_at" in columns else None
    if replied is not None and received is not None and replied < received:
        problems.append(f"{labels['replied_at']}早于{labels['received_at']}")

    values: dict[str, Any] = {
        "content": content,
        "reply": reply,
        "caller_name": clean_line(cell("caller_name")),
        "caller_address": clean_line(cell("caller_address")),
        "address": clean_line(cell("address")),
        "reported_unit": clean_line(cell("reported_unit")),
        "title": clean_line(cell("title")) or registration.derive_title(content),
        "caller_phone": "",
        "caller_contact": "",
    }
    raw_phone = clean_line(cell("caller_phone"))
    phone = registration.normalize_phone(raw_phone)
    if raw_phone and 5 <= len(phone) <= 20:
        values["caller_phone"] = phone
    else:
        values["caller_contact"] = raw_phone  # kept as written: a legacy row is not refused for its phone
    for name, value in values.items():
        limit = registration.MAX_LENGTHS.get(name)
        if limit is not None and len(value) > limit:
            label = labels.get(name) or registration.FIELD_LABELS[name]
            problems.append(f"{label}超过 {limit} 个字（现有 {len(value)} 个）")
    if len(LEDGER_REF + clean_line(cell("legacy_number"))) > limits.LINE:  # it becomes the ticket's source_ref
        problems.append(f"{labels.get('legacy_number', '编号')}超过 {limits.LINE - len(LEDGER_REF)} 个字")
    if problems:
        raise _RowRejected("；".join(problems))
    assert received is not None

    # An unknown 渠道 or 分类 word falls back to the default; the word is kept on the event.
    legacy_words = {key: clean_line(cell(key)) for key in ("channel", "category") if clean_line(cell(key))}
    channel = _match(legacy_words.get("channel", ""), CHANNEL_WORDS) or default_channel
    category = _match(legacy_words.get("category", ""), CATEGORY_WORDS) or default_category
    values |= {"channel": channel.value, "category": category.value}

    legacy_number = clean_line(cell("legacy_number"))
    if legacy_number:
        key = f"{LEDGER_REF}{legacy_number}"
    else:
        # No number column (or an empty cell): the row's own words identify it.
        basis = "\x1f".join((clock.stamp(received), clean_line(cell("title")), content))
        key = "ledger:sha256:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()
    return _Row(number, key, legacy_number, received, values, replied, legacy_words)


def _existing_refs(keys: list[str]) -> dict[str, tuple[str, str]]:
    """source_ref -> (received_at, content) of tickets already imported."""
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start:start + LOOKUP_CHUNK]
        # The literal "<> ''" lets SQLite use the partial index ticket_source_ref.
        query = Ticket.select(Ticket.source_ref, Ticket.received_at, Ticket.content).where(
            (Ticket.source_ref != "") & Ticket.source_ref.in_(chunk)
        )
        for ref, received_at, content in query.tuples():
            found[ref] = (received_at, content)
    return found


def import_ledger(
    path: Path,
    username: str | None = None,
    *,
    actor: Actor | None = None,
    default_category: str = Category.HELP.value,
    progress: Callable[[int, int], None] | None = None,
) -> LedgerReport:
    """Import a legacy ledger; rows already imported are skipped, bad rows reported.

    The acting user is ``actor``, else the account ``username``, else the first
    active admin. ``default_category`` applies to rows without a usable 诉求分类:
    the ledger does not say which of the five (12345 5.1.4.1) a row was, and 求助
    is the neutral reading of a citizen asking for something to be done, neither
    an accusation (投诉/举报) nor a bare question (咨询). Callers may pass another.
    ``progress(done, total)`` is called while writing; raising from it cancels,
    and the single transaction leaves nothing behind.
    """
    started = time.perf_counter()
    path = Path(path)
    center = current_center()
    if center is None:
        raise Conflict("中心尚未设置，请先完成首次设置后再导入台账。")
    if actor is None:
        actor = acting_user(username, "导入台账")
    require(actor, Permission.TICKET_IMPORT)  # before reading a large file for nothing
    require_district(Permission.TICKET_IMPORT)
    try:
        fallback_category = Category(default_category)
    except ValueError:
        raise LedgerError(f"默认诉求分类“{default_category}”不是可选的值") from None
    if not path.is_file():
        raise LedgerError(f"找不到台账文件“{path}”。")

    sheet = _open_sheet(path)
    if "received_at" not in sheet.columns:
        raise LedgerError(
            f"“{path.name}”中找不到时间列（如“留言时间”“来电时间”“受理时间”）。"
            f"找到的表头：{'、'.join(sheet.labels.values())}。"
        )
    # 留言 ledgers are web messages; anything else is taken as a call log.
    is_messages = any("留言" in label for label in sheet.labels.values())
    default_channel = Channel.NETWORK if is_messages else Channel.PHONE
    report = LedgerReport(file=path.name, sheet=sheet.name)
    parsed: list[_Row] = []
    first_of_key: dict[str, int] = {}
    for number, cells in sheet.rows:
        if not any(cell_text(c).strip() for c in cells):
            continue  # blank rows (often formatting left below the data) are not rows
        report.read += 1
        try:
            row = _parse_row(number, cells, sheet, default_channel, fallback_category)
        except _RowRejected as exc:
            report.rejected.append(RejectedRow(number, str(exc)))
            continue
        if row.key in first_of_key:
            what = f"{sheet.labels['legacy_number']}“{row.legacy_number}”" if row.legacy_number else "时间、标题和内容"
            report.rejected.append(RejectedRow(number, f"{what}与第 {first_of_key[row.key]} 行相同，是重复行"))
            continue
        first_of_key[row.key] = number
        parsed.append(row)

    hotline = center.kind.value if center.kind.value in ("12345", "12365") else "12345"
    file_hash = sha256_file(path)
    with write(actor, Permission.TICKET_IMPORT, "import_ledger", "ticket") as tx:
        # Looked up inside the write lock, so two imports at once cannot both add a row.
        existing = _existing_refs([row.key for row in parsed])
        for done, row in enumerate(parsed, start=1):
            if progress is not None and done % 100 == 0:
                progress(done, len(parsed))
            if row.key in existing:
                received_at, content = existing[row.key]
                if received_at == clock.stamp(row.received) and content == row.values["content"]:
                    report.existing += 1
                else:
                    # The same number with other words: another ledger's numbering, or an edited row.
                    report.rejected.append(RejectedRow(
                        row.row,
                        f"{sheet.labels.get('legacy_number', '编号')}“{row.legacy_number}”已导入过，"
                        "但时间或内容与已导入的工单不同，未导入（请核对是否为另一本台账的相同编号）",
                    ))
                continue
            _insert(row, center.code, hotline, actor, path.name)
            report.new += 1
        report.rejected.sort(key=lambda r: r.row)
        tx.detail = {
            "file": path.name,
            "sha256": file_hash,
            "sheet": sheet.name,
            "read": report.read,
            "new": report.new,
            "existing": report.existing,
            "rejected": len(report.rejected),
        }
    report.seconds = time.perf_counter() - started
    if progress is not None:
        progress(len(parsed), len(parsed))
    log.info("ledger import: read %d, new %d, existing %d, rejected %d", report.read, report.new, report.existing, len(report.rejected))
    return report

def _insert(row: _Row, origin: str, hotline: str, actor: Actor, file_name: str) -> None:
    """One ticket and its events; inside the import's transaction."""
    values = row.values
    received_at = clock.stamp(row.received)
    replied = bool(values["reply"])
    ticket = Ticket.create(
        uid=str(uuid.uuid4()),
        origin=origin,
        rev=1,
        updated_at=clock.stamp(),
        # Numbers follow the day the request was made, as if registered then.
        number=registration.next_number(origin, row.received.date()),
        hotline=hotline,
        channel=values["channel"],
        status=(Status.CLOSED if replied else Status.PENDING).value,
        received_at=received_at,
        caller_name=values["caller_name"],
        caller_phone=values["caller_phone"],
        caller_contact=values["caller_contact"],
        caller_address=values["caller_address"],
        visit_consent=False,  # nobody asked the caller; return visits need their consent
        address=values["address"],
        reported_unit=values["reported_unit"],
        title=values["title"],
        content=values["content"],
        category=values["category"],
        reply=values["reply"],
        source_ref=row.key,
        created_by=actor.user_id,
    )
    where = f"，原编号 {row.legacy_number}" if row.legacy_number else ""
    timeline.add_event(
        ticket.id, origin, EventKind.IMPORTED, actor, f"从台账《{file_name}》第 {row.row} 行导入{where}",
        {"file": file_name, "row": row.row, "legacy_number": row.legacy_number, "source_ref": row.key}
        | {f"ledger_{k}": v for k, v in row.legacy_words.items()},
        at=received_at,
    )
    if not replied:
        # Still open: it waits for dispatch on the same clock as a call registered then.
        deadlines.start_clocks(ticket, StartEvent.REGISTERED, row.received)
    if replied:
        summary = "台账答复：" + values["reply"].replace("\n", " ")
        if len(summary) > REPLY_EVENT_CHARS:
            summary = summary[: REPLY_EVENT_CHARS - 1] + "…"
        # Without a reply time the ledger only says it was answered: date it at receipt.
        at = clock.stamp(row.replied) if row.replied else received_at
        timeline.add_event(ticket.id, origin, EventKind.CLOSED, actor, summary, {"reply_time_known": row.replied is not None}, at=at)
