"""The quantity stage's rules: how a number with its unit is written (quantity.toml), the units
(units.toml) and the comparisons before it (changes.toml), compiled into :class:`QuantityRules`.

The quantity pattern is composed here from data: the named fragments of quantity.toml
(``{arabic}``, ``{cn_char}``), its hedge and currency words and every unit surface. Its ids, and
the ids of the filters that drop a candidate it found, are entries of quantity.toml.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import regex
from pydantic import Field

from .records import KINDS
from .rules import (RuleError, RuleId, Strict, Word, WordList, alternation, check_unique,
                    compile_pattern, compose, load_file)


class UnitRule(Strict):
    surface: str = Field(min_length=1)
    unit: str | None = None
    kind: Literal[KINDS]  # type: ignore[valid-type]
    factor: float = 1.0
    max_value: float | None = None
    not_before: str | None = None
    std: str | None = None          # the unit a comparable value is in (名 -> 人, 公斤 -> 克)
    std_factor: float = 1.0         # value * std_factor is in ``std``

    @property
    def canonical(self) -> str:
        return self.unit or self.surface


class HedgeLists(Strict):
    over: list[str] = []
    nearly: list[str] = []
    about: list[str] = []
    under: list[str] = []


class QuantityRuleSpec(Strict):
    """A named part of the quantity pattern (the id in every metric's ``rule``) or a filter
    that drops a candidate the pattern found (the id of a blocked candidate)."""

    id: RuleId
    why: Word
    examples: list[Word] = Field(min_length=1)


class QuantityFile(Strict):
    fragments: dict[str, str]
    hedges: dict[Literal["prefix", "inner", "suffix"], HedgeLists]
    currency: dict[str, str] = {}
    words: list[WordList] = []
    rule: list[QuantityRuleSpec] = Field(min_length=1)
    filter: list[QuantityRuleSpec] = []


class UnitsFile(Strict):
    unit: list[UnitRule]


class ChangesFile(Strict):
    basis_patterns: list[str] = []
    words: list[WordList]


# The word lists of changes.toml the change pattern is built from, by id.
CHANGE_WORDS = ("change.basis", "change.between", "change.increase", "change.decrease",
                "change.basis_only_increase", "change.basis_only_decrease")


@dataclass(frozen=True)
class QuantityScan:
    """The quantity pattern in two parts, for speed: ``core`` (the number, its hedges and unit)
    is what the text is scanned for, and ``lead`` (a hedge word and a currency before the
    number: 超过, 人民币) is only tried right before a core match. The full pattern
    (QuantityRules.full) finds the same matches (tests/test_quantities.py compares them):
    neither lead word holds a character that can start a number, so a full match is a lead plus
    the core match the scan finds where the number starts. ``lead_last``: the characters a lead
    can end with; ``lead_max``: its longest length."""

    core: regex.Pattern
    lead: regex.Pattern
    lead_last: frozenset[str]
    lead_max: int
    full: str                 # the source of lead + core (QuantityRules.full compiles it)


# The ids of quantity.toml's [[rule]] and [[filter]] entries the code relies on.
RULE_UNIT = "quantity.unit"
RULE_PERCENT_WORD = "quantity.percent_word"
RULE_RANGE = "quantity.range"
RULE_SCALE_COUNT = "quantity.scale_count"
FILTER_BARE_SCALE = "quantity.bare_scale"
FILTER_MAX_VALUE = "quantity.max_value"
FILTER_NO_UNIT = "quantity.no_unit"
FILTER_NOT_RANGE = "quantity.not_range"
_NEEDED_RULES = (RULE_UNIT, RULE_PERCENT_WORD, RULE_RANGE, RULE_SCALE_COUNT)
_NEEDED_FILTERS = (FILTER_BARE_SCALE, FILTER_MAX_VALUE, FILTER_NO_UNIT, FILTER_NOT_RANGE)
# The word list of quantity.toml that joins values into a list (6.12%、17.40%).
LIST_JOINER_ID = "quantity.list_joiner"
# After a number with 万/亿 and no unit: words that show it does not count the noun after it.
SCALE_COUNT_NOT_BEFORE_ID = "quantity.scale_count_not_before"


@dataclass(frozen=True, eq=False)
class QuantityRules:
    """Everything find_quantities needs, validated and compiled. Immutable; pass it in."""

    path: Path                            # quantity.toml, for messages
    fragments: dict[str, str]
    units: dict[str, UnitRule]            # by surface
    scan: QuantityScan                    # the quantity pattern, in two parts, as scanned
    hedge_prefix: dict[str, str]          # word -> qualifier
    hedge_inner: dict[str, str]
    hedge_suffix: dict[str, str]
    currency: dict[str, str]              # currency word -> the unit its amounts are in
    change_basis: tuple[str, ...]
    change_before: regex.Pattern          # matched backwards from a quantity: see metrics.py
    change_words: dict[str, str]          # verb -> increase/decrease
    change_chars: frozenset[str]          # every character of a verb: change_before needs one
    list_joiner: regex.Pattern            # what stands between the values of a list
    scale_count_not_before: tuple[str, ...]  # 1200万的 is not a count of what follows
    rules: dict[str, QuantityRuleSpec]    # by id: the parts of the pattern
    filters: dict[str, QuantityRuleSpec]  # by id: what drops a candidate
    words: tuple[WordList, ...]

    @functools.cached_property
    def standard(self) -> dict[str, tuple[str, float]]:
        """Canonical unit -> (the unit its values compare in, the factor to it): 名 -> (人, 1),
        公斤 -> (克, 1000). Units without a ``std`` compare as themselves (not listed)."""
        return {u.canonical: (u.std, u.std_factor) for u in self.units.values() if u.std}

    def std(self, unit: str | None, value: float) -> tuple[float, str | None]:
        """(value, unit) in the unit values compare in: 8.5 公斤 -> (8500, 克), 3 名 -> (3, 人);
        a unit without a ``std`` is its own."""
        s = self.standard.get(unit) if unit else None
        return (value * s[1], s[0]) if s else (value, unit)

    @functools.cached_property
    def full(self) -> regex.Pattern:
        """The whole quantity pattern (lead + core): one match = one quantity candidate. The
        pipeline scans with ``scan``; this is compiled on first use only (tests)."""
        return compile_pattern(self.scan.full, str(self.path))


def _hedge_map(lists: HedgeLists) -> dict[str, str]:
    return {w: q for q in ("over", "nearly", "about", "under") for w in getattr(lists, q)}


_LEAD = r"(?P<pre>{pre})?\s*(?P<cur>{currency})?\s*"
# every character the regex engine's \s matches (tests/test_quantities.py checks the list)
WHITESPACE = frozenset("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
                       "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _quantity_pattern(frag: dict[str, str], units: dict[str, UnitRule], pre: dict, inner: dict,
                      post: dict, currency: dict[str, str], where: str) -> QuantityScan:
    unit_alts = []
    for surface in sorted(units, key=lambda s: (-len(s), s)):
        u = units[surface]
        guard = f"(?!{u.not_before})" if u.not_before else ""
        unit_alts.append(regex.escape(surface) + guard)
    core = (
        r"(?P<num>"
        r"(?<![\dA-Za-z.])(?P<ar>{arabic})(?:\s*(?P<h1>{inner})?\s*(?P<sc>{scale}))?"
        r"|{percent_word}(?P<pct>{arabic}|{cn_decimal})"
        # a Chinese numeral starts where its run starts (keeps long runs linear), may carry a
        # decimal (三点五), and a hedge may stand between it and its scale (三百余万元)
        r"|(?P<vg>{vague}(?={scale_char}))?(?<!{cn_char})(?P<cn>{cn_decimal})"
        r"(?:\s*(?P<h1c>{inner})?\s*(?P<scc>{big_scale}+))?"
        r")"
        # a range: 3至5人, 三到五名, 3-5万元 (the high end may carry the scale of both)
        r"(?:\s?(?P<sep>{range_sep})\s?(?:(?P<hiar>{arabic})|(?<!{cn_char})(?P<hicn>{cn_decimal}))"
        r"(?P<hisc>{scale})?)?"
        r"\s*(?P<h2>{inner})?"
        r"\s*(?P<unit>{units})?"
        r"(?P<post>{post})?"
    )

    def fill(pat: str) -> str:
        return compose(pat.replace("{pre}", alternation(pre))
                       .replace("{inner}", alternation(inner))
                       .replace("{post}", alternation(post))
                       .replace("{currency}", alternation(currency) or "(?!)")
                       .replace("{units}", "|".join(unit_alts)), frag, where)

    return QuantityScan(
        core=compile_pattern(fill(core), where),
        lead=compile_pattern(fill(_LEAD), where),
        lead_last=frozenset(w[-1] for w in (*pre, *currency)) | WHITESPACE,
        lead_max=max(map(len, pre), default=0) + max(map(len, currency), default=0) + 2,
        full=fill(_LEAD + core),
    )


def _change_pattern(ch: ChangesFile, inner_hedges: dict[str, str],
                    where: str) -> tuple[regex.Pattern, dict[str, str], tuple[str, ...]]:
    """A pattern matched against the text just before a quantity, anchored at its end; the
    direction of each verb; the basis words."""
    lists = {w.id: w.words for w in ch.words}
    missing = sorted(set(CHANGE_WORDS) - lists.keys())
    if missing:
        raise RuleError(f"{where}: the change pattern needs the word lists {', '.join(missing)}")
    words = ({w: "increase" for w in lists["change.increase"]}
             | {w: "decrease" for w in lists["change.decrease"]})
    basis_only = ({w: "increase" for w in lists["change.basis_only_increase"]}
                  | {w: "decrease" for w in lists["change.basis_only_decrease"]})
    between = alternation(lists["change.between"]) or "(?!)"
    hedges = alternation(inner_hedges)
    basis = "|".join([alternation(lists["change.basis"])]
                     + [f"(?:{p})" for p in ch.basis_patterns])
    pat = (
        rf"(?:(?P<basis>{basis})\s*(?:{between})?\s*"
        rf"(?P<verb>{alternation(list(words) + list(basis_only))})"
        rf"|(?P<verb2>{alternation(words)}))"
        rf"\s*(?:{between})?\s*(?:{hedges})?\s*$"
    )
    return compile_pattern(pat, where), words | basis_only, tuple(lists["change.basis"])


def _needed(entries: list, ids: tuple[str, ...], what: str, path: Path) -> None:
    missing = sorted(set(ids) - {e.id for e in entries})
    if missing:
        raise RuleError(f"{path}: the code needs the {what} {', '.join(missing)}")


def load(directory: Path) -> QuantityRules:
    """Read, validate and compile quantity.toml, units.toml and changes.toml."""
    qpath, upath, cpath = directory / "quantity.toml", directory / "units.toml", directory / "changes.toml"
    qfile: QuantityFile = load_file(QuantityFile, qpath)
    ufile: UnitsFile = load_file(UnitsFile, upath)
    cfile: ChangesFile = load_file(ChangesFile, cpath)
    check_unique([r.id for r in (*qfile.rule, *qfile.filter, *qfile.words)], qpath)
    check_unique([w.id for w in cfile.words], cpath)
    _needed(qfile.rule, _NEEDED_RULES, "rules", qpath)
    _needed(qfile.filter, _NEEDED_FILTERS, "filters", qpath)
    _needed(qfile.words, (LIST_JOINER_ID, SCALE_COUNT_NOT_BEFORE_ID), "word lists", qpath)

    frag = dict(qfile.fragments)
    for name, value in frag.items():
        compile_pattern(value, f"{qpath}: fragment {name!r}")
    units: dict[str, UnitRule] = {}
    for u in ufile.unit:
        where = f"{upath}: unit {u.surface!r}"
        if u.surface in units:
            raise RuleError(f"{where}: listed twice")
        if u.not_before:
            compile_pattern(u.not_before, where + " not_before")
        units[u.surface] = u

    pre = _hedge_map(qfile.hedges.get("prefix", HedgeLists()))
    inner = _hedge_map(qfile.hedges.get("inner", HedgeLists()))
    post = _hedge_map(qfile.hedges.get("suffix", HedgeLists()))
    change_before, change_words, change_basis = _change_pattern(cfile, inner, str(cpath))
    joiner = next(w for w in qfile.words if w.id == LIST_JOINER_ID)
    return QuantityRules(
        path=qpath,
        fragments=frag,
        units=units,
        scan=_quantity_pattern(frag, units, pre, inner, post, qfile.currency, str(qpath)),
        hedge_prefix=pre,
        hedge_inner=inner,
        hedge_suffix=post,
        currency=dict(qfile.currency),
        change_basis=change_basis,
        change_before=change_before,
        change_words=change_words,
        change_chars=frozenset("".join(change_words)),
        list_joiner=compile_pattern(rf"\s*(?:{alternation(joiner.words)})\s*",
                                    f"{qpath}: word list {LIST_JOINER_ID!r}"),
        scale_count_not_before=next(w for w in qfile.words
                                    if w.id == SCALE_COUNT_NOT_BEFORE_ID).longest_first(),
        rules={r.id: r for r in qfile.rule},
        filters={r.id: r for r in qfile.filter},
        words=(*qfile.words, *cfile.words),
    )
