"""Date expressions -> year/month/day/granularity, from the rules in rules/dates.toml.

Find, then resolve. Every rule pattern runs over the normalised text; overlapping matches are
settled longest first (ties: the rule listed first wins); each surviving match is resolved from its
named groups (see the header of rules/dates.toml). What a rule may mean is data; this module only
knows how to read numerals, look words up and check the calendar.

The base for relative words here is the article's own publication date, found by
:func:`find_published` from a stamp (发布时间：2025-01-03, 2023-06-03 09:12:45) or a dateline that
states its year (2025年1月9日电). Nothing else is used: no clock, no locale, no "most frequent year"
(a report on 2021 written in 2022 says 今年 of 2022). With a base, 今年/去年/昨日 get their date,
and a date written without a year (3月8日) gets the latest year that does not put it after the
publication date. Without one they stay null here; once the report year is decided, when.py
resolves what is left against the article's anchor (a second pass, a plain function).

>>> from extract.ruleset import default_rules
>>> [(d.year, d.month, d.day, d.granularity) for d in find_dates("2020年11月12日，", default_rules().dates)]
[(2020, 11, 12, 'day')]
"""

from __future__ import annotations

import bisect
import calendar
import datetime
from dataclasses import dataclass, replace
from typing import Mapping

from .date_rules import DateRule, DateRules
from .numbers import parse_chinese
# How far back (characters, same line) 当日/次日 may look for the date they refer to.
_ANAPHOR_REACH = 200
_ANAPHORIC = "anaphoric"  # the detail of 当日/次日 before and after they are resolved


@dataclass(frozen=True)
class DateFound:
    """A date expression in the clean text (offsets into ``NormText.clean``).

    ``detail`` says which part of the period is meant where the granularity alone does not
    (Q1, H2, summer, start, early, spring_festival, anaphoric); ``mark`` is "stamp" or "dateline"
    for the article's own date (see :func:`find_published`).
    """

    start: int
    end: int
    year: int | None
    month: int | None
    day: int | None
    granularity: str
    rule: str
    end_year: int | None = None
    end_month: int | None = None
    end_day: int | None = None
    detail: str | None = None
    mark: str | None = None
    # the base of a comparison (较2023年下降12.5%, 与2022年相比), not the period of what follows
    base: bool = False
    # a relative year word it begins with (去年同期 -> -1), resolved or not
    relative: int | None = None
    # a base followed by 同期 (去年同期): the same part of the earlier year as the figure compared
    same_period: bool = False
    # where the base's own figure starts (比2022年的[2100起]), if one follows it
    figure_at: int | None = None
    # followed by 以来/开始/起 (5月以来, 今年以来): a period from the date on, not the date itself
    since: bool = False


# --- resolving one match -------------------------------------------------------------------

@dataclass(frozen=True)
class _Base:
    """The article's own date, the only base relative words are resolved against."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def of(cls, day: datetime.date | None) -> "_Base | None":
        return None if day is None else cls(day.year, day.month, day.day)


def _small_number(text: str) -> int:
    """A month/day/quarter/year numeral: Arabic digits or Chinese (十二, 二〇二一, 两)."""
    return int(text) if text.isdecimal() else parse_chinese(text)


# A match's named groups (``Match.groupdict()``, taken once per match): a group's text, None if it
# did not take part; ``.get`` also gives None for a group the rule does not have.
Groups = Mapping[str, "str | None"]


def _number(g: Groups, name: str) -> int | None:
    """A named group's numeral as an int (None when absent)."""
    text = g.get(name)
    return _small_number(text) if text else None


def _valid_day(year: int | None, month: int | None, day: int | None) -> bool:
    """Whether the day exists in that month (of a leap year when the year is unknown)."""
    if day is None:
        return True
    if month is None:
        return 1 <= day <= 31
    return 1 <= day <= calendar.monthrange(year if year is not None else 2000, month)[1]


