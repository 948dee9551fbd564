"""The districts a provincial center hears from: each one's name by its code.

Named as people at the province say them, by region (GB/T 2260: 南京市玄武区);
a code outside the catalogue keeps the name its center gave in its public key.
"""
from __future__ import annotations

from core.center import regions
from db.connection import raw_connection


def names() -> dict[str, str]:
    """Code → the district's region name, else the name its newest registered key gives."""
    conn = raw_connection()
    given: dict[str, str] = {}
    for code, name in conn.execute(
            "SELECT center_code, center_name FROM sync_peer_key WHERE role = 'district' ORDER BY id"):
        given[code] = name  # later registrations (a rotated key) carry the newer name
    codes = set(given) | {code for (code,) in conn.execute(
        "SELECT DISTINCT district FROM sync_import WHERE district <> ''")}  # every district row came by import
    found: dict[str, str] = {}
    for code in codes:
        region = regions.lookup(code)
        # "江苏省 南京市 玄武区": the province is the reader's own, so it is left out
        parts = region.full_name.split() if region else []
        found[code] = "".join(parts[1:] if len(parts) > 2 else parts) or given.get(code, code)
    return found
