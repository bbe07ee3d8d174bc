"""What every batch engine shares: the inputs of a run, the output folder check, one document's
rows (or its error row), and the summary tally.

The engines (``processes``: worker processes on this machine; ``dask_engine``: a Dask cluster)
are thin layers over this module; ``runner.run`` picks one. Nothing here imports an engine.

Inputs are listed once, sorted by relative path, each with its document id and, when it must not
be read, the reason (a symlink that leaves the input folder). Every listed input becomes exactly
one documents row: processed (status "ok") or an error row naming why.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple

from .commit import is_commit_entry
from .load import DEFAULT_MAX_BYTES, LoadError, load_file, read_file
from .pipeline import Result, extract_document
from .records import Document
from .ruleset import RuleSet
from .tables import TABLES

PATTERNS = ("*.txt", "*.html", "*.htm", "*.pdf", "*.docx")
_SUFFIXES = tuple(p[1:] for p in PATTERNS)


class NoInputsError(FileNotFoundError):
    """The input folder holds no file to process (the previous output is left as it was)."""


class Input(NamedTuple):
    """One input file: where to read it, its document id, and why not to read it (or None)."""

    path: str
    doc_id: str
    refused: str | None = None
    # False for a file found in a listed folder: read without following a link, as listed
    # (a file swapped for a symlink after the listing is refused, not followed)
    follow: bool = True


def is_input_name(name: str) -> bool:
    """Whether a file name is an input (``*.txt``, ``*.html``, ``*.htm``, ``*.pdf``, ``*.docx``,
    in any case)."""
    return name.lower().endswith(_SUFFIXES)


def doc_id_of(rel: str) -> str:
    """The document id of a relative path: the path itself, printable and one-to-one.

    Undecodable bytes of a file name arrive as surrogate escapes (U+DC80..U+DCFF); each becomes
    ``\\xNN`` and a backslash of the name becomes ``\\\\``, so two names that differ only in
    such bytes (or a name that spells ``\\xe9`` in ASCII) never share an id. A name of valid
    UTF-8 without backslashes is its own id.

    >>> doc_id_of(os.fsdecode(b"a\\xe9.txt")), doc_id_of("a\\\\xe9.txt"), doc_id_of("b.txt")
    ('a\\\\xe9.txt', 'a\\\\\\\\xe9.txt', 'b.txt')
    """
    if "\\" not in rel and rel.isprintable() and not any("\udc80" <= c <= "\udcff" for c in rel):
        return rel
    out = []
    for c in rel:
        if c == "\\":
            out.append("\\\\")
        elif "\udc80" <= c <= "\udcff":
            out.append(f"\\x{ord(c) - 0xDC00:02x}")
        elif not c.isprintable() or "\ud800" <= c <= "\udfff":
            out.append(f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}")
        else:
            out.append(c)
    return "".join(out)


def list_local(in_dir: str | Path, follow_symlinks: bool = False) -> list[Input]:
    """The input files below a local folder (or the one file given), sorted by relative path.

    Folders are searched recursively; symlinked folders are not descended into. A symlink to a
    file is an input; one whose target lies outside the input folder is listed as refused
    (unless ``follow_symlinks``), and one whose target is inside is read at its target. FIFOs,
    sockets and devices with an input name are listed: reading them is refused (``load``).
    """
    in_dir = Path(in_dir)
    if not os.path.lexists(in_dir):
        raise FileNotFoundError(f"{in_dir}: input folder not found")
    if not in_dir.is_dir():
        return [Input(str(in_dir), doc_id_of(in_dir.name))]
    real_root = os.path.realpath(in_dir)
    found: list[tuple[str, Input]] = []
    stack = [(str(in_dir), "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue                      # an unreadable sub-folder, as os.walk(onerror=None)
        for e in entries:
            rel = prefix + e.name
            if e.is_dir(follow_symlinks=False):
                stack.append((e.path, rel + "/"))
            elif not is_input_name(e.name):
                continue
            elif e.is_symlink():
                item = _symlink_input(e.path, rel, real_root, follow_symlinks)
                if item is not None:
                    found.append((rel, item))
            else:
                found.append((rel, Input(e.path, doc_id_of(rel), follow=False)))
    found.sort(key=lambda x: x[0])
    return [item for _, item in found]


def _symlink_input(path: str, rel: str, real_root: str, follow: bool) -> Input | None:
    """A symlink with an input name: None for a link to a folder (not followed), else the input,
    read at its resolved target, or refused when the target leaves the input folder."""
    target = os.path.realpath(path)
    try:
        if stat.S_ISDIR(os.stat(target).st_mode):
            return None
    except OSError:
        return Input(path, doc_id_of(rel))         # dangling: reading says "unreadable: ..."
    inside = target == real_root or target.startswith(real_root.rstrip(os.sep) + os.sep)
    if not inside and not follow:
        return Input(path, doc_id_of(rel),
                     f"symlink leaves the input folder: {rel} -> {target} "
                     f"(not followed; see --follow-symlinks)")
    return Input(target, doc_id_of(rel), follow=False)


def list_fs(fs, root: str) -> list[Input]:
    """The input files below ``root`` on an fsspec filesystem (an object store: no symlinks),
    sorted by relative path, with the names and ids of :func:`list_local`."""
    if not fs.exists(root):
        raise FileNotFoundError(f"{root}: input folder not found")
    if fs.isfile(root):
        return [Input(root, doc_id_of(posixpath.basename(root.rstrip("/"))))]
    prefix = root.rstrip("/") + "/"
    found = []
    for name, info in fs.find(root, detail=True).items():
        rel = name[len(prefix):] if name.startswith(prefix) else None
        if rel and is_input_name(rel.rsplit("/", 1)[-1]) and info.get("type") != "directory":
            found.append((rel, Input(name, doc_id_of(rel))))
    found.sort(key=lambda x: x[0])
    return [item for _, item in found]


def require_inputs(items: list[Input], in_dir) -> list[Input]:
    if not items:
        raise NoInputsError(
            f"{in_dir}: no input files found ({', '.join(PATTERNS)}, in any case); "
            f"nothing was written")
    return items


# --- the output folder -------------------------------------------------------------------------

def is_ours(name: str) -> bool:
    """Whether an entry of an output folder is something a run writes (either engine's layout,
    the lock, generation folders and their temporary names)."""
    if is_commit_entry(name) or name in (".gitkeep", "report.html"):   # report: extract report
        return True
    if name in TABLES:
        return True                       # a table's part folder (or a link to it)
    return name.endswith(".parquet") and name[:-8] in TABLES or (
        name.startswith(".") and name.endswith(".parquet.tmp") and name[1:-12] in TABLES)


def check_out_dir(out_dir: str | Path, force: bool = False) -> None:
    """Refuse an output folder that is a file, lies below a file, or holds files that are not
    an extract output (unless ``force``). The message names the path."""
    out_dir = Path(out_dir)
    for p in (out_dir, *out_dir.parents):
        if os.path.lexists(p) and not p.is_dir():
            what = "is" if p == out_dir else f"lies below {p}, which is"
            raise NotADirectoryError(f"{out_dir}: cannot be an output folder: it {what} "
                                     f"not a folder")
        if p.is_dir():
            break
    if not out_dir.is_dir():
        return
    foreign = []
    for e in os.scandir(out_dir):
        if not is_ours(e.name):
            foreign.append(e.name)
        elif e.name in TABLES and e.is_dir(follow_symlinks=False):
            foreign += [f"{e.name}/{n}" for n in os.listdir(e.path) if not _part_name(n)]
    _refuse_foreign(out_dir, foreign, force)


def check_out_fs(fs, root: str, force: bool = False) -> None:
    """:func:`check_out_dir` for an fsspec filesystem (an object store)."""
    if not fs.exists(root):
        return
    if not fs.isdir(root):
        raise NotADirectoryError(f"{root}: cannot be an output folder: it is not a folder")
    foreign = []
    for entry in fs.ls(root, detail=True):
        base = posixpath.basename(entry["name"].rstrip("/"))
        if base in TABLES and entry["type"] == "directory":
            foreign += [f"{base}/{n}" for n in (posixpath.basename(p.rstrip("/"))
                                                for p in fs.ls(entry["name"], detail=False))
                        if not _part_name(n)]
        elif not is_ours(base):
            foreign.append(base)
    _refuse_foreign(root, foreign, force)


def _part_name(name: str) -> bool:
    return (name.startswith("part-") and name.endswith(".parquet")) or (
        name.startswith(".part-") and name.endswith(".tmp"))


def _refuse_foreign(root, foreign: list[str], force: bool) -> None:
    if foreign and not force:
        foreign.sort()
        raise FileExistsError(
            f"{root}: not an extract output folder (it holds {', '.join(foreign[:3])}"
            f"{' ...' if len(foreign) > 3 else ''}); choose another --out or pass --force")


# --- one document ------------------------------------------------------------------------------

def error_result(doc_id: str, reason: str, sha: str = "") -> Result:
    return Result(Document(doc_id=doc_id, path=doc_id, sha256=sha, status="error", error=reason))


def process_file(path, rel: str, rules: RuleSet, tokenizer=None,
                 max_bytes: int = DEFAULT_MAX_BYTES,
                 read: Callable[[object, int], bytes] = read_file,
                 kind: str | None = None) -> Result:
    """One input file -> a Result; any failure becomes a document row with status "error".
    ``read(path, max_bytes)`` gives the bytes (default: the local reader of ``load``); a PDF or
    Word file (``kind``, else by the name's suffix) becomes the text extracted from it."""
    sha = ""
    try:
        loaded = load_file(path, max_bytes=max_bytes, read=read, kind=kind)
        sha = loaded.sha256
        return extract_document(loaded.text, rel, rules, tokenizer, path=rel, sha256=sha,
                                encoding=loaded.encoding, source=loaded.source)
    except LoadError as exc:
        reason = str(exc)
    except Exception as exc:  # a bug or a hostile input must not stop the batch
        reason = f"internal error: {type(exc).__name__}: {exc}"
    return error_result(rel, reason, sha)


def process_input(item: Input, rules: RuleSet, tokenizer=None,
                  max_bytes: int = DEFAULT_MAX_BYTES, read=read_file) -> Result:
    """One listed input: its error row if it was refused at listing, else :func:`process_file`."""
    if item.refused:
        return error_result(item.doc_id, item.refused)
    if read is read_file and not item.follow:
        read = _read_as_listed
    return process_file(item.path, item.doc_id, rules, tokenizer, max_bytes, read)


def _read_as_listed(path, max_bytes: int) -> bytes:
    return read_file(path, max_bytes, follow=False)


# --- the summary -------------------------------------------------------------------------------

@dataclass
class RunSummary:
    """What a run did: counts, and for each failed file the reason."""

    out_dir: Path | str = ""
    documents: int = 0
    ok: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    metrics: int = 0
    dates: int = 0
    rejects: int = 0
    seconds: float = 0.0
    chars: int = 0

    def add(self, columns: dict[str, dict[str, list]]) -> None:
        """Count one article's rows, given as columns per table (see ``tables.columns_of``)."""
        docs = columns["documents"]
        for path, status, error, n_chars in zip(docs["path"], docs["status"], docs["error"],
                                                docs["n_chars"]):
            self.documents += 1
            self.chars += n_chars or 0
            if status == "ok":
                self.ok += 1
            else:
                self.errors.append((path, error or ""))
        self.metrics += len(columns["metrics"]["doc_id"])
        self.dates += len(columns["dates"]["doc_id"])
        self.rejects += len(columns["rejects"]["doc_id"])

    def merge(self, other: RunSummary) -> None:
        """Add another summary's counts (a partition's, in partition order)."""
        for name in ("documents", "ok", "metrics", "dates", "rejects", "chars"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors

    def error_reasons(self) -> Counter:
        return Counter(reason.split(":")[0] for _, reason in self.errors)

    def __str__(self) -> str:
        lines = [
            f"{self.documents} documents ({self.ok} ok, {len(self.errors)} failed), "
            f"{self.metrics} metrics, {self.dates} dates, {self.rejects} rejects "
            f"in {self.seconds:.1f}s -> {self.out_dir}",
        ]
        for reason, n in sorted(self.error_reasons().items()):
            lines.append(f"  failed: {n} x {reason}")
        return "\n".join(lines)
