"""Writing files a person asked for (documents, batches, keys): safe names, whole files, messages they can act on.

Names follow Windows' rules wherever the program runs (a folder on a USB stick
or a network share ends up on Windows sooner or later), and are capped in
UTF-8 bytes too, for ext4 on 统信 UOS / 麒麟 where a name may hold 255 bytes.
A file is written under a temporary name in its own folder, synced and then
renamed over the target, so a crash or a full disk never leaves half a file.
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from core.errors import StorageError

FORBIDDEN = '<>:"/\\|?*'
_FORBIDDEN_RE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED_RE = re.compile(r"^(con|prn|aux|nul|com[1-9¹²³]|lpt[1-9¹²³])$", re.IGNORECASE)
MAX_CHARS = 120
MAX_BYTES = 240  # below ext4's 255, with room for the temporary name's prefix
_EXTENSION_RE = re.compile(r"\.[A-Za-z0-9]{1,9}")  # ".docx", ".pdf"; anything else is part of the name
FALLBACK_NAME = "未命名"
_TEMP_PREFIX = ".hotline-"


class FileNotWritten(StorageError):
    """A document could not be written where the person asked (folder, disk, name)."""

    title = "文件未保存"


def _split(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not stem or not _EXTENSION_RE.fullmatch(dot + ext):
        return name, ""
    return stem, dot + ext


def _fits(text: str, limit_chars: int, limit_bytes: int) -> str:
    text = text[:limit_chars]
    while len(text.encode("utf-8")) > limit_bytes:
        text = text[:-1]
    return text


def _is_reserved(name: str) -> bool:
    """Windows reserves CON, NUL, COM1… with any extension ("nul.tar.gz") and trailing spaces."""
    return bool(_RESERVED_RE.match(name.split(".", 1)[0].rstrip(" ")))


def safe_file_name(name: str) -> str:
    """``name`` made valid as a file name on Windows, Linux and macOS; never empty.

    Forbidden and control characters become "_", trailing dots and spaces go,
    a reserved device name gets "_" after its first part ("nul.tar.gz" -> "nul_.tar.gz"), and a long name is
    cut to 120 characters (and 240 UTF-8 bytes), keeping its extension.
    """
    stem, ext = _split(_FORBIDDEN_RE.sub("_", name).strip().rstrip(". "))
    cut = _fits(stem, MAX_CHARS - len(ext), MAX_BYTES - len(ext.encode("utf-8")))
    stem = cut.rstrip(". ") if cut != stem else stem
    if not stem:
        stem = FALLBACK_NAME
    if _is_reserved(stem):
        head, dot, rest = stem.partition(".")
        stem = f"{head}_{dot}{rest}"
    return stem + ext


def check_name(name: str) -> str | None:
    """What is wrong with a file name a person typed, in Chinese, or None if it is fine."""
    if not name.strip():
        return "请填写文件名。"
    found = list(dict.fromkeys(_FORBIDDEN_RE.findall(name)))
    if found:
        shown = [c for c in found if c in FORBIDDEN]
        if len(shown) < len(found):
            shown.append("控制字符")
        return "文件名不能包含这些字符：" + " ".join(shown)
    if name != name.strip():
        return "文件名的开头和结尾不能是空格。"
    if name.endswith("."):
        return "文件名不能以点结尾。"
    if _is_reserved(name):
        return f"“{name.split('.', 1)[0].rstrip()}”是 Windows 保留的名字，不能用作文件名，请换一个名字。"
    if len(name) > MAX_CHARS or len(name.encode("utf-8")) > MAX_BYTES:
        return f"文件名太长，请缩短到 {MAX_BYTES // 3} 个汉字（{MAX_CHARS} 个字母）以内。"
    return None


def file_error(exc: OSError, folder: Path, name: str | None = None, replacing: bool = False) -> FileNotWritten:
    """A message for ``exc`` that names the folder (or file) and says what to do."""
    code = exc.errno
    what = f"“{name}”" if name else "文件"
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        text = f"磁盘空间不足，{what}没有写入。请清理文件夹“{folder}”所在的磁盘，或换一个文件夹后重试。"
    elif (replacing and code in (errno.EACCES, errno.EPERM)) or getattr(exc, "winerror", None) == 32:
        text = (f"{what}正被其他程序打开或是只读文件，不能覆盖。"
                f"请关闭打开它的程序（如 Word、WPS 或 PDF 阅读器）后重试，或换一个文件名。")
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        text = f"文件夹“{folder}”是只读的或没有写入权限，不能写入。请换一个文件夹。"
    elif code == errno.ENOENT:
        text = f"文件夹“{folder}”不存在（可能已被移动，或 U 盘已拔出）。请重新选择文件夹。"
    elif code == errno.ENOTDIR:
        text = f"“{folder}”不是文件夹。请重新选择文件夹。"
    elif code == errno.ENAMETOOLONG:
        text = f"{what}的名字或所在路径太长，不能写入。请缩短文件名，或换一个层级浅的文件夹。"
    else:
        # The code, not the system's own words: those are English on most Linux machines.
        reason = errno.errorcode.get(code, "") if code else ""
        text = (f"在文件夹“{folder}”写入{what}失败{f'（系统错误 {reason}）' if reason else ''}。"
                "请检查磁盘后重试，或换一个文件夹。")
    return FileNotWritten(text)


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:  # already renamed, or gone
        pass


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` for the caller to write; synced and renamed over
    ``path`` when the block ends, removed if it fails. Raises FileNotWritten (a StorageError)."""
    path = Path(path)
    folder = path.parent
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=_TEMP_PREFIX, suffix=".tmp")
        os.close(fd)
    except OSError as exc:
        raise file_error(exc, folder, path.name) from exc
    stage_replace = False
    try:
        yield Path(tmp)
        # A full disk may show only here: the blocks of a buffered write are placed at fsync.
        fd = os.open(tmp, os.O_RDWR | getattr(os, "O_BINARY", 0))  # Windows syncs only what it may write
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        stage_replace = True
        os.replace(tmp, path)
    except OSError as exc:
        raise file_error(exc, folder, path.name, replacing=stage_replace) from exc
    finally:
        _remove_quietly(tmp)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all; raises FileNotWritten (a StorageError)."""
    place_file(stage_file(path, data), path)


def stage_file(path: Path, data: bytes) -> Path:
    """``data`` in a synced temporary file beside ``path``, for ``place_file`` to put in place
    once what the file goes with has committed (an earlier file of that name stays until
    then). A full disk shows here: FileNotWritten, nothing left behind."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_TEMP_PREFIX, suffix=".tmp")
    except OSError as exc:
        raise file_error(exc, path.parent, path.name) from exc
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)  # a full disk may show only here: the blocks are placed at fsync
        finally:
            os.close(fd)
    except OSError as exc:
        _remove_quietly(tmp)
        raise file_error(exc, path.parent, path.name) from exc
    return Path(tmp)


