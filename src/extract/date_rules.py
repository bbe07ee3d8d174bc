"""The date stage's rules (rules/dates.toml): the schema, the word tables and the compiled date
rules. See the header of rules/dates.toml for what a rule's named groups mean."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal, Mapping

import regex
from pydantic import Field, field_validator

from .rules import (RuleError, Scanned, Strict, Word, WordList, alternation, check_shortcuts,
                    check_unique, compile_pattern, compose, load_file)

GRANULARITIES = ("year", "half", "quarter", "season", "month", "day", "range")
# Named groups a rule pattern may use, and what a granularity needs at least one of.
KNOWN_GROUPS = frozenset({"year", "rel", "month", "day", "end_year", "end_month", "end_day",
                          "upto_quarter", "upto_month", "quarter", "end_quarter", "half", "season",
                          "part", "mpart", "holiday", "aday", "dday", "sep"})
_GRANULARITY_GROUPS = {
    "year": {"year", "rel"},
    "half": {"half"},
    "quarter": {"quarter"},
    "season": {"season"},
    "month": {"month"},
    "day": {"day", "holiday", "aday", "dday"},
    "range": {"end_year", "end_month", "end_day", "upto_quarter", "upto_month", "end_quarter"},
}


# --- the rule file's schema ----------------------------------------------------------------

class DateRuleSpec(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_.]*$")
    why: str = Field(min_length=1)
    granularity: Literal[GRANULARITIES]  # type: ignore[valid-type]
    pattern: str = Field(min_length=1)
    # stamp, dateline: the article's own date (dates.find_published); delivered: the day a report
    # or speech was given, the year of writing for 今年/去年 but not a publication date (when.py)
    mark: Literal["stamp", "dateline", "delivered"] | None = None
    # strings of which a text must hold one for the rule to match there (in the match or in its
    # lookarounds): a text holding none is not scanned for the rule; empty: always scanned
    needs: list[Word] = []
    # words every match begins with: the pattern is tried only where one begins. "{table}"
    # stands for the words of a word table, e.g. "{anaphoric_day}". See rules.Scanned.
    starts: list[Word] = []
    examples: list[str] = Field(min_length=1)
    counter_examples: list[str] = []


class HolidaySpec(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    surfaces: list[str] = Field(min_length=1)
    month: int | None = Field(None, ge=1, le=12)
    day: int | None = Field(None, ge=1, le=31)
    lunar: list[datetime.date] = []

    @field_validator("lunar")
    @classmethod
    def _one_per_year(cls, dates: list[datetime.date]) -> list[datetime.date]:
        years = [d.year for d in dates]
        if len(set(years)) != len(years):
            raise ValueError("lunar lists a year twice")
        return dates


class DatesFile(Strict):
    fragments: dict[str, str] = {}
    relative_year: dict[str, int] = {}
    half: dict[str, Literal["H1", "H2"]] = {}
    season: dict[str, Literal["spring", "summer", "autumn", "winter"]] = {}
    year_part: dict[str, str] = {}
    month_part: dict[str, str] = {}
    anaphoric_day: dict[str, int] = {}
    deictic_day: dict[str, int] = {}
    holiday: list[HolidaySpec] = []
    words: list[WordList] = []
    rule: list[DateRuleSpec] = Field(min_length=1)


# --- the compiled rules --------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class DateRule(Scanned):
    """One compiled rule: its id, pattern, what it yields, and the examples its tests run."""

    id: str
    why: str
    pattern: regex.Pattern
    granularity: str
    mark: str | None
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
    needs: tuple[str, ...] = ()
    starts: tuple[str, ...] = ()

    @property
    def patterns(self) -> tuple[regex.Pattern, ...]:
        return (self.pattern,)


@dataclass(frozen=True)
class Holiday:
    name: str
    month: int | None
    day: int | None
    lunar: Mapping[int, datetime.date]

    def date_in(self, year: int | None) -> tuple[int | None, int | None]:
        """(month, day) of the holiday in ``year``; lunar ones need the year and a table entry."""
        if not self.lunar:
            return self.month, self.day
        d = self.lunar.get(year) if year is not None else None
        return (d.month, d.day) if d else (None, None)


@dataclass(frozen=True)
class DateRules:
    """Everything find_dates needs: compiled rules in priority order and the word tables."""

    rules: tuple[DateRule, ...]
    relative_year: Mapping[str, int]
    half: Mapping[str, str]
    season: Mapping[str, str]
    year_part: Mapping[str, str]
    month_part: Mapping[str, str]
    anaphoric_day: Mapping[str, int]
    deictic_day: Mapping[str, int]   # 昨日 -> -1: days from the publication date
    holidays: Mapping[str, Holiday]  # by surface
    relative_words: tuple[str, ...]  # the relative_year words, longest first
    base_before: tuple[str, ...]     # 较2023年: a date after one of these is a comparison base
    base_after: tuple[str, ...]      # 2023年相比: ... or before one of these
    same_period: tuple[str, ...]     # 去年同期: the base is the same part of the earlier year
    base_figure: tuple[str, ...]     # 比2022年的2100起: the figure after the base and 的 is its own
    since: tuple[str, ...]           # 5月以来 / 从5月开始: a period from the date on
    words: tuple[WordList, ...] = ()


def _frozen(d: dict) -> Mapping:
    """A read-only copy: DateRules is shared by every call and must not change under them."""
    return MappingProxyType(dict(d))


def _word_tables(spec: DatesFile, holidays: dict[str, Holiday]) -> dict[str, list[str]]:
    """The words of each word table, by the name patterns and starts use for it."""
    tables = {"relative_year": spec.relative_year, "half": spec.half, "season": spec.season,
              "year_part": spec.year_part, "month_part": spec.month_part,
              "anaphoric_day": spec.anaphoric_day, "deictic_day": spec.deictic_day,
              "holiday": holidays}
    return {name: list(words) for name, words in tables.items()}


def _word_fragments(tables: dict[str, list[str]]) -> dict[str, str]:
    """One fragment per word table, so patterns can say {season} instead of repeating the words."""
    # An empty table must never match, rather than match the empty string.
    return {name: alternation(words) if words else r"(?!)" for name, words in tables.items()}


def _holidays(spec: DatesFile, path: Path) -> dict[str, Holiday]:
    out: dict[str, Holiday] = {}
    for h in spec.holiday:
        if h.lunar and (h.month or h.day):
            raise RuleError(f"{path}: holiday {h.name!r}: give month/day or lunar, not both")
        if h.day is not None and h.month is None:
            raise RuleError(f"{path}: holiday {h.name!r}: a day needs a month")
        hol = Holiday(h.name, h.month, h.day, _frozen({d.year: d for d in h.lunar}))
        for surface in h.surfaces:
            if surface in out:
                raise RuleError(f"{path}: holiday {h.name!r}: surface {surface!r} listed twice")
            out[surface] = hol
    return out


def _fragments(spec: DatesFile, base: dict[str, str], path: Path) -> dict[str, str]:
    """quantity.toml fragments + word-table fragments + [fragments], each composed in order."""
    frag = dict(base)
    for name, value in spec.fragments.items():
        where = f"{path}: fragment {name!r}"
        if name in frag:
            raise RuleError(f"{where}: already defined (quantity.toml or a word table)")
        frag[name] = compose(value, frag, where)
        compile_pattern(frag[name], where)
    return frag


def _starts(r: DateRuleSpec, tables: dict[str, list[str]], where: str) -> tuple[str, ...]:
    """A rule's start words, "{table}" entries replaced by the words of that table."""
    out: list[str] = []
    for w in r.starts:
        if w.startswith("{") and w.endswith("}"):
            if w[1:-1] not in tables:
                raise RuleError(f"{where}: starts names an unknown word table {w} "
                                f"(known: {', '.join(sorted(tables))})")
            out += tables[w[1:-1]]
        else:
            out.append(w)
    return tuple(out)


