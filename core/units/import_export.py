"""承办单位批量导入、导出: the unit tree in an Excel (.xlsx) or CSV file, in the same columns.

Columns: 单位名称 (required), 上级单位 (a path "玄武区人民政府/新街口街道", or its
last part(s) when they name one unit), 单位类别 (label or code), 联系人, 值班电话,
电子邮箱, 地址, 职责事项 and 关键词 (separated by 、，,; or line breaks), 排序,
状态 (在用/停用). A column left out of the file keeps what the units have.

A row is the unit at its path (上级单位 + 单位名称): there it is updated or left
unchanged, elsewhere added. Parents may come after their children. All or
nothing, as core.kb.import_export: every row is checked first, under the write lock; one
rejected row and nothing is written, and every problem is reported with its row.
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import clock, files, tabular
from core.units import tree as units
from core.errors import HotlineError
from core.roles import Actor, Permission
from core.service import require
from core.tabular import cell_text, clean_line, clean_text
from core.units.tree import UnitInput, split_terms
from core.vocab import UnitKind
from db.models import Unit

log = logging.getLogger("hotline.units")

# Field -> accepted headers; the first is what export writes.
COLUMNS: tabular.Columns = {
    "name": ("单位名称", "名称", "name"), "parent": ("上级单位", "上级", "parent"),
    "kind": ("单位类别", "类别", "kind"), "contact": ("联系人", "contact"),
    "duty_phone": ("值班电话", "电话", "duty_phone"), "email": ("电子邮箱", "邮箱", "email"),
    "address": ("地址", "address"), "matters": ("职责事项", "matters"), "keywords": ("关键词", "keywords"),
    "sort": ("排序", "sort"), "status": ("状态", "status"),
}
_KINDS = {k.label: k for k in UnitKind} | {k.value: k for k in UnitKind} | {
    p: k for k in UnitKind for p in k.label.split("/")} | {
    "区政府": UnitKind.DISTRICT, "部门": UnitKind.DEPARTMENT, "街道": UnitKind.STREET, "乡镇": UnitKind.STREET,
    "企业": UnitKind.ENTERPRISE, "其他": UnitKind.OTHER}
_STATUS = {"在用": True, "启用": True, "正常": True, "停用": False, "已停用": False}
_FIELDS = ("kind", "contact", "duty_phone", "email", "address", "matters", "keywords")
Path_ = tuple[str, ...]


class UnitFileError(HotlineError):
    title = "无法导出承办单位"


@dataclass(frozen=True)
class RejectedRow:
    row: int  # as Excel shows it; 0 for the file as a whole
    reason: str


@dataclass(frozen=True)
class RowOutcome:
    row: int
    path: str
    action: str  # added / updated / unchanged


@dataclass
class UnitImportReport(tabular.OutcomeCounts):
    file: str
    dry_run: bool = False
    outcomes: list[RowOutcome] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    written: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        counts = self.counts_text()
        head = f"承办单位导入《{self.file}》："
        if self.rejected:
            return head + (f"拒绝 {len(self.rejected)} 处，整批未导入，数据库没有任何改动"
                           f"（其余行本可{counts}）。请修改文件后重新导入。")
        if not self.outcomes:
            return head + "文件中没有单位。"
        return head + counts + "。" + ("这是试运行，没有写入数据库。" if self.dry_run else "")

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "ok": self.ok, "dry_run": self.dry_run, "written": self.written,
                "added": self.count("added"), "updated": self.count("updated"), "unchanged": self.count("unchanged"),
                "units": [o.__dict__ for o in self.outcomes], "rejected": [r.__dict__ for r in self.rejected],
                "seconds": round(self.seconds, 2), "summary": self.summary()}

class _Rejected(Exception):
    """A row (or the file) cannot be taken; the message is the reason."""


class _Cycle(_Rejected):
    """Rows that name each other as parents."""


class _Rollback(Exception):
    """Raised inside the transaction so that a dry run or a rejected file leaves nothing."""


@dataclass
class _Entry:
    row: int
    data: UnitInput  # cleaned; parent_id set when written
    parent_ref: Path_
    given: set[str]  # the fields the file sets (its column is there; kind/sort/status: not blank)
    active: bool | None
    path: Path_ = ()


# ---------------------------------------------------------------- reading


def _split_path(text: str) -> Path_:
    return tuple(p for p in (" ".join(s.split()) for s in re.split(r"[/／]", text)) if p)


def _entry(number: int, cells: dict[str, Any]) -> _Entry:
    given = {k for k in cells if k in _FIELDS and k != "kind"}
    kind_text = clean_line(cells.get("kind"))
    kind = _KINDS.get(kind_text)
    if kind_text and kind is None:
        raise _Rejected(f"单位类别“{kind_text}”不认识，可填：{'、'.join(k.label for k in UnitKind)}")
    status = clean_line(cells.get("status"))
    if status and status not in _STATUS:
        raise _Rejected(f"状态“{status}”不认识，应为“在用”或“停用”")
    sort_text = clean_line(cells.get("sort"))
    if sort_text and not sort_text.isdigit():
        raise _Rejected(f"排序“{sort_text}”应为不小于 0 的整数")
    data = UnitInput(clean_line(cells.get("name")), kind.value if kind else "", None,
                     clean_line(cells.get("contact")), cell_text(cells.get("duty_phone")), clean_line(cells.get("email")),
                     clean_line(cells.get("address")), split_terms(clean_text(cells.get("matters"))),
                     split_terms(clean_text(cells.get("keywords"))), int(sort_text) if sort_text else None).cleaned()
    problems = {k: v for k, v in data.problems().items() if k != "kind" or kind}
    if problems:
        raise _Rejected("；".join(problems.values()))
    given |= {"kind"} if kind else set()
    given |= {"sort"} if sort_text else set()
    return _Entry(number, data, _split_path(clean_line(cells.get("parent"))), given,
                  _STATUS[status] if status else None)


def _read(path: Path, rejected: list[RejectedRow], bad_rows: dict[str, int]) -> list[_Entry]:
    suffix = path.suffix.lower()
    try:
        if suffix not in (".xlsx", ".xlsm", ".csv"):
            raise _Rejected("只能导入 .xlsx 或 .csv 文件" + ("（旧版 .xls 请先另存为 .xlsx）" if suffix == ".xls" else ""))
        sheet = (tabular.read_csv if suffix == ".csv" else tabular.read_xlsx)(path, COLUMNS, "name")
    except tabular.MissingHeader as exc:
        rejected.append(RejectedRow(0, f"找不到“单位名称”列。找到的表头：{'、'.join(exc.headers[:20]) or '无'}"))
        return []
    except (tabular.TableError, _Rejected) as exc:
        rejected.append(RejectedRow(0, str(exc).removeprefix(f"无法读取“{path.name}”：")))
        return []
    entries: list[_Entry] = []
    for number, cells in sheet.rows:
        if not any(cell_text(c).strip() for c in cells):
            continue
        try:
            entries.append(_entry(number, {k: cells[i] if i < len(cells) else None for k, i in sheet.columns.items()}))
        except _Rejected as exc:
            rejected.append(RejectedRow(number, str(exc)))
            bad_rows.setdefault(clean_line(cells[sheet.columns["name"]] if sheet.columns["name"] < len(cells) else ""),
                                number)
    return entries


# ---------------------------------------------------------------- checking against the tree


class _Tree:
    """The units by path as they are, and the file's rows resolved to paths (parents may come later)."""

    def __init__(self, entries: list[_Entry], bad_rows: dict[str, int]) -> None:
        stored = {u.id: u for u in Unit.select()}
        self.units: dict[Path_, Unit] = {tuple(n.path.split("/")): stored[n.id]
                                         for n in units.unit_tree(include_retired=True)}
        self.by_name: dict[str, list[_Entry]] = {}
        for e in entries:
            self.by_name.setdefault(e.data.name, []).append(e)
        self.bad_rows = bad_rows  # name -> row of the rows rejected on reading, for a parent's message
        self.resolving: list[_Entry] = []
        self.failed: dict[int, str] = {}

    def path_of(self, entry: _Entry) -> Path_:
        """The entry's own path; _Rejected names a parent that is missing, ambiguous or circular."""
        if entry.path:
            return entry.path
        if entry.row in self.failed:
            raise _Rejected(self.failed[entry.row])
        if entry in self.resolving:
            chain = self.resolving[self.resolving.index(entry):] + [entry]
            raise _Cycle("上级单位形成循环：" + " → ".join(f"{e.data.name}（第 {e.row} 行）" for e in chain))
        self.resolving.append(entry)
        try:
            entry.path = (self.resolve(entry.parent_ref) if entry.parent_ref else ()) + (entry.data.name,)
        except _Rejected as exc:
            self.failed[entry.row] = str(exc)
            raise
        finally:
            self.resolving.pop()
        return entry.path

    def resolve(self, ref: Path_) -> Path_:
        """The one unit, in the tree or the file, whose path is ``ref`` or ends with it."""
        found = {p for p in self.units if p[-len(ref):] == ref}
        for other in self.by_name.get(ref[-1], []):
            try:
                path = self.path_of(other)
            except _Cycle:
                raise
            except _Rejected:
                self.bad_rows[ref[-1]] = other.row
                continue
            if path[-len(ref):] == ref:
                found.add(path)
        if ref in found or len(found) == 1:
            return ref if ref in found else found.pop()
        if not found and ref[-1] in self.bad_rows:
            raise _Rejected(f"上级单位“{'/'.join(ref)}”在第 {self.bad_rows[ref[-1]]} 行，而那一行有误")
        if not found:
            raise _Rejected(f"上级单位“{'/'.join(ref)}”不存在（系统和文件中都没有），请写出完整路径，如“玄武区人民政府/新街口街道”")
        shown = "、".join(sorted("/".join(p) for p in found)[:3])
        raise _Rejected(f"上级单位“{'/'.join(ref)}”有多个同名单位（{shown}），请写出完整路径")


