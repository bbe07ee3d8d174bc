"""Traps: numbers that are not metrics (operation names, ordinals, slogans, phone numbers, page
furniture), from rules/traps.toml. A quantity overlapping a trap match is not emitted; it is kept
as a blocked candidate with the trap's id, so ``extract show --why`` can say what blocked it.
"""

from __future__ import annotations

import bisect
import operator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Callable, NamedTuple

import regex
from pydantic import Field

from .rules import (RuleError, RuleId, Scanned, Strict, Word, alternation, check_shortcuts,
                    check_unique, compile_pattern, compose, load_file)


class TrapRule(Strict):
    id: RuleId
    why: str
    # one pattern, or a list of them scanned one by one (the trap matches where any does)
    pattern: str | Annotated[list[Word], Field(min_length=1)]
    # strings of which every match holds at least one: a text holding none of them is not
    # scanned (a pre-check in C, far cheaper than the regex's pass); empty: always scanned
    needs: list[Word] = []
    # strings every match BEGINS with: the text is searched for them and the patterns are
    # tried only where one begins (see rules.Scanned); empty: the regex scans every position
    starts: list[Word] = []
    examples: list[str] = []
    counter_examples: list[str] = []


class RegionRule(TrapRule):
    min_position: float = Field(0.0, ge=0.0, le=1.0)


class TrapsFile(Strict):
    trap: list[TrapRule]
    region: list[RegionRule] = []


@dataclass(frozen=True, eq=False)
class Trap(Scanned):
    id: str
    why: str
    patterns: tuple[regex.Pattern, ...]
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
    min_position: float = 0.0
    needs: tuple[str, ...] = ()
    starts: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class TrapRules:
    traps: tuple[Trap, ...]      # a match blocks the numbers it overlaps
    regions: tuple[Trap, ...]    # a match past min_position blocks everything after it

    @property
    def all(self) -> tuple[Trap, ...]:
        return self.traps + self.regions


def load(directory: Path, fragments: dict[str, str], clean: Callable[[str], str]) -> TrapRules:
    """Read, validate and compile traps.toml. ``fragments`` are quantity.toml's named regex
    pieces; ``clean`` normalises an example as the pipeline does (the shortcuts of a rule are
    checked on its examples' clean text)."""
    path = directory / "traps.toml"
    tfile: TrapsFile = load_file(TrapsFile, path)
    check_unique([t.id for t in (*tfile.trap, *tfile.region)], path)

    def build(rule: TrapRule) -> Trap:
        where = f"{path}: rule {rule.id!r}"
        sources = [rule.pattern] if isinstance(rule.pattern, str) else rule.pattern
        if any("{starts}" in p for p in sources) and not rule.starts:
            raise RuleError(f"{where}: the pattern uses {{starts}} but the rule has no starts")
        starts = f"(?:{alternation(rule.starts)})" if rule.starts else ""
        pats = tuple(compile_pattern(compose(p.replace("{starts}", starts), fragments, where),
                                     where) for p in sources)
        trap = Trap(rule.id, rule.why, pats, tuple(rule.examples), tuple(rule.counter_examples),
                    getattr(rule, "min_position", 0.0), tuple(rule.needs), tuple(rule.starts))
        check_shortcuts(trap, [clean(x) for x in rule.examples], where)
        return trap

    return TrapRules(tuple(build(t) for t in tfile.trap), tuple(build(r) for r in tfile.region))


class Blocked(NamedTuple):
    """A clean-text span that no quantity may overlap, and the rule that says so (a tuple:
    a page holds thousands of these)."""

    start: int
    end: int
    rule: str


def trap_spans(clean: str, rules: TrapRules) -> list[Blocked]:
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
        """The blocked span overlapping [s, e) that starts last, or None."""
        i = bisect.bisect_left(self.starts, e) - 1
        while i >= 0 and self.max_end[i] > s:
            b = self.spans[i]
            if b.end > s and b.start < e:
                return b
            i -= 1
        return None
