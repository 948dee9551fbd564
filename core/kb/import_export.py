"""知识库批量导入、导出: units' policy files in, the base out, in the same columns.

12345 spec 6.3.4: the center "对承办单位报送的信息进行校核" — what units send is
checked before it is entered. So imported articles land as 待校核 (pending) and
an operator does not see them until a reviewer publishes them; an admin who has
already checked the file may pass ``publish=True`` to publish at once.

Files: JSON lines, CSV (UTF-8, UTF-8 with BOM or GB18030), XLSX, and DOCX split
by headings. Columns (Chinese or English headers): 编号/id, 标题/title, 正文/body,
关键词/keywords, 分类/category ("一级/二级"), 提供单位/source_unit, 生效日期/effective_on,
复核日期/review_on, 失效日期/expires_on; in JSON each is text (keywords and category may
be lists of text, the 编号 a whole number), and any other value is refused with its line
and key. A row is the article with that 编号
(``source_ref``), else the article with the same title; a changed one gets a
new version through core.kb.articles, an unchanged one is left alone. Categories named
by path are created when missing (the file's own classification, listed in the
report, so a typo is seen at 校核), as an admin sending a unit's file expects.

All or nothing: every file is read and every row checked first; if anything is
rejected, nothing is written and every problem is reported. Otherwise the whole
batch is one transaction with one audit entry besides each article's own.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from core import clock, files, tabular
from core.kb import articles as kb
from core.center.acting import acting_user
from core.center.profile import current_center
from core.errors import Conflict, HotlineError, ValidationError
from core.kb.articles import ArticleInput
from core.roles import Actor, Permission
from core.service import Changes, local_origin, require, write
from core.tabular import cell_text, clean_line, parse_time
from core.vocab import ArticleStatus
from db.models import Article, KbCategory

log = logging.getLogger("hotline.kb_io")

# Field -> accepted headers (and JSON keys); the first is what export writes to CSV/XLSX.
COLUMNS: tabular.Columns = {
    "source_ref": ("编号", "知识编号", "id", "source_ref"),
    "title": ("标题", "title"),
    "body": ("正文", "内容", "body"),
    "keywords": ("关键词", "keywords"),
    "category": ("分类", "category"),
    "source_unit": ("提供单位", "source_unit"),
    "effective_on": ("生效日期", "effective_on"),
    "review_on": ("复核日期", "review_on"),
    "expires_on": ("失效日期", "expires_on"),
}
DATE_FIELDS = ("effective_on", "review_on", "expires_on")
FORMATS = ("jsonl", "csv", "xlsx")
UID_REF = "kb:"  # export's 编号 for an article that has none: kb:<uid>
XLSX_CELL_LIMIT = 32_767  # Excel cuts longer cells
_HEADING = re.compile(r"(?:heading|标题)\s*([1-9])", re.IGNORECASE)


class KbFileError(HotlineError):
    title = "无法导出知识库"


@dataclass(frozen=True)
class Problem:
    file: str
    place: str  # 第 3 行 / 标题“…” / "" for the whole file
    reason: str

    def __str__(self) -> str:
        return f"《{self.file}》{self.place}：{self.reason}" if self.place else f"《{self.file}》：{self.reason}"


@dataclass(frozen=True)
class Outcome:
    file: str
    place: str
    title: str
    action: str  # added / updated / unchanged
    article_id: int | None = None


@dataclass
class KbImportReport(tabular.OutcomeCounts):
    files: list[str]
    dry_run: bool = False
    publish: bool = False
    outcomes: list[Outcome] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)
    new_categories: list[str] = field(default_factory=list)
    written: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        counts = self.counts_text()
        head = f"知识导入（{len(self.files)} 个文件）："
        if self.rejected:
            return (head + f"拒绝 {len(self.rejected)} 处，整批未导入，数据库没有任何改动（其余条目本可{counts}）。"
                    "请修改文件后重新导入。")
        if not self.outcomes:
            return head + "文件中没有知识条目。"
        text = head + counts + "。"
        if self.dry_run:
            text += "这是试运行，没有写入数据库。"
        elif self.count("added") + self.count("updated"):
            text += f"新增和更新的知识状态为“{'已发布' if self.publish else '待校核'}”。"
        if self.new_categories:
            text += ("将新建" if self.dry_run else "新建") + "分类：" + "、".join(self.new_categories) + "。"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "ok": self.ok,
            "dry_run": self.dry_run,
            "written": self.written,
            "status": (ArticleStatus.PUBLISHED if self.publish else ArticleStatus.PENDING).value,
            "added": self.count("added"),
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "articles": [o.__dict__ for o in self.outcomes],
            "rejected": [p.__dict__ for p in self.rejected],
            "new_categories": self.new_categories,
            "seconds": round(self.seconds, 2),
            "summary": self.summary(),
        }

    def changes(self) -> Changes:
        return Changes(ids=[o.article_id for o in self.outcomes if o.article_id and o.action != "unchanged"])


@dataclass
class _Entry:
    file: str
    place: str
    data: ArticleInput  # validated; category_id not yet set
    category: tuple[str, ...]  # path of names, () for none
    uid_ref: str = ""  # the uid when the 编号 is an exported kb:<uid>

    def problem(self, reason: str) -> Problem:
        return Problem(self.file, self.place, reason)


class _FileRejected(Exception):
    """A whole file cannot be read; the message says why."""


class _DryRun(Exception):
    """Raised inside the transaction to leave nothing behind."""


# ---------------------------------------------------------------- reading files


def _date_text(value: Any, epoch: dt.datetime) -> str:
    """A date cell as YYYY-MM-DD; text that is no date is kept for kb.validate's message."""
    if isinstance(value, (dt.date, int, float)) and not isinstance(value, bool):
        moment = parse_time(value, epoch)
        return moment.date().isoformat() if moment else cell_text(value)
    text = clean_line(value)
    if not text:
        return ""
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        moment = parse_time(text, epoch)
        return moment.date().isoformat() if moment and len(text) <= 12 else text


