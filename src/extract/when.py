"""When: the article's anchor, the dates it resolves, and the part of a year a date covers.

The second pass over an article's dates (dates.py is the first). dates.find_dates resolves
relative and yearless dates against the article's own publication date only; the report year is
decided afterwards from those dates (documents.find_report_year). This module then resolves what
is still open against the article's *anchor*, so nothing is circular:

* ``now``, the year the article was written in: the publication date's year; else the report
  year, unless the article shows it was written later (a retrospective): it states a later year
  than its report year (2022年，分局将… in a review of 2021: the writing year is then unknown), or
  it calls its report period 去年 and never 今年 (去年，常州市警方… under 2024年工作盘点: written in
  2025). 今年/去年/前年 count from ``now``.
* a date written without any year word: a span or part of a year (前三季度, 下半年, 1至9月) is in
  the report year; a month or day (11月21日) takes the year of a month or day with a year earlier
  on its line (2023年11月20日…11月21日), else the report year when the article was written in
  it (in a retrospective a day may be the day of writing: it stays null).

A date is never given a year the article does not support: without a publication date and a
report year everything relative stays null. Dates already resolved are not changed.

:func:`part_of` names the part of a year a date covers (the ``period_part`` vocabulary):

==============  =================================================================
None            a whole year (2025年, 2025年度, 年初/年底, multi-year spans)
H1 H2           上半年, 下半年
Q1 .. Q4        a quarter (第一季度)
Q1-Q3           a span of quarters (前三季度, 二至三季度)
4月             one month (2025年4月, 4月份)
1-10月          a span of months within one year (1至10月, 前10个月)
3月8日          one day; 3月8日-10日 / 3月8日-4月2日 a span of days within one year
5月起 3月8日起  from a month or day on (5月以来, 从5月开始, 自3月8日起)
spring ..       a season (spring, summer, autumn, winter)
2023-10/2024-03 a span that crosses a year boundary (ISO 8601 interval of its months)
==============  =================================================================
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from .dates import DateFound

_SENTENCE_END = frozenset("。！？!?；;\n")
_LINE_REACH = 200   # how far back (characters, same line) a yearless day looks for a year


@dataclass(frozen=True)
class Anchor:
    """What an article's relative and partial dates are resolved against."""

    report_year: int | None
    now: int | None                     # the year the article was written in, if known
    published: datetime.date | None = None


def decide_anchor(found: list[DateFound], report_year: int | None,
                  published: datetime.date | None) -> Anchor:
    """The anchor of an article from its first-pass dates, report year and publication date
    (else the day the report was delivered: ——2024年1月27日在…会议上)."""
    if published is not None:
        return Anchor(report_year, published.year, published)
    delivered = next((d.year for d in found if d.mark == "delivered" and d.year), None)
    if delivered is not None:
        return Anchor(report_year, delivered)
    if report_year is None:
        return Anchor(None, None)
    periods = [d for d in found if not d.base]
    if any(d.year is not None and d.relative is None and d.year > report_year for d in periods):
        return Anchor(report_year, None)          # written after the report year: by how much?
    rels = {d.relative for d in periods if d.relative is not None and not d.same_period}
    if -1 in rels and 0 not in rels:
        return Anchor(report_year, report_year + 1)   # 去年 is the report year
    return Anchor(report_year, report_year)


def _with_year(d: DateFound, year: int) -> DateFound:
    """``d`` placed in ``year``; a span's end follows (into the next year if it wraps)."""
    end_year = d.end_year
    if d.granularity == "range" and d.end_month is not None and d.end_year is None:
        end_year = year + 1 if d.month is not None and d.end_month < d.month else year
    return replace(d, year=year, end_year=end_year)


def _line_year(d: DateFound, before: list[DateFound], clean: str) -> int | None:
    """The year of the nearest earlier date on the same line that states one, if ``d`` cannot
    fall before it in that year (12月 after 2023年11月20日 is still 2023; 3月 after it is not)."""
    for prev in reversed(before):
        if d.start - prev.end > _LINE_REACH or "\n" in clean[prev.end:d.start]:
            return None
        if prev.year is None or prev.base or prev.month is None:
            continue                   # only a month or day dates its neighbours (not 2021年度)
        if prev.month is not None and d.month is not None and d.month < prev.month:
            return None
        return prev.end_year if prev.end_year is not None else prev.year
    return None