def _plan(entries: list[_Entry], tree: _Tree, report: UnitImportReport) -> list[tuple[_Entry, Unit | None]]:
    """Each good entry with the unit it updates (None: a new one); outcomes and rejections filled in."""
    steps: list[tuple[_Entry, Unit | None]] = []
    first: dict[Path_, _Entry] = {}
    for entry in entries:
        try:
            path = tree.path_of(entry)
            if path in first:
                raise _Rejected(f"与第 {first[path].row} 行是同一个单位（{'/'.join(path)}），同一单位只能出现一次")
            first[path] = entry
            unit = tree.units.get(path)
            if unit is None and "kind" not in entry.given:
                raise _Rejected(f"新单位“{entry.data.name}”请填写单位类别")
            steps.append((entry, unit))
        except _Rejected as exc:
            report.rejected.append(RejectedRow(entry.row, str(exc)))
    # In use under retired is refused, as core.units.tree.retire_unit and restore_unit refuse it.
    final = {p: u.active for p, u in tree.units.items()} | {
        e.path: (e.active if e.active is not None else (u.active if u else True)) for e, u in steps}
    for entry, unit in steps:
        path = entry.path
        if final[path] and len(path) > 1 and not final.get(path[:-1], True):
            report.rejected.append(RejectedRow(entry.row, f"上级单位“{'/'.join(path[:-1])}”停用，下级单位不能在用"))
        elif not final[path]:
            below = [p[-1] for p in final if len(p) == len(path) + 1 and p[:-1] == path and final[p]]
            if below:
                report.rejected.append(RejectedRow(entry.row, f"“{entry.data.name}”下还有在用的单位"
                                                              f"（{'、'.join(below[:3])}），请一并停用"))
        action = "added" if unit is None else "updated" if _fields(entry, unit) else "unchanged"
        report.outcomes.append(RowOutcome(entry.row, "/".join(path), action))
    return steps


