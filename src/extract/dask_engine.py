"""The Dask engine: the same pipeline, one task per partition of input files, on a Dask cluster.

Local processes (``runner.run``) stay the default; this engine is for corpora too large for one
machine (``pip install 'extract[dask]'``, ``extract run IN --out OUT --engine dask``).

* Inputs and outputs are local folders or fsspec URLs (``s3://``, ``gcs://``, ``file://``). The
  client lists the input files (recursive ``*.txt``, ``*.html``, ``*.htm``, sorted by relative
  path, exactly as ``runner.find_inputs``) and cuts the sorted list into partitions of
  ``partition_size`` files: partition ``i`` is always the same files, whatever the cluster.
* A task processes one partition with ``runner.process_file`` (the local engine's per-document
  code; bytes are read through fsspec and decoded by ``load.decode``, so a failing document is
  the same error row) and writes one Parquet file per table: ``OUT/<table>/part-00000.parquet``,
  with the Arrow schemas and metadata of ``tables.SCHEMAS``. Only the rules *folder* is shipped;
  each worker process loads the rules and the tokenizer once (``rules.default_rules`` and
  ``segment.default_tokenizer`` are cached per process).
* A task whose worker dies is rescheduled by Dask; a task that raises (a failed write to the
  object store) is retried twice (``retries=2``). Part names are deterministic, so a retried or
  repeated task overwrites its own file with the same rows.
* On a local filesystem each part is written to a hidden temporary name
  (``.part-00000.parquet.<token>.tmp``) and renamed into place. Object stores have no rename:
  there a part is written straight to its final key (an object appears whole or not at all), and
  the output is the listing of the folders once the run has returned. When every partition has
  succeeded, part files that this run did not write (left by an earlier run with more
  partitions) and the single-file tables of a local-engine run in the same folder are removed.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
import time
import uuid
from pathlib import Path
from typing import Callable

from .load import DEFAULT_MAX_BYTES
from .runner import PATTERNS, RunSummary, process_file
from .tables import TABLES, arrow_table, metadata, table_records

DEFAULT_PARTITION_SIZE = 100
_PART = re.compile(r"part-(\d+)\.parquet")
_TMP = re.compile(r"\.part-\d+\.parquet\.[0-9a-f]+\.tmp")


def _require() -> None:
    try:
        import distributed  # noqa: F401
        import fsspec  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"the Dask engine needs the dask extra: pip install 'extract[dask]' "
                          f"({exc})") from None


def _fs(url: str | Path, storage_options: dict | None = None):
    """(filesystem, path inside it) of a local path or an fsspec URL."""
    import fsspec

    return fsspec.core.url_to_fs(str(url), **(storage_options or {}))


def _is_local(fs) -> bool:
    from fsspec.implementations.local import LocalFileSystem

    return isinstance(fs, LocalFileSystem)


def _display(rel: str) -> str:
    # as runner._rel: non-UTF-8 file names arrive as surrogate escapes; keep them printable
    return rel.encode("utf-8", "backslashreplace").decode("utf-8")


def list_inputs(fs, root: str) -> list[tuple[str, str]]:
    """(path in ``fs``, relative path) of every input file below ``root``, sorted by relative path,
    like ``runner.find_inputs``: recursive, the names of ``runner.PATTERNS``, symlinked folders not
    followed (a symlink to a file is an input, as with ``os.walk``)."""
    if not fs.exists(root):
        raise FileNotFoundError(f"{root}: input folder not found")
    if fs.isfile(root):
        return [(root, posixpath.basename(root.rstrip("/")))]
    prefix = root.rstrip("/") + "/"
    found = []
    for name, info in fs.find(root, detail=True).items():
        if not name.startswith(prefix):
            continue
        rel = name[len(prefix):]
        base = rel.rsplit("/", 1)[-1]
        if not any(fnmatch.fnmatchcase(base, pat) for pat in PATTERNS):
            continue
        if info.get("type") == "directory" or (info.get("islink") and fs.isdir(name)):
            continue
        found.append((rel, name))
    found.sort()
    return [(name, _display(rel)) for rel, name in found]


def partitions(items: list, size: int) -> list[list]:
    """Consecutive batches of ``size`` items (at least one batch, possibly empty)."""
    if size < 1:
        raise ValueError(f"partition size must be at least 1, not {size}")
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


class FsPath:
    """Just what ``load.load_file`` uses of a ``pathlib.Path`` (``stat().st_size`` and
    ``read_bytes()``), over an fsspec filesystem. Failures are OSErrors, so an unreadable object
    becomes the same "unreadable: ..." error row as an unreadable local file."""

    def __init__(self, fs, path: str):
        self.fs, self.path = fs, path

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except OSError:
            raise
        except Exception as exc:  # object-store clients raise their own exception types
            raise OSError(f"{type(exc).__name__}: {exc}") from exc

    def stat(self) -> os.stat_result:
        size = self._call(self.fs.size, self.path)
        return os.stat_result((0, 0, 0, 0, 0, 0, int(size or 0), 0, 0, 0))

    def read_bytes(self) -> bytes:
        return self._call(self.fs.cat_file, self.path)

    def __fspath__(self) -> str:
        return self.path

    def __str__(self) -> str:
        return self.path


def part_name(index: int, width: int) -> str:
    return f"part-{index:0{width}d}.parquet"


def _write_part(fs, root: str, table: str, name: str, arrow) -> None:
    import pyarrow.parquet as pq

    folder = f"{root}/{table}"
    final = f"{folder}/{name}"
    if _is_local(fs):
        os.makedirs(folder, exist_ok=True)
        tmp = f"{folder}/.{name}.{uuid.uuid4().hex}.tmp"
        try:
            pq.write_table(arrow, tmp, compression="zstd")
            os.replace(tmp, final)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    else:
        with fs.open(final, "wb") as f:
            pq.write_table(arrow, f, compression="zstd")


def process_partition(index: int, items: list[tuple[str, str]], fs_in, fs_out, out_root: str,
                      rules_dir: str | None, fingerprint: str, max_bytes: int,
                      meta: dict[bytes, bytes], width: int) -> dict:
    """One partition on a worker: every file through ``runner.process_file``, then one Parquet
    file per table. Returns the partition's counts and error rows (small, for the summary)."""
    from .ruleset import default_rules

    rules = default_rules(rules_dir)  # cached per worker process: loaded once, not per task
    if rules.fingerprint != fingerprint:
        raise RuntimeError(
            f"the worker loaded other rules ({rules.directory}, fingerprint {rules.fingerprint}) "
            f"than the client ({fingerprint}): install the same extract version on the workers, "
            f"or give a rules folder that they can read")
    results = [process_file(FsPath(fs_in, path), rel, rules, None, max_bytes)
               for path, rel in items]
    records = table_records(results)
    name = part_name(index, width)
    for table in TABLES:
        _write_part(fs_out, out_root, table, name,
                    arrow_table(table, records[table]).replace_schema_metadata(meta))
    docs = records["documents"]
    return {
        "index": index, "documents": len(docs),
        "ok": sum(1 for d in docs if d.status == "ok"),
        "errors": [(d.path, d.error or "") for d in docs if d.status != "ok"],
        "chars": sum(d.n_chars or 0 for d in docs),
        "metrics": len(records["metrics"]), "dates": len(records["dates"]),
        "rejects": len(records["rejects"]), "last": docs[-1].path if docs else "",
    }


