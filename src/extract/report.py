"""One self-contained HTML page for an output folder, and documents re-joined with their text.

The output stores offsets, not text: ``documents.path`` is relative to the input folder recorded
in the Parquet metadata (key "input"), so the original is read from there (or from ``raw_dir``)
and accepted only when its sha256 still matches the run. The page needs no network: CSS, the
small script and the charts (SVG) are inline.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .charts import panel_charts
from .compare import diff_years, frames_of, headlines, panel
from .load import LoadError, load_file
from .reading import fact_details, headline_word
from .records import DateMention, Document, Metric
from .tables import read_metadata
from .view import (_num, _plain, _qualified, frame_records, highlight_html, legend_html,
                   metric_names)

_ARROW = {"up": "↑", "down": "↓", "same": "=", "not comparable": "≠", "added": "+",
          "removed": "−"}


def raw_text(out_dir, doc: dict, raw_dir=None) -> tuple[str | None, str]:
    """(text, where) of one document's original file, or (None, why not). Tries ``raw_dir``,
    then the input folder of the run.

    An output folder may come from anyone, so what it names is not trusted: the file is read
    only inside a raw folder (``doc["path"]`` resolved with its links and "..", and refused
    when it leaves the folder or is absolute), only when it is a regular file, and only when
    the output holds its sha256 and the file still matches it (the stored offsets would
    otherwise point at the wrong characters). Without a sha256 nothing is read."""
    if not doc.get("sha256"):
        return None, f"{doc['path']}: the output holds no sha256 for it, so it is not read"
    bases = [Path(raw_dir)] if raw_dir else []
    folder = isinstance(out_dir, (str, Path))
    recorded = read_metadata(out_dir).get("input") if folder else None
    if recorded:  # as given to `extract run`: relative to where it ran, so try nearby too
        rec = Path(recorded)
        bases.append(rec)
        if not rec.is_absolute():
            bases += [a / rec for a in Path(out_dir).resolve().parents[:3]]
    tried = []
    for base in dict.fromkeys(bases):
        if base.is_file() and base.name != doc["path"]:
            continue                                # a run over one file: that file only
        path, refused = _inside(base, doc["path"])
        if refused:
            tried.append(refused)
            continue
        try:
            loaded = load_file(path)
        except LoadError as exc:
            tried.append(f"{path}: {exc}")
            continue
        if loaded.sha256 != doc["sha256"]:
            tried.append(f"{path}: changed since the run (sha256 differs)")
            continue
        return loaded.text, str(path)
    return None, "; ".join(tried) or "no raw folder known (pass --raw DIR)"


def _inside(base: Path, name: str) -> tuple[Path, str | None]:
    """The file ``name`` of the raw folder ``base`` (or ``base`` itself when the run was over
    one file), resolved; or a reason to refuse it."""
    if base.is_file():
        return base.resolve(), None
    shown = base / name
    if Path(name).is_absolute():
        return shown, f"{name}: an absolute path, not a file of the raw folder {base} (not read)"
    root = base.resolve()
    path = shown.resolve()
    if not path.is_relative_to(root):
        return shown, f"{shown}: leaves the raw folder {base} (not read)"
    if path.exists() and not path.is_file():
        return shown, f"{shown}: not a regular file (not read)"
    return path, None


def show_document(out_dir, doc_id: str, raw_dir=None):
    """A document of an output folder as a pipeline ``Result``: renders highlighted in a
    notebook, and every record is re-validated against the original text."""
    from .pipeline import Result

    frames = frames_of(out_dir)
    rows = frames["documents"][frames["documents"]["doc_id"] == doc_id].to_dict("records")
    if not rows:
        raise KeyError(f"{out_dir}: no document {doc_id!r}")
    doc = {k: _plain(v) for k, v in rows[0].items()}
    text, where = raw_text(out_dir, doc, raw_dir)
    if text is None:
        raise FileNotFoundError(f"{doc['path']}: original text not found ({where})")
    return Result(_model(Document, doc, text), _records(frames, "metrics", Metric, doc_id, text),
                  _records(frames, "dates", DateMention, doc_id, text), [], text)


def _model(model, row: dict, text: str):
    """A record validated against the original text (columns the model lacks are ignored)."""
    data = {k: v for k, v in row.items() if k in model.model_fields}
    return model.model_validate(data, context={"original": text})


def _records(frames: dict, table: str, model, doc_id: str, text: str) -> list:
    return [_model(model, vars(r), text) for r in frame_records(frames[table], doc_id)]


@dataclass
class Report:
    """The page and what it could and could not show."""

    html: str
    documents: int = 0
    highlighted: int = 0
    missing: list[tuple[str, str]] = field(default_factory=list)


def _esc(v) -> str:
    v = _plain(v)
    return "" if v is None else html.escape(str(v))


def _cell(v, numeric: bool = False) -> str:
    v = _plain(v)
    if numeric and isinstance(v, float):
        return f'<td class="n">{v:,.10g}</td>'
    return f'<td class="n">{_esc(v)}</td>' if numeric else f"<td>{_esc(v)}</td>"


def _table(headers: list[str], rows: list[str], cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    return (f'<table class="{cls}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _doc_list(docs: list[dict], shown: dict) -> str:
    """The document list at the top, each linking to its section."""
    rows = []
    for i, d in enumerate(docs, 1):
        state = "✓" if shown.get(d["doc_id"]) else "text not found"
        rows.append(f'<tr><td class="n">{i}</td><td><a href="#doc-{i}">{_esc(d["path"])}</a></td>'
                    f'{_cell(d["title"])}{_cell(d["org"])}{_cell(d["report_year"], True)}'
                    f'{_cell(d["status"])}{_cell(d["n_metrics"], True)}'
                    f'{_cell(d["n_dates"], True)}<td>{state}</td></tr>')
    return _table(["#", "file", "title", "org", "report year", "status", "metrics", "dates",
                   "highlighted"], rows, "docs")


def _metrics_table(metrics: list, anchor: str, names: dict[str, str]) -> str:
    """A document's metrics, label and value first; clicking a row scrolls to and flashes its
    mark in the text. The filter box above the articles searches these rows."""
    pages = any(_plain(getattr(m, "page", None)) is not None for m in metrics)
    heads = any(_plain(getattr(m, "headline", None)) is not None for m in metrics)
    rows = []
    for m in metrics:
        name = names.get(m.metric, m.metric) if m.metric else None
        metric = _esc(name) + (f' <span class="id">{_esc(m.metric)}</span>'
                               if m.metric and name != m.metric else "")
        change = " ".join(x for x in (_plain(m.basis), _plain(m.change)) if x)
        rows.append(f'<tr data-target="{anchor}-{m.start}">{_cell(m.label)}'
                    f'<td class="n">{_esc(_qualified(m.value, m.qualifier))}</td>'
                    f'{_cell(m.unit)}<td>{metric}</td>{_cell(m.period, True)}{_cell(m.scope)}'
                    + (_cell(headline_word(getattr(m, "headline", None))) if heads else "")
                    + f'{_cell(change)}{_cell(m.kind)}'
                    + (_cell(getattr(m, "page", None), True) if pages else "")
                    + f'{_cell(" ".join((m.text or "").split()))}'
                    f'<td class="rule">{_esc(m.rule)}</td></tr>')
    return _table(["label", "value", "unit", "metric", "period", "scope"]
                  + (["headline"] if heads else []) + ["change", "kind"]
                  + (["page"] if pages else []) + ["text", "rule"], rows, "metrics")


def _doc_section(i: int, d: dict, by_doc: dict, text: str | None, where: str,
                 names: dict[str, str]) -> str:
    """One article: header, highlighted text (or why it is missing), its metrics, its dates."""
    metrics, dates = (by_doc[t].get(d["doc_id"], []) for t in ("metrics", "dates"))
    anchor = f"d{i}"
    meta = " · ".join(f"{k}: {_esc(d[k])}" for k in ("path", "org", "report_year", "published",
                                                      "encoding", "status") if _plain(d[k]))
    if text is not None:
        body = (f'<div class="text">{highlight_html(text, metrics, dates, anchor=anchor, names=names)}'
                '</div>')
    else:
        body = f'<p class="missing">Original text not shown: {html.escape(where)}</p>'
    return (f'<section class="doc" id="doc-{i}"><h2>{i}. {_esc(d["title"] or d["path"])}</h2>'
            f'<p class="meta">{meta}</p>{body}<h3>Metrics ({len(metrics)})'
            f'<span class="shown"></span></h3>{_metrics_table(metrics, anchor, names)}'
            f'<details><summary>Dates ({len(dates)})</summary>'
            f'<ul class="dates">{"".join(_date_item(x) for x in dates)}</ul></details></section>')


def _date_item(x) -> str:
    """One date as a line: its text, then its details (no empty fields)."""
    details = " · ".join(f"{k} {html.escape(v)}" for k, v in fact_details(x))
    return f"<li><b>{_esc(x.text)}</b> {details}</li>"


def _charts(frames: dict, names: dict[str, str]) -> str:
    """Small multiples of the year-by-metric panel (see ``charts``), with the unit of each."""
    units = {}
    for k, u in zip(*(headlines(frames)[c] for c in ("key", "unit"))):
        units.setdefault(k, _plain(u) or "")
    return panel_charts(panel(frames), names, units)


def _diff_table(d: pd.DataFrame) -> str:
    """The headline comparison with another output: every canonical metric, and label-only
    rows only where a value moved (the rest are counted). A note shared by all rows is shown
    once; the others stay on their row."""
    keep = d["canonical"] | ~d["status"].isin(["added", "removed", "same"])
    notes = [set(str(n).split("; ")) - {""} for n in d["note"].fillna("")]
    common = set.intersection(*notes) if notes else set()
    multi_org = d["org"].nunique() > 1
    rows = []
    for r, own in zip(d[keep].to_dict("records"), [n for n, k in zip(notes, keep) if k]):
        st, delta = r["status"], _esc(_num(r["delta"], True))
        delta = f"({delta})" if st == "not comparable" and delta else delta
        rows.append(f'<tr class="s-{st.replace(" ", "-")}">'
                    + (_cell(r["org"]) if multi_org else "") + f'{_cell(r["metric"])}'
                    f'{_cell(r["unit"])}'
                    f'<td class="n">{_esc(_qualified(r["value_old"], r["qualifier_old"]))}</td>'
                    f'<td class="n">{_esc(_qualified(r["value_new"], r["qualifier_new"]))}</td>'
                    f'<td class="n">{delta}</td><td>{_ARROW.get(st, "")} {html.escape(st)}</td>'
                    f'{_cell(r["text_old"])}{_cell(r["text_new"])}'
                    f'{_cell("; ".join([r["chosen_by"] or ""] + sorted(own - common)))}</tr>')
    head = "".join(f"<p class='note'>{html.escape(n)}</p>" for n in sorted(common))
    hidden = int((~keep).sum())
    tail = (f"<p class='note'>{hidden} label-only rows not shown (same on both sides, or on "
            "one side only): <code>extract diff</code> lists them.</p>" if hidden else "")
    return head + _table((["org"] if multi_org else []) + [
        "metric", "unit", "old", "new", "delta", "status", "old text", "new text",
        "chosen by / note"], rows, "diff") + tail


def _combined(a: dict, b: dict) -> dict:
    """Two outputs as one set of frames (doc ids prefixed so they cannot collide)."""
    out = {}
    for name in ("documents", "metrics", "dates"):
        parts = [f.assign(doc_id="a:" + f["doc_id"]) for f in (a[name],)]
        parts.append(b[name].assign(doc_id="b:" + b[name]["doc_id"]))
        out[name] = pd.concat(parts, ignore_index=True)
    return out


def build_report(out_dir, raw_dir=None, against=None, title: str | None = None) -> Report:
    """The whole page for ``out_dir``; ``against`` (another output) adds a headline
    comparison (against = old, out_dir = new) and puts both on the charts."""
    frames = frames_of(out_dir)
    docs = [{k: _plain(v) for k, v in r.items()} for r in frames["documents"].to_dict("records")]
    report = Report(html="", documents=len(docs))
    names = metric_names()
    sections, shown = [], {}
    by_doc = {t: {k: frame_records(g, k) for k, g in frames[t].groupby("doc_id", sort=False)}
              for t in ("metrics", "dates")}  # split once: filtering per document is quadratic
    for i, d in enumerate(docs, 1):
        text, where = raw_text(out_dir, d, raw_dir) if d["status"] == "ok" else (None, "error")
        shown[d["doc_id"]] = text is not None
        if text is None:
            report.missing.append((d["path"], where))
        else:
            report.highlighted += int(d["n_metrics"] or 0)
        sections.append(_doc_section(i, d, by_doc, text, where, names))
    extra = ""
    chart_frames = frames
    if against is not None:
        old = frames_of(against)
        extra = (f'<h2 id="diff">Compared with {_esc(str(against))}</h2>'
                 f'{_diff_table(diff_years(old, frames))}')
        chart_frames = _combined(old, frames)
    meta = read_metadata(out_dir) if isinstance(out_dir, (str, Path)) else {}
    heading = title or f"extract report: {out_dir}"
    report.html = _page(heading, meta, docs, shown, extra, _charts(chart_frames, names),
                        sections)
    return report


def _page(heading, meta, docs, shown, extra, charts, sections) -> str:
    info = " · ".join(f"{k}: {html.escape(str(v))}" for k, v in sorted(meta.items()))
    return (f'<!doctype html><html lang="zh"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{html.escape(heading)}</title><style>{_CSS}</style></head><body>'
            f'<header><h1>{html.escape(heading)}</h1><p>{info}</p></header><main>'
            f'<h2>Documents ({len(docs)})</h2>{_doc_list(docs, shown)}'
            f'<h2>Headline values by report year</h2><p class="hint">Headline: per article and '
            f'canonical metric, the first figure of the report period that is a total (not a '
            f'part, 其中), not a change and not a comparison base (the metrics table\'s '
            f'<code>headline</code> column); + marks "over" (余, 逾), &lt; "nearly" or "under", '
            f'~ "about". Hover a point for the exact value.</p>{charts}{extra}'
            f'<h2>Articles</h2><p class="legend kinds">Highlights: {legend_html()}</p>'
            f'<p class="hint">The text reads as the extractor reads it (the layout\'s broken '
            f'lines joined). Hover a highlight for its value, label, metric and rule; click a '
            f'table row to find it in the text.</p>'
            f'<p class="filter"><label>Filter the metrics tables: <input id="filter" '
            f'type="search" placeholder="label, value, metric, unit, text …" size="40"></label> '
            f'<span id="filter-count"></span></p>'
            f'{"".join(sections)}</main><script>{_JS}</script></body></html>')


_CSS = """
body{font:14px/1.5 system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei","PingFang SC",
"Microsoft YaHei",sans-serif;margin:0;color:#222;background:#f6f7f9}
header{background:#1f3b57;color:#fff;padding:10px 24px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;font-size:12px;opacity:.85}main{padding:4px 24px 40px;max-width:1180px}
h2{font-size:17px;margin:22px 0 8px;border-bottom:2px solid #1f3b57}h3{font-size:15px}
table{border-collapse:collapse;font-size:12.5px;background:#fff;margin:4px 0}
td,th{border-bottom:1px solid #e2e2e2;padding:2px 7px;text-align:left;vertical-align:top}
th{background:#eef1f5}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.diff td{white-space:nowrap}table.diff td:last-child{white-space:normal}
.text{white-space:pre-wrap;line-height:1.9;max-height:30em;overflow:auto;background:#fff;
border:1px solid #ccd;padding:8px 12px}mark{border-radius:3px;padding:0 1px;color:inherit}
mark.x-metric{box-shadow:inset 0 -2px 0 rgba(0,0,0,.25)}mark.flash{outline:3px solid #e33}
tr[data-target]{cursor:pointer}tr[data-target]:hover{background:#eef3ff}
.charts{display:flex;flex-wrap:wrap;gap:10px}.chart{background:#fff;border:1px solid #dde}
.chart .ct{font-size:12px;font-weight:600}.chart .xl{font-size:10px;text-anchor:middle}
.chart .yl{font-size:10px;text-anchor:end;fill:#666}.chart .vl{font-size:10px;text-anchor:middle}
.chart .ax{stroke:#999}.legend span{margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.hint,.meta,.note{font-size:12px;color:#555}.missing{color:#a00}
tr.s-up td{background:#eaf7ea}tr.s-down td{background:#fbeaea}
tr.s-not-comparable td{background:#fff6dd}
.chart .cs{font-size:10px;fill:#666}.chart .grid{stroke:#e4e4e4}
table.metrics td:first-child{font-weight:600}table.metrics td.rule,span.id{color:#888;
font-size:11px}.filter input{font-size:13px;padding:2px 6px}h3 .shown{font-weight:normal;
font-size:12px;color:#555;margin-left:8px}.kinds mark{margin-right:4px}
ul.dates{font-size:12.5px;margin:4px 0;padding-left:20px}
"""

_JS = """
function filterMetrics(q) {
  q = q.trim().toLowerCase();
  var total = 0, hits = 0;
  document.querySelectorAll('table.metrics').forEach(function (t) {
    var n = 0, rows = t.querySelectorAll('tbody tr');
    rows.forEach(function (tr) {
      var hit = !q || tr.textContent.toLowerCase().indexOf(q) >= 0;
      tr.hidden = !hit;
      if (hit) n++;
    });
    total += rows.length; hits += n;
    var h = t.previousElementSibling, s = h && h.querySelector('.shown');
    if (s) s.textContent = q ? n + ' shown' : '';
  });
  document.getElementById('filter-count').textContent =
    q ? hits + ' of ' + total + ' metrics match' : '';
}
var box = document.getElementById('filter');
box.addEventListener('input', function () { filterMetrics(box.value); });
if (location.hash.indexOf('#filter=') === 0) {   // a link can carry a filter: page.html#filter=人
  box.value = decodeURIComponent(location.hash.slice(8));
  filterMetrics(box.value);
}
document.addEventListener('click', function (e) {
  var tr = e.target.closest('tr[data-target]');
  var m = tr && document.getElementById(tr.getAttribute('data-target'));
  if (!m) return;
  m.scrollIntoView({block: 'center'});
  m.classList.add('flash');
  setTimeout(function () { m.classList.remove('flash'); }, 1500);
});
"""
