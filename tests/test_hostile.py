"""Hostile inputs and careless use of the batch: nothing hangs, nothing mixes, nothing leaks.

Every hostile folder is built by the test itself in tmp_path: a FIFO, a link to /dev/zero, a
socket, links leaving the input folder, a file that grows while read, upper-case names,
undecodable file names. Runs that could hang run as a subprocess with a generous timeout.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import extract
from extract import commit, load
from extract.batch import NoInputsError, doc_id_of, list_local
from extract.commit import OutputLock, OutputLocked
from extract.tables import MixedOutputError, read_metadata

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
DEV_RAW = HERE.parent / "data" / "raw"
ARTICLE = (DEV_RAW / "2025_weibin.txt").read_bytes()
SHORT = "2024年，分局共破获刑事案件12起，抓获犯罪嫌疑人8名。".encode("utf-8")
TIMEOUT = 120          # generous: "it finishes", not a speed test (speed is measured in bench/)


def cli(*args, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "extract", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=timeout)


def folder(path: Path, files: dict[str, bytes]) -> Path:
    """A new folder holding ``files`` (name -> bytes)."""
    path.mkdir()
    for name, data in files.items():
        (path / name).write_bytes(data)
    return path


def popen(*args) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.Popen([sys.executable, "-m", "extract", *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# Each entry of the hostile folder: (status, the start of its error or None).
HOSTILE = {
    "ok.txt": ("ok", None),
    "UPPER.TXT": ("ok", None),
    "Page.Htm": ("ok", None),
    "inside_link.txt": ("ok", None),                 # a link to ok.txt: inside, so read
    "fifo.txt": ("error", "not a regular file: a FIFO"),
    "zero.txt": ("error", "symlink leaves the input folder"),   # -> /dev/zero
    "sock.txt": ("error", "not a regular file: a socket"),
    "passwd.txt": ("error", "symlink leaves the input folder"),
    "dangling.txt": ("error", "unreadable"),
    "x\\xe9.txt": ("ok", None),                      # the byte 0xE9 (not UTF-8)
    "x\\xe8.txt": ("ok", None),                      # the byte 0xE8
    "x\\\\xe9.txt": ("ok", None),                    # an ASCII name that spells \xe9
    "x\\\\udce9.txt": ("ok", None),                  # an ASCII name that spells \udce9
}


def build_hostile(root: Path) -> Path:
    """The hostile input folder (and, beside it, the outside files its links point at)."""
    outside = folder(root / "outside", {"secret.txt": SHORT, "more.txt": SHORT})
    src = folder(root / "in", {
        "ok.txt": SHORT, "UPPER.TXT": SHORT, "notes.md": SHORT,     # notes.md: not an input
        "Page.Htm": b"<html><body><p>" + SHORT + b"</p></body></html>"})
    os.symlink("ok.txt", src / "inside_link.txt")
    os.mkfifo(src / "fifo.txt")
    os.symlink("/dev/zero", src / "zero.txt")
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(src / "sock.txt"))
    os.symlink(outside / "secret.txt", src / "passwd.txt")
    os.symlink(outside, src / "outside_dir")                    # a folder link: not descended
    os.symlink(src / "missing", src / "dangling.txt")
    for name in (b"x\xe9.txt", b"x\xe8.txt", b"x\\xe9.txt", b"x\\udce9.txt"):
        with open(os.path.join(os.fsencode(src), name), "wb") as f:
            f.write(SHORT)
    return src


@pytest.fixture
def hostile(tmp_path) -> Path:
    return build_hostile(tmp_path)


def check_hostile_rows(docs) -> None:
    rows = docs.set_index("doc_id")
    assert sorted(rows.index) == sorted(HOSTILE)
    assert rows.index.is_unique
    for name, (status, error) in HOSTILE.items():
        row = rows.loc[name]
        assert row["status"] == status, (name, row["error"])
        if error:
            assert str(row["error"]).startswith(error), (name, row["error"])
    assert rows.loc["ok.txt", "n_metrics"] == rows.loc["UPPER.TXT", "n_metrics"] > 0


@pytest.mark.parametrize("jobs", [1, 2])
def test_hostile_folder_finishes_with_one_row_each(hostile, tmp_path, jobs):
    out = tmp_path / "out"
    proc = cli("run", hostile, "--out", out, "--jobs", jobs)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    check_hostile_rows(extract.read(out)["documents"])
    assert "failed: 2 x symlink leaves the input folder" in proc.stdout


def test_follow_symlinks_reads_links_that_leave_the_folder(hostile, tmp_path):
    proc = cli("run", hostile, "--out", tmp_path / "out", "--follow-symlinks")
    assert proc.returncode == 0, proc.stderr
    docs = extract.read(tmp_path / "out")["documents"].set_index("doc_id")
    assert docs.loc["passwd.txt", "status"] == "ok"
    assert docs.loc["zero.txt", "error"] == "not a regular file: a character device"
    assert len(docs) == len(HOSTILE)
    s = extract.run(hostile, tmp_path / "out2", follow_symlinks=True)
    assert s.documents == len(HOSTILE)
    assert extract.read(tmp_path / "out2")["documents"].equals(docs.reset_index())


def test_a_symlink_inside_the_folder_is_read_at_its_target(hostile):
    items = {i.doc_id: i for i in list_local(hostile)}
    assert items["inside_link.txt"].path == os.path.realpath(hostile / "ok.txt")
    assert items["inside_link.txt"].refused is None
    assert "outside_dir" not in " ".join(items) and "more.txt" not in " ".join(items)


def test_doc_ids_are_unique_and_stable_for_undecodable_names(hostile, tmp_path):
    first = extract.run(hostile, tmp_path / "a")
    second = extract.run(hostile, tmp_path / "b")
    a, b = (extract.read(tmp_path / n)["documents"] for n in "ab")
    assert a["doc_id"].is_unique and list(a["doc_id"]) == list(b["doc_id"])
    assert first.documents == second.documents == len(HOSTILE)
    assert doc_id_of(os.fsdecode(b"x\xe9.txt")) == "x\\xe9.txt"
    assert doc_id_of("x\\xe9.txt") == "x\\\\xe9.txt"
    assert doc_id_of("plain/中文.txt") == "plain/中文.txt"


# --- reading at most max_bytes + 1 bytes -------------------------------------------------------

def test_a_file_that_grows_after_its_size_was_checked_is_cut_and_refused(tmp_path, monkeypatch):
    """fstat says 10 bytes (the size when checked); the file holds 10 MB by the time it is read:
    no more than max_bytes + 1 bytes are read, and the file is refused as too large."""
    p = tmp_path / "growing.txt"
    p.write_bytes(b"1" * 10_000_000)
    real_fstat, real_read = os.fstat, os.read
    asked = []

    def small_fstat(fd):
        st = real_fstat(fd)
        return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid,
                               st.st_gid, 10, st.st_atime, st.st_mtime, st.st_ctime))

    def counting_read(fd, n):
        data = real_read(fd, n)
        asked.append(len(data))
        return data

    monkeypatch.setattr(load.os, "fstat", small_fstat)
    monkeypatch.setattr(load.os, "read", counting_read)
    with pytest.raises(load.LoadError, match="too large: grew while read"):
        load.read_file(p, max_bytes=1000)
    assert sum(asked) == 1001


def test_a_normal_file_is_one_open_one_fstat_and_a_read(tmp_path, monkeypatch):
    p = tmp_path / "a.txt"
    p.write_bytes(SHORT)
    calls = []
    for name in ("open", "fstat", "read", "stat", "lstat"):
        real = getattr(os, name)
        monkeypatch.setattr(load.os, name,
                            lambda *a, _r=real, _n=name, **k: calls.append(_n) or _r(*a, **k))
    assert load.read_file(p) == SHORT
    assert calls == ["open", "fstat", "read", "read"]     # the second read is the end of file


@pytest.mark.parametrize("make, reason", [
    (lambda d: os.mkfifo(d / "f.txt"), "a FIFO"),
    (lambda d: os.symlink("/dev/zero", d / "f.txt"), "a character device"),
    (lambda d: (d / "f.txt").mkdir(), "a folder"),
])
def test_read_file_refuses_what_is_not_a_regular_file(tmp_path, make, reason):
    make(tmp_path)
    with pytest.raises(load.LoadError, match=f"not a regular file: {reason}"):
        load.read_file(tmp_path / "f.txt")


# --- no inputs, and output paths that cannot be ------------------------------------------------

def test_no_inputs_is_an_error_and_leaves_the_previous_output(tmp_path):
    good = folder(tmp_path / "good", {"a.txt": SHORT})
    empty = folder(tmp_path / "empty", {"notes.md": SHORT})
    out = tmp_path / "out"
    extract.run(good, out)
    before = read_metadata(out)["run_id"]
    listing = sorted(os.listdir(out))
    with pytest.raises(NoInputsError, match="no input files"):
        extract.run(empty, out)
    for extra in ([], ["--strict"]):
        proc = cli("run", empty, "--out", out, *extra)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert proc.stderr.strip().count("\n") == 0 and str(empty) in proc.stderr
        assert "no input files" in proc.stderr
    assert read_metadata(out)["run_id"] == before and sorted(os.listdir(out)) == listing


def test_out_under_a_regular_file_is_one_line_naming_the_path(tmp_path):
    folder(tmp_path / "in", {"a.txt": SHORT})
    (tmp_path / "file").write_text("x")
    for out in (tmp_path / "file" / "sub", tmp_path / "file"):
        proc = cli("run", tmp_path / "in", "--out", out)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr and proc.stderr.strip().count("\n") == 0
        assert str(out) in proc.stderr and "not a folder" in proc.stderr
    assert (tmp_path / "file").read_text() == "x"


# --- one run at a time -------------------------------------------------------------------------

def test_a_second_run_is_refused_naming_the_first(tmp_path):
    folder(tmp_path / "in", {"a.txt": SHORT})
    out = folder(tmp_path / "out", {})
    with OutputLock(out, "the-first-run"):
        t0 = time.monotonic()
        with pytest.raises(OutputLocked, match=f"pid {os.getpid()}, started .* the-first-run"):
            extract.run(tmp_path / "in", out)
        assert time.monotonic() - t0 >= commit.LOCK_WAIT * 0.9      # it waited briefly first
    extract.run(tmp_path / "in", out)                               # free again


@pytest.fixture(scope="module")
def big_in(tmp_path_factory) -> Path:
    """400 copies of a dev article: a run long enough to be interrupted (several seconds)."""
    d = tmp_path_factory.mktemp("big")
    for i in range(400):
        (d / f"copy_{i:04d}.txt").write_bytes(ARTICLE)
    return d


@pytest.fixture
def previous(tmp_path) -> tuple[Path, dict, str]:
    """An output folder holding a complete earlier run (of one short article)."""
    small, out = folder(tmp_path / "small", {"a.txt": SHORT}), tmp_path / "out"
    extract.run(small, out)
    return out, extract.read(out), read_metadata(out)["run_id"]


def wait_for_run_folder(out: Path, proc: subprocess.Popen) -> None:
    """Until the run has started writing its own (uncommitted) run folder, and a bit more."""
    deadline = time.monotonic() + TIMEOUT
    committed = os.readlink(out / ".current")
    while not [p for p in out.glob(".run-*") if p.name != committed]:
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)
    time.sleep(0.5)


def assert_unchanged(previous) -> None:
    out, before, run_id = previous
    after = extract.read(out)
    assert all(before[n].equals(after[n]) for n in before)
    assert read_metadata(out)["run_id"] == run_id
    left = [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    runs = [p.name for p in out.iterdir() if p.name.startswith(".run-")]
    assert left == [] and runs == [os.readlink(out / ".current")]


def test_two_concurrent_runs_one_refused_the_other_complete(big_in, previous, tmp_path):
    out = previous[0]
    first = popen("run", big_in, "--out", out, "--jobs", "1")
    wait_for_run_folder(out, first)
    first.send_signal(signal.SIGSTOP)        # paused mid-run (holding the lock), whatever the load
    try:
        second = cli("run", big_in, "--out", out, "--jobs", "1")
    finally:
        first.send_signal(signal.SIGCONT)
    assert second.returncode == 2
    assert f"pid {first.pid}" in second.stderr and "another extract run" in second.stderr
    _, err = first.communicate(timeout=TIMEOUT)
    assert first.returncode == 0, err
    assert len(extract.read(out)["documents"]) == 400


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("jobs", [1, 2])
def test_interrupted_run_cleans_up_and_keeps_the_previous_output(big_in, previous, sig, code,
                                                                jobs):
    out = previous[0]
    proc = popen("run", big_in, "--out", out, "--jobs", jobs)
    wait_for_run_folder(out, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == code, err
    assert err.strip().count("\n") == 0 and "stopped by" in err and "Traceback" not in err, err
    assert_unchanged(previous)


# --- the commit: all tables old or all new, whatever step fails --------------------------------

def _steps(monkeypatch, run) -> list[str]:
    seen = []
    monkeypatch.setattr(commit, "_step", seen.append)
    run()
    monkeypatch.undo()
    return seen


class Fault(Exception):
    pass


@pytest.mark.parametrize("layout", ["current", "legacy", "copied"])
def test_a_fault_at_any_commit_step_leaves_old_or_new_never_a_mix(tmp_path, monkeypatch, layout):
    """Run B over run A's output with a fault injected at step k of the commit, for every k:
    the folder reads as all of A or all of B, and the next run repairs it. ``legacy``: A is an
    output of an earlier version (real table files, no .current); ``copied``: A's folder was
    copied by following links (a real .current folder, real table files)."""
    a_in = folder(tmp_path / "a", {"a.txt": SHORT})
    b_in = folder(tmp_path / "b", {"b1.txt": ARTICLE, "b2.txt": SHORT})

    def make_a(out: Path) -> None:
        extract.run(a_in, out)
        if layout != "current":
            real = tmp_path / "real"
            shutil.copytree(out, real)           # follows links: real files everywhere
            shutil.rmtree(out)
            real.rename(out)
            if layout == "legacy":
                shutil.rmtree(out / ".current")
                for p in out.glob(".run-*"):
                    shutil.rmtree(p)

    ref_a, ref_b = tmp_path / "ref_a", tmp_path / "ref_b"
    extract.run(a_in, ref_a)
    extract.run(b_in, ref_b)
    want = {"a": extract.read(ref_a), "b": extract.read(ref_b)}
    probe = tmp_path / "probe"
    make_a(probe)
    steps = _steps(monkeypatch, lambda: extract.run(b_in, probe))
    assert "swap" in steps and len(steps) >= 8
    for k in range(len(steps)):
        out = tmp_path / f"out{k}"
        make_a(out)
        calls = iter(range(len(steps)))

        def fault(name, k=k):
            if next(calls) == k:
                raise Fault(name)

        monkeypatch.setattr(commit, "_step", fault)
        with pytest.raises(Fault):
            extract.run(b_in, out)
        monkeypatch.undo()
        got = extract.read(out)
        which = "a" if len(got["documents"]) == 1 else "b"
        assert all(got[n].equals(want[which][n]) for n in got), (k, steps[k])
        # the commit point is the rename of the new .current link (the step after "rename")
        assert which == ("a" if k <= steps.index("rename .current") else "b"), (k, steps[k])
        extract.run(b_in, out)                               # the next run repairs everything
        assert all(extract.read(out)[n].equals(want["b"][n]) for n in got)
        assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_a_reader_during_many_commits_sees_whole_runs(tmp_path):
    a_in = folder(tmp_path / "a", {"a.txt": SHORT})
    b_in = folder(tmp_path / "b", {f"b{i}.txt": SHORT for i in range(3)})
    out = tmp_path / "out"
    extract.run(a_in, out)
    seen, errors, stop = [], [], threading.Event()

    def reader():
        while not stop.is_set():
            try:
                t = extract.read(out)
            except Exception as exc:  # noqa: BLE001 - any failure is the test's failure
                errors.append(exc)
                return
            n = len(t["documents"])
            seen.append(n)
            assert set(t["metrics"]["doc_id"]) <= set(t["documents"]["doc_id"])
            assert n in (1, 3) and sum(t["documents"]["n_metrics"]) == len(t["metrics"])

    th = threading.Thread(target=reader)
    th.start()
    try:
        for i in range(8):
            extract.run(b_in if i % 2 == 0 else a_in, out)
    finally:
        stop.set()
        th.join()
    assert not errors and len(seen) > 0


def test_a_folder_that_mixes_runs_is_refused(tmp_path):
    a_in = folder(tmp_path / "a", {"a.txt": SHORT})
    b_in = folder(tmp_path / "b", {"b.txt": SHORT})
    extract.run(a_in, tmp_path / "A")
    extract.run(b_in, tmp_path / "B")
    mixed = folder(tmp_path / "mixed", {})
    for name in ("documents", "dates", "rejects"):
        shutil.copy(tmp_path / "A" / f"{name}.parquet", mixed)
    shutil.copy(tmp_path / "B" / "metrics.parquet", mixed)
    with pytest.raises(MixedOutputError, match="different runs"):
        extract.read(mixed)
    with pytest.raises(MixedOutputError, match="different runs"):
        read_metadata(mixed)
    proc = cli("diff", mixed)
    assert proc.returncode == 2 and "different runs" in proc.stderr


KILL_AT_STEP = """
import os, sys
import extract
from extract import commit

