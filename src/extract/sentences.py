"""Sentences of the clean text, searchable by position.

Quantities, labels and dates are looked for within one sentence; a sentence ends at 。！？；,
a line break or …… (the terminator stays with its sentence).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import regex

SENTENCE_END = regex.compile(r"[。！？!?；;\n]+|……")


@dataclass(frozen=True)
class Sentences:
    """Sentence spans of a clean text, searchable by position."""

    text: str
    starts: list[int]
    ends: list[int]

    def at(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, pos) - 1
        i = max(i, 0)
        return self.starts[i], self.ends[i]

    def text_at(self, pos: int, max_chars: int = 400) -> str:
        """The sentence holding ``pos``; a pathological "sentence" (a page with no 。) is cut
        to ``max_chars`` around ``pos`` so every row does not carry the whole page."""
        s, e = self.at(pos)
        if e - s > max_chars:
            s = max(s, pos - max_chars // 2)
            e = min(e, s + max_chars)
        return self.text[s:e].strip()


def sentences(clean: str) -> Sentences:
    """Split at 。！？；, line breaks and …… (the terminator stays with its sentence)."""
    starts, ends = [], []
    pos = 0
    for m in SENTENCE_END.finditer(clean):
        if m.end() > pos:
            starts.append(pos)
            ends.append(m.end())
        pos = m.end()
    if pos < len(clean) or not starts:
        starts.append(pos)
        ends.append(len(clean))
    return Sentences(clean, starts, ends)
