"""The layers of DESIGN.md: core, db (and forms, sync) never import Qt; desktop never writes SQL."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QT_FREE = ["core", "db", "forms", "sync", "demo"]


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


# The feature packages of core, lowest first (issue 16; README "Where things are"): a package
# may import the kernel (core's own top-level modules), db, and the packages before it.
FEATURES = ["center", "deadlines", "kb", "tickets", "calls", "units", "dispatch", "mediation", "visits", "stats", "workbench"]


def _module_imports(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function, fully named."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def _core_package(name: str) -> str | None:
    """'core' for the kernel, the feature's name for core.<feature>..., None outside core."""
    parts = name.split(".")
    if parts[0] != "core" or len(parts) < 2:
        return None
    return parts[1] if (ROOT / "core" / parts[1]).is_dir() else "core"


def test_every_core_package_is_in_the_feature_order():
    packages = sorted(p.name for p in (ROOT / "core").iterdir() if (p / "__init__.py").exists())
    assert packages == sorted(FEATURES)


def test_feature_packages_import_only_the_kernel_db_and_the_packages_below():
    wrong = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        mine = _core_package(".".join(path.relative_to(ROOT).with_suffix("").parts))
        allowed = {"core"} | set(FEATURES[: FEATURES.index(mine)] if mine != "core" else [])
        for name in _module_imports(path):
            top = name.split(".")[0]
            if top in ("desktop", "demo", "sync", "forms"):
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
            other = _core_package(name)
            if other is not None and other != mine and other not in allowed:
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, "\n".join(wrong)


def _project_modules() -> dict[str, Path]:
    found = {}
    for top in ("core", "db", "sync", "forms", "desktop", "demo"):
        for path in (ROOT / top).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def test_no_import_circles():
    """No module imports one that imports it back, even lazily inside a function (issue 16 cut
    the one there was, between the working calendar and the holiday notice's import)."""
    modules = _project_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps = set()
        for imported in _module_imports(path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and not name.startswith(imported + "."):
                deps.add(imported)
        graph[name] = deps
    circles = []
    for start in graph:  # a path back to start through the graph is a circle
        seen, todo = set(), list(graph[start])
        while todo:
            node = todo.pop()
            if node == start:
                circles.append(start)
                break
            if node not in seen:
                seen.add(node)
                todo.extend(graph[node])
    assert not circles, f"modules in an import circle: {sorted(circles)}"


def _names_desktop_uses() -> set[tuple[str, str]]:
    """(module, name) of every core/forms/sync function or class desktop/ imports or calls."""
    import importlib

    used: set[tuple[str, str]] = set()
    for path in (ROOT / "desktop").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("core", "forms", "sync"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    if (ROOT / (full.replace(".", "/") + ".py")).exists() or (ROOT / full.replace(".", "/")).is_dir():
                        modules[alias.asname or alias.name] = full
                    else:
                        used.add((node.module, alias.name))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
                used.add((modules[node.value.id], node.attr))
    for module, _name in used:
        importlib.import_module(module)
    return used


def _classes_named(annotation: object, namespace: dict) -> list[type]:
    import inspect

    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return []
    found = [namespace.get(n.id) for n in ast.walk(tree) if isinstance(n, ast.Name)]
    return [c for c in found if inspect.isclass(c)]


def test_nothing_in_desktop_receives_a_peewee_model_instance():
    """Reads hand screens plain values (issue 16): no function or class of core, forms or sync that
    desktop/ uses returns, or holds in a dataclass field, a peewee model; and each such function
    says what it returns, so the check sees everything desktop can receive."""
    import dataclasses
    import importlib
    import inspect

    import peewee

    wrong: list[str] = []

    def check(cls: type, where: str, seen: set[type]) -> None:
        if cls in seen:
            return
        seen.add(cls)
        if issubclass(cls, peewee.Model):
            wrong.append(f"{where} is a peewee model ({cls.__name__})")
        elif dataclasses.is_dataclass(cls):
            namespace = vars(importlib.import_module(cls.__module__))
            for field in dataclasses.fields(cls):
                for inner in _classes_named(field.type, namespace):
                    check(inner, f"{where}.{field.name}", seen)

    for module, name in sorted(_names_desktop_uses()):
        namespace = vars(importlib.import_module(module))
        thing = namespace.get(name)
        if inspect.isfunction(thing):
            annotations = inspect.get_annotations(thing)
            if "return" not in annotations:
                wrong.append(f"{module}.{name} does not say what it returns")
            for cls in _classes_named(annotations.get("return"), namespace):
                check(cls, f"{module}.{name}()", set())
        elif inspect.isclass(thing):
            check(thing, f"{module}.{name}", set())
    assert not wrong, "\n".join(wrong)


def test_db_keeps_only_the_shared_mechanics():
    """One home for a feature's SQL (README "Where things are"): its own package; db/ holds the
    connection, schema and upgrades, models, the search index and bulk loading, no feature's queries."""
    modules = sorted(p.stem for p in (ROOT / "db").glob("*.py") if p.name != "__init__.py")
    assert modules == ["bulk", "connection", "errors", "models", "schema", "search"]
