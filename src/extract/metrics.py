"""Find quantities in clean text and resolve them: value, unit, kind, qualifier, change.

Find the span first (the quantity regex built from rules/quantity.toml and rules/units.toml,
scanned in two parts: see quantity_rules.QuantityScan), then resolve its value; the surface stays
beside the value. Traps (rules/traps.toml) and date spans block quantities that are names,
ordinals, slogans or furniture rather than reported figures; a blocked or filtered candidate is
kept as a :class:`Dropped` with the id of the rule that dropped it.
"""

from __future__ import annotations

from typing import Callable, Iterator, NamedTuple

import regex

from .numbers import CN_PLACES, CN_SCALES, parse_number
from .quantity_rules import (FILTER_BARE_SCALE, FILTER_MAX_VALUE, FILTER_NOT_RANGE, RULE_PERCENT_WORD,
                             RULE_RANGE, RULE_SCALE_COUNT, RULE_UNIT, QuantityRules)
from .rules import REGEX_TIMEOUT, finditer
from .traps import SpanIndex

_SCALE_ONLY = set(CN_SCALES) | set(CN_PLACES) - {"十"}


class Quantity(NamedTuple):
    """A quantity found in the clean text (offsets into ``NormText.clean``; a tuple: a page
    holds dozens and a corpus millions)."""

    start: int
    end: int
    value: float
    unit: str | None
    unit_surface: str | None          # the unit as written; None for a percentage in words
    kind: str
    qualifier: str
    change: str | None
    basis: str | None
    rule: str
    # where the change phrase before it begins (同比下降 of 同比下降8.2%), None when there is
    # none or the change is shared with the value before it (同比分别下降6.12%、17.40%)
    change_start: int | None = None
    change_verb: str | None = None       # the direction word as written (下降)
    # where a list joiner (、和 ...) right after the previous quantity ends, None when there is
    # none: 6.12%、17.40% -> the position of 1 in 17.40%
    joiner_end: int | None = None
    value_high: float | None = None      # a range's high end (3至5人), in the unit of ``value``
    std_value: float | None = None       # the value in ``std_unit`` (units.toml ``std``)
    std_unit: str | None = None


class Dropped(NamedTuple):
    """A quantity candidate that is not emitted, and the id of the trap, date rule or filter
    that dropped it (offsets into the clean text)."""

    start: int
    end: int
    rule: str


_HEDGE_GROUPS = ("h1", "h1c", "h2", "post")


def _qualifier(m: regex.Match, pre: str | None, rules: QuantityRules) -> str:
    h1, h1c, h2, post = m.group(*_HEDGE_GROUPS)
    if pre:
        return rules.hedge_prefix[pre]
    inner = h1 or h1c or h2
    if inner:
        return rules.hedge_inner[inner]
    if post:
        return rules.hedge_suffix[post]
    return "exact"


def _value(m: regex.Match, pre: str | None, pct: str | None, ranged: bool) -> float | None:
    """The numeral's value before unit factors (a range's low end, which takes the high end's
    scale when it has none: 3-5万元); None where the match is not a number."""
    ar, cn = m.group("ar", "cn")
    if ar:
        sc = m.group("sc") or (m.group("hisc") if ranged else None)
        return parse_number(ar + sc) if sc else parse_number(ar)
    if pct:
        return parse_number(pct)
    if cn and all(ch in _SCALE_ONLY for ch in cn):
        # a bare 百/千/万/亿 is a number only when hedged: 近亿元, 超千万元, 百余人 (not 千万家)
        if not (pre or m.group("h2") or m.group("h1c")):
            return None
    value = parse_number(cn)
    scale = m.group("scc") or (m.group("hisc") if ranged else None)
    if scale:
        value *= parse_number(scale)                            # 三百余万元
    return value


def _high(m: regex.Match) -> float:
    """A range's high end before unit factors: 5 of 3至5人, 50000 of 3-5万元."""
    hi = m.group("hiar") or m.group("hicn")
    value = parse_number(hi)
    scale = m.group("hisc") or m.group("sc") or m.group("scc")
    return value * parse_number(scale) if scale else value


def _counts_what_follows(clean: str, m: regex.Match, rules: QuantityRules) -> bool:
    """1200万游客: a number with 万/亿 and no measure word, right before a noun, counts it."""
    scale = m.group("sc") or m.group("scc") or ""
    end = m.end()
    return (("万" in scale or "亿" in scale) and end < len(clean) and "\u4e00" <= clean[end] <= "\u9fff"
            and not clean.startswith(rules.scale_count_not_before, end))


class _Change(NamedTuple):
    direction: str | None = None
    basis: str | None = None
    start: int | None = None      # where the phrase begins in the clean text
    verb: str | None = None


_NO_CHANGE = _Change()


def _change(clean: str, start: int, rules: QuantityRules) -> _Change:
    lo = max(0, start - 16)
    window = clean[lo:start]
    if rules.change_chars.isdisjoint(window):
        return _NO_CHANGE                  # no direction verb (上升, 下降...) can end here
    m = rules.change_before.search(window, timeout=REGEX_TIMEOUT)
    if not m:
        return _NO_CHANGE
    verb = m.group("verb") or m.group("verb2")
    return _Change(rules.change_words[verb], m.group("basis"), lo + m.start(), verb)