def check_out(fs, root: str, force: bool = False) -> None:
    """Refuse to write into a folder that holds something other than an extract output."""
    if not fs.exists(root):
        return
    if not fs.isdir(root):
        raise FileExistsError(f"{root}: exists and is not a folder")
    ours = ({f"{t}.parquet" for t in TABLES} | {f".{t}.parquet.tmp" for t in TABLES}
            | {".gitkeep"})
    foreign = []
    for entry in fs.ls(root, detail=True):
        base = posixpath.basename(entry["name"].rstrip("/"))
        if base in TABLES and entry["type"] == "directory":
            foreign += [f"{base}/{n}" for n in _names(fs, entry["name"])
                        if not (_PART.fullmatch(n) or _TMP.fullmatch(n))]
        elif base not in ours:
            foreign.append(base)
    if foreign and not force:
        foreign.sort()
        raise FileExistsError(
            f"{root}: not an extract output folder (it holds {', '.join(foreign[:3])}"
            f"{' ...' if len(foreign) > 3 else ''}); choose another --out or pass --force")


def _names(fs, folder: str) -> list[str]:
    return [posixpath.basename(p.rstrip("/")) for p in fs.ls(folder, detail=False)]


def _cleanup(fs, root: str, written: set[str]) -> None:
    """After a complete run: remove part files this run did not write, stray temporary files and
    the single-file tables of a local-engine run, so the folder holds exactly this run."""
    for table in TABLES:
        folder = f"{root}/{table}"
        if fs.isdir(folder):
            stale = [f"{folder}/{n}" for n in _names(fs, folder)
                     if (_PART.fullmatch(n) and n not in written) or _TMP.fullmatch(n)]
            for p in stale:
                fs.rm_file(p)
        single = f"{root}/{table}.parquet"
        if fs.isfile(single):
            fs.rm_file(single)


