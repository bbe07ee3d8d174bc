"""Bytes to text: every encoding a scraped batch meets, and every way a file can be unusable.

Input bytes are made at test time from one dev article (or a short traditional text for Big5),
so each encoding is checked against the same original text.
"""

from __future__ import annotations

import codecs
import random
import re

import pytest

import extract
from extract.load import LoadError, decode, load_file

BIG5_TEXT = "臺北市政府警察局今年共偵破詐騙案件一百二十件，查獲嫌犯八十名，追回贓款1.73億元。"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
RANDOM_1MB = random.Random(0).randbytes(1 << 20)


@pytest.fixture(scope="module")
def article(raw_dir) -> str:
    return (raw_dir / "2025_weibin.txt").read_text(encoding="utf-8")


def _encodings(text: str) -> dict[str, bytes]:
    return {
        "utf-8": text.encode("utf-8"),
        "utf-8-bom": codecs.BOM_UTF8 + text.encode("utf-8"),
        "utf-16-le": codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        "utf-16-be": codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        "gbk": text.encode("gbk"),
        "gb18030": text.encode("gb18030"),
    }


# --- decode ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, encoding", [
    ("utf-8", "utf-8"), ("utf-8-bom", "utf-8-sig"), ("utf-16-le", "utf-16"),
    ("utf-16-be", "utf-16"), ("gbk", "gb18030"), ("gb18030", "gb18030"),
])
def test_decode_article_in_every_encoding(article, name, encoding):
    text, used = decode(_encodings(article)[name])
    assert text == article  # a BOM is not part of the text: offsets are the same everywhere
    assert used == encoding


def test_decode_big5():
    text, used = decode(BIG5_TEXT.encode("big5"))
    assert (text, used) == (BIG5_TEXT, "big5")


@pytest.mark.parametrize("data, reason", [
    pytest.param(b"", "empty", id="empty"),
    pytest.param(PNG, "binary", id="png"),
    pytest.param(b"%PDF-1.7\n" + bytes(100), "binary", id="pdf"),
    pytest.param("2025年，分局共破获刑事案件398起。".encode("utf-16-le"), "binary",
                 id="utf16-le-without-bom"),
    pytest.param("2025年，分局共破获刑事案件398起。".encode("utf-16-be"), "binary",
                 id="utf16-be-without-bom"),
    pytest.param(codecs.BOM_UTF8 + b"\xff\xfe\xfa", "does not decode", id="bad-after-bom"),
])
def test_decode_refuses_with_a_reason(data, reason):
    with pytest.raises(LoadError, match=reason):
        decode(data)


def test_random_megabyte_is_refused():
    """1 MB of random bytes holds NUL bytes, so it is reported as binary; either way it is
    refused, never guessed into mojibake."""
    with pytest.raises(LoadError, match="undecodable|binary"):
        decode(RANDOM_1MB)


@pytest.mark.parametrize("seed", range(10))
def test_random_bytes_without_nul_are_undecodable(seed):
    data = bytes(b for b in random.Random(seed).randbytes(4000) if b)
    with pytest.raises(LoadError, match="undecodable"):
        decode(data)


def test_load_file_limits_and_missing(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("破获刑事案件398起", encoding="utf-8")
    loaded = load_file(p)
    assert loaded.text == "破获刑事案件398起" and loaded.encoding == "utf-8"
    assert loaded.n_bytes == p.stat().st_size and len(loaded.sha256) == 64
    with pytest.raises(LoadError, match="too large"):
        load_file(p, max_bytes=5)
    with pytest.raises(LoadError, match="unreadable"):
        load_file(tmp_path / "missing.txt")


# --- a batch mixing them ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def mixed_batch(article, tmp_path_factory):
    """A folder with the article in every encoding, Big5, and three unusable files."""
    d = tmp_path_factory.mktemp("mixed_in")
    for name, data in _encodings(article).items():
        (d / f"article_{name}.txt").write_bytes(data)
    (d / "big5.txt").write_bytes(BIG5_TEXT.encode("big5"))
    (d / "empty.txt").write_bytes(b"")
    (d / "image.txt").write_bytes(PNG)
    (d / "random.txt").write_bytes(RANDOM_1MB)
    out = tmp_path_factory.mktemp("mixed_out")
    summary = extract.run(d, out, jobs=1)
    return summary, extract.read(out)


EXPECTED_STATUS = {
    "article_utf-8.txt": ("ok", "utf-8"), "article_utf-8-bom.txt": ("ok", "utf-8-sig"),
    "article_utf-16-le.txt": ("ok", "utf-16"), "article_utf-16-be.txt": ("ok", "utf-16"),
    "article_gbk.txt": ("ok", "gb18030"), "article_gb18030.txt": ("ok", "gb18030"),
    "big5.txt": ("ok", "big5"),
    "empty.txt": ("error", "empty"), "image.txt": ("error", "binary"),
    "random.txt": ("error", "binary|undecodable"),
}


def test_batch_has_one_row_per_file_with_its_status(mixed_batch):
    summary, tables = mixed_batch
    docs = tables["documents"].set_index("path")
    assert sorted(docs.index) == sorted(EXPECTED_STATUS)
    assert summary.documents == len(EXPECTED_STATUS)
    assert summary.ok == 7 and len(summary.errors) == 3
    for path, (status, detail) in EXPECTED_STATUS.items():
        row = docs.loc[path]
        assert row["status"] == status, (path, row["error"])
        if status == "ok":
            assert row["encoding"] == detail and row["n_metrics"] > 0, path
        else:
            assert re.search(detail, row["error"]), (path, row["error"])
            assert row["n_metrics"] == 0


def test_every_encoding_yields_the_same_metrics(mixed_batch):
    _, tables = mixed_batch
    m = tables["metrics"]
    cols = ["start", "end", "text", "value", "unit", "label", "metric"]
    by_doc = {doc: rows[cols].reset_index(drop=True) for doc, rows in m.groupby("doc_id")}
    original = by_doc["article_utf-8.txt"]
    assert len(original) > 40
    for name in ("utf-8-bom", "utf-16-le", "utf-16-be", "gbk", "gb18030"):
        assert by_doc[f"article_{name}.txt"].equals(original), name


def test_big5_reads_as_simplified_metrics(mixed_batch):
    _, tables = mixed_batch
    m = tables["metrics"]
    rows = m[m["doc_id"] == "big5.txt"]
    assert list(rows["value"]) == [120, 80, 173000000]
    assert list(rows["text"]) == ["一百二十件", "八十名", "1.73億元"]
    assert "suspects_arrested" in set(rows["metric"].dropna())
