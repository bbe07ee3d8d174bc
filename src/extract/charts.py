"""Small inline SVG charts of a panel: one chart per canonical metric, its headline value per
report year, one line per organisation, with a value axis. Strings only; no files, no network.
"""

from __future__ import annotations

import html
import math

from .reading import shown

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf")
_HEDGE_MARK = {"over": "{}+", "nearly": "<{}", "under": "<{}", "about": "~{}"}


def short_number(v: float) -> str:
    """Compact figures for chart labels, in the units Chinese reports use (万, 亿).

    >>> short_number(1335), short_number(65000), short_number(173000000)
    ('1,335', '6.5万', '1.73亿')
    """
    for scale, word in ((1e8, "亿"), (1e4, "万"), (1, "")):
        if v >= scale or scale == 1:
            x = v / scale
            return f"{float(f'{x:.3g}') if x < 1000 else round(x):,.10g}{word}"
    return ""  # pragma: no cover


def ticks(vmax: float) -> list[float]:
    """Round values from 0 to at least ``vmax`` for a value axis: 3 to 6 of them.

    >>> ticks(1335), ticks(7), ticks(0)
    ([0, 500, 1000, 1500], [0, 2, 4, 6, 8], [0, 1])
    """
    if vmax <= 0:
        return [0, 1]
    raw = vmax / 4
    base = 10 ** math.floor(math.log10(raw))
    step = next(m * base for m in (1, 2, 2.5, 5, 10) if m * base >= raw)
    step = int(step) if step == int(step) else step
    n = math.ceil(vmax / step - 1e-9)
    return [step * i for i in range(n + 1)]


def chart_svg(title: str, subtitle: str, series: list[tuple[str, str, list[tuple]]],
              years: list[int]) -> str:
    """One chart. ``series``: (organisation's name, colour, [(year, value, qualifier)]).
    Hedged values keep their hedge on the label (1000余 is "1,000+", 近1亿 "<1亿")."""
    w, h, left, right, top, bottom = 300, 190, 46, 18, 50, 24
    inset = 22                  # the first and last years stand clear of the value axis
    top_tick = ticks(max(v for _, _, pts in series for _, v, _ in pts))
    vmax = top_tick[-1] or 1
    span = max(1, years[-1] - years[0])

    def x(year: int) -> float:
        frac = (year - years[0]) / span if len(years) > 1 else 0.5
        return left + inset + (w - left - right - 2 * inset) * frac

    def y(v: float) -> float:
        return top + (h - top - bottom) * (1 - v / vmax)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
             f'viewBox="0 0 {w} {h}" role="img" aria-label="{html.escape(title)}">',
             f'<text x="4" y="15" class="ct">{html.escape(title)}</text>',
             f'<text x="4" y="29" class="cs">{html.escape(subtitle)}</text>']
    for t in top_tick:        # the value axis: gridlines with their values
        parts.append(f'<line x1="{left}" y1="{y(t):.1f}" x2="{w - right}" y2="{y(t):.1f}" '
                     f'class="{"ax" if t == 0 else "grid"}"/><text x="{left - 4}" '
                     f'y="{y(t) + 3.5:.1f}" class="yl">{short_number(t)}</text>')
    parts.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{y(0):.1f}" class="ax"/>')
    parts += [f'<text x="{x(yr):.1f}" y="{h - 7}" class="xl">{yr}</text>' for yr in years]
    for org, colour, pts in series:
        if len(pts) > 1:
            line = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b, _ in pts)
            parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" '
                         f'stroke-width="2"/>')
        for a, b, q in pts:
            label = _HEDGE_MARK.get(q, "{}").format(short_number(b))
            parts.append(f'<circle cx="{x(a):.1f}" cy="{y(b):.1f}" r="4" fill="{colour}">'
                         f'<title>{html.escape(org)} {a}: {b:,.10g} ({q or "exact"})</title>'
                         f'</circle><text x="{x(a):.1f}" y="{y(b) - 8:.1f}" class="vl" '
                         f'fill="{colour}">{html.escape(label)}</text>')
    return "".join(parts) + "</svg>"


def panel_charts(p, names: dict[str, str], units: dict[str, str]) -> str:
    """Small multiples of a ``compare.panel`` frame (with its ``<metric>_qualifier`` columns):
    one chart per metric titled by its Chinese name, one series per organisation (by
    ``org_id`` when the frame has it, else by ``org``) across the report years, and one legend
    of the organisations' colours."""
    p = p[p["report_year"].notna()]
    org_key = "org_id" if "org_id" in p.columns else "org"
    fixed = {"org", "org_id", "report_year"}
    metrics = [c for c in p.columns if c not in fixed and not c.endswith("_qualifier")]
    if p.empty or not metrics:
        return "<p>No canonical metrics with a report year.</p>"
    years = sorted({int(v) for v in p["report_year"]})
    orgs: dict[str, str] = {}
    for key, name in zip(p[org_key], p["org"]):
        orgs.setdefault(shown(key) or "", shown(name) or shown(key) or "organisation unknown")
    colours = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(sorted(orgs))}
    charts = []
    for m in metrics:
        series = []
        for key in sorted(orgs):
            g = p[(p[org_key].fillna("") == key) & p[m].notna()]
            pts = sorted((int(yr), float(v), shown(q)) for yr, v, q in
                         zip(g["report_year"], g[m], g[f"{m}_qualifier"]))
            if pts:
                series.append((orgs[key], colours[key], pts))
        if series:
            name = names.get(m, m)
            sub = " · ".join(x for x in (m if name != m else "", units.get(m, "")) if x)
            charts.append(f'<div class="chart">{chart_svg(name, sub, series, years)}</div>')
    legend = "".join(f'<span><i style="background:{colours[k]}"></i>{html.escape(orgs[k])}'
                     f'</span>' for k in sorted(orgs))
    return f'<div class="legend">{legend}</div><div class="charts">{"".join(charts)}</div>'
