"""Seeing the facts: documents of an output re-joined with their original text, and the
self-contained HTML report (structure always; a real headless browser when one is installed).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

import extract
from extract.cli import main
from extract.report import build_report, raw_text, show_document
from extract.view import document_html

CHROMIUM = Path("/usr/bin/chromium")


class Page(HTMLParser):
    """Every <mark> (attributes and text) and every src/href of a page."""

    def __init__(self):
        super().__init__()
        self.marks: list[dict] = []
        self.links: list[str] = []
        self.tags = Counter()
        self._mark: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] += 1
        self.links += [v for k, v in attrs if k in ("src", "href") and v is not None]
        if tag == "mark":
            self._mark = {**a, "text": ""}

    def handle_data(self, data):
        if self._mark is not None:
            self._mark["text"] += data

    def handle_endtag(self, tag):
        if tag == "mark" and self._mark is not None:
            self.marks.append(self._mark)
            self._mark = None


def parse(html: str) -> Page:
    p = Page()
    p.feed(html)
    p.close()
    return p


@pytest.fixture(scope="module")
def report_html(dev_out, raw_dir) -> str:
    rep = build_report(dev_out, raw_dir=raw_dir)
    assert rep.missing == [] and rep.documents == 2
    return rep.html


def test_every_metric_of_both_dev_articles_is_highlighted(report_html, dev_out):
    page = parse(report_html)
    t = extract.read(dev_out)
    order = {d: i for i, d in enumerate(t["documents"]["doc_id"], 1)}
    marks = {m.get("id"): m for m in page.marks if "x-metric" in m.get("class", "")}
    assert len(t["metrics"]) > 90
    for r in t["metrics"].itertuples():
        mark = marks.get(f"d{order[r.doc_id]}-{r.start}")
        assert mark is not None, f"{r.doc_id}: {r.text!r} at {r.start} not highlighted"
        # the pane reads as the normaliser joins the text: layout whitespace left out
        assert mark["text"] == "".join(r.text.split()) and mark["data-span"] == f"{r.start}-{r.end}"
        assert (f"({r.metric})" in mark["title"] or f"metric: {r.metric}" in mark["title"]
                if isinstance(r.metric, str) else "metric:" not in mark["title"])
        assert f"rule: {r.rule}" in mark["title"] and "None" not in mark["title"]
    assert len(marks) == len(t["metrics"])


def test_report_is_self_contained(report_html):
    page = parse(report_html)
    assert page.links and all(link.startswith("#") for link in page.links), page.links
    assert page.tags["svg"] >= 5 and page.tags["script"] == 1 and page.tags["link"] == 0
    assert "url(" not in report_html and "@import" not in report_html
    assert "suspects_arrested" in report_html and "2021_zhanhe.txt" in report_html


def test_report_without_raw_text_says_why(dev_out, tmp_path):
    """Frames alone carry no input folder: with an empty --raw, no text, and the page says so."""
    rep = build_report(extract.read(dev_out), raw_dir=tmp_path)
    assert [p for p, _ in rep.missing] == ["2021_zhanhe.txt", "2025_weibin.txt"]
    assert rep.html.count("Original text not shown") == 2 and rep.highlighted == 0
    assert "<table" in rep.html and "suspects_arrested" in rep.html  # the facts still show


def test_changed_raw_file_is_refused(dev_out, raw_dir, tmp_path):
    """Offsets into an edited file would highlight the wrong characters."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("2021_zhanhe.txt", "2025_weibin.txt"):
        (raw / name).write_text("改过的" + (raw_dir / name).read_text(encoding="utf-8"),
                                encoding="utf-8")
    doc = extract.read(dev_out)["documents"].iloc[0].to_dict()
    text, where = raw_text(None, doc, raw)
    assert text is None and "changed since the run" in where


def test_recorded_relative_input_is_found_from_elsewhere(raw_dir, tmp_path, monkeypatch):
    proj = tmp_path / "proj"
    shutil.copytree(raw_dir, proj / "data" / "raw")
    monkeypatch.chdir(proj)
    extract.run("data/raw", "data/out", jobs=1)
    monkeypatch.chdir(tmp_path)
    res = show_document(proj / "data" / "out", "2025_weibin.txt")
    assert res.document.report_year == 2025 and len(res.metrics) == res.document.n_metrics


def test_show_document_is_a_result_with_html(dev_out, raw_dir):
    res = show_document(dev_out, "2021_zhanhe.txt", raw_dir)
    assert isinstance(res, extract.Result)
    assert "2021_zhanhe.txt" in repr(res) and len(repr(res)) < 200
    page = parse(res._repr_html_())
    assert sum("x-metric" in m["class"] for m in page.marks) == len(res.metrics)
    with pytest.raises(KeyError):
        show_document(dev_out, "nope.txt", raw_dir)


def test_document_html_from_frames(dev_out, dev_text):
    html = document_html(extract.read(dev_out), "2025_weibin.txt", dev_text("2025_weibin.txt"))
    assert "2127人</mark>" in html and "suspects_arrested" in html


def test_report_cli(dev_out, raw_dir, tmp_path, capsys):
    page = tmp_path / "r.html"
    assert main(["report", str(dev_out), "--html", str(page), "--raw", str(raw_dir),
                 "--against", str(dev_out)]) == 0
    out = capsys.readouterr().out
    assert f"wrote {page}: 2 documents" in out and "metrics highlighted" in out
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and 'id="diff"' in html


# --- a real browser ----------------------------------------------------------------------
def png_pixels(path: Path) -> tuple[int, int, bytes]:
    """Width, height and the decompressed (filtered) scanlines of a PNG, without Pillow."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, size = 8, b"", (0, 0)
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            size = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    return size[0], size[1], zlib.decompress(idat)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
def test_report_renders_in_headless_chromium(report_html, tmp_path):
    page, png = tmp_path / "report.html", tmp_path / "shot.png"
    page.write_text(report_html, encoding="utf-8")
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
           f"--screenshot={png}", "--window-size=1200,2000", page.as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    assert png.is_file(), "chromium wrote no screenshot"
    width, height, pixels = png_pixels(png)
    assert (width, height) == (1200, 2000)
    assert png.stat().st_size > 30_000
    modal = Counter(pixels).most_common(1)[0][1]
    assert 1 - modal / len(pixels) > 0.02, "the page rendered (almost) blank"


def test_document_html_refuses_text_that_does_not_match(dev_out, dev_text):
    with pytest.raises(ValueError, match="does not match"):
        document_html(extract.read(dev_out), "2025_weibin.txt", "x" + dev_text("2025_weibin.txt"))
