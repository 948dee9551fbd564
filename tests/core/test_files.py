"""core.files: safe names, whole-or-nothing writes and messages a person can act on."""
from __future__ import annotations

import errno
import os
import re
import sys
import tempfile

import pytest

from core.errors import StorageError
from core.files import FileNotWritten, check_folder_writable, check_name, safe_file_name, write_atomically

NASTY = ["调解书?张三*.docx", 'a<b>c:"d"/e\\f|g.pdf', "x\x00y\x1fz.docx", "CON", "con.docx", "nul.tar.gz",
         "Com1.PDF", "lpt9", "NUL .txt", "COM¹.docx", "报告. . .", "  空格  ", "", "...", "???", "张" * 200 + ".docx",
         "a" * 300, "a" * 200 + ".tar.gz"]


@pytest.fixture
def folder(tmp_path):
    """An empty output folder (tmp_path also holds the per-test home)."""
    path = tmp_path / "输出"
    path.mkdir()
    return path


def _leftovers(folder) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".hotline-")]


@pytest.mark.parametrize("name, expected", [
    ("调解书?张三*.docx", "调解书_张三_.docx"),
    ("2024/05/01 派单:记录.pdf", "2024_05_01 派单_记录.pdf"),
    ("a\tb\x7f.docx", "a_b_.docx"),
    ("报告. . .", "报告"),
    ("  归档表 .docx  ", "归档表 .docx"),
    ("a..docx", "a..docx"),
    ("CON", "CON_"),
    ("con.docx", "con_.docx"),
    ("nul.tar.gz", "nul_.tar.gz"),
    ("Com1.PDF", "Com1_.PDF"),
    ("LPT9.docx", "LPT9_.docx"),
    ("COM¹.docx", "COM¹_.docx"),
    ("CONSOLE.docx", "CONSOLE.docx"),
    ("com10.docx", "com10.docx"),
    ("", "未命名"),
    ("...", "未命名"),
    ("  ", "未命名"),
    ("调解书", "调解书"),
])
def test_safe_file_name(name, expected):
    assert safe_file_name(name) == expected


def test_long_names_keep_their_extension_and_fit_ext4():
    latin = safe_file_name("a" * 300 + ".docx")
    assert len(latin) == 120 and latin.endswith(".docx")
    chinese = safe_file_name("张" * 200 + ".pdf")
    assert chinese.endswith(".pdf") and len(chinese.encode("utf-8")) <= 240
    cut_at_dot = safe_file_name("a" * 114 + ". b" + "c" * 50 + ".docx")
    assert cut_at_dot == "a" * 114 + ".docx"


@pytest.mark.parametrize("name", NASTY)
def test_safe_names_pass_the_check_and_can_be_written(name, folder):
    safe = safe_file_name(name)
    assert safe and check_name(safe) is None
    write_atomically(folder / safe, b"x")
    assert (folder / safe).read_bytes() == b"x"


def test_check_name_lists_the_forbidden_characters():
    assert check_name("派单?记录*.docx") == "文件名不能包含这些字符：? *"
    assert check_name('a<b>c:"d"/e\\f|g') == '文件名不能包含这些字符：< > : " / \\ |'
    assert check_name("a\tb?") == "文件名不能包含这些字符：? 控制字符"


@pytest.mark.parametrize("name, words", [
    ("", "请填写文件名"),
    ("   ", "请填写文件名"),
    ("con.docx", "“con”是 Windows 保留的名字"),
    ("LPT1", "“LPT1”是 Windows 保留的名字"),
    ("报告.", "不能以点结尾"),
    (" 报告", "不能是空格"),
    ("张" * 81, "文件名太长"),
])
def test_check_name_explains_other_mistakes(name, words):
    assert words in check_name(name)


@pytest.mark.parametrize("name", ["调解书-张三-2024.docx", "a..docx", ".docx", "CONSOLE", "张" * 80])
def test_check_name_accepts_good_names_and_safe_name_keeps_them(name):
    assert check_name(name) is None
    assert safe_file_name(name) == name


