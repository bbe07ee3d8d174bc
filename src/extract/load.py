"""Read an input file's bytes and decode them, or say clearly why not.

The decoded text is the original against which every offset is given. Encodings tried, in order:
a BOM (UTF-8, UTF-16 LE/BE), strict UTF-8, then GB18030 (a superset of GBK/GB2312) and Big5.
A legacy decoding is accepted only when the result reads like text (mostly CJK, ASCII and
punctuation): random bytes are reported as undecodable, never guessed into mojibake.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

import regex

DEFAULT_MAX_BYTES = 50 * 1024 * 1024

_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
    b"%PDF": "a PDF document", b"PK\x03\x04": "a ZIP archive (or Office document)",
    b"\x1f\x8b": "a gzip archive", b"\xd0\xcf\x11\xe0": "an old Office document",
    b"\x7fELF": "an executable",
}
_PLAUSIBLE = regex.compile(r"[\p{Han}\p{Common}\p{Latin}\s]")


class LoadError(Exception):
    """The file cannot be turned into text; the message says why."""


@dataclass(frozen=True)
class Loaded:
    text: str
    encoding: str
    sha256: str
    n_bytes: int


def _plausible(text: str) -> bool:
    """Whether a legacy decoding looks like real text rather than mojibake of random bytes."""
    if not text:
        return True
    sample = text[:20000]
    good = len(_PLAUSIBLE.findall(sample))
    bad = sum(1 for ch in sample if ch in "\ufffd" or (ord(ch) < 32 and ch not in "\r\n\t"))
    return bad == 0 and good / len(sample) > 0.97 and _common_han_ratio(sample) > 0.5


def _common_han_ratio(text: str) -> float:
    """Share of Han characters inside the CJK Unified block's common range (U+4E00..U+9FA5);
    random bytes decoded as GB18030 land in extension blocks and rare code points."""
    han = [ch for ch in text if "\u3400" <= ch <= "\u9fff" or ch > "\uffff"]
    if not han:
        return 1.0
    return sum(1 for ch in han if "\u4e00" <= ch <= "\u9fa5") / len(han)


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes to (text, encoding name) or raise LoadError with the reason."""
    if not data:
        raise LoadError("empty file")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise LoadError(f"starts with a {enc} byte-order mark but does not decode: {exc}")
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise LoadError(f"binary file: looks like {what}, not text")
    if b"\x00" in data[:8192]:
        raise LoadError("binary file: contains NUL bytes and no UTF-16 byte-order mark")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _plausible(text):
            return text, enc
    raise LoadError("undecodable: not UTF-8, UTF-16 (with BOM), GB18030/GBK or Big5 text")


def load_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Loaded:
    """Read and decode one file. Raises LoadError (with a reason) for anything unusable."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(f"too large: {size} bytes > limit {max_bytes} (see --max-bytes)")
        data = path.read_bytes()
    except LoadError:
        raise
    except OSError as exc:
        raise LoadError(f"unreadable: {exc.strerror or exc}") from None
    sha = hashlib.sha256(data).hexdigest()
    text, enc = decode(data)
    return Loaded(text=text, encoding=enc, sha256=sha, n_bytes=len(data))
