"""China's administrative divisions as a lookup of place names: full names, short forms, aliases.

The table (rules/divisions.tsv: adcode, name, level, parent) is generated from a package by
tools/make_divisions.py. Short forms are derived here from the full names by rules that are data
(rules/orgs.toml [gazetteer]): a suffix is cut (锡林郭勒盟 -> 锡林郭勒), then ethnic group names at
the end of the stem (黔东南苗族侗族自治州 -> 黔东南), and an autonomous division also gets its stem
with a short suffix (黔东南州). A reviewed alias list adds the abbreviations no rule derives (锡盟).

Lookups are dicts, built once when the rules load: forms by their last two characters (to read a
place name leftwards from an organisation's name) and by their first two characters (to find the
places an article names, in one pass over the text).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

LEVELS = ("province", "prefecture", "county")


class GazetteerError(ValueError):
    """The divisions table is malformed; the message names the file and line."""


@dataclass(frozen=True)
class Division:
    adcode: str
    name: str
    level: str
    parent: str | None


@dataclass(frozen=True, eq=False)
class FormSpec:
    """How short forms are derived (the [gazetteer] table of rules/orgs.toml)."""
    suffixes: tuple[str, ...]
    short_suffix: dict[str, str]
    ethnic: tuple[str, ...]
    not_places: frozenset[str]

    @functools.cached_property
    def splitter(self) -> re.Pattern:
        """stem (2+ characters, as short as can be), ethnic names, suffix: one match a name."""
        def alt(words) -> str:
            return "|".join(map(re.escape, sorted(words, key=lambda w: (-len(w), w))))

        return re.compile(rf"(?P<stem>..+?)(?:{alt(self.ethnic) or '(?!)'})*"
                          rf"(?P<suf>{alt(self.suffixes) or '(?!)'})?$")


@dataclass(frozen=True, eq=False)
class Gazetteer:
    divisions: dict[str, Division]         # by adcode
    forms: dict[str, tuple[str, ...]]      # surface form -> adcodes it may name
    full: frozenset[str]                   # forms that are full names or aliases
    context: frozenset[str]                # forms safe to read anywhere in an article
    by_last: dict[str, tuple[str, ...]]    # last two characters -> forms, longest first
    by_head: dict[str, tuple[str, ...]]    # first two characters -> context forms, longest first
    spelled: dict[str, tuple[str, ...]]    # adcode -> its context forms
    words: frozenset[str]                  # stems that are everyday words (not_places)

    def ancestors(self, adcode: str) -> tuple[str, ...]:
        """The divisions above ``adcode``, nearest first."""
        out = []
        parent = self.divisions[adcode].parent
        while parent:
            out.append(parent)
            parent = self.divisions[parent].parent
        return tuple(out)

    def contains(self, outer: str, inner: str) -> bool:
        """Some division the form ``outer`` names is above one the form ``inner`` names."""
        above = set(self.forms.get(outer, ()))
        return any(above.intersection(self.ancestors(c)) for c in self.forms.get(inner, ()))

    def ending_at(self, text: str, pos: int, lo: int = 0, words: bool = False) -> str | None:
        """The longest form that ends at ``pos`` and starts at or after ``lo``; stems that are
        everyday words (平安, 南山) only with ``words`` (where the text leaves no doubt that a
        place is named: the 南山 of 市公安局南山分局). A shorter form wins when its parent is
        written right before it (台中市 + 中区, not 台中 + 市中区)."""
        found = [f for f in self.by_last.get(text[pos - 2:pos], ()) if pos - 2 >= lo
                 and pos - len(f) >= lo and text.startswith(f, pos - len(f))
                 and (words or f not in self.words)]
        for form in found[1:]:
            outer = self.ending_at(text, pos - len(form), lo)
            if outer is not None and self.contains(outer, form):
                return form
        return found[0] if found else None

    def scan(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, form) of the places ``text`` names, left to right, longest first,
        without overlaps: full names, aliases, and stems of provinces and prefectures."""
        get = self.by_head.get
        i, n = 0, len(text) - 1
        while i < n:
            for form in get(text[i:i + 2], ()):
                if text.startswith(form, i):
                    yield i, i + len(form), form
                    i += len(form) - 1
                    break
            i += 1


