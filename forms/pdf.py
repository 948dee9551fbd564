"""A .docx to PDF through LibreOffice, for preview and printing (DESIGN "Documents").

Each call starts its own headless ``soffice`` with a throwaway user profile, so it
works while the person has LibreOffice open and calls may run side by side. The
inputs are copied under numbered names first: two letters both named 调解书.docx
cannot collide, and soffice's output (logged on failure) holds no citizen's name.
One process converts a whole batch (``to_pdf_many``), which saves its start-up
per file: on a 2-core Linux machine with LibreOffice 7.4, one letter takes 1.0 s
(a new process and profile each time), 20 letters 21.5 s one by one and 2.6 s
in one process.

WPS Office offers no reliable headless conversion, so it is only detected:
on Windows the one route is COM automation (``KWps.Application``, Word's object
model with ``ExportAsFixedFormat``), which needs pywin32, a logged-in desktop,
and an edition that registers the COM server (commonly reported to need
"兼容第三方系统和软件" ticked in WPS's 配置工具), and a login, update or
advertising window can stall the invisible instance; WPS for Linux has no
conversion switch, and its RPC SDK (pywpsrpc) needs Qt 5, an X desktop and a
running WPS (timxx/pywpsrpc#22); Kingsoft's conversion API is a cloud service,
no place for citizens' letters. With WPS alone the UI opens the .docx in the
system's default program and says so (``OfficeMissing.wps``).
"""
from __future__ import annotations

import functools
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from core.errors import StorageError
from core.files import check_folder_writable, write_atomically

log = logging.getLogger("hotline.forms")

ENV_OFFICE = "HOTLINE_DESK_OFFICE"  # path to soffice; empty: behave as if no office suite is installed
BATCH_TIMEOUT_BASE = 120.0
# LibreOffice 7.4 converts only about the first 243 files named on one command line and
# exits 0 (measured; higebu/3gpp-mcp#4 saw ~247); a Windows command line ends at 32,767
# characters. So a batch runs soffice once per FILES_PER_RUN files.
FILES_PER_RUN = 200
BATCH_TIMEOUT_PER_FILE = 5.0  # 0.1 s a letter measured in a batch; room for long files and slow disks
_POLL_SECONDS = 0.1
_WINDOWS = sys.platform == "win32"
_SPAWN: dict = {"creationflags": subprocess.CREATE_NO_WINDOW} if _WINDOWS else {"start_new_session": True}

NO_OFFICE = ("未找到 LibreOffice，无法生成 PDF，将用系统默认程序打开 .docx。"
             "安装 LibreOffice 后可以在本程序中直接预览和打印。")
WPS_ONLY = "已安装 WPS，但无法自动转换 PDF，将用系统默认程序打开 .docx。"


class OfficeMissing(StorageError):
    """No LibreOffice: the caller opens the .docx in the default program instead."""

    title = "无法生成 PDF"

    def __init__(self, wps: Path | None = None) -> None:
        super().__init__(WPS_ONLY if wps else NO_OFFICE)
        self.wps = wps


class ConversionFailed(StorageError):
    """LibreOffice ran but gave no PDF: timeout, a crash or a file it cannot read."""

    title = "PDF 转换失败"


def _program_folders() -> list[Path]:
    names = ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)")
    return [Path(v) for v in dict.fromkeys(os.environ.get(n, "") for n in names) if v]


def _first_existing(candidates: Iterable[Path]) -> Path | None:
    return next((p for p in candidates if p.exists()), None)


def find_office() -> Path | None:
    """LibreOffice's ``soffice``, or None; ``HOTLINE_DESK_OFFICE`` overrides the search."""
    override = os.environ.get(ENV_OFFICE)
    if override is not None:
        found = shutil.which(override) if override.strip() else None
        if override.strip() and not found:
            log.warning("%s does not name a program; behaving as if no office suite is installed", ENV_OFFICE)
        return Path(found) if found else None
    for name in ("soffice", "libreoffice"):
        if found := shutil.which(name):
            return Path(found)
    if _WINDOWS:
        candidates = [root / "LibreOffice" / "program" / "soffice.exe" for root in _program_folders()]
    elif sys.platform == "darwin":
        bundle = Path("LibreOffice.app/Contents/MacOS/soffice")
        candidates = [Path("/Applications") / bundle, Path.home() / "Applications" / bundle]
    else:  # the packages from libreoffice.org install under /opt/libreofficeX.Y
        candidates = sorted(Path("/opt").glob("libreoffice*/program/soffice"), reverse=True)
    return _first_existing(candidates)


