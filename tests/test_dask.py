"""The Dask engine gives the local engine's rows, whatever the partitioning and the filesystem.

One LocalCluster (2 worker processes, one thread each) serves the whole module; the test that
kills a worker runs last.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")
fsspec = pytest.importorskip("fsspec")

import pyarrow.parquet as pq  # noqa: E402

import extract  # noqa: E402
from extract import dask_engine  # noqa: E402
from extract.cli import main  # noqa: E402
from extract.tables import SCHEMAS, TABLES, metadata  # noqa: E402

HERE = Path(__file__).resolve().parent
BAD = HERE / "bad_inputs"
MAX_BYTES = 200_000


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as c:
        yield c


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster) as cl:
        yield cl


@pytest.fixture(scope="module")
def bad_in(tmp_path_factory) -> Path:
    """tests/bad_inputs plus what cannot live in git (as in test_bad_inputs): a symlink loop, a
    file name that is not UTF-8, a file over the size limit."""
    src = tmp_path_factory.mktemp("bad") / "in"
    shutil.copytree(BAD, src)
    (src / "README.md").unlink()
    os.symlink("..", src / "nested" / "loop")
    fd = os.open(bytes(src) + b"/latin1_\xe9t\xe9.txt", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, "2024年破获刑事案件12起。".encode("utf-8"))
    os.close(fd)
    (src / "huge.txt").write_bytes(b"1" * 300_000)
    return src


@pytest.fixture(scope="module")
def bad_local(bad_in, tmp_path_factory):
    out = tmp_path_factory.mktemp("bad_local") / "out"
    return out, extract.run(bad_in, out, max_bytes=MAX_BYTES)


def local_order(t: dict) -> dict:
    """Frames sorted as the local engine writes them: documents by path, the others by
    (document order, start, end); index reset."""
    docs = t["documents"].sort_values("path", kind="stable").reset_index(drop=True)
    rank = {d: i for i, d in enumerate(docs["doc_id"])}
    out = {"documents": docs}
    for name in TABLES[1:]:
        df = t[name].assign(_doc=t[name]["doc_id"].map(rank))
        keys = ["_doc"] if name == "rejects" else ["_doc", "start", "end"]
        out[name] = df.sort_values(keys, kind="stable").drop(columns="_doc").reset_index(drop=True)
    return out


def assert_same_rows(a, b) -> None:
    ta, tb = local_order(extract.read(a)), local_order(extract.read(b))
    for name in TABLES:
        assert ta[name].dtypes.equals(tb[name].dtypes), name
        assert ta[name].equals(tb[name]), f"{name} differs:\n{ta[name]}\n{tb[name]}"


def test_dev_articles_same_rows_as_local(client, raw_dir, dev_out, tmp_path):
    out = tmp_path / "out"
    s = extract.run(raw_dir, out, engine="dask", client=client, partition_size=1)
    assert (s.documents, s.ok, s.errors) == (2, 2, [])
    assert_same_rows(dev_out, out)
    # extract.read already gives the local engine's order, without any sorting by the caller
    a, b = extract.read(dev_out), extract.read(out)
    assert all(a[n].equals(b[n]) for n in TABLES)
    # a partitioned dataset of plain Parquet files with the local engine's schemas and metadata
    for name in TABLES:
        files = sorted(p.name for p in (out / name).iterdir())
        assert files == ["part-00000.parquet", "part-00001.parquet"], files
        schema = pq.read_schema(out / name / files[0])
        assert schema.equals(SCHEMAS[name], check_metadata=False)
        meta = pq.read_schema(dev_out / f"{name}.parquet").metadata
        # both record the input resolved; each run its own run id
        dask_meta, local_meta = (json.loads(m[b"extract"]) for m in (schema.metadata, meta))
        assert dask_meta.pop("run_id") != local_meta.pop("run_id")
        assert dask_meta == local_meta
    import pandas as pd

    assert len(pd.read_parquet(out / "metrics")) == len(a["metrics"]) == s.metrics > 0


@pytest.mark.parametrize("size", [1, 4, 100])
def test_bad_inputs_same_rows_whatever_the_partitioning(client, bad_in, bad_local, tmp_path,
                                                        size):
    local_out, local_summary = bad_local
    out = tmp_path / "out"
    s = extract.run(bad_in, out, engine="dask", client=client, partition_size=size,
                    max_bytes=MAX_BYTES)
    assert_same_rows(local_out, out)
    assert (s.documents, s.ok, s.metrics, s.dates, s.rejects, s.chars) == (
        local_summary.documents, local_summary.ok, local_summary.metrics, local_summary.dates,
        local_summary.rejects, local_summary.chars)
    assert s.errors == local_summary.errors and len(s.errors) >= 6
    n_parts = -(-s.documents // size)
    assert len(list((out / "documents").glob("part-*.parquet"))) == n_parts


def test_file_urls(client, raw_dir, dev_out, tmp_path):
    url = f"file://{tmp_path}/out"
    s = extract.run(f"file://{raw_dir}", url, engine="dask", client=client, partition_size=1)
    assert s.documents == 2
    assert_same_rows(dev_out, tmp_path / "out")
    by_url = extract.read(url)
    local = extract.read(dev_out)
    assert all(by_url[n].equals(local[n]) for n in TABLES)


def test_cli_against_a_running_scheduler(cluster, raw_dir, dev_out, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["run", str(raw_dir), "--out", str(out), "--engine", "dask",
               "--scheduler", cluster.scheduler_address, "--partition-size", "1"])
    assert rc == 0, capsys.readouterr()
    assert "2 documents (2 ok, 0 failed)" in capsys.readouterr().out
    assert_same_rows(dev_out, out)


def test_rerun_leaves_exactly_the_new_parts(client, bad_in, bad_local, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(bad_local[0], out)       # a local-engine output in the same folder
    extract.run(bad_in, out, engine="dask", client=client, partition_size=2,
                max_bytes=MAX_BYTES)
    extract.run(bad_in, out, engine="dask", client=client, partition_size=100,
                max_bytes=MAX_BYTES)
    (run,) = [p.name for p in out.iterdir() if p.name.startswith(".run-")]
    assert os.readlink(out / ".current") == run
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == sorted(
        [".current", ".extract.lock", run] + [t for t in TABLES]
        + [f"{run}/{t}" for t in TABLES] + [f"{run}/{t}/part-00000.parquet" for t in TABLES])
    assert all(os.readlink(out / t) == f".current/{t}" for t in TABLES)
    assert_same_rows(bad_local[0], out)


def test_refuses_a_foreign_folder(client, raw_dir, tmp_path):
    out = tmp_path / "out"
    (out / "metrics").mkdir(parents=True)
    (out / "metrics" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="notes.txt"):
        extract.run(raw_dir, out, engine="dask", client=client)
    with pytest.raises(FileNotFoundError):
        extract.run(tmp_path / "missing", tmp_path / "out2", engine="dask", client=client)


def test_fsspec_reading_and_writing_in_process(bad_in, bad_local, ruleset):
    """The object-store code path (no local rename, bytes through fsspec) on fsspec's in-memory
    filesystem, one partition at a time in this process."""
    mem = fsspec.filesystem("memory")
    src = "/dask-test/in"
    for p in sorted(bad_in.rglob("*")):
        if p.is_file() and not p.is_symlink():
            rel = p.relative_to(bad_in).as_posix()
            mem.pipe_file(f"{src}/{rel}", p.read_bytes())
    items = dask_engine.list_inputs(mem, src)
    assert [i.doc_id for i in items] == sorted(i.doc_id for i in items)
    meta = metadata(ruleset.fingerprint, {"input": "memory://"})
    parts = dask_engine.partitions(items, 5)
    for i, part in enumerate(parts):
        dask_engine.process_partition(i, part, mem, mem, "/dask-test/out", None,
                                      ruleset.fingerprint, MAX_BYTES, meta, 5)
    try:
        got = local_order(extract.read("memory://dask-test/out"))
        want = local_order(extract.read(bad_local[0]))
        for name in TABLES:
            assert got[name].equals(want[name]), name
    finally:
        mem.rm("/dask-test", recursive=True)


def test_hostile_folder_same_rows_as_local(client, tmp_path):
    """test_hostile's folder (a FIFO, a /dev/zero link, a socket, links leaving the folder,
    upper-case and undecodable names) gives the local engine's rows, with or without
    --follow-symlinks: nothing hangs, every entry is one row."""
    from test_hostile import build_hostile, check_hostile_rows

    src = build_hostile(tmp_path)
    for follow in (False, True):
        local, dask = tmp_path / f"local{follow}", tmp_path / f"dask{follow}"
        a = extract.run(src, local, follow_symlinks=follow)
        b = extract.run(src, dask, engine="dask", client=client, partition_size=3,
                        follow_symlinks=follow)
        assert_same_rows(local, dask)
        assert (a.documents, a.ok, a.errors) == (b.documents, b.ok, b.errors)
        if not follow:
            check_hostile_rows(extract.read(dask)["documents"])


def test_parts_of_two_runs_are_refused(client, raw_dir, tmp_path):
    """Every part carries its run's id: a folder mixing two runs' parts is refused."""
    one, two = tmp_path / "one", tmp_path / "two"
    extract.run(raw_dir, one, engine="dask", client=client, partition_size=1)
    extract.run(raw_dir, two, engine="dask", client=client, partition_size=1)
    mixed = tmp_path / "mixed"
    shutil.copytree(one, mixed)
    shutil.copy(two / "metrics" / "part-00001.parquet", mixed / "metrics" / "part-00001.parquet")
    with pytest.raises(extract.tables.MixedOutputError, match="different runs"):
        extract.read(mixed)


class _KillOnce(distributed.WorkerPlugin):
    """Kills its worker process the first time a partition task starts on any worker."""

    def __init__(self, marker: str):
        self.marker = marker

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and "extract-partition" in str(key):
            try:
                fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                return
            os.close(fd)
            os._exit(1)


def test_zz_a_worker_that_dies_mid_run_is_replaced(client, bad_in, bad_local, tmp_path):
    marker = tmp_path / "killed"
    client.register_plugin(_KillOnce(str(marker)), name="kill-once")
    try:
        out = tmp_path / "out"
        s = extract.run(bad_in, out, engine="dask", client=client, partition_size=3,
                        max_bytes=MAX_BYTES)
    finally:
        client.unregister_worker_plugin("kill-once")
    assert marker.exists()                   # a worker did die
    assert s.documents == bad_local[1].documents
    assert_same_rows(bad_local[0], out)