def _compile_rule(r: DateRuleSpec, frag: dict[str, str], tables: dict[str, list[str]],
                  path: Path) -> DateRule:
    """Compose and compile one rule, and check its groups can give its granularity."""
    where = f"{path}: rule {r.id!r}"
    pattern = compile_pattern(compose(r.pattern, frag, where), where)
    groups = set(pattern.groupindex)
    unknown = groups - KNOWN_GROUPS
    if unknown:
        raise RuleError(f"{where}: unknown named groups {sorted(unknown)} "
                        f"(known: {', '.join(sorted(KNOWN_GROUPS))})")
    if not groups & _GRANULARITY_GROUPS[r.granularity]:
        raise RuleError(f"{where}: granularity {r.granularity!r} needs one of the groups "
                        f"{sorted(_GRANULARITY_GROUPS[r.granularity])}")
    if pattern.fullmatch(""):
        raise RuleError(f"{where}: pattern matches the empty string")
    rule = DateRule(r.id, r.why, pattern, r.granularity, r.mark, tuple(r.examples),
                    tuple(r.counter_examples), tuple(r.needs), _starts(r, tables, where))
    check_shortcuts(rule, list(r.examples), where)
    return rule


# The word lists of dates.toml the code reads, by id.
BASE_BEFORE = "date.base_before"
BASE_AFTER = "date.base_after"
SAME_PERIOD = "date.same_period"
BASE_FIGURE = "date.base_figure"
SINCE = "date.since"


def load(directory: Path, fragments: dict[str, str]) -> DateRules:
    """Read, validate and compile ``directory/dates.toml``.

    ``fragments`` are quantity.toml's named regex pieces. A malformed file raises RuleError naming
    the file, the rule and the problem.
    """
    path = Path(directory) / "dates.toml"
    spec: DatesFile = load_file(DatesFile, path)
    check_unique([r.id for r in (*spec.rule, *spec.words)], path)
    words = {w.id: w for w in spec.words}
    missing = sorted({BASE_BEFORE, BASE_AFTER, SAME_PERIOD, BASE_FIGURE, SINCE} - words.keys())
    if missing:
        raise RuleError(f"{path}: the code needs the word lists {', '.join(missing)}")
    holidays = _holidays(spec, path)
    tables = _word_tables(spec, holidays)
    frag = _fragments(spec, {**fragments, **_word_fragments(tables)}, path)
    return DateRules(
        rules=tuple(_compile_rule(r, frag, tables, path) for r in spec.rule),
        relative_year=_frozen(spec.relative_year),
        half=_frozen(spec.half),
        season=_frozen(spec.season),
        year_part=_frozen(spec.year_part),
        month_part=_frozen(spec.month_part),
        anaphoric_day=_frozen(spec.anaphoric_day),
        deictic_day=_frozen(spec.deictic_day),
        holidays=_frozen(holidays),
        relative_words=tuple(sorted(spec.relative_year, key=len, reverse=True)),
        base_before=words[BASE_BEFORE].longest_first(),
        base_after=words[BASE_AFTER].longest_first(),
        same_period=words[SAME_PERIOD].longest_first(),
        base_figure=words[BASE_FIGURE].longest_first(),
        since=words[SINCE].longest_first(),
        words=tuple(spec.words),
    )
