"""The typed records of an evaluation: output rows as read back, one document under scoring,
the scores (kept as counts) and the report that holds them with the errors behind them.

Nothing here reads files or renders text; ``EvalReport.to_dict`` is the report's JSON-ready data
(the ``--json`` output), ``eval_format.format_report`` its text form.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from .gold import GoldFact

METRIC_ATTRS = ("unit", "qualifier", "kind", "change")
DATE_FIELDS = ("year", "month", "day", "granularity")


def plain(v: Any) -> Any:
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


@dataclass(frozen=True)
class Row:
    """One metrics or dates row as plain values; ``start``/``end`` are its offsets into the
    original text (None if the table had none), ``cells`` every column by name."""

    start: int | None
    end: int | None
    text: str | None
    cells: dict[str, Any]

    @classmethod
    def of(cls, record: dict[str, Any]) -> Row:
        cells = {k: plain(v) for k, v in record.items()}
        start, end = cells.get("start"), cells.get("end")
        return cls(None if start is None else int(start), None if end is None else int(end),
                   cells.get("text"), cells)

    def get(self, column: str) -> Any:
        return self.cells.get(column)


@dataclass
class EvalDoc:
    """Everything known about one gold document while it is being scored: its original text
    (None if unreadable), its documents row, its located gold facts and its output rows."""

    name: str
    text: str | None
    row: dict[str, Any] | None
    facts: list[GoldFact]
    metrics: list[Row]
    dates: list[Row]


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
