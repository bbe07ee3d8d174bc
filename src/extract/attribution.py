"""What every number counts: a label in the article's words (labels.py), a canonical metric id
(rules/metrics.toml), the period it refers to, and whether it is a part of a larger total.

:func:`attribute` takes the quantities of one article and returns one typed
:class:`Attribution` per quantity, in the same order; each names the label rule that built its
label (``label_rule``).
"""

from __future__ import annotations

import bisect
from typing import NamedTuple

import regex

from .labels import Prev, label as build_label, list_items, previous_clause_label, shorten
from .metric_rules import (LABEL_FRAME, LABEL_PREVIOUS_CLAUSE, LABEL_RESPECTIVELY,
                           LABEL_RESPECTIVELY_COUNTS, LABEL_SHARE, MetricRules)
from .metrics import Quantity
from .normalize import NormText
from .sentences import Sentences
from .tagger import Tagger
from .when import part_of

_CLAUSE_MARK = regex.compile(r"[，,；;：:]")
_CLAUSE_MARK_LAST = regex.compile(r"[，,；;：:]", regex.REVERSE)   # once per 分别 list only


class Attribution(NamedTuple):
    """What one quantity counts and when."""

    label: str | None
    metric: str | None
    period: int | None
    scope: str                 # "total" or "part"
    label_rule: str | None     # the id of the label rule (metrics.toml [[label_rule]])
    period_part: str | None = None  # the part of ``period`` it covers (when.part_of); None: all


def attribute(norm: NormText, sents: Sentences, quantities: list[Quantity], found_dates,
              report_year: int | None, rules: MetricRules, change_before: regex.Pattern,
              pos: Tagger, report_part: str | None = None) -> list[Attribution]:
    """Label, canonical id, period and scope for each quantity (same order). ``found_dates``
    are the article's dates (dates.DateFound, sorted, resolved by when.resolve);
    ``report_part`` the part of the report year the report covers; ``change_before`` the
    quantity rules' pattern of a comparison that ends a text (for a clause that holds only a
    change)."""
    if not quantities:
        return []
    clean = norm.clean
    out: list[Attribution] = []
    prev: Prev | None = None
    prev_sentence = None
    date_starts = [d.start for d in found_dates]
    # where each clause mark ends, in order: the last one before a quantity is found by bisection
    # (a search back from each quantity would be quadratic in a sentence without marks)
    marks = [m.end() for m in _CLAUSE_MARK.finditer(clean)]
    target_markers = tuple(rules.labels.target_markers)
    part_markers = rules.labels.part_markers
    for idx, q in enumerate(quantities):
        s_lo, s_hi = sents.at(q.start)
        if prev_sentence != s_lo:
            prev = None
            prev_sentence = s_lo
        k = bisect.bisect_right(marks, q.start) - 1          # the last mark before it
        left_lo = clause_lo = marks[k] if k >= 0 and marks[k] - 1 >= s_lo else s_lo
        if prev and prev.end > left_lo:
            left_lo = prev.end
        left_end = q.start
        if q.change_start is not None:
            left_end = max(left_lo, q.change_start)           # the change phrase is cut off
        left_text = clean[left_lo:left_end]
        gap_is_list = bool(prev) and left_text.startswith(rules.list_gap)
        if gap_is_list:
            left_text = left_text[1:]  # the list separator belongs to the gap, not the label
        forced = None
        if clean[clause_lo:left_end].rstrip(rules.labels.frame_tail).endswith(rules.frame):
            # 刑事案件在连续三年下降的基础上再降12.3%: the subject stands before the frame
            z = clean.rfind(rules.labels.frame_open, clause_lo, left_end)
            lo = prev.end if prev and clause_lo < prev.end < z else clause_lo
            left_text, forced = (clean[lo:z] if z >= 0 else ""), LABEL_FRAME
        share = (rules.share.search(left_text)
                 if any(map(left_text.__contains__, rules.labels.share_needs)) else None)
        if share is not None:
            left_text, forced = left_text[:share.start()], LABEL_SHARE   # 火灾占总数的30.5%
        cut = (rules.furniture.search(left_text)
               if any(map(left_text.__contains__, rules.labels.furniture_needs)) else None)
        if cut is not None:
            left_text = left_text[cut.end():]                      # 某某网3月5日讯 全区…
        next_start = quantities[idx + 1].start if idx + 1 < len(quantities) else len(clean)
        text, verbs_s, obj_s, label_rule = build_label(
            clean, q, left_text, next_start, s_hi, None if forced == LABEL_FRAME else prev,
            gap_is_list, pos, rules)
        if forced == LABEL_SHARE and not text.strip() and prev is not None and prev.label:
            text, verbs_s, obj_s = prev.label, prev.verbs, prev.obj  # 火灾12.1万起，占比41.2%
        if forced and text:
            label_rule = forced
        opener = clean[max(s_lo, left_lo - 4):left_lo]        # 其中，抓获网上逃犯32人
        scope = ("part" if any(pm in left_text or pm in opener for pm in part_markers)
                 else "total")
        if (prev is not None and out and out[-1].scope == "part"
                and (gap_is_list or not verbs_s)):
            # a sub-list goes on while its items add no verb of their own:
            # 其中刑拘321人、逮捕187人 / 其中刑事案件800起，治安案件700起
            scope = "part"
        if not text and prev is None and left_lo > s_lo:
            text = previous_clause_label(clean[s_lo:left_lo], change_before, pos, rules)
            label_rule = LABEL_PREVIOUS_CLAUSE if text else None
        metric = None
        if text and not clean.startswith(target_markers, q.end):
            metric = rules.metric_for(text, q.unit, q.kind, q.change)
        period, part = _period(q.start, s_lo, found_dates, date_starts, report_year,
                               report_part)
        out.append(Attribution(text or None, metric, period, scope,
                               label_rule if text else None, part))
        prev = Prev(q.end, text, verbs_s, obj_s, q.unit)
    out = _distribute_respectively(clean, quantities, out, sents, rules, pos)
    return [a._replace(label=shorten(a.label, rules)) if a.label else a for a in out]


