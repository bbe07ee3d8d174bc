"""Count one document's matches, misses and attribute agreements into an :class:`EvalReport`.

The rules are the corpus annotation guide's (``corpus/README.md``, "Gold file format"):

* A metric row matches a gold metric fact when its span overlaps the fact's span and its value
  is equal, one to one (``eval_match.match``). Role M facts must be found, role N facts are
  ignored either way and role X facts must not be emitted.
* Attributes (unit, qualifier, kind, change, canonical id, label), dates and document facts are
  scored on the matched pairs only, so a detection miss is never counted twice.

Each function adds to the report it is given; the issues it records carry their text already
(``eval_format``'s descriptions), so the report renders without the articles.
"""

from __future__ import annotations

from typing import Any

from .eval_format import context, date_desc, gold_desc, record_desc, show
from .eval_match import match, overlaps, same_value
from .eval_records import DATE_FIELDS, METRIC_ATTRS, EvalDoc, EvalReport, Issue, Row, plain
from .gold import ROLES, GoldFact


def gold_counts(facts: list[GoldFact]) -> dict[str, int]:
    """How many gold facts of each type and role, e.g. ``metric_M``."""
    counts = {f"{t}_{role}": 0 for t in ("metric", "date") for role in ROLES}
    for f in facts:
        counts[f"{f.type}_{f.role}"] += 1
    return counts


def score_doc(report: EvalReport, doc: EvalDoc) -> None:
    """Offsets, metrics and dates of one document (its documents row is scored apart, by
    :func:`score_document`, since the gold may name a document without any fact)."""
    _check_offsets(report, doc)
    _score_metrics(report, doc)
    _score_dates(report, doc)


def _same(gold: Any, got: Any) -> bool:
    """Attribute equality with null == null and 2021 == 2021.0."""
    gold, got = plain(gold), plain(got)
    if gold is None or got is None:
        return gold is None and got is None
    return gold == got


def _contains(whole: Any, part: Any) -> bool:
    """``part`` inside ``whole`` ignoring whitespace; a missing ``whole`` contains nothing."""
    return whole is not None and "".join(str(part).split()) in "".join(str(whole).split())


def _check_offsets(report: EvalReport, doc: EvalDoc) -> None:
    """Flag rows whose text is not the original at their offsets: scoring trusts offsets,
    so a shifted span would otherwise show up only as an unexplained miss."""
    if doc.text is None:
        return
    for r in (*doc.metrics, *doc.dates):
        s, e, t = r.start, r.end, r.text
        bad = s is None or e is None or not 0 <= s < e <= len(doc.text)
        if bad or (t is not None and doc.text[s:e] != t):
            got = "out of range" if bad else repr(doc.text[s:e])
            report.offset_errors.append(Issue("offset", doc.name, str(t), expected=repr(t),
                                              got=got, start=s, end=e))


def _placed(rows: list[Row]) -> list[Row]:
    """The rows that have a span (only those can match a fact)."""
    return [r for r in rows if r.start is not None and r.end is not None]


# --------------------------------------------------------------------------- metrics


def _score_metrics(report: EvalReport, doc: EvalDoc) -> None:
    """Detection P/R on this doc, then attributes on the matched pairs."""
    facts = [f for f in doc.facts if f.type == "metric"]
    must = [f for f in facts if f.role == "M"]
    recs = _placed(doc.metrics)
    report.metrics_emitted += len(recs)
    pairs = match(must, recs, lambda f, r: same_value(f.data.get("value"), r.get("value")))
    for gi, ri in pairs.items():
        report.metric_tp += 1
        _score_attributes(report, doc, must[gi], recs[ri])
    for gi, f in enumerate(must):
        if gi not in pairs:
            report.metric_fn += 1
            _add_miss(report, doc, f, recs)
    matched = set(pairs.values())
    for ri, r in enumerate(recs):
        if ri not in matched:
            _classify_unmatched(report, doc, r, facts)


def _add_miss(report: EvalReport, doc: EvalDoc, f: GoldFact, recs: list[Row]) -> None:
    near = [r for r in recs if overlaps(f.span, r)]
    got = "; ".join(record_desc(r) for r in near) or "nothing"
    report.misses.append(Issue("miss", doc.name, f.q, expected=gold_desc(f), got=got,
                               context=context(doc.text, *f.span), line=f.line,
                               start=f.span[0], end=f.span[1]))


def _classify_unmatched(report: EvalReport, doc: EvalDoc, r: Row, facts: list[GoldFact]) -> None:
    """An unmatched row is ignored over an N fact, and a false positive otherwise; over an X
    fact it is also an "X emitted" (X wins over N: emitting a trap is the named error)."""
    over = [f for f in facts if overlaps(f.span, r)]
    xs = [f for f in over if f.role == "X"]
    if not xs and any(f.role == "N" for f in over):
        report.n_ignored += 1
        return
    report.metric_fp += 1
    ms = [f for f in over if f.role == "M"]
    if xs:
        report.x_emitted += 1
        why = f"nothing (X fact {xs[0].q!r})"
    elif ms and any(same_value(f.data.get("value"), r.get("value")) for f in ms):
        why = f"nothing (duplicate of M fact {ms[0].q!r})"
    elif ms:
        why = f"{gold_desc(ms[0])} (M fact {ms[0].q!r}: value differs)"
    else:
        why = "nothing (no gold fact here)"
    report.false_positives.append(Issue(
        "false_positive", doc.name, str(r.text), expected=why, got=record_desc(r),
        context=context(doc.text, r.start, r.end), line=xs[0].line if xs else None,
        start=r.start, end=r.end))


