"""forms.pdf through the real LibreOffice; fake soffice scripts for the failures it rarely shows.

Without soffice (or poppler's pdftotext/pdfinfo) the real-office tests skip, except
in CI (HOTLINE_DESK_CI=1), where a missing tool fails them: CI must really run them.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import docx
import pytest

from core.errors import StorageError
from forms import pdf

LETTER = "经12345热线调解，双方就楼上噪声扰民一事达成如下协议"
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="fake soffice is a shell script")


def _missing(what: str) -> None:
    if os.environ.get("HOTLINE_DESK_CI") == "1":
        pytest.fail(f"{what} is missing, and CI must run the PDF tests (HOTLINE_DESK_CI=1)")
    pytest.skip(f"{what} is not installed")


@pytest.fixture
def office() -> Path:
    found = pdf.find_office()
    if found is None:
        _missing("LibreOffice (soffice)")
    for tool in ("pdftotext", "pdfinfo"):
        if shutil.which(tool) is None:
            _missing(f"poppler-utils ({tool})")
    return found


@pytest.fixture
def folder(tmp_path) -> Path:
    path = tmp_path / "文书"
    path.mkdir()
    return path


def _letter(path: Path, number: int, pages: int = 1) -> Path:
    document = docx.Document()
    document.add_heading(f"调解书 第{number}号", 1)
    for page in range(pages):
        if page:
            document.add_page_break()
        document.add_paragraph(f"{LETTER}（第{page + 1}页）。")
    document.save(path)
    return path


def _text(pdf_file: Path) -> str:
    """The PDF's text without whitespace (pdftotext spaces digits from Chinese, breaks lines)."""
    out = subprocess.run(["pdftotext", str(pdf_file), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def _pages(pdf_file: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf_file)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_to_pdf_keeps_the_chinese_text_and_pages(office, folder):
    source = _letter(folder / "调解书 张三.docx", 7, pages=2)
    target = folder / "调解书 张三.pdf"
    assert pdf.to_pdf(source, target) == target
    text = _text(target)
    assert "调解书第7号" in text and f"{LETTER}（第1页）" in text and f"{LETTER}（第2页）" in text
    assert _pages(target) == 2
    assert sorted(p.name for p in folder.iterdir()) == ["调解书 张三.docx", "调解书 张三.pdf"]


def test_to_pdf_many_in_one_process(office, folder, tmp_path):
    sources = []
    for i in range(3):  # the same stem in different folders is the caller's to avoid; here each its own
        (tmp_path / f"src{i}").mkdir()
        sources.append(_letter(tmp_path / f"src{i}" / f"归档表{i}.docx", i, pages=i + 1))
    seen = []
    result = pdf.to_pdf_many(sources, folder, progress=lambda done, total: seen.append((done, total)))
    assert result == {s: folder / f"{s.stem}.pdf" for s in sources}
    for i, source in enumerate(sources):
        assert f"调解书第{i}号" in _text(result[source])
        assert _pages(result[source]) == i + 1
    assert seen[-1] == (3, 3)
    assert sorted(p.name for p in folder.iterdir()) == ["归档表0.pdf", "归档表1.pdf", "归档表2.pdf"]


def test_a_batch_longer_than_one_soffice_run_converts_every_file(office, folder, tmp_path, monkeypatch):
    """LibreOffice 7.4 silently stops after ~243 files on one command line: runs of FILES_PER_RUN."""
    monkeypatch.setattr(pdf, "FILES_PER_RUN", 2)
    sources = [_letter(tmp_path / f"第{i}份.docx", i) for i in range(5)]
    seen = []
    result = pdf.to_pdf_many(sources, folder, progress=lambda done, total: seen.append((done, total)))
    assert [f"调解书第{i}号" in _text(result[s]) for i, s in enumerate(sources)] == [True] * 5
    assert seen == sorted(seen) and seen[-1] == (5, 5) and all(total == 5 for _, total in seen)


def test_parallel_conversions_do_not_meet(office, folder):
    """Each call has its own profile: two at once (or one beside the person's LibreOffice) both finish."""
    sources = [_letter(folder / f"督办通知单{i}.docx", i) for i in range(2)]
    errors: list[BaseException] = []

    def convert(source: Path) -> None:
        try:
            pdf.to_pdf(source, source.with_suffix(".pdf"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=convert, args=(s,)) for s in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for i, source in enumerate(sources):
        assert f"调解书第{i}号" in _text(source.with_suffix(".pdf"))


def test_a_file_office_cannot_read_names_it_and_writes_nothing(office, folder):
    broken = folder / "坏文件.docx"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("word/document.xml", "<not xml")
    good = _letter(folder / "好文件.docx", 1)
    with pytest.raises(pdf.ConversionFailed) as caught:
        pdf.to_pdf_many([good, broken], folder)
    assert "“坏文件.docx”" in caught.value.message and "好文件" not in caught.value.message
    assert isinstance(caught.value, StorageError)
    assert not any(p.suffix == ".pdf" for p in folder.iterdir())


def test_same_stem_twice_is_a_bug(folder, tmp_path):
    (tmp_path / "b").mkdir()
    with pytest.raises(ValueError):
        pdf.to_pdf_many([folder / "调解书.docx", tmp_path / "b" / "调解书.docx"], folder)


def test_no_office(monkeypatch, folder):
    monkeypatch.setenv(pdf.ENV_OFFICE, "")
    assert pdf.find_office() is None and pdf.find_wps() is None
    source = folder / "调解书.docx"
    source.write_bytes(b"PK")
    with pytest.raises(pdf.OfficeMissing) as caught:
        pdf.to_pdf(source, folder / "调解书.pdf")
    assert isinstance(caught.value, StorageError)
    assert caught.value.wps is None and caught.value.message == pdf.NO_OFFICE
    with pytest.raises(pdf.OfficeMissing):
        pdf.to_pdf_many([source], folder)
    assert [p.name for p in folder.iterdir()] == ["调解书.docx"]


def test_wps_alone_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv(pdf.ENV_OFFICE, "")
    monkeypatch.setattr(pdf, "find_wps", lambda: tmp_path / "ksolaunch.exe")
    with pytest.raises(pdf.OfficeMissing) as caught:
        pdf.require_office()
    assert caught.value.message == "已安装 WPS，但无法自动转换 PDF，将用系统默认程序打开 .docx。"
    assert caught.value.wps == tmp_path / "ksolaunch.exe"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a killed child nobody has reaped yet is a zombie, not a running soffice
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def _fake_office(tmp_path: Path, monkeypatch, body: str) -> Path:
    script = tmp_path / "soffice"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv(pdf.ENV_OFFICE, str(script))
    return script


@posix_only
def test_override_names_the_program(tmp_path, monkeypatch):
    script = _fake_office(tmp_path, monkeypatch, "exit 0")
    assert pdf.find_office() == script
    monkeypatch.setenv(pdf.ENV_OFFICE, str(tmp_path / "nowhere"))
    assert pdf.find_office() is None


@posix_only
def test_nonzero_exit_keeps_the_old_pdf(tmp_path, monkeypatch, folder):
    _fake_office(tmp_path, monkeypatch, "exit 3")
    source = _letter(folder / "派单通知单.docx", 1)
    target = folder / "派单通知单.pdf"
    target.write_bytes(b"old")
    with pytest.raises(pdf.ConversionFailed, match="转换“派单通知单.docx”时出错（退出码 3）"):
        pdf.to_pdf(source, target)
    assert target.read_bytes() == b"old"


@posix_only
def test_no_pdf_produced(tmp_path, monkeypatch, folder):
    _fake_office(tmp_path, monkeypatch, "echo 'Error: source file could not be loaded'; exit 0")
    source = _letter(folder / "调解书.docx", 1)
    with pytest.raises(pdf.ConversionFailed, match="没有生成“调解书.docx”的 PDF"):
        pdf.to_pdf(source, folder / "调解书.pdf")
    assert not (folder / "调解书.pdf").exists()


@posix_only
def test_timeout_kills_office_and_names_the_files(tmp_path, monkeypatch, folder):
    pid_file = tmp_path / "pid"
    _fake_office(tmp_path, monkeypatch, f"sleep 60 & echo $! > '{pid_file}'; wait")
    sources = [_letter(folder / f"归档表{i}.docx", i) for i in range(3)]
    started = time.monotonic()
    with pytest.raises(pdf.ConversionFailed, match="超时.*“归档表0.docx”等 3 个文件"):
        pdf.to_pdf_many(sources, folder, timeout=0.5)
    assert time.monotonic() - started < 10
    child = int(pid_file.read_text())
    gone_by = time.monotonic() + 5  # SIGKILL was sent; give the kernel a moment to deliver it
    while _alive(child) and time.monotonic() < gone_by:
        time.sleep(0.05)
    assert not _alive(child)  # what soffice started is gone too
    assert not any(p.suffix == ".pdf" for p in folder.iterdir())


@posix_only
def test_cancel_stops_office_and_writes_nothing(tmp_path, monkeypatch, folder):
    _fake_office(tmp_path, monkeypatch, "sleep 60")
    sources = [_letter(folder / "调解书.docx", 1)]
    asked = time.monotonic() + 0.3
    assert pdf.to_pdf_many(sources, folder, cancelled=lambda: time.monotonic() > asked) == {}
    assert not (folder / "调解书.pdf").exists()


def test_unwritable_target_folder_is_reported_before_converting(office, folder):
    source = _letter(folder / "调解书.docx", 1)
    with pytest.raises(StorageError, match="不存在"):
        pdf.to_pdf_many([source], folder / "已拔出的U盘")


# --- fonts: 仿宋 and 宋体 print in a Song face where the Windows fonts are missing ----------------

NOTO = frozenset({"Noto Serif CJK SC", "Noto Sans CJK SC", "DejaVu Sans", "DejaVu Serif"})


def test_each_missing_windows_font_is_replaced_always_by_an_installed_face():
    table = {font: (face, always) for font, face, always in pdf.replacements(NOTO)}
    for font in ("FangSong", "仿宋", "SimSun", "宋体", "仿宋_GB2312"):
        assert table[font] == ("Noto Serif CJK SC", True), font  # a Song face, not fontconfig's DejaVu Sans
    assert table["SimHei"] == ("Noto Sans CJK SC", True)
    assert "Times New Roman" not in table  # no face for it here: left to LibreOffice


def test_an_installed_windows_font_is_never_replaced_and_a_missing_face_is_not_named():
    table = {font: face for font, face, _always in pdf.replacements(NOTO | {"FangSong", "仿宋"})}
    assert "FangSong" not in table and "仿宋" not in table and table["SimSun"] == "Noto Serif CJK SC"
    assert pdf.replacements(frozenset({"DejaVu Sans"})) == []  # no CJK face at all: nothing to send them to
    table = {font: face for font, face, _always in pdf.replacements(frozenset({"AR PL UMing CN", "DejaVu Sans"}))}
    assert table["FangSong"] == "AR PL UMing CN"  # the next Song face of the list


def _profile_pairs(folder: Path) -> dict[str, tuple[str, str]]:
    """The replacement table forms.pdf wrote: font -> (face, Always)."""
    from xml.etree import ElementTree

    root = ElementTree.parse(folder / "user" / "registrymodifications.xcu").getroot()
    name = "{http://openoffice.org/2001/registry}name"
    pairs = {}
    for node in root.iter("node"):
        props = {prop.get(name): prop.findtext("value") for prop in node.iter("prop")}
        pairs[props["ReplaceFont"]] = (props["SubstituteFont"], props["Always"])
    return pairs


def test_without_fontconfig_the_table_replaces_only_missing_fonts(monkeypatch, tmp_path):
    """Windows: the fonts are there and no fontconfig to ask; LibreOffice replaces what it lacks."""
    monkeypatch.setattr(pdf, "installed_families", lambda: None)
    pdf._profile(tmp_path)
    pairs = _profile_pairs(tmp_path)
    assert pairs["仿宋"] == ("Noto Serif CJK SC", "false") and pairs["Times New Roman"] == ("Liberation Serif", "false")


def test_the_profile_replaces_fangsong_always_where_fontconfig_lacks_it(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "installed_families", lambda: NOTO)
    pdf._profile(tmp_path)
    pairs = _profile_pairs(tmp_path)
    assert pairs["FangSong"] == pairs["仿宋"] == ("Noto Serif CJK SC", "true")
    assert pairs["SimHei"] == ("Noto Sans CJK SC", "true")
