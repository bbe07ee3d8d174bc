"""Seeing the facts: terminal listings (one article, diffs, panels) and HTML renderings.

Everything here returns strings; nothing prints or touches files. Missing values are shown as
"-" or left out, never as Python's ``None``.
"""

from __future__ import annotations

import html
from types import SimpleNamespace

from .reading import (HEDGE_WORDS, centred, fact_details, headline_word, qualified,
                      reading_view, shown, take, width)

_KIND_COLOURS = {
    "count": "#cfe8ff", "money": "#d4f7d4", "percent": "#ffe7b8", "percent_point": "#ffd9a8",
    "weight": "#ecd9ff", "duration": "#e6e6e6", "other": "#f5f5c8", "date": "#ffd6e0",
}
# What each highlight colour stands for (the legend of the report and the notebook view).
KIND_MEANINGS = {
    "count": "count (起, 人, 名…)", "money": "money (元)", "percent": "percent (%)",
    "percent_point": "percentage points", "weight": "weight (克, 公斤…)",
    "duration": "duration", "other": "other (倍…)", "date": "date",
}


def _pad(s: str, w: int) -> str:
    return s + " " * max(0, w - width(s))


def _one_line(s: str) -> str:
    return " ".join(s.split())


def _dash(v) -> str:
    return shown(v) or "-"


def plural(n: int, word: str) -> str:
    """>>> plural(1, "date"), plural(2, "date")
    ('1 date', '2 dates')"""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def result_summary(res) -> str:
    """One line about a Result: its counts and document facts, without Python's None."""
    d = res.document
    facts = [f"{k.replace('_', ' ')} {shown(getattr(d, k, None))}"
             for k in ("org", "report_year", "published") if shown(getattr(d, k, None))]
    return "; ".join([", ".join([plural(len(res.metrics), "metric"),
                                 plural(len(res.dates), "date"),
                                 plural(len(res.rejects), "reject")])] + facts)


def metric_names(rules=None) -> dict[str, str]:
    """Canonical metric id -> its Chinese name (``name`` of a [[metric]] in metrics.toml, when
    the rules give one; else the id)."""
    if rules is None:
        from .ruleset import default_rules

        rules = default_rules()
    return {m.id: getattr(m, "name", None) or m.id for m in rules.metrics.metrics}


def _document_lines(d) -> list[str]:
    head = f"{d.path}: {d.status}" + (f" ({d.error})" if shown(d.error) else "")
    if shown(getattr(d, "encoding", None)) in ("pdf", "docx"):
        head += f"  [text extracted from the {d.encoding.upper()} file]"
    facts = [f"{k.replace('_', ' ')}: {_dash(getattr(d, k, None))}"
             for k in ("title", "org", "report_year", "published")]
    return [head, "  " + "   ".join(facts)]


def format_result(res, width: int = 100, rules: bool = False, names=None) -> str:
    """A plain-text listing: document facts, then per metric its value, unit, label, canonical
    metric, period, scope (and headline, page when known) and one line of context centred on
    the number, marked [like this]; with ``rules``, the rules that decided it."""
    names = metric_names() if names is None else names
    lines = _document_lines(res.document)
    view = reading_view(res.text) if res.text else None
    if res.metrics:
        lines.append(f"  metrics ({len(res.metrics)}):")
    for m in res.metrics:
        q = HEDGE_WORDS.get(m.qualifier, "").strip()
        ch = " ".join(x for x in (m.basis, m.change) if x)
        head = (f"    {_pad(_one_line(m.text), 14)} {shown(m.value):>14} {_pad(m.unit or '', 4)}"
                + (f" {q}" if q else "") + (f" ({ch})" if ch else ""))
        name = names.get(m.metric, m.metric) if m.metric else None
        metric = "-" if not m.metric else m.metric if name == m.metric else f"{name} ({m.metric})"
        tail = [f"label {_dash(m.label)}", f"metric {metric}", f"period {_dash(m.period)}",
                f"scope {_dash(m.scope)}"]
        hl = headline_word(getattr(m, "headline", None))
        if hl:
            tail.append("headline" if hl == "yes" else f"headline {hl}")
        if shown(getattr(m, "page", None)):
            tail.append(f"page {m.page}")
        if rules:
            tail.append(f"rules {m.rule}; {m.label_rule or '-'}")
        lines.append(head)
        lines.append("      " + " · ".join(tail))
        ctx = centred(view, m.start, m.end, width - 8) if view else _one_line(m.sentence)
        lines.append(f"        {ctx}")
    if res.dates:
        lines.append(f"  dates ({len(res.dates)}):")
    for dt in res.dates:
        parts = [str(x) for x in (dt.year, dt.month, dt.day) if x is not None]
        page = f"  page {dt.page}" if shown(getattr(dt, "page", None)) else ""
        lines.append(f"    {_pad(_one_line(dt.text), 16)} {'-'.join(parts) or '?':<12} "
                     f"{dt.granularity}{page}")
    for r in res.rejects:
        lines.append(f"  rejected: {r.text!r} ({_dash(r.rule)}): {r.reason}")
    return "\n".join(lines)


