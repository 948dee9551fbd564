"""This center's key pairs and the other centers' public keys.

Each center makes one key set: Ed25519 to sign what it sends, X25519 to receive
what is encrypted for it. A district registers the province's public keys, the
province each district's; before registering, staff compare the fingerprint by
phone or on paper (the file itself may have been swapped on the way). Rotation
makes a new set and retires the old (kept, so files made for it still open);
revocation marks a peer's key so nothing it signed is accepted any more.

The private keys live in the center's database: whoever holds the file holds the
citizens' data already, and a backup must carry the keys with the data.
"""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from core import clock
from core.files import write_atomically
from core.errors import Conflict, NotFound, ValidationError
from core.roles import Actor, Permission
from core.service import write
from db.models import Center, SyncKey, SyncPeerKey
from sync.envelope import canonical

KEY_FILE_FORMAT = "hotline-desk-public-key"
DISTRICT, PROVINCE = "district", "province"
ROLE_LABELS = {DISTRICT: "区县中心", PROVINCE: "省级中心"}
_PROOF_CONTEXT = b"hotline-desk/public-key/1"


def key_id(sign_public: bytes, enc_public: bytes) -> str:
    return hashlib.sha256(sign_public + enc_public).hexdigest()[:16]


def fingerprint(sign_public: bytes, enc_public: bytes) -> str:
    """Twelve groups of five digits (Signal's safety numbers): easy to read out by phone in Chinese."""
    digest = hashlib.sha512(b"hotline-desk/fingerprint/1" + sign_public + enc_public).digest()
    groups = [int.from_bytes(digest[i * 5:i * 5 + 5], "big") % 100_000 for i in range(12)]
    return " ".join(f"{g:05d}" for g in groups)


def normalize_fingerprint(text: str) -> str:
    digits = "".join(ch for ch in text if ch.isdigit())
    return " ".join(digits[i:i + 5] for i in range(0, len(digits), 5))


@dataclass(frozen=True)
class KeyInfo:
    """A key set as people see it: whose, which, its fingerprint, its state."""

    center_code: str
    center_name: str
    role: str
    key_id: str
    fingerprint: str
    created_at: str
    state: str  # 当前 / 已停用 (rotated) / 已吊销 / 有效

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


def center_role() -> str:
    row = Center.get_or_none(Center.id == 1)
    if row is None:
        raise NotFound("这个数据库还没有设置中心信息。")
    return row.role or DISTRICT


def _center() -> Center:
    row = Center.get_or_none(Center.id == 1)
    if row is None:
        raise NotFound("这个数据库还没有设置中心信息，请先完成中心设置。")
    return row


def _new_key_set(actor: Actor) -> SyncKey:
    sign = Ed25519PrivateKey.generate()
    enc = X25519PrivateKey.generate()
    sign_pub, enc_pub = sign.public_key().public_bytes_raw(), enc.public_key().public_bytes_raw()
    return SyncKey.create(key_id=key_id(sign_pub, enc_pub), sign_public=sign_pub, sign_private=sign.private_bytes_raw(),
                          enc_public=enc_pub, enc_private=enc.private_bytes_raw(), created_at=clock.stamp(),
                          created_by=actor.user_id)


def current_key() -> SyncKey | None:
    return SyncKey.get_or_none(SyncKey.retired_at == "")


def init_keys(actor: Actor) -> KeyInfo:
    """Make this center's key set (at setup); refused when it has one (rotate instead)."""
    with write(actor, Permission.SYNC_KEYS, "sync_keys_init", "sync_key") as tx:
        _center()
        if current_key() is not None:
            raise Conflict("本中心已有上报密钥。若要更换，请用“更换密钥”，并把新公钥交给对方重新登记。")
        row = _new_key_set(actor)
        tx.object_uid, tx.detail = row.key_id, {"fingerprint": fingerprint(row.sign_public, row.enc_public)}
    return own_info(row)


def make_keys_at_setup(admin_username: str) -> KeyInfo:
    """A new center's key set, made by its first admin as the center is set up (DESIGN: each
    district makes its key pair at setup; the province makes its own the same way)."""
    from core.center.users import actor_for

    return init_keys(actor_for(admin_username))


def rotate_keys(actor: Actor) -> KeyInfo:
    """A new key set; the old one is retired but kept to open files made for it."""
    with write(actor, Permission.SYNC_KEYS, "sync_keys_rotate", "sync_key") as tx:
        _center()
        old = current_key()
        if old is not None:
            SyncKey.update(retired_at=clock.stamp()).where(SyncKey.id == old.id).execute()
        row = _new_key_set(actor)
        tx.object_uid, tx.detail = row.key_id, {"retired": old.key_id if old else ""}
    return own_info(row)


def own_info(row: SyncKey) -> KeyInfo:
    center = _center()
    return KeyInfo(center.code, center.name, center.role or DISTRICT, row.key_id,
                   fingerprint(bytes(row.sign_public), bytes(row.enc_public)), row.created_at,
                   "当前" if not row.retired_at else "已停用")


