"""Batch runs: every input file of a folder through the pipeline, streamed into Parquet.

Every input file is accounted for: processed (status "ok") or listed with its error. One bad file
never stops a batch. Rows come out in path order whatever the number of worker processes, so the
output of ``jobs=1`` and ``jobs=N`` is identical.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .load import DEFAULT_MAX_BYTES, LoadError, load_file
from .pipeline import Result, extract_document
from .records import Document
from .ruleset import RuleSet, default_rules
from .tagger import default_tokenizer
from .tables import TABLES, TableWriter, columns_of, metadata, table_records

PATTERNS = ("*.txt", "*.html", "*.htm")


@dataclass
class RunSummary:
    """What a run did: counts, and for each failed file the reason."""

    out_dir: Path
    documents: int = 0
    ok: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    metrics: int = 0
    dates: int = 0
    rejects: int = 0
    seconds: float = 0.0
    chars: int = 0

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


def find_inputs(in_dir: Path, patterns: tuple[str, ...] = PATTERNS) -> list[Path]:
    """Input files below ``in_dir`` (recursive, symlinked folders not followed), sorted."""
    in_dir = Path(in_dir)
    if in_dir.is_file():
        return [in_dir]
    found = []
    for root, dirs, files in os.walk(in_dir, followlinks=False, onerror=None):
        dirs.sort()
        for name in files:
            p = Path(root) / name
            if any(p.match(pat) for pat in patterns):
                found.append(p)
    return sorted(found, key=lambda p: p.relative_to(in_dir).as_posix())


def _rel(path: Path, in_dir: Path) -> str:
    if in_dir.is_file():
        return path.name
    rel = path.relative_to(in_dir).as_posix()
    # non-UTF-8 file names arrive as surrogate escapes; keep them printable and stable
    return rel.encode("utf-8", "backslashreplace").decode("utf-8")


def process_file(path: Path, rel: str, rules: RuleSet, tokenizer=None,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> Result:
    """One input file -> a Result; any failure becomes a document row with status "error"."""
    sha = ""
    try:
        loaded = load_file(path, max_bytes=max_bytes)
        sha = loaded.sha256
        return extract_document(loaded.text, rel, rules, tokenizer, path=rel, sha256=sha,
                                encoding=loaded.encoding)
    except LoadError as exc:
        reason = str(exc)
    except Exception as exc:  # a bug or a hostile input must not stop the batch
        reason = f"internal error: {type(exc).__name__}: {exc}"
    return Result(Document(doc_id=rel, path=rel, sha256=sha, status="error", error=reason))


# --- worker processes ------------------------------------------------------------------------
# Each worker loads the rules (and, lazily, the tokenizer) once, in its initializer.
_WORKER: dict = {}


def _init_worker(rules_dir: str | None, max_bytes: int) -> None:
    _WORKER["rules"] = default_rules(rules_dir)
    _WORKER["max_bytes"] = max_bytes


# One article's rows as columns, table by table (see tables.columns_of).
Columns = dict[str, dict[str, list]]


def _columns(res: Result) -> Columns:
    """The rows of a Result as plain columns. Workers send these (not the pydantic records and
    the article text) back to the parent, which then only appends them: less to pickle, and
    little work in the one process every result passes through."""
    return {name: columns_of(name, records) for name, records in table_records([res]).items()}


def _work(item: tuple[str, str]) -> Columns:
    path, rel = item
    return _columns(process_file(Path(path), rel, _WORKER["rules"], None, _WORKER["max_bytes"]))


def _results(items: list[tuple[str, str]], rules: RuleSet, jobs: int, max_bytes: int,
             rules_dir: str | None) -> Iterator[Columns]:
    if jobs <= 1 or len(items) <= 1:
        for path, rel in items:
            yield _columns(process_file(Path(path), rel, rules, None, max_bytes))
        return
    import multiprocessing as mp

    ctx = mp.get_context("spawn" if os.name == "nt" else "fork")
    if ctx.get_start_method() == "fork":
        # build the tokenizer once here: forked workers inherit it instead of each spending
        # a couple of seconds loading jieba's dictionaries
        default_tokenizer(rules)
    with ctx.Pool(jobs, initializer=_init_worker, initargs=(rules_dir, max_bytes)) as pool:
        yield from pool.imap(_work, items, chunksize=max(1, min(16, len(items) // (jobs * 8))))


def check_out_dir(out_dir: Path, force: bool = False) -> None:
    """Refuse to write into a folder that holds something other than an extract output."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise FileExistsError(f"{out_dir}: exists and is not a folder")
    # either engine's layout: <table>.parquet (local) or <table>/ part folders (Dask)
    ours = ({f"{t}.parquet" for t in TABLES} | {f".{t}.parquet.tmp" for t in TABLES}
            | set(TABLES) | {".gitkeep"})
    foreign = sorted(p.name for p in out_dir.iterdir() if p.name not in ours)
    if foreign and not force:
        raise FileExistsError(
            f"{out_dir}: not an extract output folder (it holds {', '.join(foreign[:3])}"
            f"{' ...' if len(foreign) > 3 else ''}); choose another --out or pass --force")


