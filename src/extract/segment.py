"""Sentences and clauses of the clean text; word segmentation and POS tags for labels.

Quantities are found on characters (jieba splits numbers badly: 逾两千三百万人次 ->
逾|两千|三百|万人次); tokens are only for context, and only the clauses around quantities are
segmented. Segmentation is jieba's (its dictionary, its no-HMM algorithm) over a compact cache
that loads in a fraction of jieba's start-up; the Tagger holding it is built from the rules and
passed in, and nothing touches jieba's global dictionary. A caller's own jieba.Tokenizer can be
passed instead.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import logging
import marshal
import math
import re
import threading
from array import array
from dataclasses import dataclass
from pathlib import Path

import regex

from .ruleset import RuleSet

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


def _labels_need(tag: str) -> bool:
    """Whether a word's tag goes in the tag table: a word missing from it is a noun."""
    return not is_object_tag(tag) or tag in _KEEP_OBJECT_TAGS


# --- segmentation ------------------------------------------------------------------------------
# jieba.Tokenizer.cut(text, HMM=False), re-implemented over a compact, fast-loading copy of
# jieba's dictionary. jieba's own start-up unmarshals a 500k-entry prefix dictionary (1.0-1.3 s
# here) and importing jieba costs another 0.1-0.2 s (pkg_resources, the HMM tables); labels only
# need the no-HMM path, and every token is checked against jieba's in tests/test_segment.py.

_RE_HAN = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")   # jieba's re_han_default
_RE_SKIP = re.compile(r"(\r\n|\s)")                              # jieba's re_skip_default
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_CACHE_FORMAT = "extract-segmenter-2"


class Segmenter:
    """jieba's accurate mode without the HMM, token for token (``Tokenizer.lcut(text,
    HMM=False)`` with the same dictionary and added words).

    ``logp`` maps each dictionary word to log(freq / total) and each prefix of a word that is
    not itself a word to None (jieba's prefix dictionary, with the logarithms precomputed);
    ``unknown`` is the score of a character that is no word (jieba's log(1 / total)).

    Loaded from the cache, the table fills in as text comes: ``pending`` holds, for each first
    character, its words and prefixes still packed (see ``_unpack``), and a character's words
    are unpacked the first time the character starts a position to segment. An article needs a
    small part of the 500k entries, so start-up does not pay for building all of them."""

    __slots__ = ("_table", "_pending", "_lock", "unknown")

    def __init__(self, logp, unknown: float, pending: dict[str, tuple] | None = None):
        self._table = logp
        self._pending = pending if pending is not None else {}
        self._lock = threading.Lock()
        self.unknown = unknown

    def __getstate__(self):
        return {"logp": self.logp, "unknown": self.unknown}      # unpacked; a lock does not pickle

    def __setstate__(self, state):
        self.__init__(state["logp"], state["unknown"])

    @property
    def logp(self) -> dict[str, float | None]:
        """The whole table (every pending character unpacked)."""
        for ch in list(self._pending):
            self._unpack(ch)
        return self._table

    def _unpack(self, ch: str) -> None:
        """Move ``ch``'s words into the table. Threads may share a segmenter (a Dask worker
        runs several): the words go in with one dict.update, atomic under the GIL, before ``ch``
        leaves ``pending``, so a reader sees all of them or, with ``ch`` still pending, none
        (and then waits here for the thread that unpacks it)."""
        with self._lock:
            packed = self._pending.get(ch)
            if packed is None:
                return                                      # another thread was first
            words, values, prefixes = packed
            words = words.split("\n") if words else []
            values = array("d", values)
            if len(words) != len(values):
                raise ValueError(f"segmenter cache: the words of {ch!r} do not fit their values")
            entries: dict[str, float | None] = dict.fromkeys(prefixes.split("\n")) if prefixes else {}
            entries.update(zip(words, values))
            self._table.update(entries)
            del self._pending[ch]

    def lcut(self, text: str) -> list[str]:
        out: list[str] = []
        for blk in _RE_HAN.split(text):
            if not blk:
                continue
            if _RE_HAN.match(blk):
                self._cut_block(blk, out)
            else:
                for x in _RE_SKIP.split(blk):
                    if _RE_SKIP.match(x):
                        out.append(x)
                    else:
                        out.extend(x)
        return out

    def _cut_block(self, s: str, out: list[str]) -> None:
        # the best route right to left (jieba's get_DAG and calc in one pass): for each start,
        # the word ending furthest right among equal scores
        logp, n = self._table, len(s)
        get = logp.get
        pending = self._pending
        score = [0.0] * (n + 1)
        nxt = [0] * n
        missing = _MISSING
        for k in range(n - 1, -1, -1):
            best = None
            end = k + 1
            i = k + 1
            v = get(s[k], missing)
            if v is missing and pending:
                if s[k] in pending:
                    self._unpack(s[k])            # first time this character starts a word
                v = get(s[k], missing)            # again: another thread may just have done it
            while v is not missing:
                if v is not None:
                    sc = v + score[i]
                    if best is None or sc >= best:
                        best, end = sc, i
                i += 1
                if i > n:
                    break
                v = get(s[k:i], missing)
            if best is None:
                best = self.unknown + score[k + 1]
            score[k] = best
            nxt[k] = end
        # ASCII letters and digits left single are glued back together, as jieba does
        x, buf = 0, ""
        while x < n:
            y = nxt[x]
            if y - x == 1 and s[x] in _ASCII_ALNUM:
                buf += s[x]
            else:
                if buf:
                    out.append(buf)
                    buf = ""
                out.append(s[x:y])
            x = y
        if buf:
            out.append(buf)


