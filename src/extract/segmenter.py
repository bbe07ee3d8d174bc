"""Word segmentation: jieba's accurate mode without the HMM, over a table that loads fast.

``jieba.Tokenizer.cut(text, HMM=False)`` re-implemented over a compact copy of jieba's
dictionary. jieba's own start-up unmarshals a 500k-entry prefix dictionary (1.0-1.3 s here) and
importing jieba costs another 0.1-0.2 s (pkg_resources, the HMM tables); labels only need the
no-HMM path, and every token is checked against jieba's in tests/test_segment.py.

This module knows the algorithm, jieba's dictionary file and how jieba adds words; it keeps
no state between calls and touches no file but the dictionary it is asked to read (the cache on
disk is segcache.py's).
"""

from __future__ import annotations

import math
import re
import threading
from array import array
from pathlib import Path
from typing import Callable, Iterable

_RE_HAN = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")   # jieba's re_han_default
_RE_SKIP = re.compile(r"(\r\n|\s)")                              # jieba's re_skip_default
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_MISSING = object()

# A character's packed words: its words joined by "\n", their log-probabilities as the bytes of
# an array("d"), and its prefixes that are no word joined by "\n".
Packed = tuple[str, bytes, str]


class Segmenter:
    """jieba's accurate mode without the HMM, token for token (``Tokenizer.lcut(text,
    HMM=False)`` with the same dictionary and added words).

    ``logp`` maps each dictionary word to log(freq / total) and each prefix of a word that is
    not itself a word to None (jieba's prefix dictionary, with the logarithms precomputed);
    ``unknown`` is the score of a character that is no word (jieba's log(1 / total)).

    Made with ``from_packed`` (from the cache), the table fills in as text comes: ``pending``
    holds, for each first character, its words and prefixes still packed, and a character's
    words are unpacked the first time the character starts a position to segment. An article
    needs a small part of the 500k entries, so start-up does not pay for building all of them."""

    __slots__ = ("_table", "_pending", "_lock", "unknown")

    def __init__(self, logp, unknown: float, pending: dict[str, Packed] | None = None):
        self._table = logp
        self._pending = pending if pending is not None else {}
        self._lock = threading.Lock()
        self.unknown = unknown

    def __getstate__(self):
        return {"logp": self.logp, "unknown": self.unknown}      # unpacked; a lock does not pickle

    def __setstate__(self, state):
        self.__init__(state["logp"], state["unknown"])

    @classmethod
    def from_packed(cls, pending, unknown) -> Segmenter:
        """A segmenter over ``pack()``'s output, checked whole first: wrong types or words that
        do not fit their values raise ValueError here, never later while a document is cut."""
        if not isinstance(unknown, float) or not (-math.inf < unknown < 0.0):
            raise ValueError(f"packed segmenter: unknown-word score {unknown!r} is not a "
                             "negative number")
        if not isinstance(pending, dict):
            raise ValueError("packed segmenter: not a table of characters")
        for ch, packed in pending.items():
            if not (isinstance(ch, str) and len(ch) == 1 and isinstance(packed, tuple)
                    and len(packed) == 3 and isinstance(packed[0], str)
                    and isinstance(packed[1], bytes) and isinstance(packed[2], str)):
                raise ValueError(f"packed segmenter: the entry of {ch!r} is malformed")
            words, values, _ = packed
            n_words = words.count("\n") + 1 if words else 0
            if len(values) != 8 * n_words:
                raise ValueError(f"packed segmenter: the words of {ch!r} do not fit their values")
        return cls({}, unknown, dict(pending))

    def pack(self) -> dict[str, Packed]:
        """The table grouped by first character, in the form ``from_packed`` takes."""
        buckets: dict[str, tuple[list[str], list[float], list[str]]] = {}
        for w, v in self.logp.items():
            words, values, prefixes = buckets.setdefault(w[0], ([], [], []))
            if v is None:
                prefixes.append(w)
            else:
                words.append(w)
                values.append(v)
        return {ch: ("\n".join(words), array("d", values).tobytes(), "\n".join(prefixes))
                for ch, (words, values, prefixes) in buckets.items()}

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
            words, values, prefixes = packed                # (their fit checked in from_packed)
            entries: dict[str, float | None] = dict.fromkeys(prefixes.split("\n")) if prefixes else {}
            entries.update(zip(words.split("\n") if words else [], array("d", values)))
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


def _from_frequencies(freq: dict[str, int], total: int) -> Segmenter:
    logtotal = math.log(total)
    logp: dict[str, float | None] = {}
    for word, f in freq.items():
        logp[word] = (math.log(f) - logtotal) if f else None
    for word in freq:
        for i in range(1, len(word)):
            logp.setdefault(word[:i], None)
    return Segmenter(logp, math.log(1) - logtotal)


def read_dictionary(path: Path, min_freq: int, keep_tag: Callable[[str], bool]
                    ) -> tuple[dict[str, int], int, dict[str, str]]:
    """jieba's dictionary file as jieba reads it (the last frequency of a word wins, every line
    counts towards the total), and the tags for which ``keep_tag`` is true. Words rarer than
    ``min_freq`` are left out (single characters are always kept)."""
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
            if len(parts) >= 3 and keep_tag(parts[2]):
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


Lexicon = Iterable[tuple[str, "int | None", "str | None"]]


def add_words(freq: dict[str, int], total: int, tags: dict[str, str], lexicon: Lexicon) -> int:
    """jieba's add_word for each (word, freq, tag) of rules/lexicon.txt; returns the new total.
    A word without a frequency gets jieba's suggest_freq (enough to be cut out whole)."""
    lexicon = tuple(lexicon)
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


def build_segmenter(dict_path: Path, min_freq: int, lexicon: Lexicon,
                    keep_tag: Callable[[str], bool]) -> tuple[Segmenter, dict[str, str]]:
    """The segmenter of jieba's dictionary file plus ``lexicon`` (about 2 s for jieba's
    dictionary), and the tags ``keep_tag`` asks for."""
    freq, total, tags = read_dictionary(dict_path, min_freq, keep_tag)
    total = add_words(freq, total, tags, lexicon)
    return _from_frequencies(freq, total), tags


def jieba_dictionary() -> Path:
    """jieba's dictionary file, found without importing jieba."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("jieba is not installed (its dictionary is needed for segmentation)")
    return Path(list(spec.submodule_search_locations)[0]) / "dict.txt"
