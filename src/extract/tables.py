"""Arrow schemas, Parquet writing and reading, run metadata.

Column names are the public interface. A run writes its tables into a hidden folder of its own
and commits them together (see ``commit``), so an interrupted run leaves the previous complete
output readable. Every file carries the package version, the rules fingerprint and the run id in
its metadata; :func:`read` refuses a folder whose tables come from different runs.
"""

from __future__ import annotations

import json
import operator
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from . import __version__
from .commit import resolve

_str = pa.string()
_i64 = pa.int64()
_i32 = pa.int32()

SCHEMAS: dict[str, pa.Schema] = {
    "documents": pa.schema([
        ("doc_id", _str), ("path", _str), ("sha256", _str), ("n_chars", _i64),
        ("encoding", _str), ("title", _str), ("org", _str), ("org_type", _str),
        ("region", _str), ("adcode", _str), ("org_id", _str), ("report_year", _i32),
        ("period_part", _str), ("published", pa.date32()), ("status", _str), ("error", _str),
        ("n_metrics", _i64), ("n_dates", _i64),
    ]),
    "metrics": pa.schema([
        ("doc_id", _str), ("start", _i64), ("end", _i64), ("text", _str),
        ("value", pa.float64()), ("unit", _str), ("qualifier", _str), ("kind", _str),
        ("change", _str), ("basis", _str), ("metric", _str), ("label", _str),
        ("period", _i32), ("period_part", _str), ("scope", _str), ("sentence", _str),
        ("rule", _str), ("label_rule", _str), ("headline", pa.bool_()), ("page", _i32),
        ("value_high", pa.float64()), ("std_value", pa.float64()), ("std_unit", _str),
    ]),
    "dates": pa.schema([
        ("doc_id", _str), ("start", _i64), ("end", _i64), ("text", _str),
        ("year", _i32), ("month", _i32), ("day", _i32), ("granularity", _str),
        ("end_year", _i32), ("end_month", _i32), ("end_day", _i32), ("detail", _str),
        ("rule", _str), ("page", _i32),
    ]),
    "rejects": pa.schema([
        ("doc_id", _str), ("start", _i64), ("end", _i64), ("text", _str),
        ("rule", _str), ("reason", _str),
    ]),
}
TABLES = tuple(SCHEMAS)


def table_records(results: Iterable) -> dict[str, list]:
    """The records of each table from pipeline Results, in order (one document row each)."""
    records: dict[str, list] = {name: [] for name in TABLES}
    for r in results:
        records["documents"].append(r.document)
        records["metrics"].extend(r.metrics)
        records["dates"].extend(r.dates)
        records["rejects"].extend(r.rejects)
    return records


def columns_of(name: str, records) -> dict[str, list]:
    """Table ``name``'s columns, in schema order, read off records (the pydantic models, or
    anything with the column names as attributes): what TableWriter.write takes, and what
    worker processes send back to the parent."""
    names = SCHEMAS[name].names
    records = records if isinstance(records, list) else list(records)
    if records and all(hasattr(records[0], n) for n in names):
        # one C-level attrgetter per record, then a transpose: 3-4x faster than a getattr per cell
        rows = list(map(operator.attrgetter(*names), records))
        return dict(zip(names, map(list, zip(*rows))))
    return {n: [getattr(r, n, None) for r in records] for n in names}


def arrow_table(name: str, records) -> pa.Table:
    """Table ``name`` of records, typed by its schema."""
    return pa.Table.from_pydict(columns_of(name, records), schema=SCHEMAS[name])


def to_arrow(name: str, rows: list[dict]) -> pa.Table:
    """Table ``name`` of plain row dicts (missing keys are nulls)."""
    schema = SCHEMAS[name]
    cols = {f.name: [row.get(f.name) for row in rows] for f in schema}
    return pa.Table.from_pydict(cols, schema=schema)


def frames_from_results(results: Iterable) -> dict:
    """pandas DataFrames (documents, metrics, dates, rejects) with nullable dtypes."""
    records = table_records(results)
    return {name: _to_pandas(arrow_table(name, records[name])) for name in TABLES}


def _to_pandas(table: pa.Table):
    import pandas as pd

    return table.to_pandas(types_mapper={
        pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int32Dtype(),
        pa.string(): pd.StringDtype(), pa.float64(): pd.Float64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }.get)


