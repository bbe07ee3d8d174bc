"""Headline figures: per document and metric, the one row that stands for the report period.

A plain function over one document's metric rows (:func:`choose`). A row is a candidate when it
is in the report period (its ``period`` is the report year and its ``period_part`` the part the
report covers: both None for a whole-year report), a total (not a part introduced by 其中), not a
change (同比下降8.2%) and has a key: its canonical metric id, or else its label (spacing and
punctuation dropped) with its unit in the unit it compares in (名 as 人, 公斤 as 克). A figure given
as a comparison's base (比2022年的2100起) has the base's year, so it is never a candidate.

Of the candidates of one key, the headline is the first in the text that its sentence marks as
a total before it (共破获, 累计, 全年, 合计: documents.toml ``headline.total``), else the first in
the text. Reports lead with their totals, and the words say so; figures of one case or operation
(打掉…团伙，抓获犯罪嫌疑人65人) usually come without them. The largest value is never the rule: it
would prefer a cumulative or a different count that happens to be bigger.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Sequence

import regex

# what a label key ignores: spacing and punctuation (layout differs between articles)
LABEL_NOISE = regex.compile(r"[\s\u3000、，,。．.；;：:·\-—_（）()“”\"'‘’《》]")


class Row(NamedTuple):
    """What the choice needs to know about one metric row."""

    key: str | None
    period: int | None
    period_part: str | None
    scope: str
    change: str | None
    marked: bool            # its sentence calls it a total before it (共, 累计, 全年 …)


def key_of(metric: str | None, label: str | None, unit: str | None,
           standard: dict[str, tuple[str, float]]) -> str | None:
    """The metric id, else the normalised label with the unit it compares in; None without
    either (a figure with no label cannot be lined up with anything)."""
    if metric:
        return metric
    lab = LABEL_NOISE.sub("", label or "")
    if not lab:
        return None
    u = unit or ""
    return f"{lab} [{standard.get(u, (u, 1.0))[0]}]"


def total_marks_pattern(words: Sequence[str]) -> re.Pattern | None:
    """Where a total word begins, as an empty match whose group 1 is the shortest total word
    there (the one that ends first): what :class:`TotalMarks` searches. None without words."""
    if not words:
        return None
    ordered = sorted(set(words), key=lambda w: (len(w), w))
    return re.compile("(?=(" + "|".join(map(re.escape, ordered)) + "))")


class TotalMarks:
    """Whether the sentence before a figure holds a total word (共破获, 累计): for each sentence,
    where its first total word ends, found once (a look at the whole sentence before every
    figure would be quadratic in a long sentence). ``pattern``: :func:`total_marks_pattern`."""

    def __init__(self, clean: str, pattern: re.Pattern | None):
        self.clean, self.pattern = clean, pattern
        self._first_end: dict[int, int] = {}

    def before(self, s_lo: int, s_hi: int, start: int) -> bool:
        """Whether a total word lies wholly in ``clean[s_lo:start]`` (the sentence [s_lo, s_hi)
        up to the figure at ``start``)."""
        end = self._first_end.get(s_lo)
        if end is None:
            end = self._first_end[s_lo] = self._first_end_in(s_lo, s_hi)
        return end <= start

    def _first_end_in(self, s_lo: int, s_hi: int) -> int:
        """The least end of a total word wholly in [s_lo, s_hi), else s_hi + 1. A word starting
        at or after the best end found so far cannot end before it, so the search stops there."""
        best = s_hi + 1
        if self.pattern is None:
            return best
        search, pos = self.pattern.search, s_lo
        while (m := search(self.clean, pos, s_hi)) is not None and m.start() < best:
            best = min(best, m.end(1))
            pos = m.start() + 1
        return best


def eligible(period: int | None, period_part: str | None, scope: str, change: str | None,
             report_year: int | None, report_part: str | None) -> bool:
    """Whether a row can stand for the report period's figure: of the report period, a total,
    not a change."""
    return (period == report_year and period_part == report_part and scope == "total"
            and change is None)


def choose(rows: Sequence[Row | None], report_year: int | None,
           report_part: str | None) -> list[bool]:
    """``headline`` for each row (same order): True for one row per key at most. A row may be
    None where the caller already knows it is not eligible."""
    best: dict[str, tuple[bool, int]] = {}      # key -> (marked, index)
    for i, r in enumerate(rows):
        if r is None or r.key is None or not eligible(r.period, r.period_part, r.scope,
                                                      r.change, report_year, report_part):
            continue
        held = best.get(r.key)
        if held is None or (r.marked and not held[0]):
            best[r.key] = (r.marked, i)
    chosen = {i for _, i in best.values()}
    return [i in chosen for i in range(len(rows))]
