"""One document through every stage: normalise, find dates and quantities, attribute, validate.

``extract_document`` is a plain function of (text, rules, tokenizer); it touches no files. Every
record is validated against the original text; a record that fails becomes a Reject with the
reason, never silently dropped.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from typing import Callable

from pydantic import ValidationError

from .attribution import attribute
from .dates import find_dates
from .documents import describe
from .explain import blocked_numbers
from .markup import looks_like_html, mask_html
from .metrics import find_quantities
from .normalize import NormText, normalize
from .records import BlockedNumber, DateMention, Document, Metric, Reject
from .ruleset import RuleSet
from .sentences import sentences
from .tagger import as_tagger
from .traps import Blocked, SpanIndex, trap_spans


@dataclass
class Result:
    """What one article yields: its document row, metrics, dates and rejects."""

    document: Document
    metrics: list[Metric] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    text: str = ""
    # builds ``blocked`` when it is first asked for (never in a batch run)
    _why: Callable[[], list[BlockedNumber]] | None = field(default=None, repr=False)

    @functools.cached_property
    def blocked(self) -> list[BlockedNumber]:
        """Every number of the article that was not emitted, with the id of the rule that
        blocked it (a trap, a date, a filter, no unit) and that rule's why: what ``extract show
        --why`` lists."""
        return self._why() if self._why is not None else []

    def to_frames(self):
        """pandas DataFrames keyed by table name: documents, metrics, dates, rejects."""
        from .tables import frames_from_results

        return frames_from_results([self])

    def __repr__(self) -> str:
        d = self.document
        return (f"<Result {d.doc_id!r}: {len(self.metrics)} metrics, {len(self.dates)} dates, "
                f"{len(self.rejects)} rejects; org={d.org!r} report_year={d.report_year}>")

    def _repr_html_(self) -> str:
        from .view import result_html

        return result_html(self)


def _error(reason: str, exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(e["msg"] for e in exc.errors())
    return f"{reason}: {exc}"


def _validated(model, data: dict, original: str, rejects: list[Reject]):
    try:
        return model.model_validate(data, context={"original": original})
    except (ValidationError, ValueError) as exc:
        rejects.append(Reject(
            doc_id=data.get("doc_id", ""), start=data.get("start"), end=data.get("end"),
            text=data.get("text"), rule=data.get("rule"), reason=_error("invalid", exc),
        ))
        return None


def _line_break_before(original: str, norm: NormText, i: int) -> bool:
    """Whether the original text holds a line break between clean[i - 1] and clean[i]."""
    if i <= 0 or i >= len(norm.clean):
        return False
    return "\n" in original[norm.raw_span(i - 1, i)[1]:norm.raw_span(i, i + 1)[0]]


def extract_document(text: str, doc_id: str, rules: RuleSet, tokenizer=None, *,
                     path: str | None = None, sha256: str | None = None,
                     encoding: str | None = None) -> Result:
    """Extract every fact of one article. ``text`` is the decoded original."""
    analysed = mask_html(text) if looks_like_html(text) else text
    norm: NormText = normalize(analysed, rules.fold)
    clean = norm.clean
    sents = sentences(clean)
    rejects: list[Reject] = []

    found_dates = find_dates(clean, rules.dates)
    blocked = trap_spans(clean, rules.traps)
    blocked += [Blocked(d.start, d.end, d.rule) for d in found_dates]
    quantities, dropped = find_quantities(clean, rules.quantity, SpanIndex(blocked),
                                          functools.partial(_line_break_before, analysed, norm))
    doc_facts = describe(norm, found_dates, rules.documents)
    attributed = attribute(norm, sents, quantities, found_dates, doc_facts.report_year,
                           rules.metrics, rules.quantity.change_before,
                           as_tagger(tokenizer, rules))

    metrics: list[Metric] = []
    for q, a in zip(quantities, attributed):
        rs, re_ = norm.raw_span(q.start, q.end)
        rec = _validated(Metric, {
            "doc_id": doc_id, "start": rs, "end": re_, "text": text[rs:re_],
            "value": q.value, "unit": q.unit, "qualifier": q.qualifier, "kind": q.kind,
            "change": q.change, "basis": q.basis, "sentence": sents.text_at(q.start),
            "rule": q.rule, "label": a.label, "metric": a.metric, "period": a.period,
            "scope": a.scope, "label_rule": a.label_rule, "value_high": q.value_high,
            "std_value": q.std_value, "std_unit": q.std_unit,
        }, text, rejects)
        if rec is not None:
            metrics.append(rec)

    date_records: list[DateMention] = []
    for d in found_dates:
        rs, re_ = norm.raw_span(d.start, d.end)
        rec = _validated(DateMention, {
            "doc_id": doc_id, "start": rs, "end": re_, "text": text[rs:re_],
            "year": d.year, "month": d.month, "day": d.day, "granularity": d.granularity,
            "end_year": d.end_year, "end_month": d.end_month, "end_day": d.end_day,
            "detail": d.detail, "rule": d.rule,
        }, text, rejects)
        if rec is not None:
            date_records.append(rec)

    taken = [(q.start, q.end) for q in quantities] + [(d.start, d.end) for d in found_dates]
    why = functools.partial(blocked_numbers, text, doc_id, norm, rules, dropped,
                            [b for b in blocked if not b.rule.startswith("date.")], taken)
    document = Document(
        doc_id=doc_id, path=path or doc_id,
        sha256=sha256 or hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        n_chars=len(text), encoding=encoding, title=doc_facts.title, org=doc_facts.org,
        report_year=doc_facts.report_year, published=doc_facts.published, status="ok",
        n_metrics=len(metrics), n_dates=len(date_records),
    )
    metrics.sort(key=lambda r: (r.start, r.end))
    date_records.sort(key=lambda r: (r.start, r.end))
    return Result(document, metrics, date_records, rejects, text, why)
