"""Where the gold facts are in an article, and which output rows match them.

Articles come from newspaper and PDF layouts with spaces and line breaks between characters, so
a gold fact's ``ctx`` and ``q`` are searched with all whitespace removed and mapped back to
offsets in the ORIGINAL decoded file, the same offsets the output tables use. A fact that cannot
be located is returned with the reason, not raised: a gold typo must not hide every other number.

A row may match a fact when its span overlaps the fact's span (and the caller's test accepts
it, e.g. equal values); matching is one-to-one and of maximum size, so a greedy choice can never
cost a match.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Callable

from .eval_records import Row
from .gold import GoldFact

VALUE_REL_TOL = 1e-6


# --------------------------------------------------------------------------- locating


def strip_ws(text: str) -> tuple[str, list[int]]:
    """``text`` without whitespace, plus the original offset of every kept character.
    Layout whitespace falls between arbitrary characters, so it is removed everywhere."""
    kept = [(i, ch) for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(ch for _, ch in kept), [i for i, _ in kept]


def locate(text: str, ctx: str, q: str, stripped: tuple[str, list[int]] | None = None
           ) -> tuple[tuple[int, int] | None, str]:
    """The original [start, end) of ``q`` inside the first occurrence of ``ctx``, ignoring
    whitespace in all three. Returns (span, "") or (None, reason)."""
    flat, offsets = stripped or strip_ws(text)
    flat_ctx, _ = strip_ws(ctx)
    flat_q, _ = strip_ws(q)
    if not flat_ctx or not flat_q:
        return None, "empty ctx or q"
    at = flat.find(flat_ctx)
    if at < 0:
        return None, "ctx not found in text"
    inner = flat_ctx.find(flat_q)
    if inner < 0:
        return None, "q not found inside ctx"
    first = at + inner
    return (offsets[first], offsets[first + len(flat_q) - 1] + 1), ""


def locate_facts(text: str, facts: list[GoldFact]
                 ) -> tuple[list[GoldFact], list[tuple[GoldFact, str]]]:
    """The facts found in ``text`` (copies with their span set), and the others with the
    reason they were not found; both in gold order."""
    stripped = strip_ws(text)
    located: list[GoldFact] = []
    lost: list[tuple[GoldFact, str]] = []
    for f in facts:
        span, reason = locate(text, f.ctx, f.q, stripped)
        if span is None:
            lost.append((f, reason))
        else:
            located.append(replace(f, span=span))
    return located, lost


# --------------------------------------------------------------------------- matching


def overlaps(span: tuple[int, int], r: Row) -> bool:
    return r.start < span[1] and span[0] < r.end


def _overlap_len(span: tuple[int, int], r: Row) -> int:
    return min(span[1], r.end) - max(span[0], r.start)


def same_value(gold: Any, got: Any) -> bool:
    """Values equal up to float noise (1.73亿 parsed as 1.73 * 1e8 is not exactly 173000000)."""
    if gold is None or got is None:
        return False
    try:
        return math.isclose(float(gold), float(got), rel_tol=VALUE_REL_TOL, abs_tol=VALUE_REL_TOL)
    except (TypeError, ValueError):
        return False


def match(facts: list[GoldFact], rows: list[Row],
          accept: Callable[[GoldFact, Row], bool]) -> dict[int, int]:
    """A one-to-one matching fact index -> row index of maximum size among the rows that
    overlap a fact and that ``accept`` takes. Facts listed first keep their partner (so M facts
    listed before N are never displaced) and each fact prefers its best-overlapping row."""
    return _max_matching(_candidates(facts, rows, accept))


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


def _candidates(facts: list[GoldFact], rows: list[Row],
                accept: Callable[[GoldFact, Row], bool]) -> list[list[int]]:
    """For each fact, the rows that may match it, best overlap first."""
    out = []
    for f in facts:
        idx = [i for i, r in enumerate(rows) if overlaps(f.span, r) and accept(f, r)]
        idx.sort(key=lambda i: (-_overlap_len(f.span, rows[i]), abs(rows[i].start - f.span[0])))
        out.append(idx)
    return out