def read_divisions(path: Path) -> list[Division]:
    """Rows of the divisions table, checked: 6-digit codes, known levels, parents present."""
    if not path.is_file():
        raise GazetteerError(f"{path}: missing divisions table (run tools/make_divisions.py)")
    rows: list[Division] = []
    header_seen = False
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise GazetteerError(f"{path}: not UTF-8 text: {exc}") from None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if not header_seen:
            if parts != ["adcode", "name", "level", "parent"]:
                raise GazetteerError(f"{path}: line {n}: expected the header "
                                     f"'adcode<TAB>name<TAB>level<TAB>parent', got {line!r}")
            header_seen = True
            continue
        if len(parts) != 4:
            raise GazetteerError(f"{path}: line {n}: expected 4 columns, got {line!r}")
        code, name, level, parent = parts
        if len(code) != 6 or not code.isdigit() or not name or level not in LEVELS:
            raise GazetteerError(f"{path}: line {n}: bad row {line!r} (adcode: 6 digits, "
                                 f"level: one of {', '.join(LEVELS)})")
        rows.append(Division(code, name, level, parent or None))
    codes = {d.adcode for d in rows}
    if len(codes) != len(rows):
        raise GazetteerError(f"{path}: an adcode is listed twice")
    for d in rows:
        if d.parent is not None and d.parent not in codes:
            raise GazetteerError(f"{path}: {d.adcode} {d.name}: parent {d.parent} not in the table")
    return rows


def stem_of(name: str, spec: FormSpec) -> tuple[str, str]:
    """(stem, suffix): the name without its division suffix and the ethnic group names before
    it, as long as two characters remain (鄂温克族自治旗 keeps 鄂温克族)."""
    m = spec.splitter.match(name)
    return (m.group("stem"), m.group("suf") or "") if m else (name, "")


def forms_of(d: Division, spec: FormSpec) -> list[tuple[str, bool]]:
    """(form, is_full) of one division: its name, its stem with a short suffix, its stem."""
    stem, suffix = stem_of(d.name, spec)
    out = [(d.name, True)]
    short = spec.short_suffix.get(suffix)
    if short and stem + short != d.name:
        out.append((stem + short, True))
    if len(stem) >= 2 and stem != d.name:
        out.append((stem, False))
    return out


def build(divisions: list[Division], spec: FormSpec,
          aliases: list[tuple[str, str]]) -> Gazetteer:
    """The lookups of ``divisions`` with their derived forms and ``aliases`` (alias, adcode)."""
    by_code = {d.adcode: d for d in divisions}
    forms: dict[str, set[str]] = {}
    full: set[str] = set()
    context: set[str] = set()
    for d in divisions:
        for form, is_full in forms_of(d, spec):
            forms.setdefault(form, set()).add(d.adcode)
            if is_full:
                full.add(form)
            # a county's stem (湛河, 公安, 平安) is too often a word: read only before an org
            if (is_full or d.level != "county") and form not in spec.not_places \
                    and len(form) >= (2 if d.level != "county" else 3):
                context.add(form)
    for alias, code in aliases:
        forms.setdefault(alias, set()).add(code)
        full.add(alias)
        context.add(alias)
    by_last: dict[str, list[str]] = {}
    by_head: dict[str, list[str]] = {}
    spelled: dict[str, list[str]] = {}
    for form in forms:
        by_last.setdefault(form[-2:], []).append(form)
    for form in context:
        by_head.setdefault(form[:2], []).append(form)
        for code in forms[form]:
            spelled.setdefault(code, []).append(form)

    def longest_first(d: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
        return {k: tuple(sorted(v, key=lambda f: (-len(f), f))) for k, v in d.items()}

    return Gazetteer(by_code, {f: tuple(sorted(c)) for f, c in forms.items()}, frozenset(full),
                     frozenset(context), longest_first(by_last), longest_first(by_head),
                     longest_first(spelled), frozenset(spec.not_places) - full)