def format_blocked(res, width: int = 100) -> str:
    """Every number the quantity pattern found that is not a metric, with the id of the rule
    that dropped it (a trap, a date, a filter) and that rule's why: ``extract show --why``."""
    lines = [f"  not emitted ({len(res.blocked)}):" if res.blocked else "  not emitted: none"]
    view = reading_view(res.text) if res.blocked else None
    for b in res.blocked:
        ctx = centred(view, b.start, b.end, max(30, width - 50))
        lines.append(f"    {_pad(_one_line(b.text), 14)} {_pad(b.rule, 26)} {ctx}")
        lines.append(f"        {b.reason}")
    return "\n".join(lines)


def _tooltip(rec, names: dict[str, str]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in fact_details(rec, names))


def highlight_html(text: str, metrics, dates, *, anchor: str | None = None,
                   names: dict[str, str] | None = None) -> str:
    """The article as read (lines joined as the normaliser joins them, see ``reading``) with
    each metric and date wrapped in a <mark> whose tooltip lists its details.

    With ``anchor``, each mark also gets ``id="{anchor}-{start}"`` and ``data-span="start-end"``
    (offsets into the original text) so a table row can point at it (the report links its
    metrics table to the text)."""
    names = metric_names() if names is None else names
    view = reading_view(text)
    spans = [(m.start, m.end, "metric", m) for m in metrics]
    spans += [(d.start, d.end, "date", d) for d in dates]
    spans.sort(key=lambda s: (s[0], -s[1]))
    out, pos = [], 0
    for start, end, what, rec in spans:
        s, e = view.span(start, end)
        if s < pos or s >= e:
            continue  # overlapping spans: keep the first
        out.append(html.escape(view.text[pos:s]))
        kind = rec.kind if what == "metric" else "date"
        cls = f"x-metric x-{kind}" if what == "metric" else "x-date"
        ident = f' id="{anchor}-{start}" data-span="{start}-{end}"' if anchor else ""
        out.append(f'<mark class="{cls}"{ident} style="background:'
                   f'{_KIND_COLOURS.get(kind, "#eee")}" title="{html.escape(_tooltip(rec, names))}">'
                   f'{html.escape(view.text[s:e])}</mark>')
        pos = e
    out.append(html.escape(view.text[pos:]))
    return "".join(out)


def legend_html(kinds=None) -> str:
    """The highlight colours and what they stand for."""
    kinds = kinds or list(KIND_MEANINGS)
    return "".join(f'<span class="x-key"><mark class="x-legend" '
                   f'style="background:{_KIND_COLOURS[k]}">{html.escape(KIND_MEANINGS[k])}'
                   f'</mark></span> ' for k in kinds)


def result_html(res) -> str:
    """Notebook rendering of one Result: its facts, a legend, the highlighted text."""
    d = res.document
    facts = " · ".join(f"{k.replace('_', ' ')}: {html.escape(shown(getattr(d, k, None)))}"
                       for k in ("title", "org", "report_year", "published", "encoding")
                       if shown(getattr(d, k, None)))
    head = (f"<div><b>{html.escape(d.path)}</b> &mdash; {plural(len(res.metrics), 'metric')}, "
            f"{plural(len(res.dates), 'date')}{'; ' + facts if facts else ''}</div>")
    kinds = [k for k in KIND_MEANINGS if k == "date" and res.dates
             or any(m.kind == k for m in res.metrics)]
    legend = f'<div style="font-size:90%;margin:.3em 0">{legend_html(kinds)}</div>'
    body = highlight_html(res.text, res.metrics, res.dates)
    return (f'{head}{legend}<div style="white-space:pre-wrap;line-height:1.7;max-height:40em;'
            f'overflow:auto;border:1px solid #ddd;padding:.5em">{body}</div>')


# --- records from tables ---------------------------------------------------------------------
def _plain(v):
    """pandas missing values as None, so records read like the pipeline's."""
    return None if shown(v) is None else v


def frame_records(df, doc_id: str) -> list:
    """The rows of one document in a table from ``extract.read``, as attribute records."""
    rows = df[df["doc_id"] == doc_id].to_dict("records")
    return [SimpleNamespace(**{k: _plain(v) for k, v in r.items()}) for r in rows]


