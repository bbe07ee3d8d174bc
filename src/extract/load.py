"""Read an input file's bytes and decode them, or say clearly why not.

The decoded text is the original against which every offset is given. Encodings tried, in order:
a BOM (UTF-8, UTF-16 LE/BE), strict UTF-8, then GB18030 (a superset of GBK/GB2312) and Big5.
A legacy decoding is accepted only when the result reads like text (mostly CJK, ASCII and
punctuation): random bytes are reported as undecodable, never guessed into mojibake.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import regex

from .errors import LoadError
from .formats import Extracted, extract, kind_of

DEFAULT_MAX_BYTES = 50 * 1024 * 1024

_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
    b"%PDF": "a PDF document", b"PK\x03\x04": "a ZIP archive (or Office document)",
    b"\x1f\x8b": "a gzip archive", b"\xd0\xcf\x11\xe0": "an old Office document",
    b"\x7fELF": "an executable",
}
_PLAUSIBLE = regex.compile(r"[\p{Han}\p{Common}\p{Latin}\s]")


@dataclass(frozen=True)
class Loaded:
    text: str
    encoding: str              # the text's encoding, or "pdf"/"docx" for an extracted text
    sha256: str                # of the file's bytes
    n_bytes: int
    source: Extracted | None = None   # a PDF's or Word file's pages and metadata


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
            hint = " (name it .pdf to read its text layer)" if magic == b"%PDF" else ""
            raise LoadError(f"binary file: looks like {what}, not text{hint}")
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


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(
    os, "O_BINARY", 0)


def _not_regular(mode: int) -> LoadError:
    kind = next((what for test, what in _KINDS if test(mode)), "not a regular file")
    return LoadError(f"not a regular file: {kind}")


def too_large(what: str, max_bytes: int) -> LoadError:
    return LoadError(f"too large: {what} > limit {max_bytes} (see --max-bytes)")


def read_file(path, max_bytes: int = DEFAULT_MAX_BYTES, follow: bool = True) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` bytes, or LoadError saying why not.

    One open (non-blocking, so a FIFO cannot hang the run), an fstat of the open descriptor
    (a FIFO, a device such as a link to /dev/zero, a socket or a folder is refused), and reads
    that stop at ``max_bytes + 1`` bytes whatever the size said: a file that grows after the
    check is cut there and refused as too large, never read without end. A normal file costs
    what ``Path.read_bytes`` costs: open, fstat, one read of its size (+1), one empty read.
    ``follow=False`` refuses a path that is a symlink now (a batch checked its links when it
    listed the folder: a file swapped for a link since then is not followed out of it).
    """
    try:
        fd = os.open(path, _OPEN_FLAGS if follow else _OPEN_FLAGS | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            mode = stat.S_IFREG
        if not stat.S_ISREG(mode):          # a socket cannot be opened: say what it is
            raise _not_regular(mode) from None
        raise LoadError(f"unreadable: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(st.st_mode)
        if st.st_size > max_bytes:
            raise too_large(f"{st.st_size} bytes", max_bytes)
        limit = max_bytes + 1
        chunks, total, want = [], 0, st.st_size + 1
        while total < limit:
            chunk = os.read(fd, min(want, limit - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            want = 1 << 20
        if total > max_bytes:
            raise too_large("grew while read, past the limit", max_bytes)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    except OSError as exc:
        raise LoadError(f"unreadable: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def load_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES,
              read: Callable[[object, int], bytes] = read_file, kind: str | None = None) -> Loaded:
    """Read (``read(path, max_bytes)``, by default :func:`read_file`) and decode one file, or
    extract the text of a PDF or Word file (``kind``, by default from the name's suffix).
    Raises LoadError (with a reason) for anything unusable."""
    return load_bytes(read(path, max_bytes), kind or kind_of(str(path)), max_bytes)


def load_bytes(data: bytes, kind: str | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES) -> Loaded:
    """:func:`load_file` for bytes in memory: decoded as text (``kind`` None), or the text of a
    "pdf" or "docx" document extracted by ``formats``."""
    sha = hashlib.sha256(data).hexdigest()
    if kind is None:
        text, enc = decode(data)
        return Loaded(text=text, encoding=enc, sha256=sha, n_bytes=len(data))
    doc = extract(data, kind, max_chars=max_bytes)
    return Loaded(text=doc.text, encoding=doc.kind, sha256=sha, n_bytes=len(data), source=doc)