def place_file(staged: Path, path: Path) -> None:
    """Rename a staged file over ``path``; FileNotWritten (and the staged file removed) if not."""
    try:
        os.replace(staged, path)
    except OSError as exc:
        _remove_quietly(str(staged))
        raise file_error(exc, Path(path).parent, Path(path).name, replacing=True) from exc


@contextlib.contextmanager
def placed_until_committed(path: Path, data: bytes) -> Iterator[None]:
    """``data`` put at ``path`` for the block, which commits what the file goes with: a full
    folder fails inside it (FileNotWritten), and if the block fails an earlier file of that
    name is put back as it was, so a file never stands without its record or in place of one."""
    path = Path(path)
    staged = stage_file(path, data)
    aside: Path | None = None
    try:
        if path.exists():
            aside = path.with_name(f"{_TEMP_PREFIX}{path.name}.earlier")
            os.replace(path, aside)
        place_file(staged, path)
    except OSError as exc:
        _remove_quietly(str(staged))
        if aside is not None:
            os.replace(aside, path)
        raise file_error(exc, path.parent, path.name, replacing=True) from exc
    except BaseException:
        if aside is not None:
            os.replace(aside, path)
        raise
    try:
        yield
    except BaseException:
        _remove_quietly(str(path))
        if aside is not None:
            os.replace(aside, path)
        raise
    if aside is not None:
        _remove_quietly(str(aside))


def check_folder_writable(folder: Path) -> None:
    """Raise FileNotWritten, with the same messages as a failed write, before a batch starts."""
    folder = Path(folder)
    if not folder.exists():
        raise file_error(OSError(errno.ENOENT, os.strerror(errno.ENOENT)), folder)
    if not folder.is_dir():
        raise file_error(OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)), folder)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=_TEMP_PREFIX, suffix=".tmp")
    except OSError as exc:
        raise file_error(exc, folder) from exc
    os.close(fd)
    _remove_quietly(tmp)