def find_wps() -> Path | None:
    """WPS Office's launcher, or None; detection only (see the module's docstring)."""
    if ENV_OFFICE in os.environ:
        return None
    if found := shutil.which("wps"):  # WPS for Linux installs /usr/bin/wps
        return Path(found)
    if _WINDOWS:
        local = os.environ.get("LOCALAPPDATA")  # the default per-user install
        roots = ([Path(local)] if local else []) + _program_folders()
        candidates = [root / "Kingsoft" / "WPS Office" / "ksolaunch.exe" for root in roots]
    elif sys.platform == "darwin":
        candidates = [Path("/Applications/wpsoffice.app")]
    else:
        candidates = [Path("/opt/kingsoft/wps-office/office6/wps")]
    return _first_existing(candidates)


def require_office() -> Path:
    """``soffice``, or OfficeMissing saying whether WPS is there; for the UI to ask up front."""
    office = find_office()
    if office is None:
        raise OfficeMissing(find_wps())
    return office


def to_pdf(docx: Path, out_pdf: Path, timeout: float = 120) -> Path:
    """Convert ``docx`` to ``out_pdf``, written whole or not at all; returns ``out_pdf``."""
    out_pdf = Path(out_pdf)
    office = require_office()
    check_folder_writable(out_pdf.parent)
    with _workspace() as work:
        pdfs = _convert(office, [Path(docx)], Path(work), timeout, None, None)
        assert pdfs is not None  # only a cancelled conversion gives None
        write_atomically(out_pdf, _read(pdfs[0]))
    return out_pdf


