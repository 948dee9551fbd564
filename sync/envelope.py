"""The file a batch or a receipt travels in: signed by its sender, encrypted for its receiver.

Layout (integers big-endian); nothing in it can name a path, unlike a ZIP:

    MAGIC                      8 bytes, PNG-style: a text-mode copy that turned \\n into \\r\\n is caught
    header length, header      4 bytes + canonical UTF-8 JSON (format, sender, receiver, keys, counts, hashes)
    chunks                     4 bytes (top bit: the last chunk) + AES-256-GCM ciphertext and tag
    signature                  64 bytes, Ed25519 over SIGN_CONTEXT + SHA-256 of everything before it

The payload (JSON lines, zlib-compressed) is cut into 1 MiB chunks so neither side
holds a whole batch in memory. The content key is fresh for every file: an
ephemeral X25519 key agreed with the receiver's public key, through HKDF-SHA256.
Each chunk's associated data binds the header hash, its index and the last-chunk
flag, so chunks cannot be reordered, dropped or the file cut at a chunk boundary.
"""
from __future__ import annotations

import hashlib
import json
import os
import struct
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.errors import HotlineError

MAGIC = b"\x89HDS\r\n\x1a\n"
FORMAT = "hotline-desk-sync"
FORMAT_VERSION = 1
SIGN_CONTEXT = b"hotline-desk/sync/signature/1"
KDF_INFO = b"hotline-desk/sync/content-key/1"
CHUNK = 1 << 20
TAG = 16
SIGNATURE = 64
LAST = 0x8000_0000
MAX_HEADER = 64 * 1024
MAX_FILE = 2 * 1024 ** 3  # a 100,000-ticket batch is ~60 MB; anything near this is not ours
MAX_LINE = 64 * 1024 ** 2
MAX_PLAIN = 16 * 1024 ** 3  # a decompression bomb stops here, whatever the header claims

# Other files people pick by mistake, by their first bytes.
_KNOWN = ((b"PK\x03\x04", "ZIP 压缩包（或 Word/Excel 文件）"), (b"%PDF", "PDF 文件"), (b"SQLite format 3", "数据库文件"),
          (b"\xd0\xcf\x11\xe0", "旧版 Office 文件"), (b"\x1f\x8b", "gzip 压缩文件"), (b"Rar!", "RAR 压缩包"),
          (b"7z\xbc\xaf", "7z 压缩包"), (b"{", "JSON 文本文件"))


