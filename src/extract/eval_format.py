"""How an evaluation reads as text: values, rows and gold facts as a report line shows them, the
``--verbose`` issue lists and the headline numbers. Nothing here prints.
"""

from __future__ import annotations

from typing import Any

from .eval_records import EvalReport, Issue, Row, plain
from .gold import GoldFact

CONTEXT_CHARS = 14


# --------------------------------------------------------------------------- values and records


def num(v: Any) -> str:
    """A number as an article would write it: 173000000, not 1.73e+08; 8.2, not 8.200000."""
    v = plain(v)
    if v is None:
        return "-"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        f = float(v)
        return str(int(f)) if f.is_integer() else f"{f:.6f}".rstrip("0").rstrip(".")
    return str(v)


def show(v: Any) -> str:
    """A value with a missing one written as null (the gold file's word for it)."""
    v = plain(v)
    return "null" if v is None else num(v)


def context(text: str | None, start: int | None, end: int | None) -> str:
    """A short whitespace-free snippet with the span in brackets, for reading a report line."""
    if text is None or start is None or end is None:
        return ""
    flat = lambda s: "".join(s.split())  # noqa: E731
    left = flat(text[max(0, start - 4 * CONTEXT_CHARS):start])[-CONTEXT_CHARS:]
    right = flat(text[end:end + 4 * CONTEXT_CHARS])[:CONTEXT_CHARS]
    return f"{left}[{flat(text[start:end])}]{right}"


def record_desc(r: Row) -> str:
    """A metric row: value, unit and its source text."""
    unit = r.get("unit")
    return f"{num(r.get('value'))}{'' if unit is None else ' ' + str(unit)} ({r.text!r})"


def gold_desc(f: GoldFact) -> str:
    """A gold metric fact: value, unit, qualifier, kind, change (those given)."""
    d = f.data
    parts = [num(d.get("value")), d.get("unit"), d.get("qualifier"), d.get("kind"),
             d.get("change")]
    return " ".join(str(p) for p in parts if p is not None)


def date_desc(d: Row | dict) -> str:
    """A date row or gold date as year-month-day granularity, null for a missing part."""
    ymd = "-".join(show(d.get(k)) for k in ("year", "month", "day"))
    return f"{ymd} {show(d.get('granularity'))}"


# --------------------------------------------------------------------------- text report


def format_report(report: EvalReport, verbose: bool = False) -> str:
    """Plain text: with ``verbose`` one line per issue first; the headline numbers always
    come last, so ``| tail -15`` shows them."""
    lines: list[str] = []
    if verbose:
        for name, issues in report.issue_lists().items():
            if issues:
                lines.append(f"-- {name.replace('_', ' ')} ({len(issues)})")
                lines.extend(_issue_line(i) for i in issues)
        lines.append("")
    lines.extend(_summary_lines(report))
    return "\n".join(lines)


def _issue_line(i: Issue) -> str:
    what = f"{i.field}: " if i.field else ""
    where = f"  gold:{i.line}" if i.line is not None else ""
    ctx = f"  | {i.context}" if i.context else ""
    return (f"  {i.kind:<19} {i.doc}  {i.text}  {what}expected {i.expected}  got {i.got}"
            f"{where}{ctx}")


def _summary_lines(r: EvalReport) -> list[str]:
    c = r.gold_counts
    f1 = "n/a" if r.f1 is None else f"{r.f1:.3f}"
    a = r.attributes
    dv = r.date_values
    return [
        f"gold         {r.gold_path}: {len(r.docs)} docs; metrics {c.get('metric_M', 0)} M / "
        f"{c.get('metric_N', 0)} N / {c.get('metric_X', 0)} X; dates {c.get('date_M', 0)} M / "
        f"{c.get('date_N', 0)} N; unlocatable {len(r.unlocatable)}",
        f"output       {r.out_dir}: {r.metrics_emitted} metrics, "
        f"{r.date_precision.den + r.dates_unannotated} dates, {r.n_rejects} rejects in gold docs; "
        f"offset errors {len(r.offset_errors)}; doc errors {len(r.document_errors)}",
        f"metrics      P {r.precision!s:<18} R {r.recall!s:<18} F1 {f1}",
        f"             X emitted {r.x_emitted}   N overlaps ignored {r.n_ignored}   "
        f"misses {r.metric_fn}   false positives {r.metric_fp}",
        f"unit         {a['unit']}",
        f"qualifier    {a['qualifier']}",
        f"kind         {a['kind']}",
        f"change       {a['change']}",
        f"metric id    acc {a['metric']!s:<16} P {r.id_precision!s:<16} R {r.id_recall}",
        f"label        {a['label']}",
        f"dates        P {r.date_precision!s:<18} R {r.date_recall!s:<18} "
        f"values all {dv['all']}",
        f"             unannotated dates (not scored) {r.dates_unannotated}",
        f"date fields  year {dv['year']}  month {dv['month']}  day {dv['day']}  "
        f"granularity {dv['granularity']}",
        f"org          {r.org}",
        f"report_year  {r.report_year}",
    ]
