"""Small PDF and Word files made for the tests, from text (no library needed).

``make_pdf`` writes a PDF whose text layer holds the given lines, page by page, with a Type0
font whose glyph ids are the Unicode code points and a ToUnicode map saying so (the font itself
is not embedded: enough for a text layer, as a printer's PDF has). ``make_docx`` writes a Word
file with one paragraph per line.
"""

from __future__ import annotations

import io
import zipfile


def _pdf_string(s: str) -> str:
    return "<" + "".join(f"{ord(ch):04X}" for ch in s) + ">"


def _to_unicode(chars: set[str]) -> bytes:
    codes = sorted(ord(c) for c in chars if ord(c) <= 0xFFFF)
    body = []
    for i in range(0, len(codes), 100):
        chunk = codes[i:i + 100]
        body.append(f"{len(chunk)} beginbfchar")
        body += [f"<{c:04X}> <{c:04X}>" for c in chunk]
        body.append("endbfchar")
    return ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            + "\n".join(body) + "\nendcmap CMapName currentdict /CMap defineresource pop end end"
            ).encode("ascii")


def make_pdf(pages: list[list[str]], *, title: str | None = None,
             created: str | None = None, text_layer: bool = True) -> bytes:
    """A PDF with one page per list of lines (A4, 12 pt, top to bottom). ``created`` is a PDF
    date (D:20250110120000); ``text_layer=False`` draws no text at all (as a scan would)."""
    chars = {ch for page in pages for line in page for ch in line} | {" "}
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")            # filled in below
    pages_id = add(b"")
    cmap = _to_unicode(chars)
    tounicode = add(b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream")
    descendant = add(b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /SimSun "
                     b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                     b"/DW 1000 >>")
    font = add(b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H "
               b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (descendant, tounicode))
    kids = []
    for lines in pages:
        ops = []
        if text_layer:
            y = 800
            for line in lines:
                ops.append(f"BT /F1 12 Tf 40 {y} Td {_pdf_string(line)} Tj ET")
                y -= 18
        else:
            ops.append("0.5 g 40 400 200 200 re f")      # a grey box: a page without text
        content = "\n".join(ops).encode("ascii")
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                        b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                        % (pages_id, font, stream)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
    objects[pages_id - 1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids)
                             + b"] /Count %d >>" % len(kids))
    info_items = []
    if title:
        info_items.append("/Title " + _pdf_string("\ufeff" + title).replace("<", "<FEFF", 1)
                          .replace("FEFFFEFF", "FEFF"))
    if created:
        info_items.append(f"/CreationDate ({created})")
    info = add(("<< " + " ".join(info_items) + " >>").encode("ascii")) if info_items else None
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, catalog)
    if info:
        trailer += b" /Info %d 0 R" % info
    out.write(b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


_DOCX_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
               '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
               'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
               '<Override PartName="/word/document.xml" ContentType="application/vnd.'
               'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
_DOCX_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
              'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def make_docx(lines: list[str], *, title: str | None = None, created: str | None = None) -> bytes:
    """A Word file with one paragraph per line (each split in two runs, as Word does)."""
    paras = []
    for line in lines:
        half = len(line) // 2
        runs = "".join(f'<w:r><w:t xml:space="preserve">{_esc(part)}</w:t></w:r>'
                       for part in (line[:half], line[half:]) if part)
        paras.append(f"<w:p>{runs}</w:p>")
    body = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{_W}">'
            f'<w:body>{"".join(paras)}<w:p><w:r><w:delText>删掉的1000起</w:delText></w:r></w:p>'
            f'</w:body></w:document>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _DOCX_TYPES)
        z.writestr("_rels/.rels", _DOCX_RELS)
        z.writestr("word/document.xml", body)
        if title or created:
            z.writestr("docProps/core.xml", (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties '
                'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                + (f"<dc:title>{_esc(title)}</dc:title>" if title else "")
                + (f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
                   if created else "") + "</cp:coreProperties>"))
    return out.getvalue()