def document_html(frames: dict, doc_id: str, raw_text: str) -> str:
    """A document of an output folder rendered like ``result_html``; ``raw_text`` is the
    original file text (the output stores offsets, not text)."""
    docs = frame_records(frames["documents"], doc_id)
    if not docs:
        raise KeyError(f"no document {doc_id!r} in these tables")
    res = SimpleNamespace(document=docs[0], metrics=frame_records(frames["metrics"], doc_id),
                          dates=frame_records(frames["dates"], doc_id), text=raw_text)
    wrong = [r for r in res.metrics + res.dates if raw_text[r.start:r.end] != r.text]
    if wrong:  # another version of the file: every highlight would sit on the wrong characters
        raise ValueError(f"{doc_id}: raw_text does not match the output ({wrong[0].text!r} "
                         f"is not at {wrong[0].start})")
    return result_html(res)


# --- tables in the terminal ------------------------------------------------------------------
_ANSI = {"up": "\033[32m", "down": "\033[31m", "not comparable": "\033[33m", "same": "\033[2m",
         "added": "\033[36m", "removed": "\033[35m", "changed": "\033[33m"}
_ARROWS = {"up": "↑", "down": "↓", "same": "=", "not comparable": "≠", "added": "+",
           "removed": "-", "changed": "~"}


def _clip(s: str, columns: int) -> str:
    """Cut a string to a display width (CJK characters count two), marking the cut."""
    if width(s) <= columns:
        return s
    return take(s, columns - 1)[0] + "…"


def text_table(headers: list[str], rows: list[list[str]], align: str,
               styles: list[str | None] | None = None) -> list[str]:
    """Lines of a plain-text table: ``align`` has one 'l' or 'r' per column; widths count CJK
    characters as two; ``styles`` (ANSI codes per row) are applied after padding."""
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        parts = [(" " * (w - width(c)) + c) if a == "r" else _pad(c, w)
                 for c, w, a in zip(cells, widths, align)]
        return "  ".join(parts).rstrip()

    out = [line(headers), "  ".join("-" * w for w in widths)]
    for i, r in enumerate(rows):
        style = styles[i] if styles else None
        out.append(f"{style}{line(r)}\033[0m" if style else line(r))
    return out


def _num(v, signed: bool = False) -> str:
    v = _plain(v)
    if v is None:
        return ""
    return f"{v:+,.10g}" if signed else f"{v:,.10g}"


_qualified = qualified


def _year_cell(df, side: str) -> tuple[str, bool]:
    """Header for one side's value column; the year goes in the header when it is unique."""
    years = {y for y in df[f"year_{side}"].dropna()}
    return (f"{side} {next(iter(years))}", True) if len(years) == 1 else (side, False)


def _diff_row(r: dict, in_head: tuple[bool, bool]) -> list[str]:
    """The cells of one diff row; a year goes next to its value unless it is in the header."""
    status, values = r["status"], []
    for side, year_in_head in zip(("old", "new"), in_head):
        v = _qualified(r[f"value_{side}"], r[f"qualifier_{side}"])
        y = _plain(r[f"year_{side}"])
        values.append(v if year_in_head or not v or y is None else f"{v} ({y})")
    delta, pct = _num(r["delta"], True), _plain(r["pct_change"])
    if status == "not comparable" and delta:
        delta = f"({delta})"
    pct_s = "" if pct is None or status == "not comparable" else f"{pct:+.1f}%"
    return [r["metric"], r["unit"] or ""] + values + [
        delta, pct_s, f"{_ARROWS.get(status, '?')} {status}",
        _one_line(_plain(r["text_old"]) or ""), _one_line(_plain(r["text_new"]) or ""),
        _clip(_one_line(_plain(r["label"]) or ""), 20)]


def _notes(r: dict) -> list[str]:
    return [n for n in (_plain(r["note"]) or "").split("; ") if n]