def _fields(entry: _Entry, unit: Unit | None) -> dict[str, Any]:
    """The stored values the entry asks for (what the file leaves out stays)."""
    data = entry.data
    out: dict[str, Any] = {k: ("\n".join(v) if isinstance(v := getattr(data, k), list) else v)
                           for k in _FIELDS if k in entry.given}
    if "sort" in entry.given:
        out["sort"] = data.sort
    if entry.active is not None:
        out["active"] = entry.active
    return out if unit is None else {k: v for k, v in out.items() if getattr(unit, k) != v}


def _write(steps: list[tuple[_Entry, Unit | None]], tree: _Tree) -> None:
    ids = {p: u.id for p, u in tree.units.items()}
    for entry, unit in sorted(steps, key=lambda s: len(s[0].path)):  # parents first
        changes = _fields(entry, unit)
        if unit is None:
            entry.data.parent_id = ids[entry.path[:-1]] if len(entry.path) > 1 else None
            created = units.insert_unit(entry.data)
            if changes.get("active") is False:
                Unit.update(active=False).where(Unit.id == created.id).execute()
            ids[entry.path] = created.id
        elif changes:
            Unit.update(rev=Unit.rev + 1, updated_at=clock.stamp(), **changes).where(Unit.id == unit.id).execute()


