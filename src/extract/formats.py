"""Documents that are not plain text: a PDF's text layer and a Word (.docx) file -> text.

The bytes are read by ``load`` (bounded reads of regular files) and handed here; the text is
extracted from them in memory. The extracted text is the original of such a document: every
offset of its rows points into it, and extracting the same bytes again gives the same text
(``extract.document_text(path)``), so ``text[start:end]`` is the row's text for a PDF too.

* PDF: pypdf (pure Python, BSD licence) reads the text layer page by page; pages are joined with
  :data:`PAGE_BREAK` and :attr:`Extracted.pages` holds where each page starts, so each row can
  carry its page number. No OCR: a PDF whose pages hold no text (a scan) is refused with that
  reason, and so is an encrypted PDF that needs a password and a file pypdf cannot parse.
  Layout noise (letter-spaced headings, column breaks) is left in: the normaliser handles it as
  it does for text copied out of an e-paper PDF.
* DOCX: the standard library's zipfile and XML parser read ``word/document.xml``: the text runs
  (``w:t``) of each paragraph in document order (tables included), tabs and line breaks kept,
  deleted text (tracked changes) left out; one line per paragraph.

The document's own metadata (title; creation date as ``published``) is returned as a fallback
for the facts found in the text.
"""

from __future__ import annotations

import io
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime

from .errors import LoadError

# zipfile and xml.etree are imported when a Word file comes (a few ms of every start-up saved)

PAGE_BREAK = "\f"   # between two pages of a PDF (a form feed: a column break to the normaliser)
FORMATS = {".pdf": "pdf", ".docx": "docx"}


@dataclass(frozen=True)
class Extracted:
    """The text of a document and what the file says about itself."""

    text: str
    kind: str                         # "pdf" or "docx": how the text was obtained
    pages: tuple[int, ...] = ()       # offset in ``text`` where each page starts (PDF only)
    title: str | None = None          # the file's own title (metadata), if it has a usable one
    published: str | None = None      # the file's creation date, ISO (YYYY-MM-DD)


def kind_of(name: str) -> str | None:
    """The document format a file name says ("pdf", "docx"), or None for text.

    >>> kind_of("a/B.PDF"), kind_of("x.docx"), kind_of("x.txt")
    ('pdf', 'docx', None)
    """
    lower = str(name).lower()
    return next((kind for suffix, kind in FORMATS.items() if lower.endswith(suffix)), None)


def sniff(data: bytes) -> str | None:
    """The format of bytes without a name (standard input): "pdf", "docx" or None (text)."""
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") and b"word/" in data[:65536]:
        return "docx"
    return None


def page_at(pages: tuple[int, ...], offset: int) -> int | None:
    """The page number (1-based) holding ``offset`` of the text, or None without pages.

    >>> page_at((0, 10, 25), 0), page_at((0, 10, 25), 12), page_at((), 5)
    (1, 2, None)
    """
    return bisect_right(pages, offset) if pages else None


def extract(data: bytes, kind: str, max_chars: int) -> Extracted:
    """The text of a document of format ``kind``; LoadError (with the reason) when it has none
    or cannot be read. ``max_chars`` bounds the extracted text as ``--max-bytes`` bounds a file."""
    if not data:
        raise LoadError("empty file")
    out = _pdf(data) if kind == "pdf" else _docx(data, max_chars)
    if len(out.text) > max_chars:
        raise LoadError(f"too large: extracted text of {len(out.text)} characters > limit "
                        f"{max_chars} (see --max-bytes)")
    return out


# --- PDF -------------------------------------------------------------------------------------

def _pdf(data: bytes) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PyPdfError

    if not data.startswith(b"%PDF") and b"%PDF" not in data[:1024]:
        raise LoadError("corrupt PDF: no PDF header (%PDF) at the start of the file")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")      # an owner password only: readable by anyone
            except (DependencyError, NotImplementedError) as exc:
                raise LoadError(f"encrypted PDF: cannot decrypt it here ({exc})") from None
            if not opened:
                raise LoadError("encrypted PDF: it needs a password (not read)")
        texts = [_page_text(page) for page in reader.pages]
        info = reader.metadata
    except LoadError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, AssertionError, ZeroDivisionError) as exc:
        raise LoadError(f"corrupt PDF: {type(exc).__name__}: {exc}") from None
    if not texts:
        raise LoadError("PDF without pages")
    if not any(t.strip() for t in texts):
        raise LoadError(f"PDF without a text layer: its {len(texts)} page(s) hold no text "
                        "(a scan? no OCR is done)")
    pages, pos = [], 0
    for t in texts:
        pages.append(pos)
        pos += len(t) + len(PAGE_BREAK)
    title = _usable_title(getattr(info, "title", None) if info else None)
    created = _date_of(info, "creation_date") if info else None
    return Extracted(PAGE_BREAK.join(texts), "pdf", tuple(pages), title, created)