def _lead(clean: str, lo: int, start: int, lead: regex.Pattern) -> regex.Match | None:
    """The longest lead (hedge word, currency, spaces) ending at ``start`` and beginning at or
    after ``lo``: where the full quantity pattern, scanning left to right, would have begun."""
    for p in range(lo, start):
        m = lead.fullmatch(clean, p, start)
        if m is not None:
            return m
    return None


def quantity_matches(clean: str, rules: QuantityRules
                     ) -> Iterator[tuple[regex.Match, int, str | None, str | None]]:
    """(core match, start, hedge word, currency word) of every match of the quantity pattern
    with a unit or 百分之, in order: what ``rules.full.finditer`` finds, scanned the faster
    way (see quantity_rules.QuantityScan). ``start`` is where the hedge word begins, else the
    number."""
    scan = rules.scan
    lead_last = scan.lead_last
    prev_end = 0          # where the previous match ended: a lead cannot reach back past it
    gi = scan.core.groupindex
    wanted = (gi["unit"], gi["pct"], gi["sc"], gi["scc"])   # by number: faster than by name
    for m in finditer(scan.core, clean):
        start, end = m.span()
        lead_from, prev_end = prev_end, end
        if not any(m.group(*wanted)):
            continue                 # no unit, 百分之 or 万/亿: not a quantity
        pre = cur = None
        if start > lead_from and clean[start - 1] in lead_last:
            lead = _lead(clean, max(lead_from, start - scan.lead_max), start, scan.lead)
            if lead is not None:
                pre, cur = lead.group("pre", "cur")
                if pre:
                    start = lead.start("pre")
        yield m, start, pre, cur


def find_quantities(clean: str, rules: QuantityRules, blocked: SpanIndex,
                    line_break_before: Callable[[int], bool] | None = None
                    ) -> tuple[list[Quantity], list[Dropped]]:
    """All quantities with a unit in ``clean``, in order, and the candidates that were dropped
    (overlapping a blocked span, or filtered out), each with the id of what dropped it.
    ``line_break_before(i)``: whether the original text had a line break before clean[i] (a
    number with 万 and no unit counts only the noun on its own line: quantity.scale_count)."""
    out: list[Quantity] = []
    dropped: list[Dropped] = []
    joiner = rules.list_joiner.match
    gi = rules.scan.core.groupindex
    wanted = (gi["unit"], gi["pct"], gi["sep"])               # by number: faster than by name
    for m, start, pre, cur in quantity_matches(clean, rules):
        surface, pct, sep = m.group(*wanted)
        if not surface and not pct and not (
                _counts_what_follows(clean, m, rules)
                and not (line_break_before and line_break_before(m.end()))):
            continue                         # 1200万的: no unit and no noun it counts
        end = m.end()
        b = blocked.overlap(start, end)
        if b is not None:
            dropped.append(Dropped(start, end, b.rule))
            continue
        ranged = sep is not None
        raw_value = _value(m, pre, pct, ranged)   # the pattern only finds numerals it reads
        if raw_value is None:
            dropped.append(Dropped(start, end, FILTER_BARE_SCALE))
            continue
        high = _high(m) if ranged else None
        if high is not None and high <= raw_value:
            dropped.append(Dropped(start, end, FILTER_NOT_RANGE))   # 5-3: not a range
            continue
        factor = 1.0
        if surface:
            u = rules.units[surface]
            if u.max_value is not None and (high or raw_value) > u.max_value:
                dropped.append(Dropped(start, end, FILTER_MAX_VALUE))
                continue
            factor, unit, kind = u.factor, u.canonical, u.kind
            if cur and unit == "元":
                unit = rules.currency[cur]                      # 新台币2亿元 is not yuan
        elif pct:
            unit, kind = "%", "percent"
        else:
            unit, kind = None, "count"                          # 1200万游客
        value = raw_value * factor
        std_value, std_unit = rules.std(unit, value)
        ch = _change(clean, start, rules)
        change, basis = ch.direction, ch.basis
        joined = None
        if out:
            prev = out[-1]
            j = joiner(clean, prev.end, start)
            joined = j.end() if j is not None else None
            if prev.change and prev.kind == kind:
                if change is None and joined == start:
                    change, basis = prev.change, prev.basis  # 同比分别下降6.12%、17.40%
                elif change and basis is None and prev.basis and joined is not None:
                    basis = prev.basis                       # 同比分别下降2.8%和上升5.1%
        out.append(Quantity(
            start=start, end=end, value=value, unit=unit, unit_surface=surface,
            kind=kind, qualifier="range" if ranged else _qualifier(m, pre, rules),
            change=change, basis=basis,
            rule=(RULE_RANGE if ranged else RULE_UNIT if surface
                  else RULE_PERCENT_WORD if pct else RULE_SCALE_COUNT),
            change_start=ch.start, change_verb=ch.verb, joiner_end=joined,
            value_high=high * factor if ranged else None, std_value=std_value, std_unit=std_unit,
        ))
    return out, dropped
