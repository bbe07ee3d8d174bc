"""One run at a time per output folder, and its tables committed all together or not at all.

The layout of an output folder OUT on a local filesystem::

    OUT/.extract.lock                 held (flock) by the run writing here: its pid and start time
    OUT/.run-<run id>/                one run's tables, written in full before anyone sees them
    OUT/.current -> .run-<run id>     the committed run, replaced by one rename (atomic)
    OUT/documents.parquet -> .current/documents.parquet     (each table: a file or a part folder)

A run writes its tables into a new hidden ``.run-<run id>`` folder (the run id is unique: start
time, pid and a random token), then commits by renaming a new ``.current`` link over the old one.
Before that rename a reader sees the previous run, after it the new one; there is no moment at
which some tables are old and others new. ``tables.read`` resolves ``.current`` once and reads every
table from that folder (and every file carries the run id in its metadata, which it checks).
The previous run's folder is removed after the commit; a reader that resolved it just before
finds its files gone and resolves again. A run that fails or is interrupted removes its own
folder, and the next run removes any folder left by a killed one.

The top-level names (``OUT/documents.parquet``, or ``OUT/documents/`` for the Dask engine) are
links through ``.current`` that never change, for tools that read the files directly.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

LOCK = ".extract.lock"
CURRENT = ".current"
GENERATION = ".run-"
LOCK_WAIT = 2.0   # seconds a second run waits for the first before it gives up


class OutputLocked(RuntimeError):
    """Another run holds the output folder's lock; the message names it (pid, start time)."""


def new_run_id() -> str:
    """A run id no other run shares: UTC start time, pid, random token."""
    now = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{now}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def is_commit_entry(name: str) -> bool:
    """Whether an output folder entry belongs to the commit machinery (lock, links, runs)."""
    return (name in (LOCK, CURRENT) or name.startswith(GENERATION)
            or (name.startswith(CURRENT + ".") and name.endswith(".tmp"))
            or (name.startswith(".old-") and name.endswith(".tmp")))


def _step(name: str) -> None:
    """Called before each step of a commit; tests replace it to inject a fault there."""


