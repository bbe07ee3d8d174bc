"""Seeing the facts: a terminal listing and an HTML rendering of one article's extractions."""

from __future__ import annotations

import html
import unicodedata

_KIND_COLOURS = {
    "count": "#cfe8ff", "money": "#d4f7d4", "percent": "#ffe7b8", "percent_point": "#ffd9a8",
    "weight": "#ecd9ff", "duration": "#e6e6e6", "other": "#f5f5c8", "date": "#ffd6e0",
}


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int) -> str:
    return s + " " * max(0, width - _width(s))


def _one_line(s: str) -> str:
    return " ".join(s.split())


def format_result(res, width: int = 100) -> str:
    """A plain-text listing: document facts, then one line per metric with its context."""
    d = res.document
    lines = [f"{d.path}: {d.status}" + (f" ({d.error})" if d.error else ""),
             f"  title: {d.title}  org: {d.org}  report_year: {d.report_year}"
             f"  published: {d.published}"]
    if res.metrics:
        lines.append(f"  metrics ({len(res.metrics)}):")
    for m in res.metrics:
        value = f"{m.value:,.10g}"
        q = "" if m.qualifier == "exact" else f" ({m.qualifier})"
        ch = f" {m.change}{'/' + m.basis if m.basis else ''}" if m.change else ""
        head = f"    {_pad(_one_line(m.text), 14)} {value:>14} {_pad(m.unit or '', 6)}{q}{ch}"
        attr = f"  [{m.metric or '-'}] {m.label or ''}"
        lines.append(head + attr)
        ctx = _one_line(m.sentence)
        if _width(ctx) > width - 8:
            ctx = ctx[: max(10, (width - 8) // 2)] + "…"
        lines.append(f"        {ctx}")
    if res.dates:
        lines.append(f"  dates ({len(res.dates)}):")
    for dt in res.dates:
        parts = [str(x) for x in (dt.year, dt.month, dt.day) if x is not None]
        lines.append(f"    {_pad(_one_line(dt.text), 16)} {'-'.join(parts) or '?':<12} "
                     f"{dt.granularity}")
    for r in res.rejects:
        lines.append(f"  rejected: {r.text!r} ({r.rule}): {r.reason}")
    return "\n".join(lines)


def highlight_html(text: str, metrics, dates) -> str:
    """The article text with each metric and date wrapped in a <mark> carrying a tooltip."""
    spans = [(m.start, m.end, "metric", m) for m in metrics]
    spans += [(d.start, d.end, "date", d) for d in dates]
    spans.sort(key=lambda s: (s[0], -s[1]))
    out, pos = [], 0
    for start, end, what, rec in spans:
        if start < pos:
            continue  # overlapping spans: keep the first
        out.append(html.escape(text[pos:start]))
        if what == "metric":
            colour = _KIND_COLOURS.get(rec.kind, "#eee")
            tip = (f"value={rec.value:,.10g} unit={rec.unit} qualifier={rec.qualifier} "
                   f"kind={rec.kind} change={rec.change} label={rec.label} "
                   f"metric={rec.metric} rule={rec.rule}")
            cls = f"x-metric x-{rec.kind}"
        else:
            colour = _KIND_COLOURS["date"]
            tip = (f"year={rec.year} month={rec.month} day={rec.day} "
                   f"granularity={rec.granularity} rule={rec.rule}")
            cls = "x-date"
        out.append(f'<mark class="{cls}" style="background:{colour}" '
                   f'title="{html.escape(tip)}">{html.escape(text[start:end])}</mark>')
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def result_html(res) -> str:
    """Notebook rendering of one Result: header, highlighted text."""
    d = res.document
    head = (f"<div><b>{html.escape(d.path)}</b> &mdash; {len(res.metrics)} metrics, "
            f"{len(res.dates)} dates; org: {html.escape(str(d.org))}, "
            f"report year: {d.report_year}</div>")
    body = highlight_html(res.text, res.metrics, res.dates)
    return (f'{head}<div style="white-space:pre-wrap;line-height:1.7;max-height:40em;'
            f'overflow:auto;border:1px solid #ddd;padding:.5em">{body}</div>')