def _year(g: Groups, dr: DateRules, base: _Base | None) -> tuple[int | None, bool]:
    """(year, stated): the written year, or a relative one resolved against the base."""
    y = _number(g, "year")
    if y is not None:
        return y, True
    rel = g.get("rel")
    if rel:
        return (base.year + dr.relative_year[rel] if base else None), True
    return None, False


def _infer_year(month: int, day: int | None, base: _Base | None) -> int | None:
    """The latest year that does not put month/day after the publication date, if one is known."""
    if base is None or base.month is None:
        return None
    later = (month, day or 0) > (base.month, base.day or 31)
    return base.year - 1 if later else base.year


def _detail(g: Groups, dr: DateRules) -> str | None:
    """Which part of the period: Q1, H2, summer, start, early, a holiday's name."""
    if (q := _number(g, "upto_quarter")) is not None:
        return f"Q1-Q{q}" if q > 1 else "Q1"
    if (q := _number(g, "quarter")) is not None:
        e = _number(g, "end_quarter")
        return f"Q{q}" if e is None else f"Q{q}-Q{e}"
    for name, table in (("half", dr.half), ("season", dr.season), ("part", dr.year_part),
                        ("mpart", dr.month_part)):
        if word := g.get(name):
            return table[word]
    if word := g.get("holiday"):
        return dr.holidays[word].name
    if g.get("aday"):
        return _ANAPHORIC
    return None


def _deictic(word: str, dr: DateRules, base: _Base | None) -> tuple[int | None, ...]:
    """(year, month, day) of 昨日/今日: days from the publication date, if it names a day."""
    if base is None or base.month is None or base.day is None:
        return None, None, None
    return _shift(base.year, base.month, base.day, dr.deictic_day[word])


def _range_end(g: Groups, year: int | None, month: int | None
               ) -> tuple[int | None, int | None, int | None]:
    """(end_year, end_month, end_day) of a range; the end defaults to the start's year/month."""
    if (q := _number(g, "upto_quarter") or _number(g, "end_quarter")) is not None:
        return year, 3 * q, None
    if (n := _number(g, "upto_month")) is not None:
        return year, n, None
    end_year = _number(g, "end_year")
    end_month = _number(g, "end_month")
    end_day = _number(g, "end_day")
    if end_month is None and end_day is not None:
        end_month = month
    if end_year is None and end_month is not None and year is not None:
        # 2023年10月至3月 runs into the next year
        end_year = year + 1 if month is not None and end_month < month else year
    return end_year, end_month, end_day


def _resolve(start: int, end: int, g: Groups, rule: DateRule, dr: DateRules, base: _Base | None
             ) -> DateFound | None:
    """The DateFound a match (its span and groups) stands for, or None when its numbers are not a
    real date."""
    year, stated = _year(g, dr, base)
    month, day = _number(g, "month"), _number(g, "day")
    if (h := g.get("holiday")) is not None:
        month, day = dr.holidays[h].date_in(year)
    if g.get("upto_quarter") or g.get("upto_month"):
        month = 1
    elif g.get("end_quarter"):
        month = 3 * _number(g, "quarter") - 2
    end_year, end_month, end_day = (_range_end(g, year, month) if rule.granularity == "range"
                                    else (None, None, None))
    if not stated and month is not None and rule.granularity in ("day", "month", "range"):
        year, end_year = _yearless(month, day, end_month, end_day, base)
    if (word := g.get("dday")) is not None:
        year, month, day = _deictic(word, dr, base)
    if not _plausible(year, month, day, end_year, end_month, end_day):
        return None
    return DateFound(start, end, year, month, day, rule.granularity, rule.id,
                     end_year=end_year, end_month=end_month, end_day=end_day,
                     detail=_detail(g, dr), mark=rule.mark)


