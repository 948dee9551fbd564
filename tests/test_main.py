"""main.py only parses and dispatches: each command has one owning ``cli`` module, and building
the parser (what ``--help`` does) imports neither the database nor any feature module."""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import main

ROOT = Path(__file__).resolve().parent.parent


def _command_names() -> set[str]:
    sub = next(a for a in main.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def test_every_command_has_exactly_one_owner():
    owned: list[str] = ["docs"]  # forms.cli owns one command and names no COMMANDS tuple
    for module in main._command_modules():
        owned += getattr(module, "COMMANDS", ())
    assert sorted(owned) == sorted(set(owned)), "a command claimed twice"
    assert set(owned) == _command_names()


def test_parser_build_stays_light():
    code = ("import sys, main\nmain.build_parser()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in"
            " ('peewee', 'playhouse', 'apsw', 'db', 'desktop', 'PySide6', 'openpyxl', 'docx', 'cryptography')"
            " or m in ('core.store', 'demo.fill', 'sync.keys', 'core.kb.search')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
