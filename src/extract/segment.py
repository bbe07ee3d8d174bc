"""Sentences and clauses of the clean text; jieba tokens with offsets.

Quantities are found on characters (jieba splits numbers badly: 逾两千三百万人次 ->
逾|两千|三百|万人次); tokens are only for context, and only the clauses around quantities are
segmented. The jieba Tokenizer is an instance built from rules/lexicon.txt and passed in:
nothing touches jieba's global dictionary.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

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


def _tag_table(dict_file) -> dict[str, str]:
    """jieba's word -> POS table, cached as marshal next to jieba's own cache (reading the
    350k-line dictionary costs about a second; the cache about a tenth of that)."""
    import marshal
    import os
    import tempfile

    name = getattr(dict_file, "name", None)
    stat = os.stat(name) if isinstance(name, str) and os.path.exists(name) else None
    cache = None
    if stat is not None:
        key = f"{name}:{stat.st_size}:{int(stat.st_mtime)}".encode()
        digest = hashlib.sha1(key).hexdigest()[:12]
        cache = Path(tempfile.gettempdir()) / f"extract-jieba-pos-{digest}.marshal"
        try:
            with open(cache, "rb") as fh:
                return marshal.load(fh)
        except (OSError, EOFError, ValueError, TypeError):
            pass
    table: dict[str, str] = {}
    for line in dict_file:
        parts = line.decode("utf-8").strip().split(" ")
        if len(parts) >= 3:
            table[parts[0]] = parts[2]
    if cache is not None:
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as fh:
                marshal.dump(table, fh)
            os.replace(tmp, cache)
        except OSError:
            tmp.unlink(missing_ok=True)
    return table


def _pruned_dictionary(min_freq: int) -> str | None:
    """jieba's dictionary without words rarer than ``min_freq`` (single characters kept),
    written once to the temp folder; None means jieba's full dictionary."""
    import os
    import tempfile

    import jieba

    if min_freq <= 1:
        return None
    src = Path(jieba.__file__).parent / "dict.txt"
    stat = src.stat()
    key = hashlib.sha1(f"{src}:{stat.st_size}:{int(stat.st_mtime)}:{min_freq}".encode())
    dst = Path(tempfile.gettempdir()) / f"extract-jieba-dict-{key.hexdigest()[:12]}.txt"
    if not dst.is_file():
        tmp = dst.with_name(f"{dst.name}.{os.getpid()}.tmp")
        with open(src, encoding="utf-8") as fin, open(tmp, "w", encoding="utf-8") as fout:
            for line in fin:
                parts = line.split(" ", 2)
                if len(parts) >= 2 and (len(parts[0]) == 1 or int(parts[1]) >= min_freq):
                    fout.write(line)
        os.replace(tmp, dst)
    return str(dst)


def make_tokenizer(rules: RuleSet):
    """A jieba POS tokenizer over its own Tokenizer instance, with the domain words of
    rules/lexicon.txt. Nothing touches jieba's global dictionary."""
    import jieba
    import jieba.posseg

    class _POSTokenizer(jieba.posseg.POSTokenizer):
        def load_word_tag(self, f):
            try:
                self.word_tag_tab = _tag_table(f)
            finally:
                f.close()

    logging.getLogger("jieba").setLevel(logging.WARNING)
    dictionary = _pruned_dictionary(rules.dictionary_min_freq)
    tk = jieba.Tokenizer(dictionary) if dictionary else jieba.Tokenizer()
    tk.initialize()
    for word, freq, tag in rules.lexicon:
        tk.add_word(word, freq, tag)
    return _POSTokenizer(tk)


@functools.lru_cache(maxsize=4)
def _cached_tokenizer(rules: RuleSet):
    return make_tokenizer(rules)


def default_tokenizer(rules: RuleSet):
    """One tokenizer per rule set per process (for notebooks and the CLI)."""
    return _cached_tokenizer(rules)


def as_pos_tokenizer(tokenizer, rules: RuleSet):
    """Accept None (the cached default), our POS tokenizer, or a plain jieba.Tokenizer."""
    if tokenizer is None:
        return default_tokenizer(rules)
    if hasattr(tokenizer, "word_tag_tab"):
        return tokenizer
    import jieba.posseg

    return jieba.posseg.POSTokenizer(tokenizer)


def tokens(tokenizer, text: str, offset: int = 0) -> list[tuple[str, int, int]]:
    """jieba tokens of ``text`` as (word, start, end), offsets shifted by ``offset``."""
    tk = getattr(tokenizer, "tokenizer", tokenizer)
    return [(w, s + offset, e + offset) for w, s, e in tk.tokenize(text, HMM=True)]