def test_write_atomically_writes_and_replaces(folder):
    target = folder / "调解书.docx"
    write_atomically(target, b"first")
    write_atomically(target, b"second")
    assert target.read_bytes() == b"second"
    assert os.listdir(folder) == ["调解书.docx"]


def _raise(code: int):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))
    return fail


def test_disk_full_keeps_the_old_file_and_leaves_no_temp(folder, monkeypatch):
    target = folder / "归档表.pdf"
    target.write_bytes(b"old")
    with monkeypatch.context() as m, pytest.raises(StorageError) as caught:
        m.setattr(os, "write", _raise(errno.ENOSPC))
        write_atomically(target, b"new" * 1000)
    assert isinstance(caught.value, FileNotWritten)
    assert "磁盘空间不足" in caught.value.message and "“归档表.pdf”没有写入" in caught.value.message
    assert str(folder) in caught.value.message
    assert target.read_bytes() == b"old"
    assert _leftovers(folder) == []


def test_fsync_failure_is_reported_too(folder, monkeypatch):
    with monkeypatch.context() as m, pytest.raises(StorageError, match="请检查磁盘后重试") as caught:
        m.setattr(os, "fsync", _raise(errno.EIO))
        write_atomically(folder / "a.pdf", b"x")
    assert os.listdir(folder) == []
    # The error's code, never the system's English words ("Input/output error").
    assert "（系统错误 EIO）" in caught.value.message and os.strerror(errno.EIO) not in caught.value.message


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES, errno.EPERM])
def test_read_only_folder_is_named(folder, monkeypatch, code):
    monkeypatch.setattr(tempfile, "mkstemp", _raise(code))
    with pytest.raises(StorageError) as caught:
        write_atomically(folder / "a.pdf", b"x")
    assert caught.value.message == f"文件夹“{folder}”是只读的或没有写入权限，不能写入。请换一个文件夹。"
    with pytest.raises(StorageError, match="只读"):
        check_folder_writable(folder)


def test_read_only_filesystem_at_rename(folder, monkeypatch):
    with monkeypatch.context() as m, pytest.raises(StorageError, match="只读"):
        m.setattr(os, "replace", _raise(errno.EROFS))
        write_atomically(folder / "a.pdf", b"x")
    assert os.listdir(folder) == []


def test_target_held_open_by_another_program(folder, monkeypatch):
    """Windows refuses to replace a file Word or a PDF reader holds open (EACCES at the rename)."""
    target = folder / "派单通知单.docx"
    target.write_bytes(b"old")
    with monkeypatch.context() as m, pytest.raises(StorageError) as caught:
        m.setattr(os, "replace", _raise(errno.EACCES))
        write_atomically(target, b"new")
    assert "“派单通知单.docx”正被其他程序打开" in caught.value.message
    assert target.read_bytes() == b"old" and _leftovers(folder) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_really_read_only_folder(tmp_path):
    folder = tmp_path / "只读"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # root writes anyway: the monkeypatched tests cover it
            pytest.skip("running as root: chmod does not stop writes")
        with pytest.raises(StorageError, match="是只读的或没有写入权限"):
            write_atomically(folder / "a.pdf", b"x")
        with pytest.raises(StorageError, match=re.escape(str(folder))):
            check_folder_writable(folder)
        assert os.listdir(folder) == []
    finally:
        folder.chmod(0o700)


def test_missing_folder(tmp_path):
    gone = tmp_path / "U盘" / "归档"
    with pytest.raises(StorageError, match=re.escape(f"文件夹“{gone}”不存在")):
        write_atomically(gone / "a.pdf", b"x")
    with pytest.raises(StorageError, match="不存在"):
        check_folder_writable(gone)


def test_check_folder_writable(folder, monkeypatch):
    check_folder_writable(folder)
    assert os.listdir(folder) == []
    a_file = folder / "a.txt"
    a_file.write_text("x")
    with pytest.raises(StorageError, match="不是文件夹"):
        check_folder_writable(a_file)
    monkeypatch.setattr(tempfile, "mkstemp", _raise(errno.ENOSPC))
    with pytest.raises(StorageError, match="磁盘空间不足"):
        check_folder_writable(folder)