def step(name):
    if name == sys.argv[3]:
        os._exit(9)                     # killed: no exception, no clean-up of any kind

commit._step = step
extract.run(sys.argv[1], sys.argv[2])
"""


@pytest.mark.parametrize("layout, step, expect", [
    ("current", "rename .current", "a"),                  # just before the commit point
    ("current", "entry documents.parquet", "b"),          # just after it
    ("legacy", "entry metrics.parquet", "b"),             # documents relinked, metrics not yet
    ("legacy", "link .current", "a"),
])
def test_a_run_killed_during_its_commit_leaves_old_or_new(tmp_path, layout, step, expect):
    a_in = folder(tmp_path / "a", {"a.txt": SHORT})
    b_in = folder(tmp_path / "b", {"b1.txt": SHORT, "b2.txt": SHORT})
    out = tmp_path / "out"
    extract.run(a_in, out)
    if layout == "legacy":                      # an earlier version's output: real files only
        for p in out.glob("*.parquet"):
            real = p.resolve()
            p.unlink()
            shutil.copy(real, p)
        shutil.rmtree(out / os.readlink(out / ".current"))
        (out / ".current").unlink()
    want = extract.read(out) if expect == "a" else None
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.run([sys.executable, "-c", KILL_AT_STEP, str(b_in), str(out), step],
                          env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 9, proc.stderr
    got = extract.read(out)
    if expect == "a":
        assert all(got[n].equals(want[n]) for n in got)
    else:
        assert sorted(got["documents"]["doc_id"]) == ["b1.txt", "b2.txt"]
    extract.run(b_in, out)                           # the next run repairs and tidies
    assert sorted(extract.read(out)["documents"]["doc_id"]) == ["b1.txt", "b2.txt"]
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    assert len(list(out.glob(".run-*"))) == 1


def test_a_caller_s_rules_reach_every_worker_process(tmp_path, rules_copy):
    """run(rules=RuleSet) with jobs > 1: the workers extract with the caller's rules, not the
    shipped ones (a copy where 起 counts as 'other' shows which were used)."""
    d = rules_copy("units.toml", lambda t: t.replace(
        'surface = "起"\nkind = "count"', 'surface = "起"\nkind = "other"', 1))
    custom = extract.load_rules(d)
    src = tmp_path / "in"
    src.mkdir()
    for i in range(4):
        (src / f"a{i}.txt").write_text("2025年，分局共破获刑事案件398起。", encoding="utf-8")
    kinds = {}
    for jobs in (1, 2):
        extract.run(src, tmp_path / f"out{jobs}", rules=custom, jobs=jobs)
        kinds[jobs] = set(extract.read(tmp_path / f"out{jobs}")["metrics"]["kind"])
    assert kinds[1] == kinds[2] == {"other"}


@pytest.mark.parametrize("plant", ["symlink", "fifo"])
def test_a_planted_lock_file_is_refused_not_followed(tmp_path, plant):
    """OUT/.extract.lock as a link to a file of the user's, or a FIFO: the run refuses with a
    message naming it; the file the link points at is untouched, nothing blocks."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("破获刑事案件398起。", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    if plant == "symlink":
        (out / ".extract.lock").symlink_to(victim)
    else:
        os.mkfifo(out / ".extract.lock")
    with pytest.raises(OSError, match="extract.lock"):
        extract.run(src, out)
    assert victim.read_text(encoding="utf-8") == "precious"


def test_a_file_swapped_for_a_link_after_the_listing_is_not_followed(tmp_path):
    """Listing checked that a.txt is a plain file; if it becomes a symlink out of the folder
    before it is read, the read refuses it rather than follow it (a race, not a listing)."""
    from extract.batch import list_local, process_input

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("破获刑事案件398起。", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("抓获嫌疑人12人。", encoding="utf-8")
    [item] = list_local(src, False)
    (src / "a.txt").unlink()
    (src / "a.txt").symlink_to(secret)
    res = process_input(item, extract.default_rules())
    assert res.document.status == "error" and "unreadable" in res.document.error
    assert not res.metrics