def _page_text(page) -> str:
    # NUL and other C0 controls (but tab/newline) carry no text and would make the text binary
    return "".join(ch for ch in page.extract_text() or ""
                   if ch >= " " or ch in "\t\n")


def _date_of(info, attr: str) -> str | None:
    try:
        value = getattr(info, attr)
    except (ValueError, TypeError, KeyError):   # a malformed date string in the metadata
        return None
    return value.date().isoformat() if isinstance(value, datetime) else None


def _usable_title(title) -> str | None:
    """A metadata title worth showing: not empty, not a file name or a program's default."""
    title = " ".join(str(title or "").split())
    lower = title.lower()
    if (not title or lower.endswith((".doc", ".docx", ".pdf", ".txt", ".wps", ".indd"))
            or lower.startswith(("microsoft word", "untitled", "无标题")) or len(title) > 200):
        return None
    return title


# --- DOCX ------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_DCTERMS = "{http://purl.org/dc/terms/}"


def _docx(data: bytes, max_chars: int) -> Extracted:
    import zipfile
    from xml.etree import ElementTree

    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise LoadError("not a .docx: an old Word (.doc) or an encrypted Office file (not read)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            body = _member(z, "word/document.xml", max_chars)
            core = _member(z, "docProps/core.xml", max_chars, required=False)
    except zipfile.BadZipFile as exc:
        raise LoadError(f"corrupt Word file: {exc}") from None
    try:
        text = _docx_text(body)
        title, created = _docx_core(core) if core else (None, None)
    except ElementTree.ParseError as exc:
        raise LoadError(f"corrupt Word file: bad XML: {exc}") from None
    if not text.strip():
        raise LoadError("Word file without text")
    return Extracted(text, "docx", (), title, created)


def _member(z, name: str, limit: int, required: bool = True) -> bytes | None:
    """One part of the package, refused when it would unpack past the limit (a zip bomb)."""
    try:
        info = z.getinfo(name)
    except KeyError:
        if required:
            raise LoadError(f"not a Word document: no {name} in the file") from None
        return None
    if info.file_size > 8 * limit + (1 << 20):   # XML markup is several times the text
        raise LoadError(f"too large: {name} unpacks to {info.file_size} bytes")
    import zipfile

    try:
        with z.open(info) as f:
            return f.read(info.file_size + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as exc:
        raise LoadError(f"corrupt Word file: {name}: {exc}") from None


_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _docx_text(xml: bytes) -> str:
    """Paragraphs of the body, one per line: runs' text, tabs, line breaks. A paragraph inside
    another (a text box) is a line of its own, before the paragraph holding it, which keeps its
    own text whole; the fallback copy Word writes of a text box (mc:Fallback) is skipped."""
    from xml.etree import ElementTree

    lines: list[str] = []
    stack: list[list[str]] = []          # the open paragraphs, innermost last
    skip = 0                             # depth inside mc:Fallback
    for event, el in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end")):
        tag = el.tag
        if tag == _MC_FALLBACK:
            skip += 1 if event == "start" else -1
            continue
        if skip:
            continue
        if event == "start":
            if tag == _W + "p":
                stack.append([])
            continue
        current = stack[-1] if stack else None
        if tag == _W + "p":
            lines.append("".join(stack.pop()) if stack else "")
            el.clear()
        elif current is None:
            continue
        elif tag == _W + "t":
            current.append(el.text or "")
        elif tag == _W + "tab":
            current.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            current.append("\n")
    return "\n".join(lines)


def _docx_core(xml: bytes) -> tuple[str | None, str | None]:
    from xml.etree import ElementTree

    root = ElementTree.fromstring(xml)
    title = _usable_title(root.findtext(_DC + "title"))
    created = (root.findtext(_DCTERMS + "created") or "").strip()
    try:
        day = datetime.fromisoformat(created.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        day = None
    return title, day