_MISSING = object()


def _from_frequencies(freq: dict[str, int], total: int) -> Segmenter:
    logtotal = math.log(total)
    logp: dict[str, float | None] = {}
    for word, f in freq.items():
        logp[word] = (math.log(f) - logtotal) if f else None
    for word in freq:
        for i in range(1, len(word)):
            logp.setdefault(word[:i], None)
    return Segmenter(logp, math.log(1) - logtotal)


def _read_dictionary(path: Path, min_freq: int) -> tuple[dict[str, int], int, dict[str, str]]:
    """jieba's dictionary file as jieba reads it (the last frequency of a word wins, every line
    counts towards the total), and the tags the labels need. Words rarer than ``min_freq`` are
    left out (single characters are always kept)."""
    freq: dict[str, int] = {}
    total = 0
    tags: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            parts = line.strip().split(" ")
            if not parts[0]:
                continue
            try:
                word, f = parts[0], int(parts[1])
            except (IndexError, ValueError):
                raise ValueError(f"{path}: line {n}: invalid dictionary entry {line.strip()!r}") from None
            if f < min_freq and len(word) > 1:
                continue
            freq[word] = f
            total += f
            if len(parts) >= 3 and _labels_need(parts[2]):
                tags[word] = parts[2]
    return freq, total, tags


class _LiveLogp:
    """The ``logp`` of a Segmenter read off a frequency table that is still growing (words are
    being added): what jieba's suggest_freq segments with, without rebuilding the whole table
    for every word."""

    def __init__(self, freq: dict[str, int], total: int):
        self.freq = freq
        self.prefixes = {w[:i] for w in freq for i in range(1, len(w))} - freq.keys()
        self.logtotal = math.log(total)

    def get(self, word: str, default=None):
        f = self.freq.get(word)
        if f is None:
            return None if word in self.prefixes else default
        return (math.log(f) - self.logtotal) if f else None

    def jieba_freq(self, word: str) -> int:
        """jieba's FREQ.get(word, 1): a prefix that is no word is in its table, at 0."""
        return self.freq.get(word, 0 if word in self.prefixes else 1)

    def add(self, word: str, total: int) -> None:
        self.prefixes.update(word[:i] for i in range(1, len(word)))
        self.prefixes.discard(word)
        self.logtotal = math.log(total)


def _add_words(freq: dict[str, int], total: int, tags: dict[str, str], lexicon) -> int:
    """jieba's add_word for each (word, freq, tag) of rules/lexicon.txt; returns the new total.
    A word without a frequency gets jieba's suggest_freq (enough to be cut out whole)."""
    live = _LiveLogp(freq, total) if any(f is None for _, f, _ in lexicon) else None
    for word, f, tag in lexicon:
        if f is None:
            p = 1.0
            for piece in Segmenter(live, math.log(1) - live.logtotal).lcut(word):
                p *= live.jieba_freq(piece) / float(total)
            f = max(int(p * total) + 1, live.jieba_freq(word))
        freq[word] = f
        total += f
        if live is not None:
            live.add(word, total)
        if tag:
            tags[word] = tag
    return total