def to_pdf_many(
    docxs: list[Path],
    out_dir: Path,
    timeout: float | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> dict[Path, Path]:
    """Convert many files, FILES_PER_RUN to a soffice process; maps each .docx to ``out_dir / <stem>.pdf``.

    No PDF is written unless every file converted (a write failing part way
    keeps those already written, each whole). ``timeout`` covers each soffice
    run (default 120 s plus 5 s a file of the batch). ``progress(done, total)`` is called
    as PDFs appear, and raising from it stops soffice; when ``cancelled()``
    turns true soffice is stopped, nothing is written and ``{}`` is returned.
    Two inputs with the same stem would overwrite each other: ValueError.
    """
    docxs = list(dict.fromkeys(Path(d) for d in docxs))
    out_dir = Path(out_dir)
    targets = {d: out_dir / f"{d.stem}.pdf" for d in docxs}
    if len(set(targets.values())) < len(targets):
        raise ValueError("to_pdf_many: two inputs share a stem, their PDFs would collide")
    if not docxs:
        return {}
    office = require_office()
    check_folder_writable(out_dir)
    if timeout is None:
        timeout = BATCH_TIMEOUT_BASE + BATCH_TIMEOUT_PER_FILE * len(docxs)
    with _workspace() as work:
        pdfs: list[Path] = []
        for base in range(0, len(docxs), FILES_PER_RUN):
            part = docxs[base:base + FILES_PER_RUN]
            step = None if progress is None else (lambda done, _total, base=base: progress(base + done, len(docxs)))
            folder = Path(work) / f"run{base // FILES_PER_RUN}"
            folder.mkdir()
            made = _convert(office, part, folder, timeout, step, cancelled)
            if made is None:
                return {}
            pdfs.extend(made)
        for docx, pdf in zip(docxs, pdfs):
            write_atomically(targets[docx], _read(pdf))
    return targets


def _names(docxs: list[Path]) -> str:
    first = f"“{docxs[0].name}”"
    return first if len(docxs) == 1 else f"{first}等 {len(docxs)} 个文件"


def _workspace() -> tempfile.TemporaryDirectory:
    try:
        return tempfile.TemporaryDirectory(prefix="hotline-pdf-", ignore_cleanup_errors=True)
    except OSError as exc:
        raise ConversionFailed(f"无法在系统临时文件夹“{tempfile.gettempdir()}”中准备转换（{exc.strerror or exc}）。"
                               "请检查该磁盘的剩余空间。") from exc


def _read(pdf: Path) -> bytes:
    try:
        return pdf.read_bytes()
    except OSError as exc:
        raise ConversionFailed(f"读取转换好的 PDF 失败（{exc.strerror or exc}）。请重试。") from exc


def _convert(office: Path, docxs: list[Path], work: Path, timeout: float,
             progress: Callable[[int, int], None] | None,
             cancelled: Callable[[], bool] | None) -> list[Path] | None:
    """The PDFs in ``work/out``, in the order of ``docxs``; None if cancelled."""
    inputs = []
    (work / "in").mkdir()
    for i, docx in enumerate(docxs):
        inputs.append(work / "in" / f"{i:04d}{docx.suffix}")
        try:
            shutil.copyfile(docx, inputs[-1])
        except OSError as exc:
            raise ConversionFailed(f"准备转换“{docx.name}”失败（{exc.strerror or exc}）。"
                                   "请确认文件还在，并检查系统临时文件夹所在磁盘的空间。") from exc
    started = time.monotonic()
    try:
        code = _run(office, inputs, work, timeout, progress, cancelled)
    except subprocess.TimeoutExpired:
        log.warning("soffice timed out after %.0f s on %d file(s); output: %s", timeout, len(docxs), _tail(work / "soffice.log"))
        raise ConversionFailed(f"转换 PDF 超时（{timeout:.0f} 秒内没有完成）：{_names(docxs)}。"
                               "请稍后重试；如果一直如此，请用 Word 或 WPS 打开 .docx 打印。") from None
    if code is None:
        return None
    pdfs = [work / "out" / f"{p.stem}.pdf" for p in inputs]
    failed = [d for d, pdf in zip(docxs, pdfs) if not pdf.is_file() or pdf.stat().st_size == 0]
    if code != 0 or failed:
        log.warning("soffice exit %s, %d of %d without a PDF; output: %s",
                    code, len(failed), len(docxs), _tail(work / "soffice.log"))
    if code != 0:
        raise ConversionFailed(f"LibreOffice 转换{_names(docxs)}时出错（退出码 {code}）。"
                               "请重试；如果一直如此，请用 Word 或 WPS 打开 .docx 检查。")
    if failed:
        raise ConversionFailed(f"LibreOffice 没有生成{_names(failed)}的 PDF，文件可能已损坏。"
                               "请用 Word 或 WPS 打开检查。")
    log.info("soffice converted %d file(s) in %.1f s", len(docxs), time.monotonic() - started)
    return pdfs


# The templates name the Windows fonts (宋体, 仿宋, 黑体). LibreOffice's replacement table
# with "Always" false applies only when the named font is missing, and LibreOffice takes a
# family fontconfig merely substitutes (仿宋 → DejaVu Sans, which has no Chinese) as present:
# the pair was skipped and the body fell back to the sans CJK face, letters printed like
# headings. So where fontconfig is the font system, each named font it does not list is
# replaced always, by the first of its faces that is installed; Song and FangSong by a serif
# (Song) face, Hei by a sans one. On Windows (the fonts are there; no fontconfig to ask) the
# table stays as it was, for a PC that lacks one: replaced only when LibreOffice finds it missing.
_SONG = ("Noto Serif CJK SC", "Source Han Serif SC", "Source Han Serif CN", "AR PL UMing CN", "AR PL SungtiL GB")
_HEI = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei")
_FACES: dict[str, tuple[str, ...]] = {
    "SimSun": _SONG, "宋体": _SONG, "FangSong": _SONG, "仿宋": _SONG, "FangSong_GB2312": _SONG, "仿宋_GB2312": _SONG,
    "SimHei": _HEI, "黑体": _HEI, "Times New Roman": ("Liberation Serif",),
}


@functools.lru_cache(maxsize=1)
def installed_families() -> frozenset[str] | None:
    """Every font family fontconfig lists (each of its names), or None where fontconfig is not
    the font system (Windows) or cannot be asked."""
    fc_list = None if _WINDOWS else shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("fc-list failed (%s); fonts replaced only where LibreOffice finds them missing", exc)
        return None
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(",") if name.strip())


