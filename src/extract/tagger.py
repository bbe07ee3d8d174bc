"""Words and their part-of-speech classes for labels: the Tagger passed to attribution.

Quantities are found on characters (jieba splits numbers badly: 逾两千三百万人次 ->
逾|两千|三百|万人次); tokens are only for context, and only the clauses around quantities are
segmented. The Tagger holds a segmenter (segmenter.py, loaded through segcache.py) built from
the rules, and a word -> tag table; it is built once and passed in, and nothing touches jieba's
global dictionary. A caller's own jieba.Tokenizer can be passed instead.
"""

from __future__ import annotations

import functools
from pathlib import Path

from . import segcache
from .ruleset import RuleSet
from .segmenter import Segmenter, build_segmenter, jieba_dictionary, read_dictionary

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


def labels_need(tag: str) -> bool:
    """Whether a word's tag goes in the tag table: a word missing from it is a noun."""
    return not is_object_tag(tag) or tag in _KEEP_OBJECT_TAGS


def load_segmenter(rules: RuleSet, dict_path: Path | None = None) -> tuple[Segmenter, dict[str, str]]:
    """The segmenter and tag table for ``rules`` (jieba's dictionary plus rules/lexicon.txt),
    from the per-user cache (segcache.py) keyed by the dictionary file, the lexicon and the tag
    classes; built (about 2 s) and cached when missing, stale or not to be trusted."""
    dict_path = Path(dict_path) if dict_path else jieba_dictionary()
    key = _cache_key(rules)
    loaded = segcache.load(dict_path, key)
    if loaded is None:
        loaded = build_segmenter(dict_path, rules.segment.dictionary_min_freq, rules.segment.lexicon, labels_need)
        segcache.store(dict_path, key, *loaded)
    return loaded


def _cache_key(rules: RuleSet) -> tuple:
    """What the cached segmenter depends on besides the dictionary file."""
    return (rules.segment.lexicon, rules.segment.dictionary_min_freq, OBJECT_TAGS, _KEEP_OBJECT_TAGS)


class _JiebaCut:
    """A caller's own jieba.Tokenizer behind the Segmenter interface."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def lcut(self, text: str) -> list[str]:
        return self.tokenizer.lcut(text, HMM=False)


class Tagger:
    """A segmenter and a word -> POS tag lookup (jieba's dictionary tags with the domain words
    of rules/lexicon.txt on top; a word not in the table is a noun)."""

    def __init__(self, segmenter, tags: dict[str, str]):
        self.segmenter = segmenter
        self.tags = tags
        self.toks: dict = {}   # word -> its attribution.Tok, filled as words are met (a memo)

    def cut(self, text: str) -> list[str]:
        return self.segmenter.lcut(text)

    def tag(self, word: str) -> str:
        return self.tags.get(word, "n")


def make_tokenizer(rules: RuleSet, tokenizer=None) -> Tagger:
    """The Tagger for ``rules``: the compact segmenter (default), or a caller's own
    jieba.Tokenizer given as ``tokenizer`` (cut without the HMM; rules/lexicon.txt words are
    added to it). Nothing touches jieba's global dictionary, nor its logging (jieba logs its
    start-up on its own logger; the caller decides what to show)."""
    if tokenizer is None:
        segmenter, tags = load_segmenter(rules)
        return Tagger(segmenter, tags)
    import jieba

    tokenizer.initialize()
    for word, freq, tag in rules.segment.lexicon:
        tokenizer.add_word(word, freq, tag)
    dict_path = (jieba_dictionary() if tokenizer.dictionary == jieba.DEFAULT_DICT
                 else Path(tokenizer.dictionary))
    tags = read_dictionary(dict_path, 1, labels_need)[2]
    tags.update((word, tag) for word, _, tag in rules.segment.lexicon if tag)
    return Tagger(_JiebaCut(tokenizer), tags)


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