def _distribute_respectively(clean: str, quantities: list[Quantity], out: list[Attribution],
                             sents: Sentences, rules: MetricRules,
                             pos: Tagger) -> list[Attribution]:
    """分别 pairs n values with n things, in order: either the items of a list before them
    (起数、死亡人数分别下降9.1%和15.2%) or the n counts just before them in the same sentence
    (受理案件23,456件，审结21,987件，同比分别上升5.6%和4.3%)."""
    out = list(out)
    i = 0
    while i < len(out):
        text = out[i].label or ""
        j = i + 1
        while j < len(out) and out[j].label == text and _listed(clean, quantities[j]):
            j += 1
        window = clean[max(0, quantities[i].start - 12):quantities[i].start]
        n = j - i
        if n > 1 and any(w in window for w in rules.respectively):
            items = [x for x in rules.list_items.split(text) if x]
            if len(items) != n:
                # 事故起数和死亡人数同比分别下降…: the list as written before the change phrase
                q = quantities[i]
                s_lo = sents.at(q.start)[0]
                hi = q.change_start if q.change_start is not None else q.start
                mark = _CLAUSE_MARK_LAST.search(clean, s_lo, hi)
                items = list_items(clean[mark.end() if mark else s_lo:hi], n, pos, rules)
            before = range(i - n, i)
            if len(items) == n:
                items = _share_head(items, rules)
                for k, item in enumerate(items):
                    out[i + k] = out[i + k]._replace(label=item, label_rule=LABEL_RESPECTIVELY)
            elif (i - n >= 0 and all(q.change for q in quantities[i:j])
                  and sents.at(quantities[i - n].start) == sents.at(quantities[i].start)
                  and not any(quantities[b].change for b in before)):
                for k, b in enumerate(before):
                    out[i + k] = out[i + k]._replace(label=out[b].label,
                                                     label_rule=LABEL_RESPECTIVELY_COUNTS)
        i = j
    return out


def _share_head(items: list[str], rules: MetricRules) -> list[str]:
    """刑事、盗窃案件: an item without a head noun takes the last item's (刑事案件)."""
    head = next((h for h in rules.shared_heads if items[-1].endswith(h)), None)
    if head is None:
        return items
    return [x if x.endswith(rules.shared_heads) or len(x) > 4 else x + head for x in items[:-1]] \
        + items[-1:]


def _listed(clean: str, q: Quantity) -> bool:
    """Whether ``q`` follows the value before it as the next item of a list of values: right
    after a list joiner (9.1%和15.2%), or after a joiner and its own direction verb alone
    (下降8.2%、上升3.1%)."""
    gap = q.joiner_end
    if gap is None:
        return False
    return gap == q.start or (q.change_start == gap and clean[gap:q.start] == q.change_verb)


def _period(pos: int, s_lo: int, found_dates, date_starts: list[int],
            report_year: int | None, report_part: str | None) -> tuple[int | None, str | None]:
    """(year, part of it) a figure belongs to. A figure right after a comparison base and 的
    (比2022年的[2100起], 较去年同期的[350起]) is the base's; else the nearest date earlier in the
    same sentence that is not a base (去年，全市… -> last year); else the report year and the part
    the report covers. 去年同期 covers the same part of its year as the report. A relative year
    the dates could not resolve (no anchor, or an article written some time after its report
    year) gives no period rather than a guess. ``date_starts`` are the (sorted) starts of
    ``found_dates``."""
    i = bisect.bisect_left(date_starts, pos) - 1
    if i >= 0 and date_starts[i] >= s_lo and found_dates[i].figure_at == pos:
        return _date_period(found_dates[i], report_part)
    while i >= 0 and date_starts[i] >= s_lo:
        d = found_dates[i]
        i -= 1
        if d.base:
            continue
        if d.year is not None or d.relative is not None:
            return _date_period(d, report_part)
    return report_year, report_part


def _date_period(d, report_part: str | None) -> tuple[int | None, str | None]:
    """(year, part) of the figures a date governs."""
    if d.year is None:
        return None, None
    return d.year, (report_part if d.same_period else part_of(d))