def _part_of_year(d: DateFound) -> bool:
    """A half, quarter or span of months: a part of the year under discussion."""
    if d.granularity in ("half", "quarter", "season"):
        return True
    return d.granularity == "range" and d.month is not None and d.day is None and d.end_day is None


def _sentence_year(d: DateFound, before: list[DateFound], clean: str,
                   anchor: Anchor) -> int | None:
    """The year the figures of ``d``'s sentence are in: the nearest earlier date of the sentence
    with a year that is not a comparison's base, else the report year."""
    for prev in reversed(before):
        if any(ch in _SENTENCE_END for ch in clean[prev.end:d.start]):
            break
        if prev.year is not None and not prev.base:
            return prev.end_year if prev.end_year is not None else prev.year
    return anchor.report_year


def _base_year(d: DateFound, before: list[DateFound], clean: str, anchor: Anchor) -> int | None:
    """The year of a relative comparison base (较上年, 比去年同期, 比前年的700起). Counted from the
    year of writing it must still fall before the year it is compared with, the year of its
    sentence: in a review of 2021 delivered in 2022, 较上年 is 2020, not 2021. Without a year of
    writing, 上年/去年 is the year before the sentence's."""
    if anchor.report_year is None and anchor.now is None:
        return None                    # nothing is resolved without an anchor
    period = _sentence_year(d, before, clean, anchor)
    year = anchor.now + d.relative if anchor.now is not None else None
    if period is not None and d.relative == -1 and (year is None or year >= period):
        return period - 1
    return year


def _resolved(d: DateFound, before: list[DateFound], clean: str, anchor: Anchor) -> DateFound:
    """One date with what the anchor adds (unchanged when it already has its year)."""
    if d.base and d.relative is not None:     # resolved again: the first pass did not know
        year = _base_year(d, before, clean, anchor)       # the year it is compared with
        return _with_year(d, year) if year is not None else d
    if d.year is not None:
        return d
    if d.relative is not None:
        return _with_year(d, anchor.now + d.relative) if anchor.now is not None else d
    if _part_of_year(d):
        year = anchor.report_year if anchor.report_year is not None else anchor.now
        return _with_year(d, year) if year is not None else d
    if d.detail == "anaphoric" and d.month is not None:   # 当日 follows the date it copied
        prev = before[-1] if before else None
        if prev is not None and prev.month == d.month and prev.year is not None:
            return replace(d, year=prev.year)
        return d
    if d.month is None or d.detail == "anaphoric":
        return d                       # 当日 with nothing to copy, 昨日 without a publication day
    year = _line_year(d, before, clean)
    if year is None and anchor.now is not None and anchor.now == anchor.report_year:
        year = anchor.now
    return _with_year(d, year) if year is not None else d


def resolve(found: list[DateFound], clean: str, anchor: Anchor) -> list[DateFound]:
    """The dates of an article with relative and partial ones resolved against ``anchor``,
    left to right (a yearless day may take the year of a date resolved before it)."""
    out: list[DateFound] = []
    for d in found:
        out.append(_resolved(d, out, clean, anchor))
    return out


def _md(month: int, day: int | None) -> str:
    return f"{month}月" + (f"{day}日" if day is not None else "")


def part_of(d: DateFound) -> str | None:
    """The part of its year a date covers, in the vocabulary of the module docstring."""
    g = d.granularity
    if g in ("half", "quarter", "season"):
        return d.detail
    if g in ("month", "day"):
        if d.month is None:
            return None
        return _md(d.month, d.day) + ("起" if d.since else "")
    if g != "range" or d.month is None or d.end_month is None:
        return None                                   # years, year spans
    whole = d.day is None and d.end_day is None and d.month == 1 and d.end_month == 12
    if d.year is not None and d.end_year is not None and d.end_year != d.year:
        if whole or d.end_year > d.year + 1:
            return None
        return f"{d.year}-{d.month:02d}/{d.end_year}-{d.end_month:02d}"
    if d.day is not None or d.end_day is not None:
        end = f"{d.end_day}日" if d.end_month == d.month else _md(d.end_month, d.end_day)
        return f"{_md(d.month, d.day)}-{end}"
    if whole:
        return None                                   # 1至12月: the whole year
    if d.detail is not None:
        return d.detail                               # 前三季度: Q1-Q3
    return _md(d.month, None) if d.month == d.end_month else f"{d.month}-{d.end_month}月"