def peer_info(row: SyncPeerKey) -> KeyInfo:
    return KeyInfo(row.center_code, row.center_name, row.role, row.key_id,
                   fingerprint(bytes(row.sign_public), bytes(row.enc_public)), row.created_at,
                   "已吊销" if row.revoked_at else "有效")


def list_keys() -> tuple[list[KeyInfo], list[KeyInfo]]:
    """This center's key sets (newest first) and the registered peers' keys."""
    own = [own_info(r) for r in SyncKey.select().order_by(SyncKey.id.desc())]
    peers = [peer_info(r) for r in SyncPeerKey.select().order_by(SyncPeerKey.center_code, SyncPeerKey.id.desc())]
    return own, peers


def public_key_document() -> dict[str, str]:
    """This center's current public keys as the file another center registers, self-signed."""
    row = current_key()
    if row is None:
        raise NotFound("本中心还没有上报密钥。请先生成密钥（keys init）。")
    center = _center()
    body = {"format": KEY_FILE_FORMAT, "version": "1", "center_code": center.code, "center_name": center.name,
            "role": center.role or DISTRICT, "key_id": row.key_id, "sign_public": bytes(row.sign_public).hex(),
            "enc_public": bytes(row.enc_public).hex(), "created_at": row.created_at,
            "fingerprint": fingerprint(bytes(row.sign_public), bytes(row.enc_public))}
    proof = Ed25519PrivateKey.from_private_bytes(bytes(row.sign_private)).sign(_PROOF_CONTEXT + canonical(body))
    return body | {"proof": base64.b64encode(proof).decode("ascii")}


def export_public(path: Path) -> KeyInfo:
    document = public_key_document()
    text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    write_atomically(path, text.encode("utf-8"))
    row = current_key()
    assert row is not None
    return own_info(row)


@dataclass(frozen=True)
class PublicKeyFile:
    center_code: str
    center_name: str
    role: str
    key_id: str
    sign_public: bytes
    enc_public: bytes
    created_at: str
    fingerprint: str


def read_public(path: Path) -> PublicKeyFile:
    """A public key file, checked: its fields, its key id, and that its own key signed it."""
    name = path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"找不到公钥文件：{path}") from None
    except OSError as exc:
        raise ValidationError.single("file", f"无法读取公钥文件 {name}：{exc.strerror or exc}") from None
    bad = ValidationError.single("file", f"{name} 不是热线工作台导出的公钥文件，或已损坏。")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise bad from None
    if not isinstance(data, dict) or data.get("format") != KEY_FILE_FORMAT:
        raise bad
    try:
        body = {k: data[k] for k in ("format", "version", "center_code", "center_name", "role", "key_id",
                                     "sign_public", "enc_public", "created_at", "fingerprint")}
        if not all(isinstance(v, str) for v in body.values()):
            raise ValueError
        sign_public, enc_public = bytes.fromhex(body["sign_public"]), bytes.fromhex(body["enc_public"])
        signer = Ed25519PublicKey.from_public_bytes(sign_public)
        X25519PublicKey.from_public_bytes(enc_public)
        proof = base64.b64decode(str(data["proof"]), validate=True)
    except (KeyError, ValueError):
        raise bad from None
    if body["role"] not in ROLE_LABELS or key_id(sign_public, enc_public) != body["key_id"]:
        raise bad
    try:
        signer.verify(proof, _PROOF_CONTEXT + canonical(body))
    except InvalidSignature:
        raise ValidationError.single("file", f"公钥文件 {name} 的自签名不符：内容被改动过。请让对方重新导出。") from None
    return PublicKeyFile(body["center_code"], body["center_name"], body["role"], body["key_id"], sign_public,
                         enc_public, body["created_at"], fingerprint(sign_public, enc_public))


def _within(district: str, province: str) -> bool:
    """GB/T 2260: a province 320000 holds 32xxxx; a city 320100 holds 3201xx."""
    prefix = province.rstrip("0")
    prefix = prefix + "0" * (len(prefix) % 2)  # keep whole two-digit levels
    return district != province and district.startswith(prefix)