def _long_category(name: str) -> str:
    return f"分类名“{name[:10]}…”太长，不超过 {kb.MAX_CATEGORY_NAME} 字"


def _entry(file: str, place: str, values: dict[str, Any], epoch: dt.datetime = tabular.EXCEL_EPOCH) -> _Entry:
    """One article's cells as a checked entry; ValidationError names every bad field."""
    body = cell_text(values.get("body")).replace("_x000D_", "").replace("\r\n", "\n").replace("\r", "\n")
    category = clean_line(values.get("category"))
    data = ArticleInput(
        title=clean_line(values.get("title")),
        body=body,
        keywords=clean_line(values.get("keywords")),
        source_unit=clean_line(values.get("source_unit")),
        source_ref=clean_line(values.get("source_ref")),
        **{name: _date_text(values.get(name), epoch) for name in DATE_FIELDS},
    )
    path = tuple(part.strip() for part in re.split(r"[/／>]", category) if part.strip())
    # Held to kb.category_for_path's limit since issue 15; the province takes longer ones made before.
    long = next((name for name in path if len(name) > kb.MAX_CATEGORY_NAME), None)
    try:
        clean = kb.validate(data)
    except ValidationError as exc:
        if long is not None:
            raise ValidationError(exc.fields | {"category": _long_category(long)}) from None
        raise
    if long is not None:
        raise ValidationError.single("category", _long_category(long))
    uid = clean.source_ref[len(UID_REF):] if clean.source_ref.startswith(UID_REF) else ""
    return _Entry(file, place, clean, path, uid)


