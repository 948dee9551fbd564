"""The real program writing into a folder on a disk that is really full.

The folder becomes a tiny tmpfs filled to its last block, inside a private mount namespace
(``unshare --map-root-user --mount``: no root needed, nothing outside sees the mount, and it
is gone when the program ends). What the folder holds afterwards is listed from inside,
before the mount goes. Where Linux user namespaces are not available the test is skipped;
tests that monkeypatch the write to fail with ENOSPC cover those machines.
"""
from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.test_program import ROOT

FILL = ".fill"
_LISTING = "@@full-disk-listing@@"


@dataclass
class FullDiskRun:
    returncode: int
    stdout: str
    stderr: str
    files: dict[str, str]  # name -> SHA-256 of what the full folder holds afterwards (the filler left out)


@functools.cache
def _namespaces_work() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None:
        return False
    with tempfile.TemporaryDirectory() as folder:
        probe = subprocess.run(["unshare", "--map-root-user", "--mount", "sh", "-c",
                                f"mount -t tmpfs -o size=64k tmpfs {shlex.quote(folder)}"], capture_output=True)
    return probe.returncode == 0


def run_on_full_disk(folder: Path, *args: str, before: dict[str, bytes] | None = None) -> FullDiskRun:
    """``main.py *args`` with ``folder`` full; ``before`` are files put there before it fills up."""
    if not _namespaces_work():
        pytest.skip("no Linux user and mount namespaces here (unshare) to make a really full disk")
    folder.mkdir(parents=True, exist_ok=True)
    q = shlex.quote(str(folder))
    seed = folder.parent / f"{folder.name}.before"
    seed.mkdir(exist_ok=True)
    for name, data in (before or {}).items():
        (seed / name).write_bytes(data)
    program = " ".join(shlex.quote(a) for a in [sys.executable, str(ROOT / "main.py"), *args])
    script = (
        f"mount -t tmpfs -o size=128k tmpfs {q} || exit 97\n"
        f"cp -a {shlex.quote(str(seed))}/. {q}/\n"
        f"cat /dev/zero > {q}/{FILL} 2>/dev/null\n"  # until no block is left
        f"{program}\nrc=$?\n"
        f"echo {_LISTING}\n"
        f"cd {q} && find . -maxdepth 1 -type f ! -name {FILL} -exec sha256sum {{}} +\n"
        "exit $rc\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")
    done = subprocess.run(["unshare", "--map-root-user", "--mount", "sh", "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
    if done.returncode == 97:
        pytest.skip(f"tmpfs cannot be mounted here: {done.stderr.strip()}")
    stdout, _, listing = done.stdout.partition(_LISTING)
    files = {}
    for line in listing.strip().splitlines():
        digest, _, name = line.partition("  ")
        files[name.removeprefix("./")] = digest
    return FullDiskRun(done.returncode, stdout, done.stderr, files)
