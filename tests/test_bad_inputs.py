"""End to end over tests/bad_inputs/: every input accounted for, nothing lost, output safe."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import extract

HERE = Path(__file__).resolve().parent
BAD = HERE / "bad_inputs"
DEV_RAW = HERE.parent / "data" / "raw"

EXPECTED = {
    "article_utf8.txt": ("ok", "utf-8"),
    "article_utf8_bom.txt": ("ok", "utf-8-sig"),
    "article_utf16le.txt": ("ok", "utf-16"),
    "article_utf16be.txt": ("ok", "utf-16"),
    "article_gbk.txt": ("ok", "gb18030"),
    "article_big5.txt": ("ok", "big5"),
    "page.html": ("ok", "utf-8"),
    "nested/deeper/article_nested.txt": ("ok", "utf-8"),
    "empty.txt": ("error", "empty file"),
    "image_png.txt": ("error", "binary file"),
    "document_pdf.txt": ("error", "binary file"),
    "nul_bytes.txt": ("error", "binary file"),
    "random_bytes.txt": ("error", "undecodable"),
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The fixture folder plus inputs that cannot live in git: a symlink loop, a file name
    that is not UTF-8, an oversized file."""
    root = tmp_path_factory.mktemp("bad")
    src = root / "in"
    shutil.copytree(BAD, src)
    (src / "README.md").unlink()
    os.symlink("..", src / "nested" / "loop")                  # a symlink loop
    fd = os.open(bytes(src) + b"/latin1_\xe9t\xe9.txt", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, "2024年破获刑事案件12起。".encode("utf-8"))
    os.close(fd)
    (src / "huge.txt").write_bytes(b"1" * 300_000)
    out = root / "out"
    summary = extract.run(src, out, max_bytes=200_000)
    return src, out, summary, extract.read(out)


def test_every_input_has_one_row_with_the_right_status(batch):
    _, _, summary, t = batch
    docs = t["documents"].set_index("path")
    for path, (status, detail) in EXPECTED.items():
        row = docs.loc[path]
        assert row["status"] == status, (path, row["error"])
        if status == "ok":
            assert row["encoding"] == detail
        else:
            assert str(row["error"]).startswith(detail), (path, row["error"])
    assert docs.loc["huge.txt", "status"] == "error"
    assert "too large" in docs.loc["huge.txt", "error"]
    odd = [p for p in docs.index if p.startswith("latin1_")]
    assert len(odd) == 1 and docs.loc[odd[0], "status"] == "ok"
    assert len(docs) == len(EXPECTED) + 2            # + huge.txt + the latin-1 name
    assert summary.documents == len(docs) and summary.ok + len(summary.errors) == len(docs)


def _facts(t, path):
    docs = t["documents"]
    doc_id = docs.loc[docs["path"] == path, "doc_id"].item()
    m = t["metrics"][t["metrics"]["doc_id"] == doc_id]
    return [(r.value, r.unit, r.qualifier, r.label, r.metric) for r in m.itertuples()]


@pytest.mark.parametrize("copy", ["article_utf8_bom.txt", "article_utf16le.txt",
                                  "article_utf16be.txt", "article_gbk.txt",
                                  "nested/deeper/article_nested.txt"])
def test_other_encodings_yield_the_same_metrics(batch, copy):
    _, _, _, t = batch
    assert _facts(t, copy) == _facts(t, "article_utf8.txt") != []


def test_html_offsets_point_into_the_decoded_page(batch):
    src, _, _, t = batch
    page = (src / "page.html").read_text(encoding="utf-8")
    docs = t["documents"]
    doc_id = docs.loc[docs["path"] == "page.html", "doc_id"].item()
    m = t["metrics"][t["metrics"]["doc_id"] == doc_id]
    assert sorted(m["value"]) == [12.0, 896.0, 1235.0]       # not the 100 inside <script>
    for r in m.itertuples():
        assert page[r.start:r.end] == r.text


def test_run_exit_codes(tmp_path):
    only_bad = tmp_path / "in"
    only_bad.mkdir()
    shutil.copy(BAD / "empty.txt", only_bad)
    cmd = [sys.executable, "-m", "extract", "run", str(only_bad), "--jobs", "1"]
    nothing = subprocess.run(cmd + ["--out", str(tmp_path / "o1")], capture_output=True, text=True)
    assert nothing.returncode == 1 and "1 failed" in nothing.stdout
    shutil.copy(BAD / "article_utf8.txt", only_bad)
    mixed = subprocess.run(cmd + ["--out", str(tmp_path / "o2")], capture_output=True, text=True)
    assert mixed.returncode == 0 and "empty file" in mixed.stdout
    strict = subprocess.run(cmd + ["--out", str(tmp_path / "o3"), "--strict"],
                            capture_output=True, text=True)
    assert strict.returncode == 1


def test_rerun_gives_identical_rows(batch, tmp_path):
    src, _, _, t = batch
    again = extract.read(extract.run(src, tmp_path / "again", max_bytes=200_000).out_dir)
    for name in ("documents", "metrics", "dates"):
        assert t[name].equals(again[name]), name


def test_killed_run_leaves_previous_output_intact(tmp_path):
    """Start a long run over an existing output, kill it mid-way: the old tables still read."""
    small, big, out = tmp_path / "small", tmp_path / "big", tmp_path / "out"
    small.mkdir()
    big.mkdir()
    shutil.copy(DEV_RAW / "2025_weibin.txt", small)
    for i in range(400):
        shutil.copy(DEV_RAW / "2025_weibin.txt", big / f"copy_{i:04d}.txt")
    extract.run(small, out)
    before = extract.read(out)
    proc = subprocess.Popen([sys.executable, "-m", "extract", "run", str(big), "--out", str(out),
                             "--jobs", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(out.glob(".run-*")):
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = extract.read(out)
    for name in ("documents", "metrics", "dates"):
        assert before[name].equals(after[name]), name
    # and the next run over the same folder still works and replaces it
    extract.run(small, out)
    assert extract.read(out)["documents"].equals(before["documents"])