def register_peer(actor: Actor, path: Path, expected_fingerprint: str | None = None) -> tuple[KeyInfo, bool]:
    """Accept another center's public keys: a district's at the province, the province's at a district.

    Returns the key and whether it was new (registering the same file again changes nothing).
    """
    key = read_public(path)
    if expected_fingerprint is not None and normalize_fingerprint(expected_fingerprint) != key.fingerprint:
        raise ValidationError.single("fingerprint", f"指纹不一致：文件中的指纹是 {key.fingerprint}，与核对的"
                                                    f" {normalize_fingerprint(expected_fingerprint)} 不同。"
                                                    "文件可能在途中被调换，未登记。")
    with write(actor, Permission.SYNC_KEYS, "sync_peer_register", "sync_peer_key", key.key_id) as tx:
        center = _center()
        role = center.role or DISTRICT
        if key.center_code == center.code:
            raise ValidationError.single("file", "这是本中心自己的公钥，不需要登记。请登记对方中心的公钥文件。")
        if role == PROVINCE:
            if key.role != DISTRICT:
                raise ValidationError.single("file", f"{key.center_name}（{key.center_code}）是{ROLE_LABELS[key.role]}，"
                                                     "省级中心只登记区县中心的公钥。")
            if not _within(key.center_code, center.code):
                raise ValidationError.single("file", f"{key.center_name}（{key.center_code}）不在本中心"
                                                     f"（{center.code}）的辖区内，未登记。")
        else:
            if key.role != PROVINCE:
                raise ValidationError.single("file", f"{key.center_name}（{key.center_code}）不是省级中心，"
                                                     "区县中心只登记省级中心的公钥。")
            if not _within(center.code, key.center_code):
                raise ValidationError.single("file", f"本中心（{center.code}）不在 {key.center_name}"
                                                     f"（{key.center_code}）的辖区内，未登记。")
            others = SyncPeerKey.select().where((SyncPeerKey.revoked_at == "") & (SyncPeerKey.center_code != key.center_code))
            if others.exists():
                raise Conflict(f"本中心已登记了另一个省级中心（{others.first().center_name}）的公钥。"
                               "一个区县中心只向一个省级中心上报；请先吊销原来的公钥。")
        existing = SyncPeerKey.get_or_none(SyncPeerKey.key_id == key.key_id)
        if existing is not None:
            if existing.revoked_at:
                raise Conflict(f"这个公钥（{key.key_id}）已于 {clock.display(existing.revoked_at)} 吊销，不能再登记。"
                               "请让对方更换密钥后导出新的公钥文件。")
            tx.detail = {"again": True}
            return peer_info(existing), False
        row = SyncPeerKey.create(center_code=key.center_code, center_name=key.center_name, role=key.role,
                                 key_id=key.key_id, sign_public=key.sign_public, enc_public=key.enc_public,
                                 created_at=key.created_at, registered_at=clock.stamp(), registered_by=actor.user_id)
        tx.detail = {"center": key.center_code, "fingerprint": key.fingerprint}
    return peer_info(row), True


def revoke_peer(actor: Actor, key: str, reason: str) -> KeyInfo:
    """Stop trusting a peer's key: nothing it signs is accepted from now on."""
    if not reason.strip():
        raise ValidationError.single("reason", "请写明吊销原因（如：密钥泄露、电脑丢失、已更换密钥）。")
    with write(actor, Permission.SYNC_KEYS, "sync_peer_revoke", "sync_peer_key", key) as tx:
        row = SyncPeerKey.get_or_none(SyncPeerKey.key_id == key.strip())
        if row is None:
            raise NotFound(f"没有登记过编号为 {key} 的公钥。")
        if row.revoked_at:
            raise Conflict(f"这个公钥已于 {clock.display(row.revoked_at)} 吊销。")
        SyncPeerKey.update(revoked_at=clock.stamp(), revoke_reason=reason.strip()).where(SyncPeerKey.id == row.id).execute()
        tx.detail = {"center": row.center_code, "reason": reason.strip()}
    return peer_info(SyncPeerKey.get_by_id(row.id))


# What the envelope needs, by key id.

def own_signer() -> tuple[str, Ed25519PrivateKey]:
    row = current_key()
    if row is None:
        raise NotFound("本中心还没有上报密钥。请管理员先生成密钥，并把公钥交给对方登记。")
    return row.key_id, Ed25519PrivateKey.from_private_bytes(bytes(row.sign_private))


def own_decryptor(key: str) -> X25519PrivateKey | None:
    row = SyncKey.get_or_none(SyncKey.key_id == key)
    return None if row is None else X25519PrivateKey.from_private_bytes(bytes(row.enc_private))


def peer_key(key: str) -> SyncPeerKey | None:
    return SyncPeerKey.get_or_none(SyncPeerKey.key_id == key)


def recipient(center_code: str | None = None) -> SyncPeerKey:
    """The newest unrevoked key of the center a file goes to (the province, or the district named)."""
    query = SyncPeerKey.select().where(SyncPeerKey.revoked_at == "")
    if center_code is None:
        query = query.where(SyncPeerKey.role == PROVINCE)
    else:
        query = query.where(SyncPeerKey.center_code == center_code)
    row = query.order_by(SyncPeerKey.id.desc()).first()
    if row is None:
        if center_code is None:
            raise NotFound("还没有登记省级中心的公钥。请先导入省级中心的公钥文件（keys register），并核对指纹。")
        raise NotFound(f"还没有登记中心 {center_code} 的公钥（或已全部吊销），无法为它加密。")
    return row


def sign_public_of(row: SyncPeerKey) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes(row.sign_public))


def enc_public_of(row: SyncPeerKey) -> X25519PublicKey:
    return X25519PublicKey.from_public_bytes(bytes(row.enc_public))