class SyncFileError(HotlineError):
    """A batch or receipt file that cannot be taken; ``reason`` says which check failed."""

    title = "文件无法导入"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def canonical(value: Any) -> bytes:
    """The one JSON spelling of a value: sorted keys, no spaces, UTF-8 as is."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _size_text(size: int) -> str:
    if size >= 1024 ** 3:
        return f"{size / 1024 ** 3:.1f} GB"
    if size >= 1024 ** 2:
        return f"{size / 1024 ** 2:.1f} MB"
    return f"{size} 字节"


@dataclass(frozen=True)
class Sealed:
    sha256: str
    size: int


def _content_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=KDF_INFO).derive(shared)


def _aad(header_hash: bytes, index: int, last: bool) -> bytes:
    return header_hash + struct.pack(">QB", index, 1 if last else 0)


def _nonce(index: int) -> bytes:
    return struct.pack(">IQ", 0, index)  # the key is fresh per file, so a counter never repeats under it


def seal(out: BinaryIO, header: dict[str, Any], payload: IO[bytes], signer: Ed25519PrivateKey,
         recipient: X25519PublicKey) -> Sealed:
    """Write the whole file to ``out``: ``header`` (given the ephemeral key here) and ``payload`` read to its end.

    ``payload`` holds the compressed JSON lines; the caller put their count and hash in the header.
    """
    ephemeral = X25519PrivateKey.generate()
    eph_public = ephemeral.public_key().public_bytes_raw()
    recipient_raw = recipient.public_bytes_raw()
    header = dict(header, format=FORMAT, format_version=FORMAT_VERSION, ephemeral=eph_public.hex())
    aead = AESGCM(_content_key(ephemeral.exchange(recipient), eph_public, recipient_raw))
    head = canonical(header)
    header_hash = hashlib.sha256(head).digest()
    digest = hashlib.sha256()
    size = 0

    def put(data: bytes) -> None:
        nonlocal size
        out.write(data)
        digest.update(data)
        size += len(data)

    put(MAGIC + struct.pack(">I", len(head)) + head)
    index = 0
    chunk = payload.read(CHUNK)
    while True:
        following = payload.read(CHUNK) if len(chunk) == CHUNK else b""
        last = not following
        sealed = aead.encrypt(_nonce(index), chunk, _aad(header_hash, index, last))
        put(struct.pack(">I", len(sealed) | (LAST if last else 0)) + sealed)
        if last:
            break
        chunk, index = following, index + 1
    signature = signer.sign(SIGN_CONTEXT + digest.digest())
    out.write(signature)
    digest.update(signature)
    return Sealed(digest.hexdigest(), size + SIGNATURE)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def read_header(path: Path, what: str = "批次") -> tuple[dict[str, Any], bytes]:
    """The header of a file, after the checks that need no key: size, magic, header, format version.

    Returns the header and its raw bytes (the chunks' associated data hashes them).
    """
    try:
        size = path.stat().st_size
        f = open(path, "rb")
    except FileNotFoundError:
        raise SyncFileError("missing", f"找不到文件：{path}") from None
    except OSError as exc:
        raise SyncFileError("unreadable", f"无法读取文件 {path.name}：{exc.strerror or exc}") from None
    with f:
        if size == 0:
            raise SyncFileError("empty", f"文件 {path.name} 是空的（0 字节），可能复制时没有写完。请重新拷贝。")
        if size > MAX_FILE:
            raise SyncFileError("too_large", f"文件 {path.name} 有 {_size_text(size)}，超过{what}文件的上限"
                                             f" {_size_text(MAX_FILE)}，不是本程序生成的{what}文件。")
        start = f.read(len(MAGIC) + 4)
        if not start.startswith(MAGIC):
            if start.startswith(MAGIC[:4]) and b"\r\n\r\n" in start + f.read(4):
                raise SyncFileError("mangled", f"文件 {path.name} 在拷贝时被当作文本改动了换行符。请用二进制方式重新拷贝原文件。")
            kind = next((label for magic, label in _KNOWN if start.startswith(magic)), "")
            found = f"，看起来是{kind}" if kind else ""
            raise SyncFileError("not_ours", f"文件 {path.name} 不是热线工作台的{what}文件{found}。请确认选择了正确的文件。")
        if len(start) < len(MAGIC) + 4:
            raise SyncFileError("truncated", f"文件 {path.name} 不完整（在开头就被截断了）。请重新拷贝。")
        (length,) = struct.unpack(">I", start[len(MAGIC):])
        if length > MAX_HEADER:
            raise SyncFileError("corrupt", f"文件 {path.name} 的文件头已损坏（长度 {length} 不合理）。")
        raw = f.read(length)
        if len(raw) < length:
            raise SyncFileError("truncated", f"文件 {path.name} 不完整（在文件头处被截断）。请重新拷贝。")
    try:
        header = json.loads(raw.decode("utf-8"))
        if not isinstance(header, dict):
            raise ValueError
    except ValueError:
        raise SyncFileError("corrupt", f"文件 {path.name} 的文件头已损坏，无法读取。") from None
    if header.get("format") != FORMAT:
        raise SyncFileError("not_ours", f"文件 {path.name} 不是热线工作台的{what}文件。")
    version = header.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise SyncFileError("format_newer", f"文件 {path.name} 是较新版本的热线工作台生成的（文件格式 {version}），"
                                            f"本程序只认识格式 {FORMAT_VERSION}。请先升级本程序再导入。")
    return header, raw


def _frames(f: BinaryIO, name: str, digest: Any) -> Iterator[tuple[bytes, bool]]:
    """The chunks after the header, each checked for a sane length; the stream ends right after the last."""
    while True:
        prefix = f.read(4)
        if len(prefix) < 4:
            raise SyncFileError("truncated", f"文件 {name} 不完整（内容被截断），可能拷贝没有完成。请重新拷贝。")
        (word,) = struct.unpack(">I", prefix)
        last, length = bool(word & LAST), word & ~LAST
        if length < TAG or length > CHUNK + TAG:
            raise SyncFileError("corrupt", f"文件 {name} 的内容已损坏（数据块长度 {length} 不合理）。")
        body = f.read(length)
        if len(body) < length:
            raise SyncFileError("truncated", f"文件 {name} 不完整（内容被截断），可能拷贝没有完成。请重新拷贝。")
        if digest is not None:
            digest.update(prefix)
            digest.update(body)
        yield body, last
        if last:
            return


def verify_signature(path: Path, raw_header: bytes, signer: Ed25519PublicKey) -> str:
    """Check the structure and the sender's signature over the whole file; return the file's SHA-256."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        start = f.read(len(MAGIC) + 4 + len(raw_header))
        digest.update(start)
        for _ in _frames(f, path.name, digest):
            pass
        signature = f.read(SIGNATURE)
        if len(signature) < SIGNATURE:
            raise SyncFileError("truncated", f"文件 {path.name} 不完整（末尾的签名被截断），可能拷贝没有完成。请重新拷贝。")
        extra = len(f.read(CHUNK))
        if extra:
            raise SyncFileError("trailing", f"文件 {path.name} 的末尾多出了 {extra}{'+' if extra == CHUNK else ''} 字节，"
                                            "不是原样的文件。请重新拷贝原文件。")
    try:
        signer.verify(signature, SIGN_CONTEXT + digest.digest())
    except InvalidSignature:
        raise SyncFileError("signature", f"文件 {path.name} 的签名不符：文件在途中被改动或损坏，"
                                         "或不是由声称的中心签发。已拒收，请让对方重新导出并发送。") from None
    whole = digest.copy()  # the file's own hash: the signed part and the signature, read once
    whole.update(signature)
    return whole.hexdigest()


def payload(path: Path, header: dict[str, Any], raw_header: bytes, recipient: X25519PrivateKey) -> Iterator[bytes]:
    """The decrypted, decompressed payload in pieces; raises SyncFileError on any tampering."""
    try:
        ephemeral = bytes.fromhex(str(header.get("ephemeral", "")))
        eph_key = X25519PublicKey.from_public_bytes(ephemeral)
    except ValueError:
        raise SyncFileError("corrupt", f"文件 {path.name} 的文件头缺少有效的加密信息。") from None
    recipient_raw = recipient.public_key().public_bytes_raw()
    aead = AESGCM(_content_key(recipient.exchange(eph_key), ephemeral, recipient_raw))
    header_hash = hashlib.sha256(raw_header).digest()
    inflate = zlib.decompressobj()
    produced = 0
    limit = min(int(header.get("plain_size", MAX_PLAIN)), MAX_PLAIN)
    with open(path, "rb") as f:
        f.seek(len(MAGIC) + 4 + len(raw_header))
        for index, (body, last) in enumerate(_frames(f, path.name, None)):
            try:
                chunk = aead.decrypt(_nonce(index), body, _aad(header_hash, index, last))
            except InvalidTag:
                raise SyncFileError("decrypt", f"文件 {path.name} 无法解密：内容被改动，或不是用本中心的公钥加密的。") from None
            while chunk:  # bounded pieces: a chunk that inflates a thousandfold is not held at once
                try:
                    out = inflate.decompress(chunk, 4 * CHUNK)
                except zlib.error:
                    raise SyncFileError("corrupt", f"文件 {path.name} 的内容无法解压。") from None
                chunk = inflate.unconsumed_tail
                produced += len(out)
                if produced > limit:
                    raise SyncFileError("corrupt", f"文件 {path.name} 解压后的大小与文件头所写不符。")
                if out:
                    yield out
        rest = inflate.flush()
        if rest:
            produced += len(rest)
            if produced > limit:
                raise SyncFileError("corrupt", f"文件 {path.name} 解压后的大小与文件头所写不符。")
            yield rest
    if not inflate.eof:
        raise SyncFileError("corrupt", f"文件 {path.name} 的内容不完整，无法解压。")


def lines(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """JSON lines out of the payload pieces (each without its newline)."""
    rest = b""
    for piece in pieces:
        rest += piece
        *done, rest = rest.split(b"\n")
        yield from done
        if len(rest) > MAX_LINE:
            raise SyncFileError("corrupt", "文件中有一条记录长得不合理，内容已损坏。")
    if rest:
        yield rest


class Compressor:
    """JSON lines into a spooled, compressed buffer, counting and hashing them as they go.

    Hashing and compressing run on a worker thread (both release the GIL on large
    buffers), so they overlap with the reading of the records; one worker keeps
    the blocks in order, and at most a few blocks wait for it.
    """

    LEVEL = 1  # a third of level 6's time for a file a fifth larger: the export's time budget is the tighter

    def __init__(self, spool: IO[bytes]) -> None:
        self.spool = spool
        self.deflate = zlib.compressobj(self.LEVEL)
        self.digest = hashlib.sha256()
        self.count = 0
        self.plain_size = 0
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="compress")
        self._queued: deque = deque()

    def add(self, line: bytes) -> None:
        line += b"\n"
        self.count += 1
        self._pending.append(line)
        self._pending_size += len(line)
        if self._pending_size >= CHUNK:
            self._flush_pending()

    def _block(self, data: bytes) -> None:
        self.digest.update(data)
        self.spool.write(self.deflate.compress(data))

    def _flush_pending(self) -> None:
        data = b"".join(self._pending)
        self._pending, self._pending_size = [], 0
        self.plain_size += len(data)
        self._queued.append(self._worker.submit(self._block, data))
        while len(self._queued) > 4 or (self._queued and self._queued[0].done()):
            self._queued.popleft().result()

    def finish(self) -> None:
        self._flush_pending()
        while self._queued:
            self._queued.popleft().result()
        self._worker.shutdown()
        self.spool.write(self.deflate.flush())
        self.spool.seek(0)

    def close(self) -> None:
        """Stop the worker (after a failure or a cancel: what it had queued is dropped)."""
        self._worker.shutdown(wait=True, cancel_futures=True)


def write_file(final: Path, header: dict[str, Any], packed: Compressor, signer: Ed25519PrivateKey,
               recipient: X25519PublicKey, what: str = "批次") -> Sealed:
    """Seal ``packed`` into ``final``: under a temporary name, read back and checked, then renamed.

    A crash or a full disk leaves no file under the final name (and the temporary one removed
    when Python still runs); an existing file is never overwritten.
    """
    from core.errors import Conflict
    from core.files import file_error

    header = dict(header, record_count=packed.count, content_sha256=packed.digest.hexdigest(),
                  plain_size=packed.plain_size)
    temporary = final.parent / f".{final.name}.part"
    try:
        with open(temporary, "wb") as out:
            sealed = seal(out, header, packed.spool, signer, recipient)
        _, raw = read_header(temporary, what)
        verify_signature(temporary, raw, signer.public_key())
        if final.exists():
            raise Conflict(f"文件夹中已有同名文件 {final.name}，未覆盖。请换一个文件夹。")
        fsync_replace(temporary, final)
    except OSError as exc:
        raise file_error(exc, final.parent, final.name) from exc
    finally:
        temporary.unlink(missing_ok=True)
    return sealed


def fsync_replace(temporary: Path, final: Path) -> None:
    """Give a finished file its final name: flushed to disk first, so a power cut leaves one or the other."""
    with open(temporary, "rb") as f:
        os.fsync(f.fileno())
    os.replace(temporary, final)
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(final.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