def format_diff(df, *, colour: bool = False, context: bool = False, all_rows: bool = False,
                width: int = 100) -> str:
    """A ``diff(by="year")`` frame as a readable table: values right-aligned, hedges spelled
    out, arrows for the direction; label-only rows added/removed are counted unless
    ``all_rows``; ``context`` adds each side's sentence and how the headline was chosen.
    A note shared by every row (two organisations) is printed once, above the table."""
    if df.empty:
        return "nothing to compare (no headline values on either side)"
    recs = df.to_dict("records")
    lone = [r for r in recs if not r["canonical"] and r["status"] in ("added", "removed")]
    shown = recs if all_rows else [r for r in recs if not any(r is x for x in lone)]
    common = set.intersection(*(set(_notes(r)) for r in recs))
    show_org = len({r["org"] for r in shown}) > 1
    (h_old, y_old), (h_new, y_new) = _year_cell(df, "old"), _year_cell(df, "new")
    headers = ["metric", "unit"] + (["org"] if show_org else []) + [
        h_old, h_new, "delta", "%", "status", "old text", "new text", "label"]
    align = "ll" + ("l" if show_org else "") + "rrrrllll"
    if not show_org and len({r["org"] for r in recs}) == 1 and "→" not in (recs[0]["org"] or ""):
        common.add(f"org: {recs[0]['org'] or '-'}")
    lines = [f"note: {n}" for n in sorted(common)]
    rows, styles = [], []
    for r in shown:
        cells = _diff_row(r, (y_old, y_new))
        if show_org:
            cells.insert(2, r["org"] or "-")
        rows.append(cells)
        styles.append(_ANSI.get(r["status"]) if colour else None)
    table = text_table(headers, rows, align, styles)
    lines += table[:2]
    for r, row_line in zip(shown, table[2:]):
        lines.append(row_line)
        if context:
            lines += _context_lines(r, width, common)
    counts = {s: sum(1 for r in shown if r["status"] == s) for s in _ARROWS}
    lines.append(f"{plural(len(shown), 'row')} listed: "
                 + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
    if lone and not all_rows:
        lines.append(f"({plural(len(lone), 'label-only row')} added or removed not listed; "
                     "--all lists them)")
    return "\n".join(lines)


def _context_lines(r: dict, width: int, common: set) -> list[str]:
    """Under a diff row: each side's sentence, how the headline was picked, its own notes."""
    out = []
    for side in ("old", "new"):
        sent = _plain(r[f"sentence_{side}"])
        if sent:
            out.append(f"    {side}: {_clip(_one_line(sent), width - 9)}")
    if _plain(r["chosen_by"]):
        out.append(f"    chosen by: {r['chosen_by']}")
    out += [f"    note: {n}" for n in _notes(r) if n not in common]
    return out


def format_run_diff(df, *, colour: bool = False, width: int = 100) -> str:
    """A ``diff(by="run")`` frame: counts per table, then each added, removed or changed row
    with what changed on the line below. The facts of a document that is on one side only are
    counted, not listed: they say nothing about the rules."""
    if df.empty:
        return "no changes: every document, metric and date is the same in both runs"
    lines = []
    recs = df.to_dict("records")
    whole = {(r["path"], r["status"]) for r in recs
             if r["table"] == "documents" and r["status"] in ("added", "removed")}
    listed = [r for r in recs if r["table"] == "documents" or (r["path"], r["status"]) not in whole]
    for table in ("documents", "metrics", "dates"):   # the counts of the rows listed below
        sub = [r["status"] for r in listed if r["table"] == table]
        if sub:
            lines.append(f"{table}: " + ", ".join(f"{sub.count(s)} {s}"
                                                  for s in ("added", "removed", "changed")))
    for path, status in sorted(whole):
        n = {t: sum(1 for r in recs if r["table"] == t and (r["path"], r["status"]) ==
                    (path, status)) for t in ("metrics", "dates")}
        lines.append(f"{path}: document {status} ({plural(n['metrics'], 'metric')} and "
                     f"{plural(n['dates'], 'date')} with it, not listed)")
    rows, styles, details = [], [], []
    for r in listed:
        span = "" if _plain(r["start"]) is None else f"{r['start']}-{r['end']}"
        rows.append([r["table"], str(r["path"]), span, f"{_ARROWS[r['status']]} {r['status']}",
                     _clip(_one_line(_plain(r["text"]) or ""), 24), r["changed"] or ""])
        styles.append(_ANSI.get(r["status"]) if colour else None)
        details.append(_clip(_one_line(r["detail"] or ""), width - 6))
    table = text_table(["table", "path", "span", "status", "text", "changed"], rows, "llrlll",
                       styles)
    lines += table[:2]
    for row_line, detail in zip(table[2:], details):
        lines += [row_line, f"      {detail}"]
    return "\n".join(lines)


def format_panel(df, names: dict[str, str] | None = None) -> str:
    """A ``panel`` frame turned on its side for a terminal: per organisation, one line per
    canonical metric (with its Chinese name when ``names`` has one) and one column per report
    year. Hedges show: a panel cell of 1000余克 reads "over 1,000", not 1,000."""
    if df.empty:
        return "no canonical metrics"
    org_key = "org_id" if "org_id" in df.columns else "org"
    metrics = [c for c in df.columns if c not in ("org", "org_id", "report_year")
               and not c.endswith("_qualifier")]
    names = names or {}
    lines = []
    for key, g in df.groupby(df[org_key].fillna(""), sort=True):
        years = [_plain(y) for y in g["report_year"]]
        org = next((o for o in map(shown, g["org"]) if o), None) or key or "-"
        headers = [org] + [str(y) if y is not None else "?" for y in years]
        rows = [[m if names.get(m, m) == m else f"{names[m]} {m}"]
                + [_qualified(v, q) for v, q in zip(g[m], g[f"{m}_qualifier"])]
                for m in metrics if g[m].notna().any()]
        lines += text_table(headers, rows, "l" + "r" * len(years)) + [""]
    return "\n".join(lines).rstrip()
