"""One document through every stage: normalise, find dates and quantities, attribute, validate.

``extract_document`` is a plain function of (text, rules, tokenizer); it touches no files. Every
record is validated against the original text; a record that fails becomes a Reject with the
reason, never silently dropped.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from dataclasses import dataclass, field
from typing import Callable

from pydantic import ValidationError

from .attribution import attribute
from .dates import find_dates
from .documents import describe, find_report_part
from .headline import Row, TotalMarks, choose, eligible, key_of
from .explain import blocked_numbers
from .formats import Extracted, page_at
from .markup import looks_like_html, mask_html
from .metrics import find_quantities
from .normalize import NormText, normalize
from .records import BlockedNumber, DateMention, Document, Metric, Reject
from .ruleset import RuleSet
from .sentences import sentences
from .tagger import as_tagger
from .traps import Blocked, SpanIndex, trap_spans
from .when import decide_anchor, resolve


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
        from .view import result_summary

        return f"<Result {self.document.doc_id!r}: {result_summary(self)}>"

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


def _metadata_date(source) -> datetime.date | None:
    """The publication date a PDF or Word file's own metadata gives (a fallback), as a date."""
    iso = source.published if source is not None else None
    try:
        return datetime.date.fromisoformat(iso) if iso else None
    except ValueError:
        return None


def _line_break_before(original: str, norm: NormText, i: int) -> bool:
    """Whether the original text holds a line break between clean[i - 1] and clean[i]."""
    if i <= 0 or i >= len(norm.clean):
        return False
    return "\n" in original[norm.raw_span(i - 1, i)[1]:norm.raw_span(i, i + 1)[0]]


def extract_document(text: str, doc_id: str, rules: RuleSet, tokenizer=None, *,
                     path: str | None = None, sha256: str | None = None,
                     encoding: str | None = None, source: Extracted | None = None) -> Result:
    """Extract every fact of one article. ``text`` is the decoded original (for a PDF or Word
    file, the text extracted from it: ``source``, whose pages give each row its page and whose
    metadata is a fallback for the title and publication date)."""
    pages = source.pages if source is not None else ()
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
    doc_facts = describe(norm, found_dates, rules.documents, rules.orgs)
    # a PDF or Word file's own date stands in when the text states none (the anchor too)
    published = doc_facts.published or _metadata_date(source)
    # the second pass: what the publication date left open, against the article's anchor
    anchor = decide_anchor(found_dates, doc_facts.report_year, published)
    found_dates = resolve(found_dates, clean, anchor)
    report_part = find_report_part(found_dates, doc_facts.report_year, rules.documents)
    attributed = attribute(norm, sents, quantities, found_dates, doc_facts.report_year,
                           rules.metrics, rules.quantity.change_before,
                           as_tagger(tokenizer, rules), report_part)
    totals = TotalMarks(clean, rules.documents.total_marks)
    headline = choose([
        # only a row that can stand for the report period needs its key and its sentence looked at
        Row(key_of(a.metric, a.label, q.unit, rules.quantity.standard), a.period,
            a.period_part, a.scope, q.change, totals.before(*sents.at(q.start), q.start))
        if eligible(a.period, a.period_part, a.scope, q.change, doc_facts.report_year,
                    report_part) else None
        for q, a in zip(quantities, attributed)], doc_facts.report_year, report_part)

    metrics: list[Metric] = []
    for q, a, head in zip(quantities, attributed, headline):
        rs, re_ = norm.raw_span(q.start, q.end)
        rec = _validated(Metric, {
            "doc_id": doc_id, "start": rs, "end": re_, "text": text[rs:re_],
            "value": q.value, "unit": q.unit, "qualifier": q.qualifier, "kind": q.kind,
            "change": q.change, "basis": q.basis, "sentence": sents.text_at(q.start),
            "rule": q.rule, "label": a.label, "metric": a.metric, "period": a.period,
            "period_part": a.period_part, "scope": a.scope, "label_rule": a.label_rule,
            "headline": head,
            "page": page_at(pages, rs),
            "value_high": q.value_high, "std_value": q.std_value, "std_unit": q.std_unit,
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
            "detail": d.detail, "rule": d.rule, "page": page_at(pages, rs),
        }, text, rejects)
        if rec is not None:
            date_records.append(rec)

    taken = [(q.start, q.end) for q in quantities] + [(d.start, d.end) for d in found_dates]
    why = functools.partial(blocked_numbers, text, doc_id, norm, rules, dropped,
                            [b for b in blocked if not b.rule.startswith("date.")], taken)
    document = Document(
        doc_id=doc_id, path=path or doc_id,
        sha256=sha256 or hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        n_chars=len(text), encoding=encoding, org=doc_facts.org,
        title=doc_facts.title or (source.title if source is not None else None),
        published=published,
        org_type=doc_facts.org_type, region=doc_facts.region, adcode=doc_facts.adcode,
        org_id=doc_facts.org_id,
        report_year=doc_facts.report_year, period_part=report_part, status="ok",
        n_metrics=len(metrics), n_dates=len(date_records),
    )
    metrics.sort(key=lambda r: (r.start, r.end))
    date_records.sort(key=lambda r: (r.start, r.end))
    return Result(document, metrics, date_records, rejects, text, why)
