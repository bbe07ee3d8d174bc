"""Batch runs: every input file of a folder through the pipeline, into the four Parquet tables.

``run`` picks an engine: worker processes on this machine (``processes``, the default) or a Dask
cluster (``dask_engine``). Both are thin layers over ``batch`` (inputs, output check, one
document's rows, the summary) and ``commit`` (one run at a time, all tables or none).

Every input file is accounted for: processed (status "ok") or listed with its error. One bad file
never stops a batch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .batch import PATTERNS, NoInputsError, RunSummary, process_file  # noqa: F401 (public)
from .load import DEFAULT_MAX_BYTES
from .ruleset import RuleSet


def run(in_dir: str | Path, out_dir: str | Path, *, rules: RuleSet | None = None,
        rules_dir: str | Path | None = None, jobs: int = 1, max_bytes: int = DEFAULT_MAX_BYTES,
        force: bool = False, follow_symlinks: bool = False,
        progress: Callable[[int, int, str], None] | None = None,
        engine: str = "local", client=None, scheduler: str | None = None,
        partition_size: int = 100, n_workers: int | None = None,
        storage_options: dict | None = None) -> RunSummary:
    """Process every input file below ``in_dir`` and write the four tables to ``out_dir``.

    ``engine="local"`` (default): ``jobs`` worker processes on this machine, one Parquet file per
    table. ``engine="dask"``: a Dask cluster (``client``, else ``scheduler`` address, else a
    LocalCluster of ``n_workers`` processes), partitions of ``partition_size`` files, one folder
    of part files per table; ``in_dir``/``out_dir`` may be fsspec URLs (see ``dask_engine``).

    Inputs: ``*.txt``, ``*.html``, ``*.htm``, ``*.pdf``, ``*.docx`` in any case, recursively; symlinks whose target
    leaves ``in_dir`` become error rows unless ``follow_symlinks``; no input at all raises
    NoInputsError and leaves ``out_dir`` as it was. The output is committed all together or not
    at all, one run at a time (``commit``).
    """
    if engine == "dask":
        from .dask_engine import run_dask

        return run_dask(in_dir, out_dir, rules=rules, rules_dir=rules_dir, max_bytes=max_bytes,
                        force=force, follow_symlinks=follow_symlinks, progress=progress,
                        client=client, scheduler=scheduler, partition_size=partition_size,
                        n_workers=n_workers, storage_options=storage_options)
    if engine != "local":
        raise ValueError(f"unknown engine {engine!r}: 'local' or 'dask'")
    from .processes import run_local

    return run_local(in_dir, out_dir, rules=rules, rules_dir=rules_dir, jobs=jobs,
                     max_bytes=max_bytes, force=force, follow_symlinks=follow_symlinks,
                     progress=progress)