class OutputLock:
    """An exclusive lock (``fcntl.flock``) on ``OUT/.extract.lock`` for the length of a run.

    A second run waits up to ``wait`` seconds, then raises OutputLocked naming the holder. The
    lock is the kernel's: it goes with the process, so a killed run never leaves it held."""

    def __init__(self, out_dir: str | Path, run_id: str, wait: float = LOCK_WAIT):
        self.path = Path(out_dir) / LOCK
        self.run_id, self.wait, self.fd = run_id, wait, None

    def __enter__(self) -> OutputLock:
        try:
            import fcntl
        except ImportError:           # no flock on this platform: run unlocked
            return self
        flags = (os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_NONBLOCK", 0))
        try:
            # never through a link, never a FIFO or device: a planted .extract.lock must not
            # make a run truncate or block on whatever it points at
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            raise OSError(f"{self.path}: cannot be used as the lock file: {exc.strerror} "
                          f"(a link or something else than a file? remove it)") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise OSError(f"{self.path}: the lock file is not a regular file; remove it")
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(fd)
                    os.close(fd)
                    raise OutputLocked(
                        f"{self.path.parent}: another extract run is writing here ({holder}); "
                        f"wait for it to finish or choose another --out") from None
                time.sleep(0.05)
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {started}, run {self.run_id}\n".encode(), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            os.close(self.fd)        # releases the lock
            self.fd = None


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 512, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "pid unknown: it has only just started"


@contextlib.contextmanager
def new_run(out_dir: str | Path, run_id: str, check: Callable[[], None]) -> Iterator[Path]:
    """What both engines do around a run: hold the OutputLock, ``check`` the folder now that no
    other run can change it, tidy what an interrupted run left, and give the hidden folder this
    run writes into. The caller commits it (:func:`commit`); on any exception before that the
    folder goes and the previous output stays."""
    with OutputLock(out_dir, run_id):
        check()
        cleanup(out_dir)
        gen = start(out_dir, run_id)
        try:
            yield gen
        except BaseException:
            if not is_committed(out_dir, gen):
                discard(gen)
            raise


def start(out_dir: str | Path, run_id: str) -> Path:
    """Create the hidden folder a run writes its tables into."""
    gen = Path(out_dir) / f"{GENERATION}{run_id}"
    gen.mkdir()
    return gen


def is_committed(out_dir: str | Path, gen: str | Path) -> bool:
    """Whether ``gen`` is the committed run of ``out_dir`` (the commit got past its swap)."""
    return os.path.realpath(resolve(out_dir)) == os.path.realpath(gen)


def discard(gen: str | Path) -> None:
    """Remove a run's folder (a failed or interrupted run)."""
    shutil.rmtree(gen, ignore_errors=True)


def commit(out_dir: str | Path, gen: str | Path, entries: list[str], stale: list[str]) -> None:
    """Make ``gen`` the output of ``out_dir``: one rename of the ``.current`` link (the commit
    point), then the top-level ``entries`` linked through ``.current``, the ``stale`` names (the
    other engine's layout) and every other run's folder removed. Must hold the OutputLock."""
    out, gen = Path(out_dir), Path(gen)
    token = f"{os.getpid()}.{uuid.uuid4().hex[:8]}"
    _step("sync")
    _sync(gen)                  # the run's files are on disk before anything points at them
    _step("swap")
    _link(out, CURRENT, gen.name, token)
    for name in entries:
        _step(f"entry {name}")
        _link(out, name, f"{CURRENT}/{name}", token)
    for name in stale:
        _step(f"stale {name}")
        _remove(out / name)
    _step("cleanup")
    cleanup(out, keep=gen.name)


def _sync(folder: Path) -> None:
    """fsync every file below ``folder`` and the folders themselves, so that after a crash the
    committed link never points at tables the kernel had not written yet."""
    for root, _dirs, files in os.walk(folder):
        for name in [*files, "."]:
            try:
                fd = os.open(os.path.join(root, name), os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fsync(fd)
            except OSError:
                pass                    # a filesystem without fsync (some object mounts)
            finally:
                os.close(fd)


def _link(out: Path, name: str, target: str, token: str) -> None:
    """Point ``out/name`` at ``target`` by renaming a new link over it (atomic), whatever was
    there: an older link, a table file of an earlier version, or a real folder (a copied output,
    a part folder), which rename() cannot replace and is first moved aside."""
    path = out / name
    if path.is_symlink() and os.readlink(path) == target:
        return
    aside = None
    if path.is_dir() and not path.is_symlink():
        aside = out / f".old-{token}-{name.lstrip('.')}.tmp"
        os.rename(path, aside)
    tmp = out / f"{CURRENT}.{token}.{name.lstrip('.')}.tmp"
    try:
        _step(f"link {name}")
        os.symlink(target, tmp)
        _step(f"rename {name}")
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        if aside is not None and not os.path.lexists(path):
            os.rename(aside, path)            # put back what was there
        raise
    if aside is not None:
        _remove(aside)


def cleanup(out_dir: str | Path, keep: str | None = None) -> None:
    """Remove what runs leave behind: other run folders than ``keep`` and the committed one,
    temporary links, and the temporary tables of earlier versions. Must hold the OutputLock."""
    out = Path(out_dir)
    try:
        committed = os.readlink(out / CURRENT)
    except OSError:
        committed = None
    for e in os.scandir(out):
        n = e.name
        if n.startswith(GENERATION) and n not in (keep, committed):
            _remove(Path(e.path))
        elif ((n.startswith(CURRENT + ".") or n.startswith(".old-")) and n.endswith(".tmp")) or (
                n.startswith(".") and n.endswith(".parquet.tmp")):
            _remove(Path(e.path))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        _unlink(path)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def resolve(out_dir: str | Path) -> str:
    """The folder that holds an output's tables now: its committed run folder, or the output
    folder itself (an output of an earlier version, or on an object store)."""
    out = str(out_dir)
    try:
        target = os.readlink(os.path.join(out, CURRENT))
    except OSError:
        return out
    return os.path.join(out, target)
