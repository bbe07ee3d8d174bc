"""Raw article text -> a clean string plus an exact map from every clean character back to the
raw text (kept per piece of copied text, see :class:`NormText`).

What it does, and why:

* Characters are folded one for one (so no offset ever shifts): full-width digits, Latin letters,
  ``％ ． ＋ － ／`` become ASCII; traditional characters become simplified (億 -> 亿, 餘 -> 余) from a
  table in rules/. Chinese punctuation (，。：) is kept: extractors accept both kinds. The whole
  text is never NFKC-normalised (that changes lengths and turns ， into ',').
* Layout spaces are removed: PDF and newspaper layouts put spaces between every character
  ("2 0 2 1 年 度", "国 家 反 诈"). A space survives only between two Latin words, or between two
  multi-digit numbers ("12 34" stays two numbers, "2 0 2 1" becomes 2021).
* Column line breaks inside a sentence are joined ("共 计 16 万\\n\\n元" -> "共计16万元"). A break
  stays (as one "\\n") after sentence-final punctuation, or where two or more blank lines make a
  clear paragraph gap.

>>> n = normalize("共 计 16 万\\n\\n元。")
>>> n.clean
'共计16万元。'
>>> n.raw_span(2, 6)
(4, 11)
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Mapping

import regex

from .rules import RuleError, read_text

# One-for-one folds that do not depend on rules: full-width ASCII forms that are not used as
# Chinese punctuation, plus the ideographic space.
_KEEP_FULLWIDTH = set("，！？：；（）")
_FULLWIDTH = {
    cp: chr(cp - 0xFEE0)
    for cp in range(0xFF01, 0xFF5F)
    if chr(cp) not in _KEEP_FULLWIDTH
}
_FULLWIDTH[0x3000] = " "  # ideographic space
_FULLWIDTH[0x00A0] = " "  # no-break space
for _zw in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF):
    _FULLWIDTH[_zw] = " "  # zero-width characters: treated as (removable) layout space
# Every other character the rules' \s matches is layout space too (en/em/thin spaces...), and
# the line and paragraph separators are line breaks. So whitespace in the clean text is only
# ever the single " " or "\n" that normalize keeps for a run: never two in a row, which lets
# rules write \s? for \s* (tests/test_properties.py checks both).
for _sp in (0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F):
    _FULLWIDTH[_sp] = " "
for _nl in (0x85, 0x2028, 0x2029):
    _FULLWIDTH[_nl] = "\n"

_WS = regex.compile(r"[ \t\r\n\f\v]+")
_SENTENCE_END = set("。！？!?；;…")
_CLOSERS = set("”’\"'」』）)")
# The characters (besides digits) after which a whitespace run may be kept (see _is_break and
# _keep_space); a run after any other character is dropped unless it holds three line breaks.
_MAY_KEEP = frozenset(_SENTENCE_END | _CLOSERS | set(".")
                      | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))


class FoldTable(dict):
    """A ``str.translate`` table (code point -> replacement) that also knows which characters
    it folds, so text without any of them (most simplified-Chinese articles) is not translated:
    ``str.translate`` looks up every character (~0.1 us each), a character-class search with
    the stdlib ``re`` skips a page in microseconds (``regex`` is far slower on a class of
    thousands of characters)."""

    def __init__(self, table: Mapping[int, str]):
        super().__init__(table)
        chars = "".join(sorted(chr(cp) for cp in self))
        self.needs_fold = re.compile(f"[{re.escape(chars)}]" if chars else r"(?!)").search

    def fold(self, text: str) -> str:
        """``text.translate(self)``, without the per-character pass when nothing folds."""
        if self.needs_fold(text) is None:
            return text
        return text.translate(self)


def fold_table(char_map: Mapping[str, str] | None = None) -> FoldTable:
    """The ``str.translate`` table used by :func:`normalize`: width folds plus ``char_map``."""
    table = dict(_FULLWIDTH)
    for src, dst in (char_map or {}).items():
        if len(src) == 1 and len(dst) == 1:
            table[ord(src)] = dst
    return FoldTable(table)


_DEFAULT_TABLE = fold_table()

FOLD_FILE = "tradsimp.tsv"


def load(directory: Path) -> FoldTable:
    """The fold table of a rules folder: the width folds plus rules/tradsimp.tsv (traditional ->
    simplified, one character for one; a missing file folds widths only)."""
    path = directory / FOLD_FILE
    text = read_text(path)
    out: dict[str, str] = {}
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or len(parts[0]) != 1 or len(parts[1]) != 1:
            raise RuleError(f"{path}: line {n}: expected 'char<TAB>char', got {line!r}")
        out[parts[0]] = parts[1]
    return fold_table(out)


@dataclass(frozen=True)
class NormText:
    """A clean string and the way back to the raw text it came from.

    The map back is kept per piece, not per character: the clean text is a sequence of pieces,
    each either a run copied from the (folded) raw text or one inserted separator, and piece
    ``k`` starts at clean position ``starts[k]`` and raw position ``origins[k]``. Within a piece
    clean and raw advance together (folds are one for one), so a clean position ``i`` in piece
    ``k`` came from raw position ``origins[k] + i - starts[k]``. A per-character array would cost
    a Python-level write per clean character; this costs one per piece.
    """

    raw: str
    clean: str
    starts: array   # clean start of each piece, strictly increasing, starts[0] == 0 if any
    origins: array  # raw start of each piece, strictly increasing

    def raw_pos(self, i: int) -> int:
        """The raw position of ``clean[i]``."""
        k = bisect_right(self.starts, i) - 1
        return self.origins[k] + i - self.starts[k]

    @cached_property  # stores into the instance __dict__, so it works on a frozen dataclass
    def index(self) -> array:
        """``index[i]`` = raw position of ``clean[i]``, for every clean character. Built on first
        use only (tests, debugging): the pipeline maps spans with :meth:`raw_span`."""
        index = array("l")
        ends = list(self.starts[1:]) + [len(self.clean)]
        for start, end, origin in zip(self.starts, ends, self.origins):
            index.extend(range(origin, origin + end - start))
        return index

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a clean ``[start, end)`` to the raw ``[start, end)`` covering the same characters."""
        if not 0 <= start < end <= len(self.clean):
            raise ValueError(f"clean span [{start}, {end}) outside 0..{len(self.clean)}")
        return self.raw_pos(start), self.raw_pos(end - 1) + 1

    def raw_text(self, start: int, end: int) -> str:
        """The raw surface of a clean span."""
        rs, re_ = self.raw_span(start, end)
        return self.raw[rs:re_]


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _keep_space(folded: str, left: int, right: int) -> bool:
    """Whether the space run between folded[left] and folded[right] separates two real words."""
    a, b = folded[left], folded[right]
    if _is_latin(a) and _is_latin(b):
        return True
    if a == "." and b.isdigit() and right + 1 < len(folded) and folded[right + 1].isdigit():
        return True  # "1. 2024年" is an enumerator and a year; "8 . 2 %" is layout
    if a.isdigit() and b.isdigit():
        # "2 0 2 1" is one number spread out by layout; "12 34" is two numbers.
        lone_left = left == 0 or not folded[left - 1].isdigit()
        lone_right = right + 1 >= len(folded) or not folded[right + 1].isdigit()
        return not (lone_left or lone_right)
    return False


