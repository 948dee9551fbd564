"""A whole exchange between a fresh district and a fresh province with the headless commands alone (issue 6)."""
from __future__ import annotations

import json

from tests.e2e.test_program import run

PASSWORD = {"HOTLINE_DESK_PASSWORD": "admin-pass-1"}


def _ok(*args: str, env: dict[str, str] | None = None):
    done = run(*args, env_extra=env)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def test_keys_batch_import_receipt_with_the_commands_alone(tmp_path):
    d, p, usb = str(tmp_path / "d.db"), str(tmp_path / "p.db"), tmp_path / "usb"
    usb.mkdir()
    made = _ok("setup", "--db", d, "--code", "320102", "--name", "南京市玄武区12345热线", env=PASSWORD)
    _ok("setup", "--db", p, "--code", "320000", "--name", "江苏省12345热线", "--province", env=PASSWORD)
    # setup made each center's keys; a second init is refused (rotate instead)
    again = run("keys", "init", "--db", d)
    assert again.returncode != 0 and "已有上报密钥" in again.stderr + again.stdout
    _ok("keys", "export", "--db", d, "--out", str(tmp_path / "d.json"))
    _ok("keys", "export", "--db", p, "--out", str(tmp_path / "p.json"))
    shown = json.loads(_ok("keys", "list", "--db", d, "--json"))["own"][0]["fingerprint"]
    assert f"指纹：{shown}" in made
    out = _ok("keys", "register", "--db", p, str(tmp_path / "d.json"), "--fingerprint", shown)
    assert shown in out and "已登记" in out
    _ok("keys", "register", "--db", d, str(tmp_path / "p.json"))
    assert "320102" in _ok("keys", "list", "--db", p)

    exported = _ok("export-batch", "--db", d, "--out", str(usb))
    batch = exported.strip().splitlines()[-1]
    trial = json.loads(_ok("import-batch", "--db", p, batch, "--dry-run", "--json"))[0]
    assert trial["status"] == "dry_run" and trial["received"] == trial["new"] > 0
    report = json.loads(_ok("import-batch", "--db", p, batch, "--json"))[0]
    assert report["status"] == "imported" and report["new"] == trial["new"]
    assert json.loads(_ok("import-batch", "--db", p, batch, "--json"))[0]["status"] == "repeat"

    receipt = _ok("export-receipt", "--db", p, "--district", "320102", "--out", str(usb)).strip().splitlines()[-1]
    applied = json.loads(_ok("import-receipt", "--db", d, receipt, "--json"))
    assert applied["acknowledged"] == report["new"] and applied["still_pending"] == 0


def test_a_damaged_batch_exits_non_zero_with_its_message(tmp_path):
    p, bad = str(tmp_path / "p.db"), tmp_path / "bad.hdsync"
    _ok("setup", "--db", p, "--code", "320000", "--name", "江苏省12345热线", "--province", env=PASSWORD)
    bad.write_bytes(b"PK\x03\x04 not a batch")
    done = run("import-batch", "--db", p, str(bad))
    assert done.returncode == 1 and "不是热线工作台的批次文件" in done.stdout and "ZIP" in done.stdout
    assert "Traceback" not in done.stderr