def _read_entries(path: Path, problems: list[Problem]) -> list[_Entry]:
    """The articles of one file; each bad one (or the whole file) added to ``problems``."""
    name = path.name
    suffix = path.suffix.lower()
    readers = {".jsonl": _jsonl_rows, ".ndjson": _jsonl_rows, ".csv": _table_rows, ".xlsx": _table_rows,
               ".xlsm": _table_rows, ".docx": _docx_rows}
    try:
        if suffix in (".xls", ".doc", ".et", ".wps"):
            raise _FileRejected("是旧版 Office/WPS 格式，请“另存为” .xlsx 或 .docx 后再导入")
        if suffix not in readers:
            raise _FileRejected("不是可导入的知识文件，只能导入 .jsonl、.csv、.xlsx 或 .docx 文件")
        if not path.is_file():
            raise _FileRejected("文件不存在")
        if path.stat().st_size == 0:
            raise _FileRejected("是空文件")
        rows = readers[suffix](path)
    except _FileRejected as exc:
        problems.append(Problem(name, "", str(exc)))
        return []
    except tabular.TableError as exc:
        problems.append(Problem(name, "", exc.message.removeprefix(f"无法读取“{name}”：")))
        return []
    entries: list[_Entry] = []
    for row in rows:
        try:
            if row.wrong:
                raise ValidationError(row.wrong)
            entries.append(_entry(name, row.place, row.values, row.epoch))
        except ValidationError as exc:
            problems.append(Problem(name, row.place, exc.message))
    if not rows:
        problems.append(Problem(name, "", "文件中没有知识条目"))
    return entries


class _Row(NamedTuple):
    place: str  # 第 3 行 / 标题“…”
    values: dict[str, Any]  # field -> cell
    epoch: dt.datetime = tabular.EXCEL_EPOCH  # day 0 of the file's Excel serial numbers
    wrong: dict[str, str] | None = None  # field -> why its JSON value is not one an article can hold


_Rows = list[_Row]
# A JSON value an article field may hold besides text: a list of words for the keywords, of
# names for the category path; a whole number as the 编号. Anything else (an object, a list
# as the title, a number as the body, true/false) is refused, not turned into text.
_JSON_LISTS = ("keywords", "category")
_JSON_NUMBERS = ("source_ref",)


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "一个 JSON 对象"
    if isinstance(value, list):
        return "一个列表"
    if isinstance(value, bool):
        return f"逻辑值 {'true' if value else 'false'}"
    return f"数字 {value}"


