"""Find quantities in clean text and resolve them: value, unit, kind, qualifier, change.

Find the span first (the quantity regex built from rules/quantity.toml and rules/units.toml,
scanned in two parts: see rules.QuantityScan), then resolve its value; the surface stays beside
the value. Traps (rules/traps.toml) and date spans block quantities that are names, ordinals,
slogans or furniture rather than reported figures.
"""

from __future__ import annotations

import bisect
import operator
from typing import Iterator, NamedTuple

import regex

from .numbers import CN_PLACES, CN_SCALES, parse_number
from .rules import REGEX_TIMEOUT, RuleSet
from .sentences import LIST_JOINER

_SCALE_ONLY = set(CN_SCALES) | set(CN_PLACES) - {"十"}


class Quantity(NamedTuple):
    """A quantity found in the clean text (offsets into ``NormText.clean``; a tuple: a page
    holds dozens and a corpus millions)."""

    start: int
    end: int
    value: float
    unit: str | None
    unit_surface: str | None
    kind: str
    qualifier: str
    change: str | None
    basis: str | None
    rule: str


class Blocked(NamedTuple):
    """A clean-text span that no quantity may overlap, and the rule that says so (a tuple:
    a page holds thousands of these)."""

    start: int
    end: int
    rule: str


def trap_spans(clean: str, rules: RuleSet) -> list[Blocked]:
    """Every trap and furniture-region match in the clean text, sorted by start."""
    out: list[Blocked] = []
    for trap in rules.traps:
        for m in trap.finditer(clean):
            out.append(Blocked(m.start(), m.end(), trap.id))
    n = len(clean)
    for region in rules.regions:
        for m in region.finditer(clean):
            if n and m.start() / n >= region.min_position:
                out.append(Blocked(m.start(), n, region.id))
                break
    out.sort(key=_start_end)
    return out


_start_end = operator.itemgetter(0, 1)


class SpanIndex:
    """Answers "does [s, e) overlap a blocked span?" quickly."""

    def __init__(self, spans: list[Blocked]):
        self.spans = sorted(spans, key=_start_end)
        self.starts = [b.start for b in self.spans]
        # running maximum of ends lets us stop scanning left early
        self.max_end: list[int] = []
        best = -1
        for b in self.spans:
            best = max(best, b.end)
            self.max_end.append(best)

    def overlap(self, s: int, e: int) -> Blocked | None:
        i = bisect.bisect_left(self.starts, e) - 1
        while i >= 0 and self.max_end[i] > s:
            b = self.spans[i]
            if b.end > s and b.start < e:
                return b
            i -= 1
        return None


_HEDGE_GROUPS = ("h1", "h1c", "h2", "post")


def _qualifier(m: regex.Match, pre: str | None, rules: RuleSet) -> str:
    h1, h1c, h2, post = m.group(*_HEDGE_GROUPS)
    if pre:
        return rules.hedge_prefix[pre]
    inner = h1 or h1c or h2
    if inner:
        return rules.hedge_inner[inner]
    if post:
        return rules.hedge_suffix[post]
    return "exact"


def _value(m: regex.Match, pre: str | None) -> float | None:
    """The numeral's value before unit factors; None where the match is not a number."""
    if m.group("ar"):
        return parse_number(m.group("ar") + (m.group("sc") or ""))
    if m.group("pct"):
        return parse_number(m.group("pct"))
    cn = m.group("cn")
    if cn and all(ch in _SCALE_ONLY for ch in cn):
        # a bare 百/千/万/亿 is a number only when hedged: 近亿元, 超千万元, 百余人 (not 千万家)
        if not (pre or m.group("h2") or m.group("h1c")):
            return None
    value = parse_number(cn)
    if m.group("scc"):
        value *= parse_number(m.group("scc"))                  # 三百余万元
    return value


def _change(clean: str, start: int, rules: RuleSet) -> tuple[str | None, str | None]:
    window = clean[max(0, start - 16):start]
    if rules.change_chars.isdisjoint(window):
        return None, None                  # no direction verb (上升, 下降...) can end here
    m = rules.change_before.search(window, timeout=REGEX_TIMEOUT)
    if not m:
        return None, None
    verb = m.group("verb") or m.group("verb2")
    return rules.change_words[verb], m.group("basis")


def _lead(clean: str, lo: int, start: int, lead: regex.Pattern) -> regex.Match | None:
    """The longest lead (hedge word, currency, spaces) ending at ``start`` and beginning at or
    after ``lo``: where the full quantity pattern, scanning left to right, would have begun."""
    for p in range(lo, start):
        m = lead.fullmatch(clean, p, start)
        if m is not None:
            return m
    return None


def quantity_matches(clean: str, rules: RuleSet
                     ) -> Iterator[tuple[regex.Match, int, str | None, str | None]]:
    """(core match, start, hedge word, currency word) of every match of the quantity pattern
    with a unit or 百分之, in order: what ``rules.quantity.finditer`` finds, scanned the faster
    way (see rules.QuantityScan). ``start`` is where the hedge word begins, else the number."""
    scan = rules.quantity_scan
    lead_last = scan.lead_last
    prev_end = 0          # where the previous match ended: a lead cannot reach back past it
    for m in scan.core.finditer(clean, timeout=REGEX_TIMEOUT):
        surface, pct = m.group("unit", "pct")
        start, end = m.span()
        lead_from, prev_end = prev_end, end
        if not surface and not pct:
            continue
        pre = cur = None
        if start > lead_from and clean[start - 1] in lead_last:
            lead = _lead(clean, max(lead_from, start - scan.lead_max), start, scan.lead)
            if lead is not None:
                pre, cur = lead.group("pre", "cur")
                if pre:
                    start = lead.start("pre")
        yield m, start, pre, cur


def find_quantities(clean: str, rules: RuleSet, blocked: SpanIndex) -> list[Quantity]:
    """All quantities with a unit in ``clean``, in order, minus the blocked ones."""
    out: list[Quantity] = []
    for m, start, pre, cur in quantity_matches(clean, rules):
        surface = m.group("unit")
        end = m.end()
        if blocked.overlap(start, end):
            continue
        try:
            raw_value = _value(m, pre)
        except ValueError:
            continue
        if raw_value is None:
            continue
        if surface:
            u = rules.units[surface]
            if u.max_value is not None and raw_value > u.max_value:
                continue
            value, unit, kind = raw_value * u.factor, u.canonical, u.kind
            if cur and unit == "元":
                unit = rules.currency[cur]                      # 新台币2亿元 is not yuan
        else:
            value, unit, kind = raw_value, "%", "percent"
        change, basis = _change(clean, start, rules)
        if out and out[-1].change and out[-1].kind == kind:
            prev = out[-1]
            gap = clean[prev.end:start]
            if change is None and LIST_JOINER.fullmatch(gap):
                change, basis = prev.change, prev.basis  # 同比分别下降6.12%、17.40%
            elif change and basis is None and prev.basis and LIST_JOINER.match(gap):
                basis = prev.basis                      # 同比分别下降2.8%和上升5.1%
        out.append(Quantity(
            start=start, end=end, value=value, unit=unit, unit_surface=surface or "百分之",
            kind=kind, qualifier=_qualifier(m, pre, rules), change=change, basis=basis,
            rule=f"quantity.{kind}",
        ))
    return out
