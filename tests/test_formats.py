"""PDF and Word inputs: the same facts as from the text article, offsets into the extracted text,
page numbers, metadata as fallback, and an error row (never a stopped batch) for a PDF without
a text layer, an encrypted one, a corrupt one, and broken Word files."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

import extract
from conftest import DEV_DOCS
from docmaker import make_docx, make_pdf
from extract.formats import PAGE_BREAK, kind_of, page_at, sniff
from extract.load import load_bytes

CHROMIUM = Path("/usr/bin/chromium")


def facts(res) -> list[tuple]:
    """What a reader compares: value, unit, hedge, kind, change, label, metric, period, scope."""
    return [(m.value, m.unit, m.qualifier, m.kind, m.change, m.label, m.metric, m.period,
             m.scope) for m in res.metrics]


def dates(res) -> list[tuple]:
    return [(d.year, d.month, d.day, d.granularity) for d in res.dates]


def pages_of(lines: list[str], per_page: int) -> list[list[str]]:
    return [lines[i:i + per_page] for i in range(0, len(lines), per_page)]


@pytest.fixture(scope="module")
def documents(raw_dir, tmp_path_factory) -> dict[str, tuple[Path, Path, Path]]:
    """Each dev article as text, PDF (pages of 23 lines, so pages break inside paragraphs)
    and Word file."""
    out = tmp_path_factory.mktemp("formats")
    made = {}
    for name in DEV_DOCS:
        lines = (raw_dir / name).read_text(encoding="utf-8").splitlines()
        stem = Path(name).stem
        pdf, docx = out / f"{stem}.pdf", out / f"{stem}.docx"
        pdf.write_bytes(make_pdf(pages_of(lines, 23)))
        docx.write_bytes(make_docx(lines))
        made[name] = (raw_dir / name, pdf, docx)
    return made


@pytest.mark.parametrize("name", DEV_DOCS)
@pytest.mark.parametrize("form", ["pdf", "docx"])
def test_same_facts_as_the_text_article(documents, name, form):
    txt, pdf, docx = documents[name]
    want = extract.extract_file(txt)
    got = extract.extract_file(pdf if form == "pdf" else docx)
    assert got.document.status == "ok", got.document.error
    assert got.document.encoding == form
    assert len(want.metrics) > 40
    assert facts(got) == facts(want)
    assert dates(got) == dates(want)
    assert (got.document.org, got.document.report_year) == (want.document.org,
                                                           want.document.report_year)


@pytest.mark.parametrize("form", ["pdf", "docx"])
def test_offsets_point_into_the_extracted_text(documents, form):
    path = documents["2021_zhanhe.txt"][1 if form == "pdf" else 2]
    res = extract.extract_file(path)
    text = extract.document_text(path)
    assert text == res.text                       # a deterministic re-extraction
    for r in res.metrics + res.dates:
        assert text[r.start:r.end] == r.text
    if form == "docx":
        assert all(r.page is None for r in res.metrics + res.dates)
        assert "删掉的" not in text               # deleted text (tracked changes) is not text


def test_pdf_rows_carry_their_page(documents):
    path = documents["2021_zhanhe.txt"][1]
    res = extract.extract_file(path)
    text = res.text
    starts = [0] + [i + len(PAGE_BREAK) for i, ch in enumerate(text) if ch == PAGE_BREAK]
    assert len(starts) > 5
    for r in res.metrics + res.dates:
        assert r.page == sum(1 for s in starts if s <= r.start)
        assert PAGE_BREAK not in r.text
    assert len({r.page for r in res.metrics}) > 5


def test_a_run_over_pdf_and_docx_files_writes_pages(documents, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _, pdf, docx = documents["2025_weibin.txt"]
    shutil.copy(pdf, folder / "A.PDF")              # extensions in any case
    shutil.copy(docx, folder / "b.docx")
    (folder / "c.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 50)
    summary = extract.run(folder, tmp_path / "out", jobs=1)
    assert (summary.documents, summary.ok) == (3, 2)
    t = extract.read(tmp_path / "out")
    docs = t["documents"].set_index("path")
    assert docs.loc["A.PDF", "encoding"] == "pdf" and docs.loc["b.docx", "encoding"] == "docx"
    assert docs.loc["c.pdf", "status"] == "error" and "PDF" in docs.loc["c.pdf", "error"]
    m = t["metrics"]
    assert str(m["page"].dtype) == "Int32" and str(t["dates"]["page"].dtype) == "Int32"
    assert m.loc[m["doc_id"] == "A.PDF", "page"].notna().all()
    assert m.loc[m["doc_id"] == "b.docx", "page"].isna().all()


# --- metadata --------------------------------------------------------------------------------
def test_metadata_is_the_fallback_for_title_and_published():
    lines = ["分局共破获刑事案件398起，同比下降8.2%。"]
    pdf = make_pdf([lines], title="卫滨公安2025年成绩单", created="D:20250110120000+08'00'")
    res = extract.extract_file(_saved(pdf, "m.pdf"))
    assert res.document.title == "卫滨公安2025年成绩单"
    assert str(res.document.published)[:10] == "2025-01-10"
    docx = make_docx(lines, title="工作报告", created="2024-12-30T09:00:00Z")
    res = extract.extract_file(_saved(docx, "m.docx"))
    assert res.document.title == "工作报告" and str(res.document.published)[:10] == "2024-12-30"


def test_the_texts_own_title_wins_over_metadata(documents):
    txt, pdf, _ = documents["2025_weibin.txt"]
    lines = txt.read_text(encoding="utf-8").splitlines()
    res = extract.extract_file(_saved(make_pdf(pages_of(lines, 40), title="Microsoft Word - "
                                               "a.docx"), "t.pdf"))
    assert res.document.title == extract.extract_file(txt).document.title


def _saved(data: bytes, name: str) -> Path:
    import tempfile

    p = Path(tempfile.mkdtemp()) / name
    p.write_bytes(data)
    return p


# --- files without text ----------------------------------------------------------------------
def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter()
    for page in PdfReader(io.BytesIO(make_pdf([["破获刑事案件398起。"]]))).pages:
        w.add_page(page)
    w.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _docx_without(member: str) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(make_docx(["破获刑事案件398起。"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            if info.filename != member:
                z.writestr(info, src.read(info))
    return out.getvalue()


BAD = {
    "scan.pdf": (lambda: make_pdf([["x"], ["y"]], text_layer=False), "without a text layer"),
    "locked.pdf": (_encrypted_pdf, "encrypted PDF: it needs a password"),
    "truncated.pdf": (lambda: make_pdf([["破获刑事案件398起。"]])[:300], "PDF"),
    "garbage.pdf": (lambda: b"%PDF-1.7\n" + bytes(range(256)) * 20, "corrupt PDF"),
    "not_a.pdf": (lambda: "破获刑事案件398起。".encode(), "corrupt PDF: no PDF header"),
    "empty.pdf": (lambda: b"", "empty file"),
    "zip.docx": (lambda: b"PK\x03\x04" + bytes(200), "corrupt Word file"),
    "no_body.docx": (lambda: _docx_without("word/document.xml"), "no word/document.xml"),
    "old.docx": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old Word"),
    "bad_xml.docx": (lambda: _docx_with_body(b"<w:document"), "bad XML"),
}


def _docx_with_body(body: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", body)
    return out.getvalue()


def test_files_without_text_are_error_rows_and_the_batch_goes_on(documents, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, (make, _) in BAD.items():
        (folder / name).write_bytes(make())
    shutil.copy(documents["2025_weibin.txt"][1], folder / "good.pdf")
    summary = extract.run(folder, tmp_path / "out", jobs=1)
    assert summary.documents == len(BAD) + 1 and summary.ok == 1
    docs = extract.read(tmp_path / "out")["documents"].set_index("path")
    for name, (_, reason) in BAD.items():
        assert docs.loc[name, "status"] == "error"
        assert reason in docs.loc[name, "error"], (name, docs.loc[name, "error"])
    assert docs.loc["good.pdf", "n_metrics"] > 40


def test_a_text_file_that_is_a_pdf_says_how_to_read_it():
    res = extract.extract_file(_saved(make_pdf([["破获刑事案件398起。"]]), "x.txt"))
    assert res.document.status == "error" and "name it .pdf" in res.document.error


def test_extracted_text_is_bounded():
    from extract.errors import LoadError

    with pytest.raises(LoadError, match="too large"):
        load_bytes(make_docx(["破获刑事案件398起。" * 50]), "docx", max_bytes=100)


def test_names_and_sniffing():
    assert [kind_of(n) for n in ("a.PDF", "b.Docx", "c.txt", "d.doc")] == ["pdf", "docx",
                                                                             None, None]
    assert sniff(make_pdf([["a"]])) == "pdf" and sniff(make_docx(["a"])) == "docx"
    assert sniff("破获".encode()) is None
    assert page_at((0, 10), 9) == 1 and page_at((0, 10), 10) == 2


# --- a PDF printed by a browser ------------------------------------------------------------
@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
def test_a_pdf_printed_by_chromium_gives_the_same_facts(raw_dir, tmp_path):
    """A real printer's PDF (embedded subset fonts, text positioned glyph by glyph, pages cut
    where the layout cuts them) of an article set as a page."""
    import html

    name = "2025_weibin.txt"
    text = (raw_dir / name).read_text(encoding="utf-8")
    paras = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    page = tmp_path / "a.html"
    page.write_text(f'<!doctype html><meta charset="utf-8"><body style="font:14px '
                    f'\'WenQuanYi Micro Hei\',\'Noto Sans CJK SC\',sans-serif">{paras}',
                    encoding="utf-8")
    pdf = tmp_path / "a.pdf"
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-first-run", "--disable-background-networking",
                    f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()],
                   capture_output=True, timeout=120, check=False)
    if not pdf.is_file():
        pytest.skip("chromium printed no PDF")
    res = extract.extract_file(pdf)
    assert res.document.status == "ok", res.document.error
    if not any("\u4e00" <= ch <= "\u9fff" for ch in res.text[:200]):
        pytest.skip("no CJK font installed: the printed PDF holds no Chinese text")
    want = extract.extract_file(raw_dir / name)
    assert facts(res) == facts(want)
    assert max(m.page for m in res.metrics) > 1
    for m in res.metrics:
        assert res.text[m.start:m.end] == m.text


def test_a_text_box_in_a_paragraph_keeps_the_paragraph_whole():
    """A Word text box is a paragraph inside a paragraph (w:txbxContent), written twice: as a
    drawing (mc:Choice) and a VML fallback (mc:Fallback). Its text is one line of its own, once;
    the paragraph around it keeps its text, before and after the box."""

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    box = '<w:txbxContent><w:p><w:r><w:t>图片说明</w:t></w:r></w:p></w:txbxContent>'
    body = (f'<w:document {w} {mc}><w:body><w:p><w:r><w:t>破获刑事案件398起，</w:t></w:r>'
            f'<mc:AlternateContent><mc:Choice Requires="wps"><w:r>{box}</w:r></mc:Choice>'
            f'<mc:Fallback><w:r>{box}</w:r></mc:Fallback></mc:AlternateContent>'
            f'<w:r><w:t>抓获嫌疑人12人。</w:t></w:r></w:p></w:body></w:document>').encode()
    text = load_bytes(_docx_with_body(body), "docx").text
    assert text.count("图片说明") == 1
    assert "破获刑事案件398起，抓获嫌疑人12人。" in text
    metrics = extract.extract_text(text).metrics
    assert [m.text for m in metrics] == ["398起", "12人"]


def test_a_metadata_date_anchors_the_article_s_relative_dates():
    """A Word file created on 2025-01-10 whose text says 去年: the year is 2024, as it would be
    with the date stamped in the text."""
    lines = ["去年，分局共破获刑事案件398起。"]
    res = extract.extract_file(_saved(make_docx(lines, created="2025-01-10T09:00:00Z"), "r.docx"))
    assert str(res.document.published) == "2025-01-10"
    assert [(d.text, d.year) for d in res.dates] == [("去年", 2024)]
    assert [m.period for m in res.metrics] == [2024]