def metadata(rules_fingerprint: str, extra: dict | None = None) -> dict[bytes, bytes]:
    meta = {"extract_version": __version__, "rules_fingerprint": rules_fingerprint}
    meta.update(extra or {})
    return {b"extract": json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8")}


class TableWriter:
    """Streams one table to ``<folder>/<name>.parquet`` in row groups (``folder`` is a run's own
    hidden folder, committed with the other tables by ``commit.commit``). Rows are gathered into one Python list per column until ``row_group_rows`` rows have
    come in (whole articles only: a group may run over by the last article's rows), then become
    one Arrow batch written as one row group. So a corpus of millions of small articles gives a
    few large row groups and memory stays flat. Converting once per row group rather than once
    per article and table matters: the fixed cost of building (and later concatenating) many
    small Arrow tables was about three quarters of the writer's time. Row groups end where they
    always did (the first article boundary at or past ``row_group_rows``), and the output does
    not depend on the number of worker processes (rows arrive in path order either way)."""

    def __init__(self, out_dir: Path, name: str, meta: dict[bytes, bytes],
                 row_group_rows: int = 5_000):
        self.name = name
        self.path = Path(out_dir) / f"{name}.parquet"
        self.schema = SCHEMAS[name].with_metadata(meta)
        self.writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        self.row_group_rows = row_group_rows
        self.pending: dict[str, list] = {f.name: [] for f in self.schema}
        self.pending_rows = 0
        self.rows = 0

    def write(self, columns: dict[str, list]) -> None:
        """Add one article's rows, given as columns (see :func:`columns_of`)."""
        n = len(next(iter(columns.values()), ()))
        if not n:
            return
        for col_name, column in self.pending.items():
            column.extend(columns[col_name])
        self.pending_rows += n
        self.rows += n
        if self.pending_rows >= self.row_group_rows:
            self._flush()

    def _flush(self) -> None:
        if self.pending_rows:
            # the writer's schema (with the file metadata) types every column, as arrow_table does
            batch = pa.RecordBatch.from_pydict(self.pending, schema=self.schema)
            self.writer.write_batch(batch, row_group_size=self.pending_rows)
            self.pending = {f.name: [] for f in self.schema}
            self.pending_rows = 0

    def close(self) -> None:
        self._flush()
        if self.rows == 0:
            # an empty table still carries its schema (and metadata)
            self.writer.write_table(self.schema.empty_table())
        self.writer.close()

    def abort(self) -> None:
        try:
            self.writer.close()
        finally:
            self.path.unlink(missing_ok=True)


class MixedOutputError(FileNotFoundError):
    """An output folder whose tables were written by different runs (a FileNotFoundError, like
    a missing table: no consistent output is there). The message names the folder and runs."""


def read(out_dir: str | Path) -> dict:
    """The tables of an output folder as pandas DataFrames: documents, metrics, dates, rejects.

    A table is either one file, ``<table>.parquet`` (the local engine), or a folder of part files,
    ``<table>/part-*.parquet`` (the Dask engine); ``out_dir`` may be a local folder or an fsspec
    URL (``s3://...``, with the dask extra installed). Rows read from part files are put in the
    local engine's order: documents by path, the other tables by document (in that order), then
    start and end (rejects keep their order within a document), so both engines read the same.

    All four tables are read from one committed run (see ``commit``) and must carry the same run
    id; a folder that mixes runs raises MixedOutputError.
    """
    found = _consistent(out_dir, with_rows=True)
    tables = {n: table for n, (_, table, _) in found.items()}
    if any(folder for folder, _, _ in found.values()):
        tables = _in_local_order(tables)
    return {n: _to_pandas(tables[n]) for n in TABLES}


def read_metadata(out_dir: str | Path) -> dict:
    """The run metadata (version, rules fingerprint, input, run id) stored with the tables
    (``documents.parquet``, or the part files of ``documents/``); checked to be one run's."""
    metas = _consistent(out_dir, with_rows=False)["documents"][2]
    return metas[0] if metas else {}


def _consistent(out_dir, with_rows: bool) -> dict[str, tuple[bool, pa.Table | None, list]]:
    """Each table's (part folder?, rows or None, file metadata), read from the committed run
    folder, and read again if a commit replaced that folder meanwhile; every file's run id must
    agree, else MixedOutputError."""
    fs, root = _output_location(out_dir)
    for _ in range(5):
        base = resolve(root) if fs is None else root
        try:
            found = {n: _read_one(fs, n, path, folder, with_rows)
                     for n, (path, folder) in _locate(fs, base, out_dir).items()}
        except OSError as exc:
            if fs is None and resolve(root) != base:
                continue                  # a commit removed what we were reading: read again
            if isinstance(exc, FileNotFoundError):
                raise
            raise FileNotFoundError(f"{out_dir}: cannot read the output: {exc}") from None
        runs = {n: {m.get("run_id") for m in metas} or {None}
                for n, (_, _, metas) in found.items()}
        if len(set().union(*runs.values())) <= 1:
            return found
        if fs is None and resolve(root) != base:
            continue
        detail = "; ".join(f"{n}: {', '.join(sorted(r or 'none' for r in ids))}"
                           for n, ids in runs.items())
        raise MixedOutputError(
            f"{out_dir}: the tables come from different runs ({detail}): an interrupted run "
            f"on an object store, or files copied in by hand; run `extract run` again")
    raise FileNotFoundError(f"{out_dir}: the output kept changing while it was read")


def _meta_of(raw: dict | None) -> dict:
    value = (raw or {}).get(b"extract")
    return json.loads(value) if value else {}


def _locate(fs, base: str, out_dir) -> dict[str, tuple[str, bool]]:
    found, missing = {}, []
    for n in TABLES:
        single, folder = f"{base}/{n}.parquet", f"{base}/{n}"
        if _isfile(fs, single):
            found[n] = (single, False)
        elif _isdir(fs, folder):
            found[n] = (folder, True)
        else:
            missing.append(n)
    if missing:
        raise FileNotFoundError(
            f"{out_dir}: not an extract output (missing "
            f"{', '.join(m + '.parquet' for m in missing)} or their part folders)")
    return found


def _read_one(fs, name: str, path: str, folder: bool, with_rows: bool):
    """(folder?, the table's rows or None, the metadata of each of its files)."""
    if not folder:
        if with_rows:
            table = pq.read_table(path, filesystem=fs)
            return False, table, [_meta_of(table.schema.metadata)]
        return False, None, [_meta_of(pq.read_schema(path, filesystem=fs).metadata)]
    import pyarrow.dataset as ds

    # hidden (".part-*.tmp") and "_"-prefixed files are ignored, as by pandas, DuckDB, Polars
    dataset = ds.dataset(path, schema=SCHEMAS[name], format="parquet", filesystem=fs)
    metas = [_meta_of(f.physical_schema.metadata) for f in dataset.get_fragments()]
    return True, (dataset.to_table() if with_rows else None), metas


def _output_location(out_dir: str | Path):
    """(fsspec filesystem or None for a local folder, root path as a string)."""
    if isinstance(out_dir, str) and "://" in out_dir:
        import fsspec

        fs, root = fsspec.core.url_to_fs(out_dir)
        root = root.rstrip("/") or root
        from fsspec.implementations.local import LocalFileSystem

        return (None if isinstance(fs, LocalFileSystem) else fs), root
    return None, str(Path(out_dir))


def _isfile(fs, path: str) -> bool:
    return Path(path).is_file() if fs is None else fs.isfile(path)


def _isdir(fs, path: str) -> bool:
    return Path(path).is_dir() if fs is None else fs.isdir(path)


def _in_local_order(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Rows in the order the local engine writes them, whatever the partitioning: documents by
    path; metrics and dates by (document order, start, end); rejects by document order. Arrow's
    sort is stable, so rows that tie keep their order within their part file."""
    import pyarrow.compute as pc

    docs = tables["documents"]
    docs = docs.take(pc.sort_indices(docs, sort_keys=[("path", "ascending")]))
    out = {"documents": docs}
    doc_ids = docs["doc_id"].combine_chunks()
    for name in TABLES[1:]:
        t = tables[name]
        rank = pc.index_in(t["doc_id"], value_set=doc_ids)
        keys = [("__doc", "ascending")]
        if name != "rejects":
            keys += [("start", "ascending"), ("end", "ascending")]
        order = pc.sort_indices(t.append_column("__doc", rank), sort_keys=keys)
        out[name] = t.take(order)
    return out
