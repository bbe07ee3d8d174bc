"""Typed records: what every stage produces and every table holds.

Records are frozen pydantic models with ``extra="forbid"``. Offsets are ``[start, end)`` into the
ORIGINAL decoded file text. When a record is validated with ``context={"original": text}`` the
model also checks that ``text == original[start:end]``; records that fail are turned into
:class:`Reject` rows by the pipeline, never dropped silently.
"""

from __future__ import annotations

import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationInfo, model_validator

Qualifier = Literal["exact", "over", "nearly", "about", "under", "range"]
Kind = Literal["count", "money", "percent", "percent_point", "weight", "duration", "other"]
Change = Literal["increase", "decrease"]
Granularity = Literal["year", "half", "quarter", "season", "month", "day", "range"]
Scope = Literal["total", "part"]

QUALIFIERS: tuple[str, ...] = Qualifier.__args__  # type: ignore[attr-defined]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]


class _Span(BaseModel):
    """A span of the original text. Subclasses add what was found there."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    doc_id: str
    start: int
    end: int
    text: str
    rule: str

    @model_validator(mode="after")
    def _check_span(self, info: ValidationInfo) -> "_Span":
        if not 0 <= self.start < self.end:
            raise ValueError(f"bad span [{self.start}, {self.end})")
        original = (info.context or {}).get("original") if info else None
        if original is not None and original[self.start : self.end] != self.text:
            raise ValueError(
                f"text {self.text!r} != original[{self.start}:{self.end}] "
                f"{original[self.start:self.end]!r}"
            )
        return self


class Metric(_Span):
    """One quantity the article reports: value, unit and what it counts."""

    value: float
    unit: str | None
    qualifier: Qualifier = "exact"
    kind: Kind = "count"
    change: Change | None = None
    basis: str | None = None
    metric: str | None = None
    label: str | None = None
    period: int | None = None
    # the part of ``period`` the figure covers; None for a whole year (see when.part_of:
    # H1 H2, Q1-Q4, Q1-Q3, 4月, 1-10月, 3月8日, summer, ...)
    period_part: str | None = None
    scope: Scope = "total"
    sentence: str = ""
    label_rule: str | None = None   # the label rule that built ``label`` (metrics.toml)
    # the one row per document and metric that stands for the report period (headline.py)
    headline: bool = False
    page: int | None = None         # the page of a PDF the quantity is on (1-based)
    value_high: float | None = None  # a range's high end (3至5人: value 3, value_high 5)
    std_value: float | None = None   # the value in ``std_unit``, comparable across articles
    std_unit: str | None = None      # 名 -> 人, 宗 -> 起, weights in 克 (units.toml ``std``)

    @model_validator(mode="after")
    def _check_value(self) -> "Metric":
        for v in (self.value, self.value_high, self.std_value):
            if v is not None and (not v >= 0 or v == float("inf")):
                raise ValueError(f"value must be a finite number >= 0, got {v}")
        if (self.value_high is None) != (self.qualifier != "range"):
            raise ValueError("value_high is given exactly when the qualifier is range")
        if self.value_high is not None and self.value_high < self.value:
            raise ValueError(f"range high end {self.value_high} below its low end {self.value}")
        return self


class DateMention(_Span):
    """A date expression resolved to year/month/day where the article allows."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    granularity: Granularity
    end_year: int | None = None
    end_month: int | None = None
    end_day: int | None = None
    detail: str | None = None  # Q1, H1, summer, start, spring_festival ... (see rules/dates.toml)
    page: int | None = None    # the page of a PDF the date is on (1-based)

    @model_validator(mode="after")
    def _check_fields(self) -> "DateMention":
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month out of range: {self.month}")
        if self.end_month is not None and not 1 <= self.end_month <= 12:
            raise ValueError(f"end_month out of range: {self.end_month}")
        if self.end_day is not None and not 1 <= self.end_day <= 31:
            raise ValueError(f"end_day out of range: {self.end_day}")
        if self.day is not None and not 1 <= self.day <= 31:
            raise ValueError(f"day out of range: {self.day}")
        if self.year is not None and not 1900 <= self.year <= 2100:
            raise ValueError(f"year out of range: {self.year}")
        return self


class BlockedNumber(_Span):
    """A number the quantity pattern found that is not a metric: ``rule`` is the id of the trap,
    date rule or filter that dropped it, ``reason`` that rule's why."""

    reason: str


class Reject(BaseModel):
    """A record that failed validation, kept with the reason."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    doc_id: str
    start: int | None
    end: int | None
    text: str | None
    rule: str | None
    reason: str


class Document(BaseModel):
    """One input file: where it came from, what it is, and whether it was processed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    doc_id: str
    path: str
    sha256: str
    n_chars: int = 0
    encoding: str | None = None
    title: str | None = None
    org: str | None = None
    org_type: str | None = None
    region: str | None = None
    adcode: str | None = None
    org_id: str | None = None
    report_year: int | None = None
    period_part: str | None = None          # the part of the report year the report covers
    published: datetime.date | None = None  # from a page stamp or a dateline with its year
    status: Literal["ok", "error"] = "ok"
    error: str | None = None
    n_metrics: int = 0
    n_dates: int = 0
