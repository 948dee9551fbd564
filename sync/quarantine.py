"""上报隔离区: a copy of every rejected batch file next to the database, for whoever investigates.

Bounded (issue 15 §5): the newest ``KEEP_FILES`` copies and ``KEEP_BYTES`` in all; to make room
for a new copy the oldest go first, and the import report names them. A file larger than
``KEEP_BYTES`` by itself, or than the disk's free space less ``FREE_MARGIN`` (after the room the
oldest copies would give back), is not copied at all, and nothing is dropped for it: the report
says so, and the import's row keeps the file's hash and size. So no file, however large, and no
flood of files fills the disk. Copies are numbered as they come (``000042_20261124-073000_x.hdsync``)
so "oldest" never depends on a file system's timestamps; copies kept before the numbering
count as older than any numbered one. Nothing here is ever fatal to the import.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from core import clock

FOLDER = "上报隔离区"
KEEP_FILES = 50
KEEP_BYTES = 500 * 1024 ** 2
# What a copy must leave free on the disk: the database grows, and one import's write-ahead log
# can reach a few GB before its checkpoint (sync.importer); both matter more than a copy.
FREE_MARGIN = 2 * 1024 ** 3
_ORDER = re.compile(r"(\d{6,})_")


def _amount(size: int) -> str:
    return f"{size / 1024 ** 3:,.1f} GB" if size >= 1024 ** 3 else f"{size / 1024 ** 2:,.1f} MB"


@dataclass
class Kept:
    path: str = ""  # "" when no copy could be made
    dropped: list[str] = field(default_factory=list)  # names of the older copies removed to make room
    skipped: str = ""  # why the file was not copied, when it was too large for the quarantine or the disk

    def note(self) -> str:
        """What the import report says of the quarantine ('' when there is nothing to say)."""
        lines = [self.skipped] if self.skipped else []
        if self.dropped:
            names = "、".join(self.dropped[:5]) + (f" 等 {len(self.dropped)} 个" if len(self.dropped) > 5 else "")
            lines.append(f"隔离区只保留最近 {KEEP_FILES} 个文件、合计不超过 {KEEP_BYTES // 1024 ** 2} MB，"
                         f"已删除最早的 {len(self.dropped)} 个副本：{names}")
        return "\n".join(lines)


def _order(path: Path) -> tuple[int, str]:
    match = _ORDER.match(path.name)
    return (int(match.group(1)) if match else 0, path.name)


def _copies(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.is_file() and not p.name.endswith(".part")), key=_order)


def keep(path: Path, database: Path) -> Kept:
    """Copy ``path`` into the quarantine beside ``database``, the oldest copies dropped first to make room."""
    if not path.is_file():
        return Kept()
    folder = database.parent / FOLDER
    not_kept = "未存入隔离区；导入记录中保留了它的 SHA-256 和大小，原文件请另行保存"
    try:
        size = path.stat().st_size
        if size > KEEP_BYTES:
            return Kept(skipped=f"这个文件有 {_amount(size)}，超过隔离区合计上限 {KEEP_BYTES // 1024 ** 2} MB，{not_kept}")
        folder.mkdir(parents=True, exist_ok=True)
        going = _oldest_to_drop(folder, size)
        free = shutil.disk_usage(folder).free + sum(bytes_ for _p, bytes_ in going)
        if size > free - FREE_MARGIN:
            return Kept(skipped=f"磁盘剩余空间不足（{_amount(free)}，须为数据库留出 {_amount(FREE_MARGIN)}），"
                                f"这个文件（{_amount(size)}）{not_kept}")
        dropped = _drop(going)
        number = max((_order(p)[0] for p in _copies(folder)), default=0) + 1
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        while (target := folder / f"{number:06d}_{stamp}_{path.name}").exists():  # another window's copy
            number += 1
        part = target.with_name(target.name + ".part")
        shutil.copyfile(path, part)
        part.replace(target)
    except OSError:
        return Kept()
    return Kept(str(target), dropped)


def _oldest_to_drop(folder: Path, size: int) -> list[tuple[Path, int]]:
    """The oldest copies that must go so that one more of ``size`` bytes stays within both bounds."""
    copies = [(p, p.stat().st_size) for p in _copies(folder)]
    total = sum(bytes_ for _p, bytes_ in copies)
    going: list[tuple[Path, int]] = []
    while copies and (len(copies) + 1 > KEEP_FILES or total + size > KEEP_BYTES):
        oldest = copies.pop(0)
        going.append(oldest)
        total -= oldest[1]
    return going


def _drop(going: list[tuple[Path, int]]) -> list[str]:
    dropped: list[str] = []
    for oldest, _size in going:
        try:
            oldest.unlink()
        except OSError:
            continue  # a copy in use or a folder gone read-only: it stays; the next rejection tries again
        dropped.append(oldest.name)
    return dropped
