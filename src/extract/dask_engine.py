"""The Dask engine: the same pipeline, one task per partition of input files, on a Dask cluster.

Local processes (``runner.run``) stay the default; this engine is for corpora too large for one
machine (``pip install -e '.[dask]' from a checkout``, ``extract run IN --out OUT --engine dask``).

* Inputs and outputs are local folders or fsspec URLs (``s3://``, ``gcs://``, ``file://``). The
  client lists the input files (``batch.list_local`` for a local folder, ``batch.list_fs`` for an
  object store: the same names, ids and order) and cuts the sorted list into partitions of
  ``partition_size`` files: partition ``i`` is always the same files, whatever the cluster.
* A task processes one partition with ``batch.process_input`` (the local engine's per-document
  code; a local file is read by ``load.read_file``, an object through fsspec, at most
  ``max_bytes + 1`` bytes either way, so a failing document is the same error row) and writes
  one Parquet file per table: ``OUT/<table>/part-00000.parquet``, with the Arrow schemas of
  ``tables.SCHEMAS`` and the run's metadata (with its run id). Only the rules *folder* is shipped;
  each worker process loads the rules and the tokenizer once (``ruleset.default_rules`` and
  ``tagger.default_tokenizer`` are cached per process).
* A task whose worker dies is rescheduled by Dask; a task that raises (a failed write to the
  object store) is retried twice (``retries=2``). Part names are deterministic, so a retried or
  repeated task overwrites its own file with the same rows.
* On a local filesystem the parts go into the run's own hidden folder and the run is committed
  as the local engine's is (``commit``: one run at a time, all tables or none). Object stores
  have no rename: there a part is written straight to its final key (an object appears whole or
  not at all); once every partition has succeeded, part files that this run did not write and
  the single-file tables of a local-engine run are removed. Until then the folder mixes runs,
  and ``tables.read`` refuses it (the run ids disagree).
"""

from __future__ import annotations

import os
import posixpath
import re
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Callable

from . import commit
from .batch import (Input, RunSummary, check_out_dir, check_out_fs, list_fs, list_local,
                    process_input, require_inputs)
from .load import DEFAULT_MAX_BYTES, LoadError, read_file, too_large
from .tables import TABLES, arrow_table, columns_of, metadata, table_records

DEFAULT_PARTITION_SIZE = 100
_PART = re.compile(r"part-(\d+)\.parquet")
_TMP = re.compile(r"\.part-\d+\.parquet\.[0-9a-f]+\.tmp")


def _require() -> None:
    try:
        import distributed  # noqa: F401
        import fsspec  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"the Dask engine needs the dask extra: pip install -e '.[dask]' "
                          f"({exc})") from None


def _fs(url: str | Path, storage_options: dict | None = None):
    """(filesystem, path inside it) of a local path or an fsspec URL."""
    import fsspec

    return fsspec.core.url_to_fs(str(url), **(storage_options or {}))


def _is_local(fs) -> bool:
    from fsspec.implementations.local import LocalFileSystem

    return isinstance(fs, LocalFileSystem)


def list_inputs(fs, root: str, follow_symlinks: bool = False) -> list[Input]:
    """The inputs below ``root``: ``batch.list_local`` on a local filesystem (symlink rules
    included), ``batch.list_fs`` on an object store."""
    if _is_local(fs):
        return list_local(root, follow_symlinks)
    return list_fs(fs, root)


def partitions(items: list, size: int) -> list[list]:
    """Consecutive batches of ``size`` items (at least one batch, possibly empty)."""
    if size < 1:
        raise ValueError(f"partition size must be at least 1, not {size}")
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def read_fs(fs, path: str, max_bytes: int) -> bytes:
    """An object's bytes through fsspec, as ``load.read_file`` reads a local file: only a file,
    at most ``max_bytes + 1`` bytes read, else LoadError. Client errors become "unreadable"."""
    try:
        info = fs.info(path)
        if info.get("type") != "file":
            raise LoadError(f"not a regular file: {info.get('type')}")
        if (info.get("size") or 0) > max_bytes:
            raise too_large(f"{info['size']} bytes", max_bytes)
        with fs.open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except LoadError:
        raise
    except OSError as exc:
        raise LoadError(f"unreadable: {exc.strerror or exc}") from None
    except Exception as exc:  # object-store clients raise their own exception types
        raise LoadError(f"unreadable: {type(exc).__name__}: {exc}") from None
    if len(data) > max_bytes:
        raise too_large("grew while read, past the limit", max_bytes)
    return data


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