def replacements(families: frozenset[str] | None) -> list[tuple[str, str, bool]]:
    """(font named by the templates, the face printed instead, always) for LibreOffice's table."""
    if families is None:
        return [(font, faces[0], False) for font, faces in _FACES.items()]
    pairs = []
    for font, faces in _FACES.items():
        face = next((f for f in faces if f in families), None)
        if font not in families and face is not None:
            pairs.append((font, face, True))
    return pairs


def _profile(folder: Path) -> None:
    """A throwaway LibreOffice profile with the font replacement table."""
    pairs = "".join(
        f'<node oor:name="hotline{i}" oor:op="replace">'
        f'<prop oor:name="Always" oor:op="fuse"><value>{"true" if always else "false"}</value></prop>'
        f'<prop oor:name="OnScreenOnly" oor:op="fuse"><value>false</value></prop>'
        f'<prop oor:name="ReplaceFont" oor:op="fuse"><value>{font}</value></prop>'
        f'<prop oor:name="SubstituteFont" oor:op="fuse"><value>{substitute}</value></prop></node>'
        for i, (font, substitute, always) in enumerate(replacements(installed_families())))
    xcu = ('<?xml version="1.0" encoding="UTF-8"?>'
           '<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">'
           '<item oor:path="/org.openoffice.Office.Common/Font/Substitution">'
           '<prop oor:name="Replacement" oor:op="fuse"><value>true</value></prop></item>'
           f'<item oor:path="/org.openoffice.Office.Common/Font/Substitution/FontPairs">{pairs}</item>'
           '</oor:items>')
    (folder / "user").mkdir(parents=True)
    (folder / "user" / "registrymodifications.xcu").write_text(xcu, encoding="utf-8")


def _run(office: Path, inputs: list[Path], work: Path, timeout: float,
         progress: Callable[[int, int], None] | None,
         cancelled: Callable[[], bool] | None) -> int | None:
    """soffice's exit code; None if cancelled; TimeoutExpired. soffice never outlives this call."""
    out = work / "out"
    _profile(work / "profile")
    command = [str(office), f"-env:UserInstallation={(work / 'profile').as_uri()}",
               "--headless", "--norestore", "--nolockcheck", "--nodefault", "--nologo",
               "--convert-to", "pdf", "--outdir", str(out), *map(str, inputs)]
    try:
        with open(work / "soffice.log", "wb") as output:
            proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                    env=_child_env(), **_SPAWN)
    except OSError as exc:
        raise ConversionFailed(f"无法启动 LibreOffice（{office}）：{exc.strerror or exc}。请重新安装 LibreOffice。") from exc
    deadline = time.monotonic() + timeout
    done = 0
    try:
        while True:
            try:
                return_code = proc.wait(_POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                pass
            if cancelled is not None and cancelled():
                return None
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(command, timeout)
            if progress is not None and (now := _count(out)) != done:
                done = now
                progress(done, len(inputs))
    finally:
        _stop(proc)
    if progress is not None:
        progress(len(inputs), len(inputs))
    return return_code


def _count(folder: Path) -> int:
    return sum(1 for _ in folder.glob("*.pdf")) if folder.is_dir() else 0


def _stop(proc: subprocess.Popen) -> None:
    """Kill soffice and what it started (oosplash starts soffice.bin) if still running."""
    if proc.poll() is not None:
        return
    if _WINDOWS:
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, **_SPAWN)
    else:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def _child_env() -> dict[str, str]:
    """PyInstaller points LD_LIBRARY_PATH at its bundle; soffice needs the system's libraries."""
    env = dict(os.environ)
    if getattr(sys, "frozen", False):
        original = env.pop("LD_LIBRARY_PATH_ORIG", None)
        env.pop("LD_LIBRARY_PATH", None)
        if original is not None:
            env["LD_LIBRARY_PATH"] = original
    return env


def _tail(path: Path, limit: int = 600) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-limit:].strip()
    except OSError:
        return ""