def _score_attributes(report: EvalReport, doc: EvalDoc, f: GoldFact, r: Row) -> None:
    """unit/qualifier/kind/change exact (null == null), canonical id unless gold says "*",
    label containing the gold obj, and id precision/recall over non-null ids."""
    checks: list[tuple[str, Any, Any, bool]] = []
    for a in METRIC_ATTRS:
        checks.append((a, f.data.get(a), r.get(a), _same(f.data.get(a), r.get(a))))
    if "metric" in f.data and f.data["metric"] != "*":
        gold_id, got_id = plain(f.data["metric"]), r.get("metric")
        checks.append(("metric", gold_id, got_id, _same(gold_id, got_id)))
        if got_id is not None:
            report.id_precision.count(got_id == gold_id)
        if gold_id is not None:
            report.id_recall.count(got_id == gold_id)
    obj = plain(f.data.get("obj"))
    if obj is not None:
        label = r.get("label")
        checks.append(("label", f"contains {obj}", label, _contains(label, obj)))
    for name, want, got, ok in checks:
        if not report.attributes[name].count(ok):
            report.wrong_attributes.append(Issue(
                "attribute", doc.name, f.q, field=name, expected=show(want), got=show(got),
                context=context(doc.text, r.start, r.end), line=f.line,
                start=r.start, end=r.end))


# --------------------------------------------------------------------------- dates


def _score_dates(report: EvalReport, doc: EvalDoc) -> None:
    """Date rows match gold dates by overlap alone, one-to-one, M facts first. Recall is
    over M; values are scored on the matched M dates.

    The gold does not list every date mention (the dev gold annotates 12 of ~40 plain "2021年"
    mentions), so precision is measured where the gold can judge: a row matched to a gold
    date (M or N) is right; a row overlapping a gold metric quantity (a count like 2127人, a
    duration like 10年来, an operation name like 净网-2024) is wrong; any other row is
    counted as unannotated and reported, not scored."""
    gold = [f for f in doc.facts if f.type == "date" and f.role == "M"]
    gold += [f for f in doc.facts if f.type == "date" and f.role == "N"]
    recs = _placed(doc.dates)
    pairs = match(gold, recs, lambda f, r: True)
    for gi, f in enumerate(gold):
        if f.role != "M":
            continue
        if report.date_recall.count(gi in pairs):
            _score_date_values(report, doc, f, recs[pairs[gi]])
        else:
            near = [r for r in recs if overlaps(f.span, r)]
            report.date_misses.append(Issue(
                "date_miss", doc.name, f.q, expected=date_desc(f.data),
                got="; ".join(f"{date_desc(r)} ({r.text!r})" for r in near) or "nothing",
                context=context(doc.text, *f.span), line=f.line,
                start=f.span[0], end=f.span[1]))
    matched = set(pairs.values())
    quantities = [f for f in doc.facts if f.type == "metric" and f.span is not None]
    for ri, r in enumerate(recs):
        if ri not in matched and not any(overlaps(f.span, r) for f in quantities):
            report.dates_unannotated += 1
            continue
        if not report.date_precision.count(ri in matched):
            report.date_false_positives.append(Issue(
                "date_false_positive", doc.name, str(r.text), expected="nothing",
                got=date_desc(r), context=context(doc.text, r.start, r.end),
                start=r.start, end=r.end))


def _score_date_values(report: EvalReport, doc: EvalDoc, f: GoldFact, r: Row) -> None:
    wrong = [k for k in DATE_FIELDS if not report.date_values[k].count(_same(f.data.get(k),
                                                                             r.get(k)))]
    report.date_values["all"].count(not wrong)
    if wrong:
        report.wrong_dates.append(Issue(
            "date_value", doc.name, f.q, field=",".join(wrong), expected=date_desc(f.data),
            got=date_desc(r), context=context(doc.text, r.start, r.end), line=f.line,
            start=r.start, end=r.end))


# --------------------------------------------------------------------------- documents


def score_document(report: EvalReport, d: dict, row: dict | None) -> None:
    """The gold doc line ``d`` against its documents row: org must contain org_contains,
    report_year must be equal. A missing row fails both."""
    row = row or {}
    want_org = plain(d.get("org_contains"))
    if want_org is not None:
        org = row.get("org")
        if not report.org.count(_contains(org, want_org)):
            report.document_errors.append(Issue("document", d["doc"], d["doc"], field="org",
                                                expected=f"contains {want_org}", got=show(org)))
    if "report_year" in d:
        if not report.report_year.count(_same(d["report_year"], row.get("report_year"))):
            report.document_errors.append(Issue(
                "document", d["doc"], d["doc"], field="report_year",
                expected=show(d["report_year"]), got=show(row.get("report_year"))))
