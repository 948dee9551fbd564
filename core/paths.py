"""Where things are: bundled resources and the user's data folder (one module owns paths).

From source, resources sit beside the package; from a PyInstaller bundle they
sit under ``sys._MEIPASS``. ``HOTLINE_DESK_HOME`` moves the data folder (tests).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

APP_FOLDER = "HotlineDesk"
DEFAULT_DB_NAME = "hotline.db"


def install_root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parent.parent


def asset(*parts: str) -> Path:
    return install_root().joinpath("assets", *parts)


def template(name: str) -> Path:
    return install_root() / "templates_docx" / name


def data_home() -> Path:
    """The per-user folder for the default database, drafts and logs."""
    override = os.environ.get("HOTLINE_DESK_HOME")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_FOLDER


def default_database() -> Path:
    return data_home() / DEFAULT_DB_NAME


def attachments_folder(database_file: str | os.PathLike[str]) -> Path:
    """Attachments are stored by SHA-256 in a folder next to the database (DESIGN "Data")."""
    db = Path(database_file)
    return db.with_name(db.stem + "-attachments")