def _yearless(month: int, day: int | None, end_month: int | None, end_day: int | None,
              base: _Base | None) -> tuple[int | None, int | None]:
    """(year, end_year) of a date written without a year: the end is put in the latest year that
    does not pass the publication date, the start in the same year or, if it wraps, the one before."""
    last = _infer_year(end_month or month, end_day if end_month else day, base)
    if last is None or end_month is None:
        return last, None
    return (last - 1 if end_month < month else last), last


def _plausible(year, month, day, end_year, end_month, end_day) -> bool:
    """Years 1900..2099, months 1..12, days in their month, and ranges that do not run backwards."""
    for y in (year, end_year):
        if y is not None and not 1900 <= y <= 2099:
            return False
    for mo in (month, end_month):
        if mo is not None and not 1 <= mo <= 12:
            return False
    if not (_valid_day(year, month, day) and _valid_day(end_year, end_month, end_day)):
        return False
    if year is not None and end_year is not None:
        return (year, month or 1, day or 1) <= (end_year, end_month or 12, end_day or 31)
    if month is not None and end_month == month and day and end_day:
        return day <= end_day
    return True


# --- finding -------------------------------------------------------------------------------

# A non-empty match of a rule: (start, end, groups, rule, the rule's position in the file).
_Hit = tuple[int, int, Groups, DateRule, int]


def _matches(clean: str, dr: DateRules) -> list[_Hit]:
    """Every non-empty match of every rule, rule by rule."""
    out = []
    for rank, rule in enumerate(dr.rules):
        for m in rule.finditer(clean):     # needs, starts; non-empty matches only
            out.append((m.start(), m.end(), m.groupdict(), rule, rank))
    return out


def _candidates(hits: list[_Hit], dr: DateRules, base: _Base | None
                ) -> list[tuple[DateFound, int]]:
    """Every resolvable match, with the rule's position (for tie-breaking)."""
    out = []
    for start, end, groups, rule, rank in hits:
        if (found := _resolve(start, end, groups, rule, dr, base)) is not None:
            out.append((found, rank))
    return out


def _longest_first(cands: list[tuple[DateFound, int]]) -> list[DateFound]:
    """Non-overlapping spans, longest first; equal lengths go to the earlier rule, then leftmost.

    2020年11月12日 beats the 2020年 and 11月12日 inside it; 5月18日讯's dateline rule beats the
    plain 5月18日 of equal length because it is listed first.
    """
    starts: list[int] = []  # taken spans, kept sorted by start (they never overlap)
    taken: list[DateFound] = []
    for found, _ in sorted(cands, key=lambda c: (c[0].start - c[0].end, c[1], c[0].start)):
        i = bisect.bisect_left(starts, found.start)
        if i < len(taken) and taken[i].start < found.end:
            continue
        if i > 0 and taken[i - 1].end > found.start:
            continue
        starts.insert(i, found.start)
        taken.insert(i, found)
    return taken


def _shift(y: int, mo: int, d: int, days: int) -> tuple[int, int, int]:
    """The calendar date ``days`` after y-mo-d (次日 of 12月31日 is 1月1日 of the next year)."""
    dt = datetime.date(y, mo, d) + datetime.timedelta(days=days)
    return dt.year, dt.month, dt.day


def _anaphor(found: DateFound, before: list[DateFound], clean: str, dr: DateRules) -> DateFound:
    """当日/次日: copy (or shift) the nearest earlier date, if it is a day or month on the same line.

    The nearest date of any kind is the referent; if that is a year or a quarter, the day stays
    unknown rather than reaching further back.
    """
    anchor = before[-1] if before else None
    if (anchor is None or anchor.granularity not in ("day", "month") or anchor.month is None
            or found.start - anchor.end > _ANAPHOR_REACH or "\n" in clean[anchor.end:found.start]):
        return found
    offset = dr.anaphoric_day[clean[found.start:found.end]]
    if offset == 0:
        return replace(found, year=anchor.year, month=anchor.month, day=anchor.day)
    if anchor.year is None or anchor.day is None:
        return found
    y, mo, d = _shift(anchor.year, anchor.month, anchor.day, offset)
    return replace(found, year=y, month=mo, day=d)


