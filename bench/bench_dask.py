#!/usr/bin/env python3
"""Throughput of the Dask engine (2 workers) against the local engine (`--jobs 2`), same corpus.

The corpus is bench.py's (its `load_paragraphs` and `build_corpus`, imported, not copied): the
dev articles' paragraphs shuffled with a fixed seed into 8-20 KB documents. Measured:

  * `extract run CORPUS --out TMP --jobs 2` as a subprocess (whole-process wall time),
  * `extract run CORPUS --out TMP --engine dask --jobs 2 --partition-size N` as a subprocess:
    whole-process wall time, so starting the LocalCluster (2 worker processes) and loading the
    rules and the tokenizer in each worker are included, as they are in `--jobs 2`,
  * both engines warmed up, i.e. what a long run pays per document once start-up is amortised:
    the local engine in this process after loading the rules and the tokenizer (its `--jobs`
    workers are forked and inherit them), and the Dask engine on an already running cluster of 2
    workers that have loaded them (`extract.run(..., engine="dask", client=client)`),
  * that the tables of all four runs hold the same rows (`extract.read`, `DataFrame.equals`).

    .venv/bin/python bench/bench_dask.py --mb 2
    .venv/bin/python bench/bench_dask.py --mb 8 --partition-size 25 --json bench/dask.json

Needs the dask extra (`pip install -e '.[dask]'`; `make test` installs it too).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench  # noqa: E402  (bench/bench.py: the corpus builder and the process runner)


def _rate(x: float) -> str:
    return f"{x / 1e3:.1f}k" if x >= 1e3 else f"{x:.1f}"


def _same_rows(a: Path, b: Path) -> bool:
    import extract

    ta, tb = extract.read(a), extract.read(b)
    return all(ta[n].equals(tb[n]) for n in bench.TABLES)


def _summary_seconds(stdout: str) -> float | None:
    import re

    m = re.search(r" in ([0-9.]+)s -> ", stdout)
    return float(m.group(1)) if m else None


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--mb", type=float, default=2.0, help="corpus size in MiB")
    p.add_argument("--workers", type=int, default=2, help="Dask workers and local --jobs")
    p.add_argument("--partition-size", type=int, default=25, help="files per Dask task")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--doc-bytes", default="8000-20000", help="document size range (bytes)")
    p.add_argument("--raw", type=Path, default=bench.REPO / "data" / "raw")
    p.add_argument("--extract", default=None, help="extract executable (default: next to python)")
    p.add_argument("--workdir", type=Path, default=None)
    p.add_argument("--keep", action="store_true")
    p.add_argument("--json", type=Path, default=None)
    a = p.parse_args(argv)
    lo, _, hi = a.doc_bytes.partition("-")
    exe = a.extract or str(Path(sys.executable).parent / "extract")
    work = a.workdir or Path(tempfile.mkdtemp(prefix="extract-bench-dask-"))
    work.mkdir(parents=True, exist_ok=True)
    R: dict = {"params": {k: str(v) for k, v in vars(a).items()},
               "env": {"cpus": os.cpu_count(), "git": bench.git_state(),
                       "loadavg_start": os.getloadavg()}}

    def line(name: str, value: str, detail: str = "") -> None:
        print(f"{name:<34} {value:<16} {detail}".rstrip(), flush=True)

    try:
        load0 = os.getloadavg()
        print(f"extract bench (dask)  git {R['env']['git']}  {os.cpu_count()} cpus  "
              f"load {load0[0]:.2f}  workers {a.workers}  partition size {a.partition_size}",
              flush=True)
        corpus = bench.build_corpus(work / "corpus", a.mb, a.seed,
                                    bench.load_paragraphs(a.raw), int(lo), int(hi or lo))
        R["corpus"] = {"docs": corpus.docs, "chars": corpus.chars, "bytes": corpus.bytes,
                       "digest": corpus.digest}
        line(f"corpus {a.mb:g} MiB", f"{corpus.docs} docs",
             f"{corpus.chars / 1e6:.2f}M chars, sha {corpus.digest}")
        n_parts = -(-corpus.docs // a.partition_size)

        outs = {}
        for name, extra in (("local", []),
                            ("dask", ["--engine", "dask", "--partition-size",
                                      str(a.partition_size)])):
            out = work / f"out_{name}"
            shutil.rmtree(out, ignore_errors=True)
            pr = bench.run_measured([exe, "run", str(corpus.path), "--out", str(out),
                                     "--jobs", str(a.workers), *extra], sample=False)
            if pr.returncode != 0:
                raise SystemExit(f"{name} run failed ({pr.returncode}):\n{pr.stderr[-2000:]}")
            outs[name] = out
            inrun = _summary_seconds(pr.stdout)
            cpu = pr.user_s + pr.sys_s
            R[name] = {"wall_s": pr.wall_s, "inrun_s": inrun, "cpu_s": cpu,
                       "chars_per_s": corpus.chars / pr.wall_s,
                       "docs_per_s": corpus.docs / pr.wall_s}
            label = (f"local --jobs {a.workers}" if name == "local"
                     else f"dask {a.workers} workers (CLI)")
            line(label, f"{_rate(corpus.chars / pr.wall_s)} chars/s",
                 f"{pr.wall_s:.1f}s wall ({inrun}s in run), {corpus.docs / pr.wall_s:.1f} docs/s, "
                 f"cpu {cpu:.1f}s" + (f", {n_parts} partitions" if name == "dask" else ""))
        ratio = R["dask"]["chars_per_s"] / R["local"]["chars_per_s"]
        R["ratio_cli"] = ratio
        line("dask/local (CLI, start-up incl.)", f"{ratio:.2f}x")

        # warmed up: the steady state of a long run, start-up excluded on both sides
        import extract

        _warm()  # the local engine's workers are forked from this process: they inherit it
        out = work / "out_local_warm"
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        extract.run(corpus.path, out, jobs=a.workers)
        wall = time.perf_counter() - t0
        outs["local_warm"] = out
        R["local_warm"] = {"wall_s": wall, "chars_per_s": corpus.chars / wall,
                           "docs_per_s": corpus.docs / wall}
        line(f"local --jobs {a.workers} (warm parent)", f"{_rate(corpus.chars / wall)} chars/s",
             f"{wall:.1f}s, {corpus.docs / wall:.1f} docs/s (rules + tokenizer loaded before "
             f"the fork, not counted)")
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            t0 = time.perf_counter()
            client.run(_warm)
            warm_s = time.perf_counter() - t0
            out = work / "out_dask_warm"
            shutil.rmtree(out, ignore_errors=True)
            t0 = time.perf_counter()
            s = extract.run(corpus.path, out, engine="dask", client=client,
                            partition_size=a.partition_size)
            wall = time.perf_counter() - t0
        outs["dask_warm"] = out
        R["dask_warm"] = {"wall_s": wall, "warm_up_s": warm_s,
                          "chars_per_s": corpus.chars / wall, "docs_per_s": corpus.docs / wall}
        line(f"dask {a.workers} workers (warm cluster)", f"{_rate(corpus.chars / wall)} chars/s",
             f"{wall:.1f}s, {corpus.docs / wall:.1f} docs/s ({s.documents} docs; workers "
             f"loaded rules + tokenizer in {warm_s:.1f}s beforehand, not counted)")
        ratio = R["dask_warm"]["chars_per_s"] / R["local_warm"]["chars_per_s"]
        R["ratio_warm"] = ratio
        line("dask/local (warm)", f"{ratio:.2f}x")
        same = all(_same_rows(outs["local"], outs[k]) for k in ("dask", "local_warm", "dask_warm"))
        R["same_rows"] = same
        line("tables local == dask", "identical" if same else "DIFFERENT",
             "extract.read frames, DataFrame.equals")
        load1 = os.getloadavg()
        R["env"]["loadavg_end"] = load1
        print(f"load at end {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}", flush=True)
        if a.json:
            a.json.write_text(json.dumps(R, indent=2, default=str) + "\n")
        return 0 if same else 1
    finally:
        if a.keep:
            print(f"# kept {work}", file=sys.stderr)
        elif a.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


def _warm() -> None:
    """Load the rules and the tokenizer in a worker (what its first task would do)."""
    from extract.rules import default_rules
    from extract.tagger import default_tokenizer

    default_tokenizer(default_rules())


if __name__ == "__main__":
    sys.exit(main())
