"""The center this database belongs to, and its first-launch setup."""
from __future__ import annotations

from dataclasses import dataclass

from core import clock
from core.center import regions
from core.center import topics
from core.center import users
from core.errors import Conflict, ValidationError
from core.service import write
from core.vocab import CenterKind
from db.models import Center


@dataclass(frozen=True)
class CenterInfo:
    code: str
    name: str
    kind: CenterKind
    role: str = "district"

    @property
    def is_province(self) -> bool:
        return self.role == "province"

    @property
    def runs_12365(self) -> bool:
        return self.kind in (CenterKind.HOTLINE_12365, CenterKind.BOTH)


def current_center() -> CenterInfo | None:
    row = Center.get_or_none(Center.id == 1)
    if row is None:
        return None
    return CenterInfo(row.code, row.name, CenterKind(row.kind), row.role or "district")


def is_set_up() -> bool:
    return current_center() is not None and users.has_users()


def validate_setup(kind: str, code: str, name: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        CenterKind(kind)
    except ValueError:
        errors["kind"] = "请选择中心类型（12345、12365 或两者）"
    if not regions.is_valid_code(code):
        errors["code"] = "中心代码应为 6 位行政区划代码（GB/T 2260），如 320102"
    if not name.strip():
        errors["name"] = "请填写中心名称"
    elif len(name.strip()) > 60:
        errors["name"] = "中心名称不能超过 60 个字"
    return errors


def setup_center(
    kind: str, code: str, name: str, admin_username: str, admin_display_name: str, admin_password: str,
    role: str = "district",
) -> CenterInfo:
    """First launch: the center, its default topic tree and the first admin.

    ``role`` "province" makes a provincial center: it gathers the districts' batches
    (DESIGN "Batches to the province") and shows their tickets read-only.
    """
    errors = validate_setup(kind, code, name)
    errors |= {
        f"admin_{k}": v for k, v in users.validate_first_admin(admin_username, admin_display_name, admin_password).items()
    }
    if errors:
        raise ValidationError(errors)
    with write(None, None, "setup_center", "center", code) as tx:
        if Center.get_or_none(Center.id == 1) is not None:
            raise Conflict("这个数据库已经设置过中心信息。")
        if role not in ("district", "province"):
            raise ValidationError.single("role", "中心级别应为区县中心或省级中心")
        Center.create(id=1, code=code.strip(), name=name.strip(), kind=kind, created_at=clock.stamp(), role=role)
        topics.seed_default_topics(code.strip())
        admin_uid = users.insert_first_admin(admin_username, admin_display_name, admin_password)
        tx.detail = {"kind": kind, "name": name.strip(), "admin": admin_uid, "role": role}
    info = current_center()
    assert info is not None
    return info