def _resolve_anaphors(found: list[DateFound], clean: str, dr: DateRules) -> list[DateFound]:
    """Resolve 当日/次日 left to right, so a chain (…次日…当日) follows the resolved ones."""
    out: list[DateFound] = []
    for f in found:
        out.append(_anaphor(f, out, clean, dr) if f.detail == _ANAPHORIC else f)
    return out


def find_dates(clean: str, dr: DateRules) -> list[DateFound]:
    """Every date expression in ``clean`` (the normalised text), sorted, non-overlapping.

    Two passes: the first finds the article's own date (a stamp or dated dateline, see
    :func:`find_published`); the second resolves relative and yearless dates against it.
    """
    hits = _matches(clean, dr)  # the text is scanned once; only the resolving depends on the base
    found = _longest_first(_candidates(hits, dr, None))
    base = _Base.of(find_published(clean, found))
    if base is not None:
        found = _longest_first(_candidates(hits, dr, base))
    return _mark_bases(_resolve_anaphors(found, clean, dr), clean, dr)


def _calendar_date(d: DateFound) -> datetime.date | None:
    """The day a date names, if it names a whole one."""
    if d.year is None or d.month is None or d.day is None:
        return None
    return datetime.date(d.year, d.month, d.day)


def find_published(clean: str, found: list[DateFound]) -> datetime.date | None:
    """The article's publication date, when the article states one (with its year and day).

    A stamp (发布时间：…, or a full date before 来源/作者/星期) wins over a dateline (1月9日电), and
    a dateline counts only with a year of its own: a yearless one would need a guess. The first of
    each kind in the text is taken. ``clean`` is accepted for symmetry with find_dates; the marks
    on ``found`` (set by the rules) carry everything needed.
    """
    for mark in ("stamp", "dateline"):
        for d in found:
            if d.mark == mark and (day := _calendar_date(d)):
                return day
    return None


# How far (characters, one clause) a base's own figure may follow it: 较去年同期破获的[350起]
_BASE_FIGURE_REACH = 8
_CLAUSE_END = frozenset("，,。；;：:！？!?\n")


def _base_figure(clean: str, end: int, dr: DateRules) -> int | None:
    """Where a comparison base's own figure starts: right after a base_figure word (的) that
    closes the few characters of the clause after the base (比2022年的2100起, 较上年同期的)."""
    limit = min(len(clean), end + _BASE_FIGURE_REACH + 1)
    for i in range(end, limit):
        if clean[i] in _CLAUSE_END:
            return None
        for w in dr.base_figure:
            if clean.startswith(w, i):
                after = i + len(w)
                return after if after < len(clean) and not clean[after] in _CLAUSE_END else None
    return None


def _mark_bases(found: list[DateFound], clean: str, dr: DateRules) -> list[DateFound]:
    """Set ``base`` (较2023年 / 2023年相比: the date is a comparison's base), ``relative`` (the
    offset of the relative year word a date begins with: 去年同期 -> -1), ``same_period`` (a base
    followed by 同期), ``figure_at`` (where the base's own figure starts: 比2022年的2100起) and
    ``since`` (a date followed by 以来/开始: 5月以来)."""
    out = []
    for d in found:
        base = (clean.endswith(dr.base_before, 0, d.start)
                or clean.startswith(dr.base_after, d.end))
        word = next((w for w in dr.relative_words if clean.startswith(w, d.start)), None)
        rel = dr.relative_year[word] if word is not None else None
        if clean.startswith(dr.since, d.end):
            d = replace(d, since=True)
        if not base and rel is None:
            out.append(d)
            continue
        same = clean.startswith(dr.same_period, d.end)
        out.append(replace(d, base=base, relative=rel, same_period=same,
                           figure_at=_base_figure(clean, d.end, dr) if base else None))
    return out