def _fields_of(record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(field -> value, field -> why its value is refused) of one JSON line."""
    keys = {str(k).strip().casefold(): (str(k), v) for k, v in record.items()}
    out: dict[str, Any] = {}
    wrong: dict[str, str] = {}
    for name, synonyms in COLUMNS.items():
        key, value = next((keys[s.casefold()] for s in synonyms if s.casefold() in keys), ("", None))
        words = value if isinstance(value, list) and name in _JSON_LISTS else None
        if words is not None and all(isinstance(w, str) for w in words):
            value = ("/" if name == "category" else " ").join(words)  # ["公积金", "提取"], ["社保", "养老"]
        elif name in _JSON_NUMBERS and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        elif words is not None:
            wrong[name] = f"“{key}”应为文字或文字的列表，列表中有{_json_kind(next(w for w in words if not isinstance(w, str)))}"
        elif value is not None and not isinstance(value, str):
            wrong[name] = f"“{key}”应为文字，文件中是{_json_kind(value)}"
        out[name] = value
    return out, wrong


def _jsonl_rows(path: Path) -> _Rows:
    text = tabular.decode_text(tabular.read_bytes(path), path, "请把文件保存为 UTF-8 编码")
    rows: _Rows = []
    bad: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append(f"第 {number} 行不是有效的 JSON（第 {exc.colno} 个字符处有误）")
            continue
        if not isinstance(record, dict):
            bad.append(f"第 {number} 行不是 JSON 对象（应为 {{\"title\": …, \"body\": …}}）")
            continue
        values, wrong = _fields_of(record)
        rows.append(_Row(f"第 {number} 行", values, wrong=wrong))
    if bad:
        raise _FileRejected("；".join(bad[:20]) + ("" if len(bad) <= 20 else f"；另有 {len(bad) - 20} 行"))
    return rows


def _table_rows(path: Path) -> _Rows:
    reader = tabular.read_csv if path.suffix.lower() == ".csv" else tabular.read_xlsx
    try:
        sheet = reader(path, COLUMNS, "body")
    except tabular.MissingHeader as exc:
        raise _FileRejected(f"找不到正文列（表头应为“正文”或“body”）。找到的表头：{'、'.join(exc.headers[:20]) or '无'}") from None
    if "title" not in sheet.columns:
        raise _FileRejected(f"找不到标题列（表头应为“标题”或“title”）。找到的表头：{'、'.join(sheet.labels.values())}")
    rows: _Rows = []
    for number, cells in sheet.rows:
        if not any(cell_text(c).strip() for c in cells):
            continue
        values = {key: cells[i] if i < len(cells) else None for key, i in sheet.columns.items()}
        rows.append(_Row(f"第 {number} 行", values, sheet.epoch))
    return rows


def _docx_rows(path: Path) -> _Rows:
    """Articles of a Word file: the highest heading level that has text under it starts one.

    Higher headings with no text of their own (chapters grouping the articles)
    are left out; lower ones become ## sub-headings; list paragraphs "- " items.
    Text before the first article heading (the document's own title, the issuer)
    is not an article.
    """
    import docx  # python-docx; only import work needs it

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # zipfile, XML and python-docx errors alike
        raise _FileRejected(f"文件已损坏或不是 Word 文档（{type(exc).__name__}）") from exc
    blocks: list[tuple[int, str, bool]] = []  # (heading level or 0, text, is list item)
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = paragraph.style.name if paragraph.style is not None else ""
        level = _HEADING.fullmatch(style.strip())
        p_pr = paragraph._p.pPr
        is_list = style.lower().startswith("list") or (p_pr is not None and p_pr.numPr is not None)
        blocks.append((int(level.group(1)) if level else 0, text, is_list))
    with_text = [lvl for i, (lvl, _, _) in enumerate(blocks) if lvl and i + 1 < len(blocks) and not blocks[i + 1][0]]
    if not any(lvl for lvl, _, _ in blocks):
        raise _FileRejected("文档中没有标题样式（标题 1/标题 2），无法按标题拆分成文章；"
                            "请在 Word 或 WPS 中把每篇文章的标题设为“标题 1”或“标题 2”样式后再导入")
    top = min(with_text) if with_text else min(lvl for lvl, _, _ in blocks if lvl)
    rows: _Rows = []
    title: str | None = None  # of the article being read; None outside one
    lines: list[str] = []

    def finish() -> None:
        if title is not None:
            rows.append(_Row(f"标题“{title}”", {"title": title, "body": "\n".join(lines)}))

    for level, text, is_list in blocks:
        if level and level <= top:
            finish()
            title, lines = (text if level == top else None), []
        elif title is not None:
            lines.append(("#" * min(6, level - top + 1) + " " if level else "- " if is_list else "") + text)
    finish()
    return rows


# ---------------------------------------------------------------- checking against the base


class _Categories:
    """The kb_category tree by name path; missing paths created on demand (inside the write)."""

    def __init__(self) -> None:
        rows = list(KbCategory.select(KbCategory.id, KbCategory.parent, KbCategory.name, KbCategory.active))
        by_id = {r.id: r for r in rows}

        def path(row: KbCategory) -> tuple[str, ...]:
            names: list[str] = []
            seen: set[int] = set()
            while row is not None and row.id not in seen:  # a cycle would be a bug elsewhere; never loop
                seen.add(row.id)
                names.append(row.name.strip())
                row = by_id.get(row.parent_id) if row.parent_id else None
            return tuple(reversed(names))

        self.paths = {r.id: path(r) for r in rows}
        # An active category wins over a retired one of the same path.
        self.ids = {self.paths[r.id]: r.id for r in sorted(rows, key=lambda r: (r.active, -r.id))}

    def text(self, category_id: int | None) -> str:
        return "/".join(self.paths.get(category_id, ())) if category_id else ""

    def missing(self, path: tuple[str, ...]) -> list[tuple[str, ...]]:
        return [path[:n] for n in range(1, len(path) + 1) if path[:n] not in self.ids]

    def ensure(self, path: tuple[str, ...]) -> int:
        for n in range(1, len(path) + 1):
            if path[:n] not in self.ids:
                parent = self.ids.get(path[:n - 1]) if n > 1 else None
                row = KbCategory.create(uid=str(uuid.uuid4()), parent=parent, name=path[n - 1], sort=0,
                                        origin=local_origin(), updated_at=clock.stamp())
                self.ids[path[:n]], self.paths[row.id] = row.id, path[:n]
        return self.ids[path]


def _duplicates(entries: list[_Entry], problems: list[Problem]) -> list[_Entry]:
    """Entries that name the same article twice, reported with both places; the rest returned."""
    by_ref: dict[str, _Entry] = {}
    by_title: dict[str, _Entry] = {}
    kept: list[_Entry] = []
    for entry in entries:
        ref, title = entry.data.source_ref, entry.data.title
        first = by_ref.get(ref) if ref else None
        if first is not None:
            problems.append(entry.problem(f"编号“{ref}”与《{first.file}》{first.place}重复，同一篇知识只能出现一次"))
            continue
        first = by_title.get(title)
        # Two different 编号 may share a title; without a 编号 the title is what identifies the article.
        if first is not None and not (ref and first.data.source_ref):
            problems.append(entry.problem(f"标题“{title}”与《{first.file}》{first.place}重复，同一篇知识只能出现一次"))
            continue
        if ref:
            by_ref[ref] = entry
        by_title.setdefault(title, entry)
        kept.append(entry)
    return kept


def _existing(entry: _Entry) -> Article | None:
    """The article a row updates: by exported uid, by 编号, else by identical title."""
    if entry.uid_ref and (article := Article.get_or_none(Article.uid == entry.uid_ref)) is not None:
        return article
    ref = entry.data.source_ref
    if ref and (article := Article.get_or_none((Article.source_ref != "") & (Article.source_ref == ref))) is not None:
        return article
    same = Article.select().where(Article.title == entry.data.title)
    if ref:
        same = same.where(Article.source_ref == "")  # one with another 编号 is another article
    found = list(same.order_by(Article.id).limit(3))
    if len(found) > 1:
        ids = "、".join(f"#{a.id}" for a in found[:2])
        raise _FileRejected(f"知识库中已有多篇标题为“{entry.data.title}”的知识（{ids}…），无法确定更新哪一篇；请在文件中填写编号")
    return found[0] if found else None


@dataclass
class _Step:
    entry: _Entry
    article: Article | None
    action: str


def _plan(entries: list[_Entry], categories: _Categories, problems: list[Problem],
          new_categories: list[str]) -> list[_Step]:
    steps: list[_Step] = []
    for entry in entries:
        try:
            article = _existing(entry)
        except _FileRejected as exc:
            problems.append(entry.problem(str(exc)))
            continue
        missing = categories.missing(entry.category)
        for path in missing:
            if "/".join(path) not in new_categories:
                new_categories.append("/".join(path))
        entry.data.category_id = None if missing or not entry.category else categories.ids[entry.category]
        if article is None:
            steps.append(_Step(entry, None, "added"))
            continue
        newest = kb.working(article)  # an edit awaiting 校核 is what the file is compared with
        same = not missing and all(getattr(newest, name) == getattr(entry.data, name) for name in kb.VERSIONED_FIELDS)
        if same:
            steps.append(_Step(entry, article, "unchanged"))
        elif article.status == ArticleStatus.RETIRED:
            problems.append(entry.problem(f"对应的知识（#{article.id}“{article.title}”）已停用，不能用导入修改；"
                                          "如需更新，请先在知识库中重新启用"))
        else:
            steps.append(_Step(entry, article, "updated"))
    return steps


def _apply(actor: Actor, step: _Step, categories: _Categories, publish: bool) -> int:
    """One article written through core.kb.articles's rules, then sent to 校核 or published."""
    entry = step.entry
    if entry.category:
        entry.data.category_id = categories.ensure(entry.category)
    note = f"从《{entry.file}》{entry.place}导入"
    if step.article is not None and step.action == "unchanged":
        if entry.data.source_ref and not step.article.source_ref and not entry.uid_ref:
            # Matched by title: the unit's 编号 is kept, so its next file matches by number.
            Article.update(source_ref=entry.data.source_ref, rev=Article.rev + 1).where(
                Article.id == step.article.id).execute()
        return step.article.id
    article_id = kb.save_article(actor, step.article.id if step.article else None, entry.data, note)
    if step.article is not None and entry.data.source_ref and not step.article.source_ref and not entry.uid_ref:
        Article.update(source_ref=entry.data.source_ref).where(Article.id == article_id).execute()
    saved = Article.get_by_id(article_id)
    status = saved.status
    if publish and (status != ArticleStatus.PUBLISHED or saved.pending_version is not None):
        kb.move(actor, article_id, "publish", note)
    elif not publish and status == ArticleStatus.DRAFT:
        kb.move(actor, article_id, "submit", note)
    return article_id


def import_articles(
    paths: list[Path],
    username: str | None = None,
    *,
    actor: Actor | None = None,
    publish: bool = False,
    dry_run: bool = False,
) -> KbImportReport:
    """Import articles from files; all of them or, if anything is rejected, none.

    The acting user is ``actor``, else the account ``username``, else the first
    active admin; importing needs the right to write articles, ``publish`` also
    the right of 校核. ``dry_run`` checks and reports without writing.
    """
    started = time.perf_counter()
    paths = [Path(p) for p in paths]
    if current_center() is None:
        raise Conflict("中心尚未设置，请先完成首次设置后再导入知识。")
    if actor is None:
        actor = acting_user(username, "导入知识")
    require(actor, Permission.KB_EDIT)
    if publish:
        require(actor, Permission.KB_REVIEW)
    report = KbImportReport(files=[p.name for p in paths], dry_run=dry_run, publish=publish)
    entries: list[_Entry] = []
    for path in paths:
        entries += _read_entries(path, report.rejected)
    entries = _duplicates(entries, report.rejected)
    try:
        with write(actor, Permission.KB_EDIT, "kb.import", "kb_article") as tx:
            # Checked inside the write lock, so what was checked is what gets written.
            categories = _Categories()
            steps = _plan(entries, categories, report.rejected, report.new_categories)
            report.outcomes = [Outcome(s.entry.file, s.entry.place, s.entry.data.title, s.action,
                                       s.article.id if s.article else None) for s in steps]
            if report.rejected or dry_run or not steps:
                raise _DryRun
            for index, step in enumerate(steps):
                article_id = _apply(actor, step, categories, publish)
                report.outcomes[index] = Outcome(step.entry.file, step.entry.place, step.entry.data.title,
                                                 step.action, article_id)
            tx.detail = {
                "files": {p.name: tabular.sha256_file(p) for p in paths},
                "added": report.count("added"), "updated": report.count("updated"),
                "unchanged": report.count("unchanged"), "new_categories": report.new_categories,
                "status": "published" if publish else "pending",
            }
        report.written = True
    except _DryRun:
        pass
    report.seconds = time.perf_counter() - started
    log.info("kb import: added %d, updated %d, unchanged %d, rejected %d, written %s", report.count("added"),
             report.count("updated"), report.count("unchanged"), len(report.rejected), report.written)
    return report


# ---------------------------------------------------------------- export


def export_format(out: Path, fmt: str | None) -> str:
    """The format asked for, else the one the file name says."""
    if fmt:
        if fmt not in FORMATS:
            raise KbFileError(f"不支持的导出格式“{fmt}”，可选：{'、'.join(FORMATS)}。")
        return fmt
    suffix = out.suffix.lower().lstrip(".")
    if suffix == "ndjson":
        return "jsonl"
    if suffix not in FORMATS:
        raise KbFileError(f"无法从文件名“{out.name}”判断导出格式，请用 .jsonl、.csv 或 .xlsx 结尾，或用 --format 指定。")
    return suffix


def export_rows(include_retired: bool = False) -> list[dict[str, str]]:
    """Articles as import reads them: field -> text, oldest first."""
    categories = _Categories()
    query = Article.select().order_by(Article.id)
    if not include_retired:
        query = query.where(Article.status != ArticleStatus.RETIRED.value)
    return [
        {
            "source_ref": a.source_ref or f"{UID_REF}{a.uid}",
            "title": w.title,
            "body": w.body,
            "keywords": w.keywords,
            "category": categories.text(w.category_id),
            "source_unit": w.source_unit,
            **{name: getattr(w, name) for name in DATE_FIELDS},
        }
        for a, w in ((a, kb.working(a)) for a in query)  # the newest text, awaiting 校核 or not
    ]


def export_articles(actor: Actor, out: Path, fmt: str | None = None, include_retired: bool = False) -> int:
    """Write the base (drafts and 待校核 included; retired only on request) to ``out``; returns the count.

    The file appears whole or not at all: it is written beside ``out`` and moved
    into place at the end (a full disk is core.files.FileNotWritten, in Chinese). XLSX
    cells hold text only (a body starting with "=" stays text, never a formula), CSV
    cells that would start a formula get a leading quote (core.tabular.csv_cell); a
    body longer than an Excel cell is refused.
    """
    require(actor, Permission.KB_EDIT)
    out = Path(out)
    fmt = export_format(out, fmt)
    rows = export_rows(include_retired)
    if fmt == "xlsx":
        _check_xlsx_cells(rows)
    with files.replacing(out) as partial:
        if fmt == "jsonl":
            with open(partial, "w", encoding="utf-8", newline="\n") as fh:
                for row in rows:
                    record = {("id" if k == "source_ref" else k): v for k, v in row.items()}
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif fmt == "csv":
            # UTF-8 with BOM: Excel on Chinese Windows reads it as UTF-8, not GBK.
            with open(partial, "w", encoding="utf-8-sig", newline="") as fh:
                tabular.write_csv(fh, [[COLUMNS[k][0] for k in COLUMNS]] + [[row[k] for k in COLUMNS] for row in rows])
        else:
            partial.write_bytes(_xlsx(rows))
    log.info("kb export: %d articles as %s", len(rows), fmt)
    return len(rows)


def _check_xlsx_cells(rows: list[dict[str, str]]) -> None:
    for number, row in enumerate(rows, start=2):
        if len(row["body"]) > XLSX_CELL_LIMIT:
            raise KbFileError(f"第 {number} 行“{row['title']}”的正文有 {len(row['body']):,} 字，超过 Excel 单元格上限 "
                              f"{XLSX_CELL_LIMIT:,} 字；请导出为 .jsonl 或 .csv。")


def _xlsx(rows: list[dict[str, str]]) -> bytes:
    import openpyxl  # slow to import; only export needs it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("知识库")

    def text_cell(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value) or None)
        if cell.value is not None:
            cell.data_type = "s"  # "=…" would otherwise become a formula
        return cell

    sheet.append([COLUMNS[k][0] for k in COLUMNS])
    for row in rows:
        sheet.append([text_cell(row[k]) for k in COLUMNS])
    return tabular.workbook_bytes(book)
