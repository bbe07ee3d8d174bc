"""`extract report` reads an original only inside the raw folder and only with a matching sha256
(issue 17): an output folder may be crafted, and must not make the report show other files.

Each test runs one article into its own output, then rewrites documents.parquet the way an
attacker would (the sha256 of the target is known to them: the worst case).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import extract
from extract.report import build_report, raw_text

ARTICLE = "某某县公安局2024年工作总结。\n全年共破获刑事案件398起。\n"
SECRET = "SECRET 口令 hunter2\n"


@pytest.fixture
def site(tmp_path):
    """tmp/raw/a.txt run into tmp/out; tmp/secret.txt beside the raw folder."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    extract.run(raw, tmp_path / "out", jobs=1)
    return tmp_path


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def craft(out, **changes) -> dict:
    """documents.parquet with its one row changed, the run metadata kept."""
    path = out / "documents.parquet"
    table = pq.read_table(path)
    rows = table.to_pylist()
    rows[0].update(changes)
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)
    return rows[0]


def test_the_untouched_output_shows_its_text(site):
    rep = build_report(site / "out", raw_dir=site / "raw")
    assert rep.missing == [] and "破获刑事案件" in rep.html


PASSWD = Path("/etc/passwd")
LEAVING = [  # (path named by the output, the file it would reach)
    ("../secret.txt", "secret"),
    ("../raw/../secret.txt", "secret"),
    ("sub/../../secret.txt", "secret"),
    ("ABSOLUTE", "secret"),                       # the secret's absolute path
    ("../../../../../../../../etc/passwd", "passwd"),
    ("/etc/passwd", "passwd"),
]


@pytest.mark.parametrize("name, reaches", LEAVING)
def test_a_path_leaving_the_raw_folder_is_not_read(site, name, reaches):
    if reaches == "passwd" and not PASSWD.is_file():
        pytest.skip("no /etc/passwd")
    target = site / "secret.txt" if reaches == "secret" else PASSWD.resolve()
    name = str(target) if name == "ABSOLUTE" else name
    (site / "raw" / "sub").mkdir()
    doc = craft(site / "out", path=name, sha256=sha(target))
    for base in (site / "raw", None):          # given with --raw, or the run's recorded input
        text, where = raw_text(site / "out", doc, base)
        assert text is None, where
        assert "raw folder" in where
    rep = build_report(site / "out", raw_dir=site / "raw")
    assert "SECRET" not in rep.html and "root:" not in rep.html
    assert rep.missing and "not read" in rep.missing[0][1]


def test_a_link_leaving_the_raw_folder_is_not_read(site):
    (site / "raw" / "link.txt").symlink_to(site / "secret.txt")
    (site / "raw" / "dir").symlink_to(site, target_is_directory=True)
    for name in ("link.txt", "dir/secret.txt"):
        doc = craft(site / "out", path=name, sha256=sha(site / "secret.txt"))
        text, where = raw_text(site / "out", doc, site / "raw")
        assert text is None and "leaves the raw folder" in where
        assert "SECRET" not in build_report(site / "out", raw_dir=site / "raw").html


def test_a_link_inside_the_raw_folder_is_read(site):
    (site / "raw" / "same.txt").symlink_to(site / "raw" / "a.txt")
    doc = craft(site / "out", path="same.txt")
    text, _ = raw_text(site / "out", doc, site / "raw")
    assert text == ARTICLE


@pytest.mark.parametrize("empty", ["", None])
def test_without_a_sha256_nothing_is_read(site, empty):
    doc = craft(site / "out", sha256=empty)
    text, where = raw_text(site / "out", doc, site / "raw")
    assert text is None and "no sha256" in where
    rep = build_report(site / "out", raw_dir=site / "raw")
    assert rep.missing and "破获刑事案件398起" not in rep.html


def test_a_wrong_sha256_is_refused(site):
    doc = craft(site / "out", sha256="0" * 64)
    text, where = raw_text(site / "out", doc, site / "raw")
    assert text is None and "sha256 differs" in where


def test_a_fifo_in_the_raw_folder_is_not_opened(site):
    os.mkfifo(site / "raw" / "pipe.txt")
    doc = craft(site / "out", path="pipe.txt", sha256=sha(site / "secret.txt"))
    text, where = raw_text(site / "out", doc, site / "raw")      # returns: does not block
    assert text is None and "not a regular file" in where
