"""上报隔离区: a copy of every rejected batch file next to the database, for whoever investigates.

Bounded (issue 15 §5): the newest ``KEEP_FILES`` copies and ``KEEP_BYTES`` in all; when a new
copy goes over either, the oldest go, and the import report names them. The newest copy is
always kept, however large. Copies are numbered as they come (``000042_20261124-073000_x.hdsync``)
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
_ORDER = re.compile(r"(\d{6,})_")


@dataclass
class Kept:
    path: str = ""  # "" when no copy could be made
    dropped: list[str] = field(default_factory=list)  # names of the older copies removed to make room

    def note(self) -> str:
        if not self.dropped:
            return ""
        names = "、".join(self.dropped[:5]) + (f" 等 {len(self.dropped)} 个" if len(self.dropped) > 5 else "")
        return (f"隔离区只保留最近 {KEEP_FILES} 个文件、合计不超过 {KEEP_BYTES // 1024 ** 2} MB，"
                f"已删除最早的 {len(self.dropped)} 个副本：{names}")


def _order(path: Path) -> tuple[int, str]:
    match = _ORDER.match(path.name)
    return (int(match.group(1)) if match else 0, path.name)


def _copies(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.is_file() and not p.name.endswith(".part")), key=_order)


def keep(path: Path, database: Path) -> Kept:
    """Copy ``path`` into the quarantine beside ``database``, then drop the oldest copies over the bounds."""
    if not path.is_file():
        return Kept()
    folder = database.parent / FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True)
        number = max((_order(p)[0] for p in _copies(folder)), default=0) + 1
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        while (target := folder / f"{number:06d}_{stamp}_{path.name}").exists():  # another window's copy
            number += 1
        part = target.with_name(target.name + ".part")
        shutil.copyfile(path, part)
        part.replace(target)
    except OSError:
        return Kept()
    return Kept(str(target), _prune(folder, target))


def _prune(folder: Path, newest: Path) -> list[str]:
    dropped: list[str] = []
    try:
        copies = [(p, p.stat().st_size) for p in _copies(folder)]
        total = sum(size for _p, size in copies)
        while copies and copies[0][0] != newest and (len(copies) > KEEP_FILES or total > KEEP_BYTES):
            oldest, size = copies.pop(0)
            oldest.unlink()
            total -= size
            dropped.append(oldest.name)
    except OSError:
        pass  # a copy in use or a folder gone read-only: it stays; the next rejection tries again
    return dropped
