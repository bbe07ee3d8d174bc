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
# What stands between the items of a list of values: 6.12%、17.40% / 9.1%和15.2%.
LIST_JOINER = regex.compile(r"\s*(?:、|和|及|以及|与|，和|，|,)\s*")


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


# Part-of-speech classes (jieba / ICTCLAS tags) that labels are built from. A word missing from
# the tag table is a noun (the commonest class), so the table only keeps the other words.
OBJECT_TAGS = ("n", "nr", "ns", "nt", "nz", "ng", "nrt", "nrfg", "vn", "l", "j", "b", "s",
               "eng", "an", "i", "f", "a", "x", "m", "mq", "q", "k", "h", "t", "tg")
VERB_TAGS = ("v", "vd", "vi", "vg", "zg")
# kept although they are object tags: place and organisation names are trimmed from labels, and
# a verbal noun opening an object (检查出租房屋) acts as its verb
_KEEP_OBJECT_TAGS = ("ns", "nt", "vn")


def is_object_tag(tag: str) -> bool:
    return tag in OBJECT_TAGS or tag.startswith("n")


def is_verb_tag(tag: str) -> bool:
    return tag.startswith(VERB_TAGS) and tag != "vn"


def _tag_table(dict_path: str) -> dict[str, str]:
    """jieba's word -> POS tags, without the plain nouns and other object words (the default),
    cached as marshal in the temp folder next to jieba's own cache: reading the 349k-line
    dictionary costs about a second, the compact cache (~60k words) a fraction of that."""
    import marshal
    import os
    import tempfile

    stat = os.stat(dict_path)
    key = f"v3:{dict_path}:{stat.st_size}:{int(stat.st_mtime)}".encode()
    cache = Path(tempfile.gettempdir()) / f"extract-jieba-pos-{hashlib.sha1(key).hexdigest()[:12]}.marshal"
    try:
        with open(cache, "rb") as fh:
            return marshal.load(fh)
    except (OSError, EOFError, ValueError, TypeError):
        pass
    table: dict[str, str] = {}
    with open(dict_path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 3 and (not is_object_tag(parts[2]) or parts[2] in _KEEP_OBJECT_TAGS):
                table[parts[0]] = parts[2]
    tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            marshal.dump(table, fh)
        os.replace(tmp, cache)
    except OSError:
        tmp.unlink(missing_ok=True)
    return table


class Tagger:
    """A jieba Tokenizer (its own instance) and a word -> POS tag lookup.

    Segmentation is jieba's without the HMM; tags come from jieba's dictionary, with the domain
    words of rules/lexicon.txt on top. (jieba.posseg is not used: importing it builds a global
    tagger by re-reading the whole dictionary.)"""

    def __init__(self, tokenizer, tags: dict[str, str], overrides: dict[str, str]):
        self.tokenizer = tokenizer
        self.tags = tags
        self.overrides = overrides

    def cut(self, text: str):
        return self.tokenizer.cut(text, HMM=False)

    def tag(self, word: str) -> str:
        return self.overrides.get(word) or self.tags.get(word, "n")


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


def _dict_path(tokenizer) -> str:
    import jieba

    return str(tokenizer.dictionary if tokenizer.dictionary != jieba.DEFAULT_DICT
               else Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME)


def make_tokenizer(rules: RuleSet, tokenizer=None) -> Tagger:
    """A Tagger over a jieba Tokenizer instance (a new one unless given), with the domain
    words of rules/lexicon.txt. Nothing touches jieba's global dictionary."""
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    if tokenizer is None:
        dictionary = _pruned_dictionary(rules.dictionary_min_freq)
        tokenizer = jieba.Tokenizer(dictionary) if dictionary else jieba.Tokenizer()
    tokenizer.initialize()
    overrides = {}
    for word, freq, tag in rules.lexicon:
        tokenizer.add_word(word, freq, tag)
        if tag:
            overrides[word] = tag
    return Tagger(tokenizer, _tag_table(_dict_path(tokenizer)), overrides)


@functools.lru_cache(maxsize=4)
def _cached_tokenizer(rules: RuleSet):
    return make_tokenizer(rules)


def default_tokenizer(rules: RuleSet):
    """One tokenizer per rule set per process (for notebooks and the CLI)."""
    return _cached_tokenizer(rules)


def as_tagger(tokenizer, rules: RuleSet) -> Tagger:
    """Accept None (the cached default), a Tagger, or a plain jieba.Tokenizer (wrapped once)."""
    if tokenizer is None:
        return default_tokenizer(rules)
    if isinstance(tokenizer, Tagger):
        return tokenizer
    return _wrapped(rules, tokenizer)


@functools.lru_cache(maxsize=4)
def _wrapped(rules: RuleSet, tokenizer) -> Tagger:
    return make_tokenizer(rules, tokenizer)


def tokens(tokenizer, text: str, offset: int = 0) -> list[tuple[str, int, int]]:
    """jieba tokens of ``text`` as (word, start, end), offsets shifted by ``offset``."""
    tk = getattr(tokenizer, "tokenizer", tokenizer)
    return [(w, s + offset, e + offset) for w, s, e in tk.tokenize(text, HMM=True)]
