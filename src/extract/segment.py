"""Sentences and clauses of the clean text; jieba tokens with offsets.

Quantities are found on characters (jieba splits numbers badly: 逾两千三百万人次 ->
逾|两千|三百|万人次); tokens are only for context, and only the clauses around quantities are
segmented. The jieba Tokenizer is an instance built from rules/lexicon.txt and passed in:
nothing touches jieba's global dictionary.
"""

from __future__ import annotations

import bisect
import functools
import logging
from dataclasses import dataclass

import regex

from .rules import RuleSet

SENTENCE_END = regex.compile(r"[。！？!?；;\n]+|……")
CLAUSE_END = regex.compile(r"[，,：:、（）()“”\"《》]+")


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

    def text_at(self, pos: int) -> str:
        s, e = self.at(pos)
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


def clause_bounds(clean: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """The clause (between commas, colons, 、 and brackets) around ``[start, end)`` within
    the sentence ``[lo, hi)``."""
    left = lo
    for m in CLAUSE_END.finditer(clean, lo, start):
        left = m.end()
    m = CLAUSE_END.search(clean, end, hi)
    right = m.start() if m else hi
    return left, right


def make_tokenizer(rules: RuleSet):
    """A jieba Tokenizer with the domain words of rules/lexicon.txt (its own instance)."""
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    for word, freq, tag in rules.lexicon:
        tk.add_word(word, freq, tag)
    return tk


@functools.lru_cache(maxsize=4)
def _cached_tokenizer(fingerprint: str, rules_id: int, rules: RuleSet):
    return make_tokenizer(rules)


def default_tokenizer(rules: RuleSet):
    """One tokenizer per rule set per process (for notebooks and the CLI)."""
    return _cached_tokenizer(rules.fingerprint, id(rules), rules)


def tokens(tokenizer, text: str, offset: int = 0) -> list[tuple[str, int, int]]:
    """jieba tokens of ``text`` as (word, start, end), offsets shifted by ``offset``."""
    return [(w, s + offset, e + offset) for w, s, e in tokenizer.tokenize(text, HMM=True)]
