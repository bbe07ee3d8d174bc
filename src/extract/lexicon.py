"""The segmentation stage's rules: domain words added to jieba's dictionary (rules/lexicon.txt,
jieba's user-dictionary format) and the dictionary's size (rules/segment.toml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from .rules import RuleError, Strict, load_file, read_text

LEXICON_FILE = "lexicon.txt"
SEGMENT_FILE = "segment.toml"


class SegmentFile(Strict):
    dictionary_min_freq: int = Field(1, ge=1)


@dataclass(frozen=True)
class SegmentRules:
    lexicon: tuple[tuple[str, int | None, str | None], ...]   # (word, freq, POS tag)
    dictionary_min_freq: int


def read_lexicon(path: Path) -> tuple[tuple[str, int | None, str | None], ...]:
    """jieba user-dictionary lines: word [freq] [pos]."""
    out = []
    for n, line in enumerate((read_text(path) or "").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) > 3 or (len(parts) >= 2 and not parts[1].isdigit()):
            raise RuleError(f"{path}: line {n}: expected 'word [freq] [pos]', got {line!r}")
        out.append((parts[0], int(parts[1]) if len(parts) >= 2 else None,
                    parts[2] if len(parts) == 3 else None))
    return tuple(out)


def load(directory: Path) -> SegmentRules:
    """Read lexicon.txt and segment.toml (both optional)."""
    seg = directory / SEGMENT_FILE
    sfile = load_file(SegmentFile, seg) if seg.is_file() else SegmentFile()
    return SegmentRules(read_lexicon(directory / LEXICON_FILE), sfile.dictionary_min_freq)
