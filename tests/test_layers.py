"""The layers of DESIGN.md: core, db (and forms, sync) never import Qt; desktop never writes SQL."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QT_FREE = ["core", "db", "forms", "sync"]


def _modules(package: str) -> list[str]:
    folder = ROOT / package
    if not folder.exists():
        return []
    return [
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in sorted(folder.rglob("*.py"))
        if p.name != "__init__.py"
    ]


def test_qt_free_layers_import_with_pyside6_blocked():
    modules = [m for pkg in QT_FREE for m in _modules(pkg)]
    assert modules, "no modules found"
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6'):\n"
        "            raise ImportError('Qt is blocked in this layer: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"import importlib\nfor m in {modules!r}:\n    importlib.import_module(m)\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
            if node.module == "db" or node.module.startswith("db."):
                names.add("db")
    return names


def test_desktop_never_touches_storage():
    for path in (ROOT / "desktop").rglob("*.py"):
        used = _imports(path)
        assert not used & {"peewee", "playhouse", "apsw", "sqlite3", "db"}, f"{path.name} reaches storage directly"


def test_db_never_imports_core():
    for path in (ROOT / "db").rglob("*.py"):
        assert "core" not in _imports(path), f"{path.name}: arrows point down only"