def import_units(actor: Actor, path: Path, dry_run: bool = False) -> UnitImportReport:
    """Import units from an .xlsx or .csv file: all rows or, if any is rejected, none.

    ``dry_run`` checks and reports without writing. Needs the right to manage units.
    """
    started = time.perf_counter()
    path = Path(path)
    require(actor, Permission.UNIT_MANAGE)
    report = UnitImportReport(path.name, dry_run)
    bad_rows: dict[str, int] = {}
    entries = _read(path, report.rejected, bad_rows)
    try:
        with units.unit_write(actor, "unit.import") as tx:
            tree = _Tree(entries, bad_rows)  # read under the write lock: what is checked is what is written
            steps = _plan(entries, tree, report)
            report.rejected.sort(key=lambda r: r.row)
            if report.rejected or dry_run or not steps:
                raise _Rollback
            _write(steps, tree)
            tx.detail = {"file": path.name, "sha256": tabular.sha256_file(path),
                         **{a: report.count(a) for a in ("added", "updated", "unchanged")}}
        report.written = True
    except _Rollback:
        pass
    report.seconds = time.perf_counter() - started
    log.info("units import: added %d, updated %d, unchanged %d, rejected %d, written %s", report.count("added"),
             report.count("updated"), report.count("unchanged"), len(report.rejected), report.written)
    return report


# ---------------------------------------------------------------- export


def export_rows() -> list[dict[str, Any]]:
    """Every unit, retired ones included, in tree order, as import reads them."""
    stored = {u.id: u for u in Unit.select()}
    return [{"name": u.name, "parent": node.path.rpartition("/")[0], "kind": UnitKind.label_of(u.kind),
             "contact": u.contact, "duty_phone": u.duty_phone, "email": u.email, "address": u.address,
             "matters": "、".join(split_terms(u.matters)), "keywords": "、".join(split_terms(u.keywords)),
             "sort": u.sort, "status": "在用" if u.active else "停用"}
            for node in units.unit_tree(include_retired=True) for u in (stored[node.id],)]


def export_units(actor: Actor, out: Path) -> int:
    """Write every unit to ``out`` (.xlsx or .csv), whole or not at all; returns the count.

    CSV cells that would start a formula (a duty phone "+86…") get a leading quote, which
    the import takes off again (core.tabular.csv_cell)."""
    require(actor, Permission.UNIT_MANAGE)
    out = Path(out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise UnitFileError(f"无法从文件名“{out.name}”判断导出格式，请用 .xlsx 或 .csv 结尾。")
    rows = export_rows()
    header = [COLUMNS[k][0] for k in COLUMNS]
    with files.replacing(out) as partial:  # a full disk is FileNotWritten, in Chinese; nothing left behind
        if out.suffix.lower() == ".csv":
            with open(partial, "w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel reads it as UTF-8
                tabular.write_csv(fh, [header] + [[row[k] for k in COLUMNS] for row in rows])
        else:
            partial.write_bytes(_xlsx(header, rows))
    log.info("units export: %d units", len(rows))
    return len(rows)


def _xlsx(header: list[str], rows: list[dict[str, Any]]) -> bytes:
    import openpyxl  # slow to import; only export needs it
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("承办单位")

    def cell(value: Any) -> WriteOnlyCell:
        out = WriteOnlyCell(sheet, value=value if value != "" else None)
        if isinstance(value, str) and value:
            out.data_type = "s"  # a phone stays text with its leading 0; "=…" never becomes a formula
        return out

    sheet.append(header)
    for row in rows:
        sheet.append([cell(row[k]) for k in COLUMNS])
    return tabular.workbook_bytes(book)
