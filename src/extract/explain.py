"""Why a number is not a metric: every number of an article that was not emitted, with the id of
the rule that blocked it (``extract show --why``, ``Result.blocked``).

Three kinds, in text order:
* a candidate of the quantity pattern dropped by a trap, a date or a filter (metrics.Dropped);
* a number without a unit inside a trap match (雷霆 7号: 号 is no unit, and the trap says why
  the number is not a figure either way): the trap's id;
* any other number without a unit (quantity.no_unit).
Numbers inside an emitted metric or a date are not listed. This runs only when asked for, never
in a batch.
"""

from __future__ import annotations

from .normalize import NormText
from .quantity_rules import FILTER_NO_UNIT
from .records import BlockedNumber
from .ruleset import RuleSet
from .traps import Blocked, SpanIndex

def why_of(rule: str, rules: RuleSet) -> str:
    """The why of the rule with this id: a trap, a quantity filter or a date rule."""
    for t in rules.traps.all:
        if t.id == rule:
            return t.why
    spec = rules.quantity.filters.get(rule)
    if spec is not None:
        return spec.why
    for d in rules.dates.rules:
        if d.id == rule:
            return "a date: " + d.why
    return rule


def blocked_numbers(text: str, doc_id: str, norm: NormText, rules: RuleSet, dropped,
                    trap_spans: list[Blocked], taken: list[tuple[int, int]]) -> list[BlockedNumber]:
    """The numbers of one article that were not emitted. ``dropped`` are the quantity stage's
    dropped candidates, ``trap_spans`` every trap match, ``taken`` the clean-text spans of the
    emitted metrics and dates (all offsets into ``norm.clean``)."""
    clean = norm.clean
    found: list[tuple[int, int, str]] = [(d.start, d.end, d.rule) for d in dropped]
    listed = SpanIndex([Blocked(s, e, r) for s, e, r in found]
                       + [Blocked(s, e, "") for s, e in taken])
    traps = SpanIndex(trap_spans)
    for m in rules.quantity.scan.core.finditer(clean):
        if not m.group("unit") and not m.group("pct") and listed.overlap(*m.span()) is None:
            trap = traps.overlap(*m.span())
            found.append((m.start(), m.end(), trap.rule if trap else FILTER_NO_UNIT))
    out = []
    for s, e, rule in sorted(found):
        rs, re_ = norm.raw_span(s, e)
        out.append(BlockedNumber(doc_id=doc_id, start=rs, end=re_, text=text[rs:re_],
                                 rule=rule, reason=why_of(rule, rules)))
    return out