def run(in_dir: str | Path, out_dir: str | Path, *, rules: RuleSet | None = None,
        rules_dir: str | Path | None = None, jobs: int = 1, max_bytes: int = DEFAULT_MAX_BYTES,
        force: bool = False, progress: Callable[[int, int, str], None] | None = None,
        engine: str = "local", client=None, scheduler: str | None = None,
        partition_size: int = 100, n_workers: int | None = None,
        storage_options: dict | None = None) -> RunSummary:
    """Process every input file below ``in_dir`` and write the four tables to ``out_dir``.

    ``engine="local"`` (default): ``jobs`` worker processes on this machine, one Parquet file per
    table. ``engine="dask"``: a Dask cluster (``client``, else ``scheduler`` address, else a
    LocalCluster of ``n_workers`` processes), partitions of ``partition_size`` files, one folder
    of part files per table; ``in_dir``/``out_dir`` may be fsspec URLs (see ``dask_engine``).
    """
    if engine == "dask":
        from .dask_engine import run_dask

        return run_dask(in_dir, out_dir, rules=rules, rules_dir=rules_dir, max_bytes=max_bytes,
                        force=force, progress=progress, client=client, scheduler=scheduler,
                        partition_size=partition_size, n_workers=n_workers,
                        storage_options=storage_options)
    if engine != "local":
        raise ValueError(f"unknown engine {engine!r}: 'local' or 'dask'")
    in_dir, out_dir = Path(in_dir), Path(out_dir)
    if not in_dir.exists():
        raise FileNotFoundError(f"{in_dir}: input folder not found")
    check_out_dir(out_dir, force)
    out_dir.mkdir(parents=True, exist_ok=True)
    rules = rules or default_rules(rules_dir)
    t0 = time.perf_counter()
    paths = find_inputs(in_dir)
    items = [(str(p), _rel(p, in_dir)) for p in paths]
    meta = metadata(rules.fingerprint, {"input": str(in_dir.resolve())})
    writers = {name: TableWriter(out_dir, name, meta) for name in TABLES}
    summary = RunSummary(out_dir=out_dir)
    try:
        for i, cols in enumerate(_results(items, rules, jobs, max_bytes,
                                          str(rules_dir) if rules_dir else None), 1):
            for name in TABLES:
                writers[name].write(cols[name])
            doc = {k: v[0] for k, v in cols["documents"].items()}
            summary.documents += 1
            summary.chars += doc["n_chars"]
            if doc["status"] == "ok":
                summary.ok += 1
            else:
                summary.errors.append((doc["path"], doc["error"] or ""))
            summary.metrics += len(cols["metrics"]["doc_id"])
            summary.dates += len(cols["dates"]["doc_id"])
            summary.rejects += len(cols["rejects"]["doc_id"])
            if progress:
                progress(i, len(items), doc["path"])
    except BaseException:
        for w in writers.values():
            w.abort()
        raise
    for w in writers.values():
        w.close()
    summary.seconds = time.perf_counter() - t0
    return summary