def _rules_to_ship(rules, rules_dir) -> str | None:
    """The rules folder the workers load: None for the shipped rules (each worker's installed
    package), else the folder's path (it must be readable on the workers)."""
    from .rules import rules_dir as shipped

    if rules_dir is not None:
        return str(rules_dir)
    if rules is None or Path(rules.directory).resolve() == shipped().resolve():
        return None
    return str(rules.directory)


def run_dask(in_dir: str | Path, out_dir: str | Path, *, rules=None,
             rules_dir: str | Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
             force: bool = False, progress: Callable[[int, int, str], None] | None = None,
             client=None, scheduler: str | None = None,
             partition_size: int = DEFAULT_PARTITION_SIZE, n_workers: int | None = None,
             storage_options: dict | None = None) -> RunSummary:
    """Process every input file below ``in_dir`` on a Dask cluster; write the four tables as
    partitioned Parquet datasets below ``out_dir``.

    ``client``: a ``distributed.Client`` to use (left open); else ``scheduler``: the address of a
    running scheduler (``tcp://host:8786``); else a LocalCluster of ``n_workers`` processes
    (default: one per core) with one thread each, closed at the end. ``storage_options`` go to
    fsspec for both the input and the output (credentials, endpoint, ...).
    """
    _require()
    from distributed import Client, as_completed

    from .ruleset import default_rules

    t0 = time.perf_counter()
    shipped_dir = _rules_to_ship(rules, rules_dir)
    rules = rules or default_rules(rules_dir)
    fs_in, in_root = _fs(in_dir, storage_options)
    fs_out, out_root = _fs(out_dir, storage_options)
    out_root = out_root.rstrip("/") or out_root
    check_out(fs_out, out_root, force)
    items = list_inputs(fs_in, in_root)
    parts = partitions(items, partition_size)
    width = max(5, len(str(len(parts) - 1)))
    # the input as the local engine records it: an absolute path, or the URL as given
    recorded = str(in_dir) if "://" in str(in_dir) else str(Path(in_dir).resolve())
    meta = metadata(rules.fingerprint, {"input": recorded})
    fs_out.makedirs(out_root, exist_ok=True)
    for table in TABLES:
        fs_out.makedirs(f"{out_root}/{table}", exist_ok=True)

    owned: list = []
    if client is None:
        if scheduler:
            client = Client(scheduler)
            owned.append(client)
        else:
            from distributed import LocalCluster

            cluster = LocalCluster(n_workers=n_workers or os.cpu_count() or 1,
                                   threads_per_worker=1, processes=True, dashboard_address=None)
            owned += [cluster, Client(cluster)]
            client = owned[-1]
    token = uuid.uuid4().hex[:10]
    summary = RunSummary(out_dir=Path(out_dir) if _is_local(fs_out) and "://" not in str(out_dir)
                         else str(out_dir))
    done: dict[int, dict] = {}
    try:
        threads = sum(client.nthreads().values())
        window = max(32, 4 * threads)  # partitions in flight: scheduler memory stays flat

        def submit(i: int):
            return client.submit(process_partition, i, parts[i], fs_in, fs_out, out_root,
                                 shipped_dir, rules.fingerprint, max_bytes, meta, width,
                                 key=f"extract-partition-{token}-{i:0{width}d}", retries=2)

        inflight = {i: submit(i) for i in range(min(window, len(parts)))}
        following = len(inflight)
        pending = as_completed(list(inflight.values()))
        n_docs = 0
        try:
            for fut in pending:
                res = fut.result()  # a partition that failed three times raises here
                inflight.pop(res["index"], None)
                done[res["index"]] = res
                if following < len(parts):
                    inflight[following] = submit(following)
                    pending.add(inflight[following])
                    following += 1
                n_docs += res["documents"]
                if progress and res["documents"]:
                    progress(n_docs, len(items), res["last"])
        except BaseException:
            pending.clear()
            client.cancel(list(inflight.values()))
            raise
        for i in range(len(parts)):
            res = done[i]
            summary.documents += res["documents"]
            summary.ok += res["ok"]
            summary.errors += [tuple(e) for e in res["errors"]]
            summary.chars += res["chars"]
            summary.metrics += res["metrics"]
            summary.dates += res["dates"]
            summary.rejects += res["rejects"]
    finally:
        for obj in reversed(owned):
            obj.close()
    _cleanup(fs_out, out_root, {part_name(i, width) for i in range(len(parts))})
    summary.seconds = time.perf_counter() - t0
    return summary
