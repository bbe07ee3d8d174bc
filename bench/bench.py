#!/usr/bin/env python3
"""Benchmark harness for `extract run`: throughput vs jieba.lcut, scaling, memory, cold start.

Builds deterministic synthetic corpora from the dev articles (their paragraphs, shuffled with a
fixed seed, into documents of 8-20 KB), then measures on the same texts:

  * `extract run CORPUS --out TMP --jobs 1` end to end (whole process wall time, chars/s, docs/s,
    peak RSS of the process tree),
  * jieba.lcut over every document in one process (after jieba.initialize(), timed separately),
  * the ratio extract / jieba (target >= 2x, aim 4x),
  * `--jobs 2` vs `--jobs 1` throughput (target >= 1.7x),
  * that the tables of --jobs 1 and --jobs 2 hold identical rows,
  * peak RSS on a small vs a large corpus (target: within 10 %),
  * cold start: `extract run` on one dev article in a fresh process (median of 5, target <= 1.5 s).

Run it with the project's venv (pyarrow is needed for the table comparison):

    .venv/bin/python bench/bench.py --quick
    .venv/bin/python bench/bench.py --json bench/result.json

Only the standard library and pyarrow are used here; jieba runs in a child process.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MB = 1 << 20  # corpus sizes are MiB of UTF-8 file content
TABLES = ("documents", "metrics", "dates", "rejects")

TARGET_VS_JIEBA = 2.0
AIM_VS_JIEBA = 4.0
TARGET_JOBS = 1.7
TARGET_RSS = 0.10
TARGET_COLD_S = 1.5


# --- corpus ------------------------------------------------------------------------------------

def load_paragraphs(raw_dir: Path) -> list[str]:
    """Paragraphs (split on blank lines) of every dev article, in file order."""
    paras: list[str] = []
    for p in sorted(raw_dir.glob("*.txt")):
        text = p.read_text("utf-8").lstrip("\ufeff")
        paras.extend(x.strip("\n") for x in re.split(r"\n[ \t\u3000]*\n", text) if x.strip())
    if not paras:
        raise SystemExit(f"no paragraphs found in {raw_dir}/*.txt")
    return paras


def iter_documents(paragraphs: list[str], seed: int, min_bytes: int, max_bytes: int):
    """An endless, deterministic stream of (relative path, text).

    Each document draws a target size in [min_bytes, max_bytes], then takes paragraphs from a
    fresh shuffle of the pool (reshuffled if the pool runs out) until the target is reached.
    A corpus of N MB is a prefix of the stream, so a smaller corpus is a subset of a larger one.
    """
    rng = random.Random(seed)
    i = 0
    while True:
        target = rng.randint(min_bytes, max_bytes)
        parts: list[str] = []
        size = 0
        while size < target:
            order = list(paragraphs)
            rng.shuffle(order)
            for para in order:
                parts.append(para)
                size += len(para.encode("utf-8")) + 2
                if size >= target:
                    break
        text = "\n\n".join(parts) + "\n"
        rel = f"s{i % 3}/b{(i // 3) % 4:02d}/doc{i:06d}.txt"
        yield rel, text
        i += 1


@dataclass
class Corpus:
    path: Path
    mb: float
    docs: int
    bytes: int
    chars: int
    digest: str
    build_s: float


def build_corpus(dest: Path, mb: float, seed: int, paragraphs: list[str],
                 min_bytes: int, max_bytes: int) -> Corpus:
    t0 = time.perf_counter()
    if dest.exists():
        shutil.rmtree(dest)
    target = int(mb * MB)
    h = hashlib.sha256()
    docs = nbytes = nchars = 0
    made_dirs: set[Path] = set()
    for rel, text in iter_documents(paragraphs, seed, min_bytes, max_bytes):
        if nbytes >= target:
            break
        data = text.encode("utf-8")
        p = dest / rel
        if p.parent not in made_dirs:
            p.parent.mkdir(parents=True, exist_ok=True)
            made_dirs.add(p.parent)
        p.write_bytes(data)
        h.update(rel.encode() + b"\0" + data + b"\0")
        docs += 1
        nbytes += len(data)
        nchars += len(text)
    return Corpus(dest, mb, docs, nbytes, nchars, h.hexdigest()[:16], time.perf_counter() - t0)


# --- running a process and measuring it --------------------------------------------------------

def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    out.extend(int(x) for x in f.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return out


def _status_kb(pid: int) -> dict[str, int]:
    vals: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    k, v = line.split(":", 1)
                    vals[k] = int(v.split()[0])
    except OSError:
        pass
    return vals


class TreeSampler(threading.Thread):
    """Polls /proc for a process tree: the peak of the summed VmRSS and the largest VmHWM seen."""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_sum_kb = 0
        self.peak_hwm_kb = 0
        self.max_procs = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            tree, todo = [], [self.pid]
            while todo:
                p = todo.pop()
                tree.append(p)
                todo.extend(_children(p))
            total = 0
            for p in tree:
                st = _status_kb(p)
                total += st.get("VmRSS", 0)
                self.peak_hwm_kb = max(self.peak_hwm_kb, st.get("VmHWM", 0))
            self.peak_sum_kb = max(self.peak_sum_kb, total)
            self.max_procs = max(self.max_procs, len(tree))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


@dataclass
class ProcResult:
    cmd: list[str]
    returncode: int
    wall_s: float
    user_s: float
    sys_s: float
    maxrss_mb: float  # peak RSS of the largest single process of the tree: the highest VmHWM
    # sampled (/proc, after exec); wait4's ru_maxrss only when no sample was taken, because on
    # Linux ru_maxrss keeps the high-water mark of the forking parent from before exec (a bench
    # process holding 400 MB of compared tables made every later run "peak" at 400 MB)
    tree_rss_sum_mb: float  # sampled peak of the summed VmRSS of the tree (shared pages counted
    # once per process); 0 if the process ended before the first sample
    max_procs: int
    stdout: str
    stderr: str


def run_measured(cmd: list[str], env: dict | None = None, sample: bool = True) -> ProcResult:
    """Run ``cmd``; wall time of the whole process, rusage of it and its waited-for children."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        sampler = TreeSampler(proc.pid) if sample else None
        if sampler:
            sampler.start()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if sampler:
            sampler.stop()
        out.seek(0)
        err.seek(0)
        return ProcResult(
            cmd=cmd, returncode=proc.returncode, wall_s=wall, user_s=ru.ru_utime,
            sys_s=ru.ru_stime,
            maxrss_mb=(sampler.peak_hwm_kb if sampler and sampler.peak_hwm_kb else ru.ru_maxrss)
            / 1024,  # Linux: KiB
            tree_rss_sum_mb=(sampler.peak_sum_kb / 1024) if sampler else 0.0,
            max_procs=sampler.max_procs if sampler else 0,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"))


@dataclass
class ExtractRun:
    corpus_mb: float
    jobs: int
    docs: int
    chars: int
    out: str
    proc: ProcResult
    docs_ok: int = 0
    docs_error: int = 0
    rows: dict = field(default_factory=dict)

    @property
    def chars_per_s(self) -> float:
        return self.chars / self.proc.wall_s

    @property
    def docs_per_s(self) -> float:
        return self.docs / self.proc.wall_s

    @property
    def cpu_s(self) -> float:
        return self.proc.user_s + self.proc.sys_s

    @property
    def inrun_s(self) -> float | None:
        """The run's own time from its summary line (no interpreter start, imports, rules)."""
        m = re.search(r" in ([0-9.]+)s -> ", self.proc.stdout)
        return float(m.group(1)) if m else None


def extract_run(extract_bin: str, corpus: Corpus, out: Path, jobs: int) -> ExtractRun:
    if out.exists():
        shutil.rmtree(out)
    pr = run_measured([extract_bin, "run", str(corpus.path), "--out", str(out),
                       "--jobs", str(jobs)])
    r = ExtractRun(corpus.mb, jobs, corpus.docs, corpus.chars, str(out), pr)
    if pr.returncode != 0:
        return r
    try:
        import pyarrow.parquet as pq

        docs = pq.read_table(out / "documents.parquet", columns=["status"]).column(0).to_pylist()
        r.docs_ok = sum(1 for s in docs if s == "ok")
        r.docs_error = len(docs) - r.docs_ok
        r.rows = {t: pq.ParquetFile(out / f"{t}.parquet").metadata.num_rows for t in TABLES}
    except Exception as exc:  # the report says what went wrong; the other measurements go on
        r.rows = {"error": f"{type(exc).__name__}: {exc}"}
    return r


JIEBA_CHILD = r"""
import json, os, resource, sys, time
t0 = time.perf_counter()
import jieba
t1 = time.perf_counter()
jieba.setLogLevel(60)
jieba.initialize()
t2 = time.perf_counter()
root = sys.argv[1]
paths = []
for d, dirs, files in os.walk(root):
    dirs.sort()
    paths.extend(os.path.join(d, f) for f in files if f.endswith(".txt"))
paths.sort()
texts = []
for p in paths:
    with open(p, encoding="utf-8") as f:
        texts.append(f.read())
t3 = time.perf_counter()
c3 = time.process_time()
tokens = 0
for t in texts:
    tokens += len(jieba.lcut(t))
t4 = time.perf_counter()
c4 = time.process_time()
print(json.dumps({"import_s": t1 - t0, "init_s": t2 - t1, "read_s": t3 - t2, "lcut_s": t4 - t3, "lcut_cpu_s": c4 - c3,
                  "docs": len(texts), "chars": sum(map(len, texts)), "tokens": tokens,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def jieba_run(python: str, corpus: Corpus) -> dict:
    pr = run_measured([python, "-c", JIEBA_CHILD, str(corpus.path)], sample=False)
    if pr.returncode != 0:
        raise RuntimeError(f"jieba child failed ({pr.returncode}):\n{pr.stderr[-2000:]}")
    res = json.loads(pr.stdout.strip().splitlines()[-1])
    res["process_wall_s"] = pr.wall_s
    res["chars_per_s"] = res["chars"] / res["lcut_s"]
    res["chars_per_cpu_s"] = res["chars"] / res["lcut_cpu_s"]
    return res


# --- comparing outputs -------------------------------------------------------------------------

def _row_digest(table) -> str:
    """sha256 of the rows as CSV (independent of chunking, row groups and schema metadata)."""
    import pyarrow.csv as pacsv

    buf = io.BytesIO()
    pacsv.write_csv(table.replace_schema_metadata(None), buf)
    return hashlib.sha256(buf.getvalue()).hexdigest()[:16]


def compare_outputs(a: Path, b: Path) -> dict:
    import pyarrow.parquet as pq

    res = {"identical": True, "tables": {}}
    for name in TABLES:
        fa, fb = a / f"{name}.parquet", b / f"{name}.parquet"
        if not (fa.is_file() and fb.is_file()):
            res["tables"][name] = {"equal": False, "why": "missing file"}
            res["identical"] = False
            continue
        ta, tb = pq.read_table(fa), pq.read_table(fb)
        da, db = _row_digest(ta), _row_digest(tb)
        ma = (ta.schema.metadata or {}).get(b"extract")
        mb_ = (tb.schema.metadata or {}).get(b"extract")
        entry = {
            "rows": [ta.num_rows, tb.num_rows],
            "equals": ta.equals(tb),  # schema + values, schema metadata ignored
            "row_digest": [da, db],
            "schema_equal": ta.schema.equals(tb.schema, check_metadata=False),
            "file_metadata_equal": ma == mb_,  # informative: holds version, rules, input path
            "row_groups": [pq.ParquetFile(fa).num_row_groups, pq.ParquetFile(fb).num_row_groups],
        }
        entry["equal"] = entry["equals"] and da == db and entry["schema_equal"]
        res["tables"][name] = entry
        res["identical"] &= entry["equal"]
    return res


# --- report ------------------------------------------------------------------------------------

def _fmt_rate(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.2f}M"
    if x >= 1e3:
        return f"{x / 1e3:.1f}k"
    return f"{x:.1f}"


class Report:
    def __init__(self):
        self.lines: list[str] = []
        self.results: dict = {}
        self.failures: list[str] = []

    def line(self, name: str, value: str, target: str = "", verdict: str | None = None,
             detail: str = "") -> None:
        v = {True: "PASS", False: "FAIL", None: ""}[verdict] if not isinstance(verdict, str) \
            else verdict
        if v == "FAIL":
            self.failures.append(name)
        s = f"{name:<28} {value:<22} {target:<20} {v:<4}"
        if detail:
            s += f"  {detail}"
        self.lines.append(s.rstrip())
        print(s.rstrip(), flush=True)


def log(msg: str) -> None:
    print(f"# {msg}", file=sys.stderr, flush=True)


def code_digest() -> str:
    """sha256 of src/extract/*.py and rules/* as they are on disk now (the tree may be dirty)."""
    h = hashlib.sha256()
    for d in (REPO / "src" / "extract", REPO / "rules"):
        for p in sorted(d.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                h.update(p.relative_to(REPO).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:12]


def git_state() -> str:
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src",
                                "rules"], capture_output=True, text=True).stdout.strip()
        return head + ("+dirty(src/rules)" if dirty else "")
    except OSError:
        return "?"


# --- main --------------------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mb", type=float, default=None,
                   help="main corpus size in MiB (extract vs jieba, --jobs 1); default 20")
    p.add_argument("--jobs-mb", type=float, default=None,
                   help="corpus size for --jobs 2 vs --jobs 1; default: same as --mb")
    p.add_argument("--rss-small-mb", type=float, default=None, help="small corpus for RSS; 10")
    p.add_argument("--rss-large-mb", type=float, default=None, help="large corpus for RSS; 200")
    p.add_argument("--seed", type=int, default=0, help="corpus shuffle seed (0)")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: --mb 2 --jobs-mb 4 --rss-small-mb 2 --rss-large-mb 8 "
                        "(explicit size flags still win)")
    p.add_argument("--skip-rss", action="store_true", help="skip the small/large RSS runs")
    p.add_argument("--skip-jobs", action="store_true", help="skip the --jobs 2 run")
    p.add_argument("--cold-runs", type=int, default=5, help="cold-start runs, median reported (5)")
    p.add_argument("--pairs", type=int, default=None,
                   help="extract/jieba comparisons on the main corpus, each an extract run and a "
                        "jieba run next to each other in time, order alternating; the verdict is "
                        "on the median ratio (default 3; 1 with --quick)")
    p.add_argument("--doc-bytes", default="8000-20000",
                   help="document size range in UTF-8 bytes (the dev articles are 14.6k and "
                        "18.8k bytes, 5.2k and 7.0k chars); default 8000-20000")
    p.add_argument("--raw", type=Path, default=REPO / "data" / "raw", help="dev articles")
    p.add_argument("--extract", default=None,
                   help="extract executable (default: next to this python, else .venv/bin)")
    p.add_argument("--python", default=sys.executable, help="python with jieba, for the baseline")
    p.add_argument("--workdir", type=Path, default=None,
                   help="where to build corpora and outputs (default: a new temp folder)")
    p.add_argument("--keep", action="store_true", help="keep the corpora and outputs")
    p.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    a = p.parse_args(argv)
    defaults = (2, 4, 2, 8) if a.quick else (20, None, 10, 200)
    a.mb = a.mb if a.mb is not None else defaults[0]
    a.jobs_mb = a.jobs_mb if a.jobs_mb is not None else (defaults[1] or a.mb)
    a.rss_small_mb = a.rss_small_mb if a.rss_small_mb is not None else defaults[2]
    a.rss_large_mb = a.rss_large_mb if a.rss_large_mb is not None else defaults[3]
    a.pairs = max(1, a.pairs if a.pairs is not None else (1 if a.quick else 3))
    lo, _, hi = a.doc_bytes.partition("-")
    a.doc_min, a.doc_max = int(lo), int(hi or lo)
    if a.extract is None:
        cand = Path(sys.executable).parent / "extract"
        a.extract = str(cand if cand.exists() else REPO / ".venv" / "bin" / "extract")
    return a


def main(argv=None) -> int:
    a = parse_args(argv)
    if not Path(a.extract).exists():
        raise SystemExit(f"extract executable not found: {a.extract} (run `make run` first)")
    work = a.workdir or Path(tempfile.mkdtemp(prefix="extract-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rep = Report()
    R = rep.results
    load0 = os.getloadavg()
    R["params"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(a).items()}
    R["env"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                "platform": platform.platform(), "git": git_state(), "code": code_digest(),
                "loadavg_start": load0,
                "workdir": str(work)}
    paragraphs = load_paragraphs(a.raw)
    log(f"{len(paragraphs)} paragraphs from {a.raw}; workdir {work}")
    print(f"extract bench  git {R['env']['git']} code {R['env']['code']}  "
          f"{os.cpu_count()} cpus  "
          f"load {load0[0]:.2f} {load0[1]:.2f}  seed {a.seed}  "
          f"docs {a.doc_min}-{a.doc_max} B  sizes main {a.mb:g} / jobs {a.jobs_mb:g} / "
          f"rss {a.rss_small_mb:g}->{a.rss_large_mb:g} MiB", flush=True)

    if load0[0] > 0.5 * (os.cpu_count() or 1):
        print(f"WARNING: load average {load0[0]:.2f} on {os.cpu_count()} cpus: other processes "
              f"compete for the CPU, wall-clock numbers will be pessimistic and noisy "
              f"(see 'cpu .. of wall' per run)", flush=True)
    corpora: dict[float, Corpus] = {}
    runs: dict[tuple[float, int], ExtractRun] = {}

    def corpus(mb: float) -> Corpus:
        if mb not in corpora:
            log(f"building {mb:g} MiB corpus")
            c = build_corpus(work / f"corpus_{mb:g}mb", mb, a.seed, paragraphs,
                             a.doc_min, a.doc_max)
            corpora[mb] = c
            R.setdefault("corpora", {})[f"{mb:g}"] = {
                k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(c).items()}
            rep.line(f"corpus {mb:g} MiB", f"{c.docs} docs", "", None,
                     f"{c.chars / 1e6:.2f}M chars, {c.bytes / MB:.1f} MiB, sha {c.digest}, "
                     f"built in {c.build_s:.1f}s")
        return corpora[mb]

    def xrun(mb: float, jobs: int) -> ExtractRun:
        key = (mb, jobs)
        if key not in runs:
            c = corpus(mb)
            log(f"extract run {mb:g} MiB --jobs {jobs}")
            r = extract_run(a.extract, c, work / f"out_{mb:g}mb_j{jobs}", jobs)
            runs[key] = r
            d = asdict(r)
            d["proc"].pop("stdout"), d["proc"].pop("stderr")
            d.update(chars_per_s=r.chars_per_s, docs_per_s=r.docs_per_s, inrun_s=r.inrun_s,
                     summary=r.proc.stdout.strip()[-500:])
            R.setdefault("extract_runs", {})[f"{mb:g}mb_j{jobs}"] = d
            pr = r.proc
            if pr.returncode != 0:
                rep.line(f"extract {mb:g} MiB -j{jobs}", f"exit {pr.returncode}", "exit 0", False,
                         pr.stderr.strip().splitlines()[-1][:200] if pr.stderr.strip() else "")
            else:
                ok = r.docs_ok == c.docs and r.docs_error == 0
                rep.line(f"extract {mb:g} MiB -j{jobs}", f"{_fmt_rate(r.chars_per_s)} chars/s",
                         f"{c.docs} docs ok", ok,
                         f"{pr.wall_s:.1f}s wall ({r.inrun_s}s in run), "
                         f"{r.docs_per_s:.1f} docs/s, cpu {r.cpu_s:.1f}s "
                         f"({r.cpu_s / pr.wall_s:.0%} of wall), peak RSS {pr.maxrss_mb:.0f} MB "
                         f"(tree sum {pr.tree_rss_sum_mb:.0f} MB, {pr.max_procs} procs), "
                         f"{r.docs_ok} ok/{r.docs_error} err, "
                         + ", ".join(f"{k} {v}" for k, v in r.rows.items()))
        return runs[key]

    try:
        # 1. cold start first, on a quiet machine and a warm disk (one unmeasured warm-up run)
        article = sorted(a.raw.glob("*.txt"))[0]
        log(f"cold start x{a.cold_runs} on {article.name}")
        cold = []
        for i in range(a.cold_runs + 1):
            out = work / f"out_cold_{i}"
            pr = run_measured([a.extract, "run", str(article), "--out", str(out), "--jobs", "1"],
                              sample=False)
            if pr.returncode != 0:
                raise RuntimeError(f"cold start run failed: {pr.stderr[-1000:]}")
            shutil.rmtree(out, ignore_errors=True)
            if i:
                cold.append(pr.wall_s)
        med = statistics.median(cold)
        R["cold_start"] = {"article": article.name, "runs_s": cold, "median_s": med}
        rep.line("cold start (1 article)", f"{med:.2f} s median", f"<= {TARGET_COLD_S} s",
                 med <= TARGET_COLD_S, f"{a.cold_runs} runs: " + " ".join(f"{x:.2f}" for x in cold))

        # 2. extract --jobs 1 vs jieba.lcut on the same texts, in --pairs adjacent pairs (the
        #    machine's speed drifts by +-10 % over minutes: each ratio compares neighbours in
        #    time, the order alternates, and the verdict is on the median ratio)
        pair_ratios = []
        for k in range(a.pairs):
            x = None
            if k % 2 == 0:
                x = xrun(a.mb, 1) if k == 0 else extract_run(
                    a.extract, corpus(a.mb), work / f"out_{a.mb:g}mb_j1_pair{k}", 1)
            log(f"jieba.lcut baseline (pair {k + 1} of {a.pairs})")
            jb = jieba_run(a.python, corpus(a.mb))
            if x is None:
                x = extract_run(a.extract, corpus(a.mb), work / f"out_{a.mb:g}mb_j1_pair{k}", 1)
            shutil.rmtree(work / f"out_{a.mb:g}mb_j1_pair{k}", ignore_errors=True)
            if k == 0:
                R["jieba"] = jb
            sfx = f" pair {k + 1}" if a.pairs > 1 else ""
            rep.line(f"jieba.lcut {a.mb:g} MiB{sfx}", f"{_fmt_rate(jb['chars_per_s'])} chars/s",
                     "", None,
                     f"lcut {jb['lcut_s']:.1f}s (cpu {jb['lcut_cpu_s']:.1f}s), init {jb['init_s']:.2f}s (+import "
                     f"{jb['import_s']:.2f}s), {jb['docs']} docs, {jb['chars'] / 1e6:.2f}M chars, "
                     f"{jb['tokens']} tokens")
            if jb["chars"] != corpus(a.mb).chars:
                rep.line("jieba saw the same texts", "NO", "same chars", False,
                         f"{jb['chars']} vs {corpus(a.mb).chars}")
            if x.proc.returncode != 0:
                continue
            ratio = x.chars_per_s / jb["chars_per_s"]
            pair_ratios.append(ratio)
            R.setdefault("pairs", []).append({
                "extract_chars_per_s": x.chars_per_s, "jieba_chars_per_s": jb["chars_per_s"],
                "ratio": ratio, "order": "extract first" if k % 2 == 0 else "jieba first"})
            detail = ("extract end-to-end process wall vs lcut loop only"
                      + (f"; {x.chars / x.inrun_s / jb['chars_per_s']:.2f}x on "
                         f"extract's in-run time" if x.inrun_s else "")
                      + f"; {x.chars / x.cpu_s / jb['chars_per_cpu_s']:.2f}x on "
                        f"CPU time (less sensitive to other load)")
            if a.pairs > 1:
                rep.line(f"extract/jieba pair {k + 1}", f"{ratio:.2f}x", "", None,
                         f"extract {_fmt_rate(x.chars_per_s)} chars/s "
                         f"({'extract' if k % 2 == 0 else 'jieba'} ran first); " + detail)
        if pair_ratios:
            ratio = statistics.median(pair_ratios)
            R["ratio_extract_jieba"] = ratio
            rep.line("extract/jieba (-j1)", f"{ratio:.2f}x", f">= {TARGET_VS_JIEBA:g}x (aim "
                     f"{AIM_VS_JIEBA:g}x)", ratio >= TARGET_VS_JIEBA,
                     detail if a.pairs == 1 else
                     f"median of {a.pairs} adjacent pairs: "
                     + " ".join(f"{r:.2f}" for r in pair_ratios))

        # 3. --jobs 2 vs --jobs 1 and identical output
        if not a.skip_jobs:
            j1, j2 = xrun(a.jobs_mb, 1), xrun(a.jobs_mb, 2)
            if j1.proc.returncode == 0 and j2.proc.returncode == 0:
                sp = j2.chars_per_s / j1.chars_per_s
                R["jobs_speedup"] = sp
                rep.line(f"jobs 2/1 ({a.jobs_mb:g} MiB)", f"{sp:.2f}x",
                         f">= {TARGET_JOBS:g}x (50 MiB)", sp >= TARGET_JOBS,
                         f"{j1.proc.wall_s:.1f}s -> {j2.proc.wall_s:.1f}s")
                log("comparing --jobs 1 and --jobs 2 tables")
                cmp_ = compare_outputs(Path(j1.out), Path(j2.out))
                R["jobs_identical"] = cmp_
                diff = [n for n, t in cmp_["tables"].items() if not t["equal"]]
                rows = ", ".join(f"{n} {t['rows'][0]}" for n, t in cmp_["tables"].items()
                                 if "rows" in t)
                meta_same = all(t.get("file_metadata_equal") for t in cmp_["tables"].values())
                rep.line("tables -j1 == -j2", "identical" if cmp_["identical"] else
                         "DIFFERENT: " + ",".join(diff), "identical rows", cmp_["identical"],
                         f"{rows}; file metadata {'equal' if meta_same else 'differs'}")

        # 4. peak RSS, small vs large corpus (jobs 1)
        if not a.skip_rss:
            s, l = xrun(a.rss_small_mb, 1), xrun(a.rss_large_mb, 1)
            if s.proc.returncode == 0 and l.proc.returncode == 0:
                ratio = l.proc.maxrss_mb / s.proc.maxrss_mb
                R["rss"] = {"small_mb": s.proc.maxrss_mb, "large_mb": l.proc.maxrss_mb,
                            "ratio": ratio}
                rep.line(f"peak RSS {a.rss_small_mb:g}->{a.rss_large_mb:g} MiB",
                         f"{ratio:.3f}x", f"within {TARGET_RSS:.0%}",
                         abs(ratio - 1) <= TARGET_RSS,
                         f"{s.proc.maxrss_mb:.0f} MB -> {l.proc.maxrss_mb:.0f} MB; throughput "
                         f"{_fmt_rate(s.chars_per_s)} -> {_fmt_rate(l.chars_per_s)} chars/s")
        # 5. marginal throughput of --jobs 1 between the smallest and largest corpus run: start-up
        #    (imports, rules, tokenizer) cancels out; CPU-based, so less sensitive to other load
        j1s = sorted((r for (mb, j), r in runs.items() if j == 1 and r.proc.returncode == 0),
                     key=lambda r: r.chars)
        if len(j1s) >= 2 and j1s[-1].chars > j1s[0].chars and "jieba" in R:
            lo, hi = j1s[0], j1s[-1]
            dc = hi.chars - lo.chars
            m_wall = dc / (hi.proc.wall_s - lo.proc.wall_s)
            m_cpu = dc / (hi.cpu_s - lo.cpu_s)
            ratio = m_cpu / R["jieba"]["chars_per_cpu_s"]
            R["marginal"] = {"from_mb": lo.corpus_mb, "to_mb": hi.corpus_mb,
                             "chars_per_wall_s": m_wall, "chars_per_cpu_s": m_cpu,
                             "ratio_cpu_vs_jieba": ratio}
            rep.line(f"marginal -j1 {lo.corpus_mb:g}->{hi.corpus_mb:g} MiB",
                     f"{_fmt_rate(m_cpu)} chars/cpu-s", "info", None,
                     f"{ratio:.2f}x jieba.lcut per CPU second (jieba "
                     f"{_fmt_rate(R['jieba']['chars_per_cpu_s'])}); {_fmt_rate(m_wall)} chars/s "
                     f"wall; start-up excluded")
    finally:
        load1 = os.getloadavg()
        R["env"]["loadavg_end"] = load1
        print(f"load at end {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f} "
              f"({os.cpu_count()} cpus; timings are noisy when other work runs)", flush=True)
        if a.json:
            a.json.parent.mkdir(parents=True, exist_ok=True)
            a.json.write_text(json.dumps(R, indent=2, ensure_ascii=False, default=str) + "\n")
            log(f"wrote {a.json}")
        if a.keep:
            log(f"kept {work}")
        elif a.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            for p in list(work.glob("corpus_*")) + list(work.glob("out_*")):
                shutil.rmtree(p, ignore_errors=True)
    return 1 if rep.failures else 0


if __name__ == "__main__":
    sys.exit(main())
