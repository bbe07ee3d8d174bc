"""The article as a person reads it: lines joined as the normaliser joins them, spans of the
original text found in it, a context centred on a fact, a fact's details without nulls.

An e-paper article breaks every few characters ("共 计 16 万\\n\\n元") and an HTML page is mostly
markup; shown as they are, neither reads. :func:`reading_view` keeps the characters the
normaliser keeps (the original ones, not folded) and the one space or line break it keeps for
a run of whitespace, with the way back to the original offsets, so highlights still sit on the
characters of each row. Nothing here touches files.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left
from dataclasses import dataclass

from .markup import looks_like_html, mask_html
from .normalize import normalize

# What the qualifier means in words: "over 1,000" must never read as a bare 1000.
HEDGE_WORDS = {"over": "over ", "nearly": "nearly ", "about": "about ", "under": "under "}


@dataclass(frozen=True)
class ReadingView:
    text: str        # the article as read: original characters, layout whitespace joined
    raw: list[int]   # raw[i]: the offset in the original text of text[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The reading-view span of the original ``[start, end)``."""
        return bisect_left(self.raw, start), bisect_left(self.raw, end)


def reading_view(original: str) -> ReadingView:
    """The original text with its whitespace joined as the normaliser joins it (markup of an
    HTML page left out), and the original offset of every character."""
    analysed = mask_html(original) if looks_like_html(original) else original
    norm = normalize(analysed)
    clean, starts, origins = norm.clean, norm.starts, norm.origins
    parts: list[str] = []
    raw: list[int] = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(clean)
        origin = origins[k]
        if end - start == 1 and clean[start] in " \n":
            parts.append(clean[start])          # the one separator kept for a whitespace run
        else:
            parts.append(analysed[origin:origin + end - start])
        raw.extend(range(origin, origin + end - start))
    return ReadingView("".join(parts), raw)


def width(s: str) -> int:
    """Display width: CJK (wide and full-width) characters count two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def take(s: str, columns: int, from_end: bool = False) -> tuple[str, bool]:
    """At most ``columns`` display columns of ``s`` (its end with ``from_end``); cut or not."""
    out, used = [], 0
    for ch in (reversed(s) if from_end else s):
        used += width(ch)
        if used > columns:
            break
        out.append(ch)
    text = "".join(reversed(out) if from_end else out)
    return text, len(text) < len(s)


def centred(view: ReadingView, start: int, end: int, columns: int,
            mark: tuple[str, str] = ("[", "]")) -> str:
    """One line of context with the original span ``[start, end)`` marked in its middle: as
    many columns on each side as fit in ``columns``, "…" where the line is cut."""
    s, e = view.span(start, end)
    line = view.text.replace("\n", " ")
    middle = mark[0] + line[s:e] + mark[1]
    side = max(4, (columns - width(middle)) // 2 - 1)
    left, cut_left = take(line[max(0, s - side):s], side, from_end=True)
    right, cut_right = take(line[e:e + side], side, from_end=False)
    cut_left = cut_left or s - len(left) > 0
    cut_right = cut_right or e + len(right) < len(line)
    return ("…" if cut_left else "") + left + middle + right + ("…" if cut_right else "")


def shown(v) -> str | None:
    """A value as text, or None when it is missing (None, pandas NA, NaN)."""
    if v is None or v != v or type(v).__name__ == "NAType":
        return None
    if isinstance(v, float):
        return f"{v:,.10g}"
    return str(v)


def qualified(value, qualifier) -> str:
    """A value with its hedge in words ("over 1,000"), "" when there is no value."""
    text = shown(value)
    if text is None:
        return ""
    return HEDGE_WORDS.get(shown(qualifier) or "", "") + text


def fact_details(rec, names: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(field, value) pairs describing a metric or date row, leaving out what is missing: what
    a tooltip or a listing shows (never a Python None)."""
    if hasattr(rec, "value"):
        metric = shown(getattr(rec, "metric", None))
        if metric and names and names.get(metric, metric) != metric:
            metric = f"{names[metric]} ({metric})"
        pairs = [("value", f"{qualified(rec.value, rec.qualifier)} {shown(rec.unit) or ''}"),
                 ("kind", shown(rec.kind)), ("change", " ".join(
                     x for x in (shown(rec.basis), shown(rec.change)) if x) or None),
                 ("label", shown(rec.label)), ("metric", metric),
                 ("period", shown(getattr(rec, "period", None))),
                 ("scope", shown(getattr(rec, "scope", None))),
                 ("headline", headline_word(getattr(rec, "headline", None)))]
    else:
        ymd = "-".join(x for x in (shown(rec.year), shown(rec.month), shown(rec.day)) if x)
        pairs = [("date", ymd or None), ("granularity", shown(rec.granularity)),
                 ("detail", shown(getattr(rec, "detail", None)))]
    pairs += [("page", shown(getattr(rec, "page", None))), ("rule", shown(rec.rule))]
    return [(k, v.strip()) for k, v in pairs if v and v.strip()]


def headline_word(v) -> str | None:
    """The ``headline`` column (when the tables have one) as a word: yes/no or its value."""
    if type(v).__name__ in ("bool", "bool_"):
        return "yes" if v else None
    return shown(v)
