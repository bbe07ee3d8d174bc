"""Score an ``extract run`` output folder against a hand-made gold file.

The gold format and the matching rule are defined in the corpus annotation guide
(``corpus/README.md``, "Gold file format"). In short:

* A gold fact names its quantity ``q`` and a longer snippet ``ctx`` that locates it. Articles come
  from newspaper and PDF layouts with spaces and line breaks between characters, so both are
  searched with all whitespace removed and mapped back to offsets in the ORIGINAL decoded file,
  the same offsets the output tables use. A line that cannot be located is reported, not fatal:
  a gold typo must not hide every other number.
* A metric record matches a gold metric fact when its span overlaps the gold span of ``q`` and
  its value is equal. Matching is one-to-one (a maximum matching, so a greedy choice can never
  cost a match), role M facts must be found, role N facts are ignored either way and role X
  facts must not be emitted.
* Attributes (unit, qualifier, kind, change, canonical id, label), dates and document facts are
  scored on the matched pairs only, so a detection miss is never counted twice.

``evaluate`` returns an :class:`EvalReport`; ``format_report`` renders it as text and
``EvalReport.to_dict`` as JSON-ready data. Nothing here prints.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable

import pandas as pd

from .load import LoadError, decode

__all__ = ["EvalError", "EvalReport", "Issue", "Ratio", "evaluate", "format_report", "locate"]

METRIC_ATTRS = ("unit", "qualifier", "kind", "change")
DATE_FIELDS = ("year", "month", "day", "granularity")
VALUE_REL_TOL = 1e-6
CONTEXT_CHARS = 14

_REQUIRED_COLUMNS = {
    "documents": ("doc_id",),
    "metrics": ("doc_id", "start", "end", "value"),
    "dates": ("doc_id", "start", "end"),
}


from .errors import EvalError  # noqa: E402  (re-exported: extract.evaluate.EvalError)
from .gold import ROLES, GoldFact, _strip_ws, load_gold, locate  # noqa: E402  (re-exported)


# --------------------------------------------------------------------------- report types


@dataclass
class Ratio:
    """A score kept as its two counts, so reports show how much evidence stands behind it."""

    num: int = 0
    den: int = 0

    @property
    def value(self) -> float | None:
        """The ratio, or None when nothing was counted (0/0 is "no evidence", not 0 or 1)."""
        return self.num / self.den if self.den else None

    def count(self, ok: bool) -> bool:
        """Add one observation; returns ``ok`` so callers can branch on it."""
        self.den += 1
        self.num += bool(ok)
        return ok

    def to_dict(self) -> dict:
        return {"value": self.value, "num": self.num, "den": self.den}

    def __str__(self) -> str:
        v = self.value
        return f"{'n/a' if v is None else f'{v:.3f}'} ({self.num}/{self.den})"


@dataclass
class Issue:
    """One thing that went wrong, with enough context to find and judge it by eye.

    ``kind`` is one of: miss, false_positive, attribute, date_miss, date_false_positive,
    date_value, document, unlocatable, offset. ``text`` is the gold ``q`` or the record's text.
    """

    kind: str
    doc: str
    text: str
    expected: str = ""
    got: str = ""
    context: str = ""
    field: str | None = None
    line: int | None = None
    start: int | None = None
    end: int | None = None


@dataclass
class EvalReport:
    """All numbers of one evaluation plus the individual errors behind them."""

    gold_path: str
    raw_dir: str
    out_dir: str
    docs: list[str] = field(default_factory=list)
    gold_counts: dict[str, int] = field(default_factory=dict)
    # metric detection
    metric_tp: int = 0
    metric_fp: int = 0
    metric_fn: int = 0
    metrics_emitted: int = 0
    n_ignored: int = 0
    x_emitted: int = 0
    # metric attributes on matched M facts
    attributes: dict[str, Ratio] = field(
        default_factory=lambda: {a: Ratio() for a in (*METRIC_ATTRS, "metric", "label")})
    id_precision: Ratio = field(default_factory=Ratio)
    id_recall: Ratio = field(default_factory=Ratio)
    # dates
    date_recall: Ratio = field(default_factory=Ratio)
    date_precision: Ratio = field(default_factory=Ratio)
    dates_unannotated: int = 0
    date_values: dict[str, Ratio] = field(
        default_factory=lambda: {f: Ratio() for f in (*DATE_FIELDS, "all")})
    # documents
    org: Ratio = field(default_factory=Ratio)
    report_year: Ratio = field(default_factory=Ratio)
    n_rejects: int = 0
    # the errors themselves
    misses: list[Issue] = field(default_factory=list)
    false_positives: list[Issue] = field(default_factory=list)
    wrong_attributes: list[Issue] = field(default_factory=list)
    date_misses: list[Issue] = field(default_factory=list)
    date_false_positives: list[Issue] = field(default_factory=list)
    wrong_dates: list[Issue] = field(default_factory=list)
    document_errors: list[Issue] = field(default_factory=list)
    unlocatable: list[Issue] = field(default_factory=list)
    offset_errors: list[Issue] = field(default_factory=list)

    @property
    def precision(self) -> Ratio:
        return Ratio(self.metric_tp, self.metric_tp + self.metric_fp)

    @property
    def recall(self) -> Ratio:
        return Ratio(self.metric_tp, self.metric_tp + self.metric_fn)

    @property
    def f1(self) -> float | None:
        return _f1(self.precision.value, self.recall.value)

    @property
    def date_f1(self) -> float | None:
        return _f1(self.date_precision.value, self.date_recall.value)

    def issue_lists(self) -> dict[str, list[Issue]]:
        """Every error list by name, in the order a reader should look at them."""
        return {
            "unlocatable": self.unlocatable, "document_errors": self.document_errors,
            "offset_errors": self.offset_errors, "misses": self.misses,
            "false_positives": self.false_positives, "wrong_attributes": self.wrong_attributes,
            "date_misses": self.date_misses, "date_false_positives": self.date_false_positives,
            "wrong_dates": self.wrong_dates,
        }

    def to_dict(self) -> dict:
        """JSON-ready numbers and issues (ratios as value/num/den, so nothing is lost)."""
        return {
            "gold": self.gold_path, "raw": self.raw_dir, "out": self.out_dir,
            "docs": list(self.docs), "gold_counts": dict(self.gold_counts),
            "metrics": {
                "precision": self.precision.to_dict(), "recall": self.recall.to_dict(),
                "f1": self.f1, "tp": self.metric_tp, "fp": self.metric_fp,
                "fn": self.metric_fn, "emitted": self.metrics_emitted,
                "ignored_n": self.n_ignored, "x_emitted": self.x_emitted,
            },
            "attributes": {k: r.to_dict() for k, r in self.attributes.items()},
            "metric_id": {"precision": self.id_precision.to_dict(),
                          "recall": self.id_recall.to_dict()},
            "dates": {"precision": self.date_precision.to_dict(),
                      "unannotated": self.dates_unannotated,
                      "recall": self.date_recall.to_dict(), "f1": self.date_f1,
                      "values": {k: r.to_dict() for k, r in self.date_values.items()}},
            "documents": {"org": self.org.to_dict(), "report_year": self.report_year.to_dict()},
            "rejects": self.n_rejects,
            "issues": {k: [asdict(i) for i in v] for k, v in self.issue_lists().items()},
        }


def _f1(p: float | None, r: float | None) -> float | None:
    """Harmonic mean; None when either side has no evidence, 0 when both are zero."""
    if p is None or r is None:
        return None
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


# --------------------------------------------------------------------------- output tables


@dataclass
class Tables:
    documents: pd.DataFrame
    metrics: pd.DataFrame
    dates: pd.DataFrame
    rejects: pd.DataFrame | None


def load_tables(out_dir: str | Path) -> Tables:
    """Read the output tables (either engine's layout, via tables.read). documents, metrics and
    dates are required (an evaluation without them would silently score zero); rejects are
    only counted."""
    from .tables import read

    try:
        frames = read(out_dir)
    except FileNotFoundError as exc:
        raise EvalError(str(exc)) from None
    for name, required in _REQUIRED_COLUMNS.items():
        frame = frames[name].astype(object).where(frames[name].notna(), None)
        lacking = [c for c in required if c not in frame.columns]
        if lacking:
            raise EvalError(f"{out_dir}: {name} table lacks column(s) {', '.join(lacking)}")
        frames[name] = frame
    return Tables(frames["documents"], frames["metrics"], frames["dates"], frames["rejects"])


def _scalar(v: Any) -> Any:
    """A plain Python value with every flavour of missing (None, NaN, pd.NA) as None, so that
    gold null compares equal to a null read back from Parquet whatever the dtype."""
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        return v
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, str) and not v.strip():
        return None
    return v


def _rows(frame: pd.DataFrame) -> list[dict]:
    """Records as plain dicts, sorted by position so reports read in text order."""
    rows = [{k: _scalar(v) for k, v in r.items()} for r in frame.to_dict("records")]
    for r in rows:
        for k in ("start", "end"):
            if r.get(k) is not None:
                r[k] = int(r[k])
    return sorted(rows, key=lambda r: (r.get("start") or 0, r.get("end") or 0))


def _norm_path(p: str) -> str:
    return str(PurePosixPath(str(p).replace("\\", "/"))).removeprefix("./")


def _doc_rows(documents: pd.DataFrame, names: Iterable[str]) -> dict[str, dict | None]:
    """The documents row for every gold doc name: exact relative path first, else a unique
    basename (outputs may have been run on a parent or child folder of --raw)."""
    rows = [{k: _scalar(v) for k, v in r.items()} for r in documents.to_dict("records")]
    key = "path" if "path" in documents.columns else "doc_id"
    by_path: dict[str, dict] = {}
    by_base: dict[str, list[dict]] = {}
    for r in rows:
        p = _norm_path(r.get(key) or "")
        by_path.setdefault(p, r)
        by_base.setdefault(PurePosixPath(p).name, []).append(r)
    found: dict[str, dict | None] = {}
    for name in names:
        p = _norm_path(name)
        base = by_base.get(PurePosixPath(p).name, [])
        found[name] = by_path.get(p) or (base[0] if len(base) == 1 else None)
    return found


# --------------------------------------------------------------------------- helpers


def _overlaps(a: tuple[int, int], r: dict) -> bool:
    return r["start"] < a[1] and a[0] < r["end"]


def _overlap_len(a: tuple[int, int], r: dict) -> int:
    return min(a[1], r["end"]) - max(a[0], r["start"])


def _same_value(gold: Any, got: Any) -> bool:
    """Values equal up to float noise (1.73亿 parsed as 1.73 * 1e8 is not exactly 173000000)."""
    if gold is None or got is None:
        return False
    try:
        return math.isclose(float(gold), float(got), rel_tol=VALUE_REL_TOL, abs_tol=VALUE_REL_TOL)
    except (TypeError, ValueError):
        return False


def _same(gold: Any, got: Any) -> bool:
    """Attribute equality with null == null and 2021 == 2021.0."""
    gold, got = _scalar(gold), _scalar(got)
    if gold is None or got is None:
        return gold is None and got is None
    return gold == got


def _num(v: Any) -> str:
    """A number as an article would write it: 173000000, not 1.73e+08; 8.2, not 8.200000."""
    v = _scalar(v)
    if v is None:
        return "-"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        f = float(v)
        return str(int(f)) if f.is_integer() else f"{f:.6f}".rstrip("0").rstrip(".")
    return str(v)


def _show(v: Any) -> str:
    v = _scalar(v)
    return "null" if v is None else _num(v)


def _context(text: str | None, start: int | None, end: int | None) -> str:
    """A short whitespace-free snippet with the span in brackets, for reading a report line."""
    if text is None or start is None or end is None:
        return ""
    flat = lambda s: "".join(s.split())  # noqa: E731
    left = flat(text[max(0, start - 4 * CONTEXT_CHARS):start])[-CONTEXT_CHARS:]
    right = flat(text[end:end + 4 * CONTEXT_CHARS])[:CONTEXT_CHARS]
    return f"{left}[{flat(text[start:end])}]{right}"


def _record_desc(r: dict) -> str:
    unit = r.get("unit")
    return f"{_num(r.get('value'))}{'' if unit is None else ' ' + str(unit)} ({r.get('text')!r})"


def _gold_desc(f: GoldFact) -> str:
    d = f.data
    parts = [_num(d.get("value")), d.get("unit"), d.get("qualifier"), d.get("kind"),
             d.get("change")]
    return " ".join(str(p) for p in parts if p is not None)


def _max_matching(candidates: list[list[int]]) -> dict[int, int]:
    """One-to-one assignment gold index -> record index of maximum size (Kuhn's augmenting
    paths). Candidates are tried in the caller's preference order, and gold facts keep a
    partner once they have one, so facts listed first (M before N) are never displaced."""
    owner: dict[int, int] = {}

    def augment(g: int, seen: set[int]) -> bool:
        for r in candidates[g]:
            if r in seen:
                continue
            seen.add(r)
            if r not in owner or augment(owner[r], seen):
                owner[r] = g
                return True
        return False

    for g in range(len(candidates)):
        augment(g, set())
    return {g: r for r, g in owner.items()}


def _candidates(facts: list[GoldFact], records: list[dict],
                accept: Callable[[GoldFact, dict], bool]) -> list[list[int]]:
    """For each fact, the records that may match it, best overlap first."""
    out = []
    for f in facts:
        idx = [i for i, r in enumerate(records) if _overlaps(f.span, r) and accept(f, r)]
        idx.sort(key=lambda i: (-_overlap_len(f.span, records[i]),
                                abs(records[i]["start"] - f.span[0])))
        out.append(idx)
    return out


# --------------------------------------------------------------------------- scoring


@dataclass
class _Doc:
    """Everything known about one gold document while it is being scored."""

    name: str
    text: str | None
    row: dict | None
    facts: list[GoldFact]
    metrics: list[dict]
    dates: list[dict]


def evaluate(gold_path: str | Path, raw_dir: str | Path, out_dir: str | Path) -> EvalReport:
    """Score the output folder ``out_dir`` against ``gold_path`` for the articles in ``raw_dir``.

    Raises EvalError for an unusable gold file or output folder; per-line problems (a ctx
    that is not in the text, a document missing from the output) become report issues.
    """
    gold = load_gold(gold_path)
    tables = load_tables(out_dir)
    report = EvalReport(str(gold_path), str(raw_dir), str(out_dir), docs=gold.doc_names())
    report.gold_counts = _gold_counts(gold.facts)
    rows = _doc_rows(tables.documents, report.docs)
    doc_ids = {r["doc_id"] for r in rows.values() if r is not None}
    for name in report.docs:
        doc = _prepare_doc(report, name, Path(raw_dir), rows[name], gold.facts, tables)
        _check_offsets(report, doc)
        _score_metrics(report, doc)
        _score_dates(report, doc)
    for d in gold.docs:
        _score_document(report, d, rows[d["doc"]])
    report.n_rejects = _count_rejects(tables.rejects, doc_ids)
    return report


def _gold_counts(facts: list[GoldFact]) -> dict[str, int]:
    counts = {f"{t}_{role}": 0 for t in ("metric", "date") for role in ROLES}
    for f in facts:
        counts[f"{f.type}_{f.role}"] += 1
    return counts


def _read_raw(path: Path) -> tuple[str | None, str]:
    """The decoded original (same decoding as the pipeline, so offsets agree), or a reason."""
    try:
        return decode(path.read_bytes())[0], ""
    except OSError as exc:
        return None, f"raw file unreadable: {exc.strerror or exc}"
    except LoadError as exc:
        return None, f"raw file undecodable: {exc}"


def _prepare_doc(report: EvalReport, name: str, raw_dir: Path, row: dict | None,
                 all_facts: list[GoldFact], tables: Tables) -> _Doc:
    """Read the raw text, locate the doc's gold facts and collect its output records.
    Unlocatable facts are reported and left out of scoring (a gold error, not a system one)."""
    text, why = _read_raw(raw_dir / name)
    facts = [f for f in all_facts if f.doc == name]
    stripped = _strip_ws(text) if text is not None else None
    located = []
    for f in facts:
        span, reason = locate(text, f.ctx, f.q, stripped) if text is not None else (None, why)
        if span is None:
            report.unlocatable.append(Issue("unlocatable", name, f.q, expected=f.ctx,
                                            got=reason, line=f.line))
            continue
        f.span = span
        located.append(f)
    if text is None:
        # Without the original no record can be placed: counting them all as false positives
        # would turn a wrong --raw into a precision collapse.
        report.document_errors.append(Issue("document", name, name, expected="a raw file",
                                            got=f"{why}; document not scored"))
        return _Doc(name, None, row, [], [], [])
    if row is None:
        report.document_errors.append(Issue("document", name, name, expected="a documents row",
                                            got="not in documents.parquet"))
        return _Doc(name, text, None, located, [], [])
    if row.get("status") not in (None, "ok"):
        report.document_errors.append(Issue("document", name, name, field="status",
                                            expected="ok", got=f"{row.get('status')}: "
                                            f"{row.get('error') or ''}".rstrip(": ")))
    doc_id = row["doc_id"]
    metrics = _rows(tables.metrics[tables.metrics["doc_id"] == doc_id])
    dates = _rows(tables.dates[tables.dates["doc_id"] == doc_id])
    return _Doc(name, text, row, located, metrics, dates)


def _check_offsets(report: EvalReport, doc: _Doc) -> None:
    """Flag records whose text is not the original at their offsets: scoring trusts offsets,
    so a shifted span would otherwise show up only as an unexplained miss."""
    if doc.text is None:
        return
    for r in (*doc.metrics, *doc.dates):
        s, e, t = r.get("start"), r.get("end"), r.get("text")
        bad = s is None or e is None or not 0 <= s < e <= len(doc.text)
        if bad or (t is not None and doc.text[s:e] != t):
            got = "out of range" if bad else repr(doc.text[s:e])
            report.offset_errors.append(Issue("offset", doc.name, str(t), expected=repr(t),
                                              got=got, start=s, end=e))


def _score_metrics(report: EvalReport, doc: _Doc) -> None:
    """Detection P/R on this doc, then attributes on the matched pairs."""
    facts = [f for f in doc.facts if f.type == "metric"]
    must = [f for f in facts if f.role == "M"]
    recs = [r for r in doc.metrics if r.get("start") is not None and r.get("end") is not None]
    report.metrics_emitted += len(recs)
    pairs = _max_matching(_candidates(
        must, recs, lambda f, r: _same_value(f.data.get("value"), r.get("value"))))
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
            _classify_unmatched(report, doc, r, facts, must, pairs)


def _add_miss(report: EvalReport, doc: _Doc, f: GoldFact, recs: list[dict]) -> None:
    near = [r for r in recs if _overlaps(f.span, r)]
    got = "; ".join(_record_desc(r) for r in near) or "nothing"
    report.misses.append(Issue("miss", doc.name, f.q, expected=_gold_desc(f), got=got,
                               context=_context(doc.text, *f.span), line=f.line,
                               start=f.span[0], end=f.span[1]))


def _classify_unmatched(report: EvalReport, doc: _Doc, r: dict, facts: list[GoldFact],
                        must: list[GoldFact], pairs: dict[int, int]) -> None:
    """An unmatched record is ignored over an N fact, and a false positive otherwise; over an X
    fact it is also an "X emitted" (X wins over N: emitting a trap is the named error)."""
    over = [f for f in facts if _overlaps(f.span, r)]
    xs = [f for f in over if f.role == "X"]
    if not xs and any(f.role == "N" for f in over):
        report.n_ignored += 1
        return
    report.metric_fp += 1
    ms = [f for f in over if f.role == "M"]
    if xs:
        report.x_emitted += 1
        why = f"nothing (X fact {xs[0].q!r})"
    elif ms and any(_same_value(f.data.get("value"), r.get("value")) for f in ms):
        why = f"nothing (duplicate of M fact {ms[0].q!r})"
    elif ms:
        why = f"{_gold_desc(ms[0])} (M fact {ms[0].q!r}: value differs)"
    else:
        why = "nothing (no gold fact here)"
    report.false_positives.append(Issue(
        "false_positive", doc.name, str(r.get("text")), expected=why, got=_record_desc(r),
        context=_context(doc.text, r["start"], r["end"]), line=xs[0].line if xs else None,
        start=r["start"], end=r["end"]))


def _score_attributes(report: EvalReport, doc: _Doc, f: GoldFact, r: dict) -> None:
    """unit/qualifier/kind/change exact (null == null), canonical id unless gold says "*",
    label containing the gold obj, and id precision/recall over non-null ids."""
    checks: list[tuple[str, Any, Any, bool]] = []
    for a in METRIC_ATTRS:
        checks.append((a, f.data.get(a), r.get(a), _same(f.data.get(a), r.get(a))))
    if "metric" in f.data and f.data["metric"] != "*":
        gold_id, got_id = _scalar(f.data["metric"]), r.get("metric")
        checks.append(("metric", gold_id, got_id, _same(gold_id, got_id)))
        if got_id is not None:
            report.id_precision.count(got_id == gold_id)
        if gold_id is not None:
            report.id_recall.count(got_id == gold_id)
    obj = _scalar(f.data.get("obj"))
    if obj is not None:
        label = r.get("label")
        ok = label is not None and "".join(str(obj).split()) in "".join(str(label).split())
        checks.append(("label", f"contains {obj}", label, ok))
    for name, want, got, ok in checks:
        if not report.attributes[name].count(ok):
            report.wrong_attributes.append(Issue(
                "attribute", doc.name, f.q, field=name, expected=_show(want), got=_show(got),
                context=_context(doc.text, r["start"], r["end"]), line=f.line,
                start=r["start"], end=r["end"]))


def _score_dates(report: EvalReport, doc: _Doc) -> None:
    """Date records match gold dates by overlap alone, one-to-one, M facts first. Recall is
    over M; values are scored on the matched M dates.

    The gold does not list every date mention (the dev gold annotates 12 of ~40 plain "2021年"
    mentions), so precision is measured where the gold can judge: a record matched to a gold
    date (M or N) is right; a record overlapping a gold metric quantity (a count like 2127人, a
    duration like 10年来, an operation name like 净网-2024) is wrong; any other record is
    counted as unannotated and reported, not scored."""
    gold = [f for f in doc.facts if f.type == "date" and f.role == "M"]
    gold += [f for f in doc.facts if f.type == "date" and f.role == "N"]
    recs = [r for r in doc.dates if r.get("start") is not None and r.get("end") is not None]
    pairs = _max_matching(_candidates(gold, recs, lambda f, r: True))
    for gi, f in enumerate(gold):
        if f.role != "M":
            continue
        if report.date_recall.count(gi in pairs):
            _score_date_values(report, doc, f, recs[pairs[gi]])
        else:
            near = [r for r in recs if _overlaps(f.span, r)]
            report.date_misses.append(Issue(
                "date_miss", doc.name, f.q, expected=_date_desc(f.data),
                got="; ".join(f"{_date_desc(r)} ({r.get('text')!r})" for r in near) or "nothing",
                context=_context(doc.text, *f.span), line=f.line,
                start=f.span[0], end=f.span[1]))
    matched = set(pairs.values())
    quantities = [f for f in doc.facts if f.type == "metric" and f.span is not None]
    for ri, r in enumerate(recs):
        if ri not in matched and not any(_overlaps(f.span, r) for f in quantities):
            report.dates_unannotated += 1
            continue
        if not report.date_precision.count(ri in matched):
            report.date_false_positives.append(Issue(
                "date_false_positive", doc.name, str(r.get("text")), expected="nothing",
                got=_date_desc(r), context=_context(doc.text, r["start"], r["end"]),
                start=r["start"], end=r["end"]))


def _date_desc(d: dict) -> str:
    ymd = "-".join(_show(d.get(k)) for k in ("year", "month", "day"))
    return f"{ymd} {_show(d.get('granularity'))}"


def _score_date_values(report: EvalReport, doc: _Doc, f: GoldFact, r: dict) -> None:
    wrong = [k for k in DATE_FIELDS if not report.date_values[k].count(_same(f.data.get(k),
                                                                             r.get(k)))]
    report.date_values["all"].count(not wrong)
    if wrong:
        report.wrong_dates.append(Issue(
            "date_value", doc.name, f.q, field=",".join(wrong), expected=_date_desc(f.data),
            got=_date_desc(r), context=_context(doc.text, r["start"], r["end"]), line=f.line,
            start=r["start"], end=r["end"]))


def _score_document(report: EvalReport, d: dict, row: dict | None) -> None:
    """org must contain org_contains; report_year must be equal. A missing row fails both."""
    row = row or {}
    want_org = _scalar(d.get("org_contains"))
    if want_org is not None:
        org = row.get("org")
        ok = org is not None and "".join(str(want_org).split()) in "".join(str(org).split())
        if not report.org.count(ok):
            report.document_errors.append(Issue("document", d["doc"], d["doc"], field="org",
                                                expected=f"contains {want_org}", got=_show(org)))
    if "report_year" in d:
        if not report.report_year.count(_same(d["report_year"], row.get("report_year"))):
            report.document_errors.append(Issue(
                "document", d["doc"], d["doc"], field="report_year",
                expected=_show(d["report_year"]), got=_show(row.get("report_year"))))


def _count_rejects(rejects: pd.DataFrame | None, doc_ids: set) -> int:
    if rejects is None or "doc_id" not in rejects.columns:
        return 0
    return int(rejects["doc_id"].isin(doc_ids).sum())


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