def jieba_dictionary() -> Path:
    """jieba's dictionary file, found without importing jieba."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("jieba is not installed (its dictionary is needed for segmentation)")
    return Path(list(spec.submodule_search_locations)[0]) / "dict.txt"


def _cache_path(dict_path: Path, rules: RuleSet) -> Path:
    import tempfile

    stat = dict_path.stat()
    key = hashlib.sha1(repr((_CACHE_FORMAT, str(dict_path), stat.st_size, int(stat.st_mtime),
                             rules.segment.lexicon, rules.segment.dictionary_min_freq, OBJECT_TAGS,
                             _KEEP_OBJECT_TAGS)).encode("utf-8"))
    return Path(tempfile.gettempdir()) / f"extract-segmenter-{key.hexdigest()[:16]}.marshal"


def _build(dict_path: Path, rules: RuleSet) -> tuple[Segmenter, dict[str, str]]:
    freq, total, tags = _read_dictionary(dict_path, rules.segment.dictionary_min_freq)
    total = _add_words(freq, total, tags, rules.segment.lexicon)
    return _from_frequencies(freq, total), tags


def _dump(path: Path, seg: Segmenter, tags: dict[str, str]) -> None:
    import os
    import tempfile

    buckets: dict[str, tuple[list[str], list[float], list[str]]] = {}
    for w, v in seg.logp.items():
        words, values, prefixes = buckets.setdefault(w[0], ([], [], []))
        if v is None:
            prefixes.append(w)
        else:
            words.append(w)
            values.append(v)
    packed = marshal.dumps({ch: ("\n".join(words), array("d", values).tobytes(), "\n".join(prefixes))
                            for ch, (words, values, prefixes) in buckets.items()})
    payload = (_CACHE_FORMAT, hashlib.sha1(packed).hexdigest(), packed, seg.unknown,
               "\n".join(tags), "\n".join(tags.values()))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError:
        return                              # no writable temp folder: rebuilt next time
    try:
        with os.fdopen(fd, "wb") as fh:
            marshal.dump(payload, fh)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def _load(path: Path) -> tuple[Segmenter, dict[str, str]] | None:
    """The cached segmenter, its words still packed per first character; None when the file is
    missing, of another format, or damaged (its digest is checked before anything is used)."""
    try:
        with open(path, "rb") as fh:
            fmt, digest, packed, unknown, tag_words, tag_values = marshal.load(fh)
        if fmt != _CACHE_FORMAT or hashlib.sha1(packed).hexdigest() != digest:
            return None
        pending = marshal.loads(packed)
        tag_words, tag_values = (tag_words.split("\n"), tag_values.split("\n")) if tag_words else ([], [])
        if not isinstance(pending, dict) or len(tag_words) != len(tag_values) or not unknown < 0.0:
            return None
    except (OSError, EOFError, ValueError, TypeError, AttributeError):
        return None
    return Segmenter({}, unknown, pending), dict(zip(tag_words, tag_values))


def load_segmenter(rules: RuleSet, dict_path: Path | None = None) -> tuple[Segmenter, dict[str, str]]:
    """The segmenter and tag table for ``rules`` (jieba's dictionary plus rules/lexicon.txt),
    from a cache in the temp folder keyed by the dictionary file and the lexicon; built (about
    2 s) when missing or stale."""
    dict_path = Path(dict_path) if dict_path else jieba_dictionary()
    cache = _cache_path(dict_path, rules)
    loaded = _load(cache)
    if loaded is None:
        loaded = _build(dict_path, rules)
        _dump(cache, *loaded)
    return loaded


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
    added to it). Nothing touches jieba's global dictionary."""
    if tokenizer is None:
        segmenter, tags = load_segmenter(rules)
        return Tagger(segmenter, tags)
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer.initialize()
    for word, freq, tag in rules.segment.lexicon:
        tokenizer.add_word(word, freq, tag)
    dict_path = (jieba_dictionary() if tokenizer.dictionary == jieba.DEFAULT_DICT
                 else Path(tokenizer.dictionary))
    tags = _read_dictionary(dict_path, 1)[2]
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
