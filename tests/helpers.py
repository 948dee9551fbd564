"""Small helpers shared by tests (fixtures live in conftest.py)."""
from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path) -> str:
    """For asserting that a file was left byte for byte untouched."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