def _ends_stamp(folded: str, left: int) -> bool:
    """Whether folded[left] ends a digit date or clock time (2018-02-02, 07:30): a stamp line,
    which joined to the next would glue its year onto the stamp (2018-02-022017年) and the
    next line's sentence onto the page furniture."""
    if not folded[left].isdigit():
        return False
    i = left
    while i > 0 and folded[i].isdigit() and left - i < 4:
        i -= 1
    return folded[i] in "-:/" and i < left


def _is_break(folded: str, left: int, run: str) -> bool:
    """Whether a whitespace run holding newlines ends a sentence, a paragraph or a stamp line
    (a digit date or clock time at the end of a line)."""
    if run.count("\n") >= 3:
        return True
    prev = folded[left]
    if prev in _SENTENCE_END:
        return True
    if _ends_stamp(folded, left):
        return True
    if prev in _CLOSERS and left > 0 and folded[left - 1] in _SENTENCE_END:
        return True
    return False


def normalize(raw: str, table: Mapping[int, str] | None = None) -> NormText:
    """Clean ``raw`` for extraction, keeping an exact map back to it.

    ``table`` is a ``str.translate`` table from :func:`fold_table` (the RuleSet carries one).
    """
    if table is None:
        table = _DEFAULT_TABLE
    folded = table.fold(raw) if isinstance(table, FoldTable) else raw.translate(table)
    n = len(folded)
    pieces: list[str] = []
    starts = array("l")   # see NormText: clean and raw start of every piece
    origins = array("l")
    add_piece, add_start, add_origin = pieces.append, starts.append, origins.append
    may_keep = _MAY_KEEP
    size = 0  # length of the clean text so far
    pos = 0
    for m in _WS.finditer(folded):
        s, e = m.span()
        if s > pos:
            add_piece(folded[pos:s])
            add_start(size)
            add_origin(pos)
            size += s - pos
        pos = e
        if s == 0 or e == n:
            continue  # leading / trailing whitespace
        prev = folded[s - 1]
        if (prev not in may_keep and not prev.isdigit()
                and (e - s < 3 or folded.count("\n", s, e) < 3)):
            continue  # most runs: after a Chinese character, not a paragraph gap
        run = folded[s:e]
        # which separator, if any, stands for the run, and the raw position it maps back to
        if "\n" in run:
            if _is_break(folded, s - 1, run):
                sep, at = "\n", s + run.index("\n")
            elif _is_latin(folded[s - 1]) and _is_latin(folded[e]):
                sep, at = " ", s
            else:
                continue
        elif _keep_space(folded, s - 1, e):
            sep, at = " ", s
        else:
            continue
        add_piece(sep)
        add_start(size)
        add_origin(at)
        size += 1
    if pos < n:
        pieces.append(folded[pos:])
        starts.append(size)
        origins.append(pos)
    return NormText(raw=raw, clean="".join(pieces), starts=starts, origins=origins)