def process_partition(index: int, items: list[Input], fs_in, fs_out, out_root: str,
                      rules_dir: str | None, fingerprint: str, max_bytes: int,
                      meta: dict[bytes, bytes], width: int) -> dict:
    """One partition on a worker: every file through ``batch.process_input``, then one Parquet
    file per table below ``out_root``. Returns the partition's summary (small)."""
    from .ruleset import default_rules

    rules = default_rules(rules_dir)  # cached per worker process: loaded once, not per task
    if rules.fingerprint != fingerprint:
        raise RuntimeError(
            f"the worker loaded other rules ({rules.directory}, fingerprint {rules.fingerprint}) "
            f"than the client ({fingerprint}): install the same extract version on the workers, "
            f"or give a rules folder that they can read")
    read = read_file if _is_local(fs_in) else partial(read_fs, fs_in)
    results = [process_input(Input(*item), rules, None, max_bytes, read) for item in items]
    records = table_records(results)
    name = part_name(index, width)
    for table in TABLES:
        _write_part(fs_out, out_root, table, name,
                    arrow_table(table, records[table]).replace_schema_metadata(meta))
    summary = RunSummary()
    summary.add({t: columns_of(t, records[t]) for t in TABLES})
    docs = records["documents"]
    return {"index": index, "summary": summary, "last": docs[-1].path if docs else ""}


def _names(fs, folder: str) -> list[str]:
    return [posixpath.basename(p.rstrip("/")) for p in fs.ls(folder, detail=False)]


def _cleanup(fs, root: str, written: set[str]) -> None:
    """After a complete run on an object store: remove part files this run did not write, stray
    temporary files and the single-file tables of a local-engine run."""
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
             force: bool = False, follow_symlinks: bool = False,
             progress: Callable[[int, int, str], None] | None = None,
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
    from .ruleset import default_rules

    t0 = time.perf_counter()
    shipped_dir = _rules_to_ship(rules, rules_dir)
    rules = rules or default_rules(rules_dir)
    fs_in, in_root = _fs(in_dir, storage_options)
    fs_out, out_root = _fs(out_dir, storage_options)
    out_root = out_root.rstrip("/") or out_root
    items = require_inputs(list_inputs(fs_in, in_root, follow_symlinks), in_dir)
    local_out = _is_local(fs_out)
    (check_out_dir if local_out else partial(check_out_fs, fs_out))(out_root, force)
    # the input as the local engine records it: an absolute path, or the URL as given
    recorded = str(in_dir) if "://" in str(in_dir) else str(Path(in_dir).resolve())
    run_id = commit.new_run_id()
    meta = metadata(rules.fingerprint, {"input": recorded, "run_id": run_id})
    summary = RunSummary(out_dir=Path(out_dir) if local_out and "://" not in str(out_dir)
                         else str(out_dir))
    fs_out.makedirs(out_root, exist_ok=True)
    if not local_out:
        written = _run_tasks(items, fs_in, fs_out, out_root, meta, summary, shipped_dir, rules,
                           max_bytes, partition_size, client, scheduler, n_workers, progress)
        _cleanup(fs_out, out_root, written)
        summary.seconds = time.perf_counter() - t0
        return summary
    with commit.new_run(out_root, run_id, lambda: check_out_dir(out_root, force)) as gen:
        _run_tasks(items, fs_in, fs_out, str(gen), meta, summary, shipped_dir, rules,
                   max_bytes, partition_size, client, scheduler, n_workers, progress)
        commit.commit(out_root, gen, list(TABLES), [f"{t}.parquet" for t in TABLES])
    summary.seconds = time.perf_counter() - t0
    return summary


def _run_tasks(items, fs_in, fs_out, root: str, meta, summary: RunSummary, shipped_dir, rules,
               max_bytes, partition_size, client, scheduler, n_workers, progress) -> set[str]:
    """Every partition as a task writing below ``root``; their summaries added in partition
    order. Returns the part file names written."""
    from distributed import Client, as_completed

    parts = partitions(items, partition_size)
    width = max(5, len(str(len(parts) - 1)))
    for table in TABLES:
        fs_out.makedirs(f"{root}/{table}", exist_ok=True)
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
    done: dict[int, dict] = {}
    try:
        threads = sum(client.nthreads().values())
        window = max(32, 4 * threads)  # partitions in flight: scheduler memory stays flat

        def submit(i: int):
            return client.submit(process_partition, i, [tuple(p) for p in parts[i]], fs_in,
                                 fs_out, root, shipped_dir, rules.fingerprint, max_bytes, meta,
                                 width, key=f"extract-partition-{token}-{i:0{width}d}", retries=2)

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
                n_docs += res["summary"].documents
                if progress and res["summary"].documents:
                    progress(n_docs, len(items), res["last"])
        except BaseException:
            pending.clear()
            client.cancel(list(inflight.values()))
            raise
        for i in range(len(parts)):
            summary.merge(done[i]["summary"])
    finally:
        for obj in reversed(owned):
            obj.close()
    return {part_name(i, width) for i in range(len(parts))}
