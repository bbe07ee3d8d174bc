"""The local engine: every input file through the pipeline in worker processes on this machine,
streamed into one Parquet file per table.

Rows come out in path order whatever the number of worker processes, so the output of ``jobs=1``
and ``jobs=N`` is identical. Listing, the output check, the per-document code and the tally are
``batch``'s; the lock and the all-or-nothing commit are ``commit``'s.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Callable, Iterator

from . import commit
from .batch import (Input, RunSummary, check_out_dir, list_local, process_input,
                    require_inputs)
from .load import DEFAULT_MAX_BYTES
from .pipeline import Result
from .rules import rules_dir
from .ruleset import RuleSet, default_rules
from .tagger import default_tokenizer
from .tables import TABLES, TableWriter, columns_of, metadata, table_records

# --- worker processes ------------------------------------------------------------------------
# Each worker loads the rules (and, lazily, the tokenizer) once, in its initializer.
_WORKER: dict = {}


def _init_worker(rules_dir: str | None, fingerprint: str, max_bytes: int) -> None:
    # Ctrl-C and SIGTERM are the parent's to handle: it stops the pool and cleans up. A forked
    # worker would otherwise inherit the parent's handlers and print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # a forked worker has the parent's RuleSet itself (whatever the caller built); a spawned one
    # loads the same folder, and must find the same rules
    rules = _WORKER.pop("parent_rules", None) or default_rules(rules_dir)
    if rules.fingerprint != fingerprint:
        raise RuntimeError(f"a worker loaded other rules ({rules.directory}, fingerprint "
                           f"{rules.fingerprint}) than the run's ({fingerprint})")
    _WORKER["rules"] = rules
    _WORKER["max_bytes"] = max_bytes


# One article's rows as columns, table by table (see tables.columns_of).
Columns = dict[str, dict[str, list]]


def _columns(res: Result) -> Columns:
    """The rows of a Result as plain columns. Workers send these (not the pydantic records and
    the article text) back to the parent, which then only appends them: less to pickle, and
    little work in the one process every result passes through."""
    return {name: columns_of(name, records) for name, records in table_records([res]).items()}


def _work(item: Input) -> Columns:
    return _columns(process_input(item, _WORKER["rules"], None, _WORKER["max_bytes"]))


def _results(items: list[Input], rules: RuleSet, jobs: int, max_bytes: int) -> Iterator[Columns]:
    if jobs <= 1 or len(items) <= 1:
        for item in items:
            yield _columns(process_input(item, rules, None, max_bytes))
        return
    import multiprocessing as mp

    ctx = mp.get_context("spawn" if os.name == "nt" else "fork")
    if ctx.get_start_method() == "fork":
        # build the tokenizer once here: forked workers inherit it instead of each spending
        # a couple of seconds loading jieba's dictionaries; and the rules the caller passed
        default_tokenizer(rules)
        _WORKER["parent_rules"] = rules
    shipped = rules_dir_of(rules)
    try:
        with ctx.Pool(jobs, initializer=_init_worker,
                      initargs=(shipped, rules.fingerprint, max_bytes)) as pool:
            yield from pool.imap(_work, items,
                                 chunksize=max(1, min(16, len(items) // (jobs * 8))))
    finally:
        _WORKER.pop("parent_rules", None)


def rules_dir_of(rules: RuleSet) -> str | None:
    """The folder a spawned worker loads ``rules`` from (None: the shipped rules)."""
    return None if rules.directory.resolve() == rules_dir().resolve() else str(rules.directory)


def run_local(in_dir: str | Path, out_dir: str | Path, *, rules: RuleSet | None = None,
              rules_dir: str | Path | None = None, jobs: int = 1,
              max_bytes: int = DEFAULT_MAX_BYTES, force: bool = False,
              follow_symlinks: bool = False,
              progress: Callable[[int, int, str], None] | None = None) -> RunSummary:
    """Process every input file below ``in_dir`` in ``jobs`` processes and commit the four tables
    to ``out_dir`` together (see ``runner.run``)."""
    in_dir, out_dir = Path(in_dir), Path(out_dir)
    items = require_inputs(list_local(in_dir, follow_symlinks), in_dir)
    check_out_dir(out_dir, force)
    rules = rules or default_rules(rules_dir)
    t0 = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    run_id = commit.new_run_id()
    with commit.new_run(out_dir, run_id, lambda: check_out_dir(out_dir, force)) as gen:
        meta = metadata(rules.fingerprint, {"input": str(in_dir.resolve()), "run_id": run_id})
        summary = RunSummary(out_dir=out_dir)
        writers: dict[str, TableWriter] = {}
        try:
            writers.update((name, TableWriter(gen, name, meta)) for name in TABLES)
            for i, cols in enumerate(_results(items, rules, jobs, max_bytes), 1):
                for name in TABLES:
                    writers[name].write(cols[name])
                summary.add(cols)
                if progress:
                    progress(i, len(items), cols["documents"]["path"][0])
            for w in writers.values():
                w.close()
            commit.commit(out_dir, gen, [f"{t}.parquet" for t in TABLES], list(TABLES))
        except BaseException:
            if not commit.is_committed(out_dir, gen):   # new_run discards the folder
                for w in writers.values():
                    try:
                        w.abort()
                    except Exception:  # noqa: BLE001 - already closed; the folder goes anyway
                        pass
            raise
    summary.seconds = time.perf_counter() - t0
    return summary
