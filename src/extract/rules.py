"""Load rules/ into a frozen, validated :class:`RuleSet`.

Rules are data: TOML files with ids and examples, validated when loaded. A bad file raises
:class:`RuleError` naming the file, the rule and the problem. Regexes are composed from the named
fragments of quantity.toml (``{arabic}``, ``{cn_char}``) and word lists are joined longest first.
The RuleSet is immutable and passed to every stage; :func:`default_rules` caches the shipped one.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Iterator, Literal

import regex
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .normalize import fold_table, normalize
from .records import KINDS

# Every pattern a rule author writes runs under this time limit (seconds per call), so a
# pathological input cannot hang a batch.
REGEX_TIMEOUT = 2.0

_RULE_FILES = ("quantity.toml", "units.toml", "changes.toml", "traps.toml", "metrics.toml",
               "dates.toml", "documents.toml", "segment.toml", "lexicon.txt", "tradsimp.tsv",
               "orgs.toml", "divisions.tsv")


class RuleError(ValueError):
    """A rules file is missing or malformed. The message names the file, rule and problem."""


def rules_dir() -> Path:
    """Where the shipped rules are: inside the installed package, else the repository's rules/."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "rules", here.parent.parent / "rules"):
        if (candidate / "units.toml").is_file():
            return candidate
    raise RuleError(f"no rules folder found next to {here} (looked for rules/units.toml)")


# --- schemas of the rule files -------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UnitRule(_Strict):
    surface: str = Field(min_length=1)
    unit: str | None = None
    kind: Literal[KINDS]  # type: ignore[valid-type]
    factor: float = 1.0
    max_value: float | None = None
    not_before: str | None = None

    @property
    def canonical(self) -> str:
        return self.unit or self.surface


class HedgeLists(_Strict):
    over: list[str] = []
    nearly: list[str] = []
    about: list[str] = []
    under: list[str] = []


class QuantityFile(_Strict):
    fragments: dict[str, str]
    hedges: dict[Literal["prefix", "inner", "suffix"], HedgeLists]
    currency: dict[str, str] = {}


class UnitsFile(_Strict):
    unit: list[UnitRule]


Word = Annotated[str, Field(min_length=1)]   # a non-empty string in a rule file


class Direction(_Strict):
    increase: list[Word] = []
    decrease: list[Word] = []


class ChangesFile(_Strict):
    basis: list[Word]
    basis_patterns: list[str] = []
    between: list[Word] = []
    increase: list[Word]
    decrease: list[Word]
    basis_only: Direction = Direction()


class TrapRule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_.]*$")
    why: str
    # one pattern, or a list of them scanned one by one (the trap matches where any does)
    pattern: str | Annotated[list[Word], Field(min_length=1)]
    # strings of which every match holds at least one: a text holding none of them is not
    # scanned (a pre-check in C, far cheaper than the regex's pass); empty: always scanned
    needs: list[Word] = []
    # strings every match BEGINS with: the text is searched for them and the patterns are
    # tried only where one begins (see Scanned); empty: the regex scans every position
    starts: list[Word] = []
    examples: list[str] = []
    counter_examples: list[str] = []


class RegionRule(TrapRule):
    min_position: float = Field(0.0, ge=0.0, le=1.0)


class SegmentFile(_Strict):
    dictionary_min_freq: int = Field(1, ge=1)


class TrapsFile(_Strict):
    trap: list[TrapRule]
    region: list[RegionRule] = []


# --- the compiled rule set -----------------------------------------------------------------

def _longest_first(words) -> list[str]:
    return sorted(set(words), key=lambda w: (-len(w), w))


def words_pattern(words: tuple[str, ...] | list[str]) -> re.Pattern:
    """The stdlib-re alternation of literal words, longest first. For finding where any of a
    few words occurs, re is about three times faster than the regex module (a literal-prefix
    search in C rather than a character-set test at every position)."""
    return re.compile("|".join(re.escape(w) for w in _longest_first(words)))


def anchored_finditer(pattern: regex.Pattern, starts: re.Pattern, text: str,
                      timeout: float = REGEX_TIMEOUT) -> Iterator[regex.Match]:
    """What ``pattern.finditer(text)`` yields (its non-empty matches), for a pattern whose every
    match begins where ``starts`` matches: the pattern is tried only at those places.

    It is the regex engine's own search, with the places to try found another way: from the
    end of the last match (or the start), the next place where a start word begins, try the
    pattern there (lookbehinds still see the text before it), on a miss move one character on.
    Every place the engine could find a match is tried in the same order, so the matches are
    the same; the text between start words is never looked at by the regex engine. The patterns
    of a rule with starts run left to right and cannot match the empty string (checked when the
    rules load), and ``timeout`` bounds the whole scan, as it bounds a finditer."""
    search, match = starts.search, pattern.match
    deadline = time.monotonic() + timeout
    a = search(text)
    while a is not None:
        i = a.start()
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("regex timed out")
        m = match(text, i, timeout=left)
        if m is not None and m.end() > m.start():
            yield m
            a = search(text, m.end())
        else:
            a = search(text, i + 1)


class Scanned:
    """A compiled rule's patterns and the shortcuts of its scan (``needs``, ``starts``, tuples
    of strings, empty for none). Traps and date rules share it."""

    patterns: tuple[regex.Pattern, ...]
    needs: tuple[str, ...]
    starts: tuple[str, ...]

    def may_match(self, text: str) -> bool:
        """False when ``text`` holds none of the strings the rule needs (so no scan)."""
        return not self.needs or any(w in text for w in self.needs)

    @functools.cached_property
    def _starts(self) -> re.Pattern | None:
        return words_pattern(self.starts) if self.starts else None

    def finditer(self, text: str) -> Iterator[regex.Match]:
        """Every non-empty match in ``text``, pattern by pattern (each in text order). Skips
        a text without any of ``needs``; with ``starts``, tries the patterns only where a start
        word begins (anchored_finditer). Same matches as :meth:`plain_finditer`."""
        if not self.may_match(text):
            return
        starts = self._starts
        if starts is None:
            yield from self.plain_finditer(text)
            return
        for p in self.patterns:
            yield from anchored_finditer(p, starts, text)

    def plain_finditer(self, text: str) -> Iterator[regex.Match]:
        """The same matches without shortcuts: every pattern's finditer over the whole text.
        The reference the tests hold :meth:`finditer` to."""
        for p in self.patterns:
            for m in p.finditer(text, timeout=REGEX_TIMEOUT):
                if m.end() > m.start():
                    yield m


@dataclass(frozen=True, eq=False)
class Trap(Scanned):
    id: str
    why: str
    patterns: tuple[regex.Pattern, ...]
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
    min_position: float = 0.0
    needs: tuple[str, ...] = ()
    starts: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)  # hashed by identity: a RuleSet is a value you pass around
class RuleSet:
    """Everything the extractors need, validated and compiled. Immutable; pass it in."""

    directory: Path
    fingerprint: str
    fragments: dict[str, str]
    units: dict[str, UnitRule]            # by surface
    quantity_scan: QuantityScan           # the quantity pattern, in two parts, as scanned
    hedge_prefix: dict[str, str]          # word -> qualifier
    hedge_inner: dict[str, str]
    hedge_suffix: dict[str, str]
    currency: dict[str, str]              # currency word -> the unit its amounts are in
    change_basis: tuple[str, ...]
    change_before: regex.Pattern          # matched backwards from a quantity: see metrics.py
    change_words: dict[str, str]          # verb -> increase/decrease
    change_chars: frozenset[str]          # every character of a verb: change_before needs one
    traps: tuple[Trap, ...]
    regions: tuple[Trap, ...]
    fold: dict[int, str]                  # str.translate table for normalize()
    lexicon: tuple[tuple[str, int | None, str | None], ...]
    dictionary_min_freq: int
    extra: dict[str, Any] = field(default_factory=dict)  # metrics/dates/documents rule data

    @functools.cached_property
    def quantity(self) -> regex.Pattern:
        """The whole quantity pattern (lead + core): one match = one quantity candidate. The
        pipeline scans with ``quantity_scan``; this is compiled on first use only (tests)."""
        return compile_pattern(self.quantity_scan.full, f"{self.directory / 'quantity.toml'}")


def check_shortcuts(rule: Scanned, texts: list[str], where: str) -> None:
    """A rule's ``needs`` and ``starts`` may only save work: on each of its examples the rule
    must find with them exactly what its patterns find without them. A rule with ``starts``
    needs examples, and patterns that run left to right, cannot match the empty string and
    hold no \\K (anchored_finditer tries each place with ``match``, and a match must begin
    where it was tried)."""
    if rule.starts:
        if not texts:
            raise RuleError(f"{where}: a rule with starts needs examples (they are checked)")
        for p in rule.patterns:
            if p.flags & regex.REVERSE:
                raise RuleError(f"{where}: starts cannot be used with a right-to-left (?r) pattern")
            if p.search(""):
                raise RuleError(f"{where}: a pattern of a rule with starts matches the empty string")
            if "\\K" in p.pattern:
                raise RuleError(f"{where}: starts cannot be used with \\K (the match would not "
                                f"begin where the pattern is tried)")
    if not (rule.needs or rule.starts):
        return
    for text in texts:
        plain = [(m.start(), m.end()) for m in rule.plain_finditer(text)]
        fast = [(m.start(), m.end()) for m in rule.finditer(text)]
        if fast != plain:
            used = ", ".join(f"{k} = {list(v)}" for k, v in
                             (("needs", rule.needs), ("starts", rule.starts)) if v)
            raise RuleError(f"{where}: in example {text!r} the patterns find "
                            f"{[text[s:e] for s, e in plain]} but a scan with {used} finds "
                            f"{[text[s:e] for s, e in fast]}")


def alternation(words: list[str] | tuple[str, ...]) -> str:
    """Escaped words joined longest first, so 人次 is tried before 人."""
    return "|".join(regex.escape(w) for w in _longest_first(words))


_FRAGMENT_REF = regex.compile(r"\{([a-z_]+)\}")


def compose(pattern: str, fragments: dict[str, str], where: str) -> str:
    """Replace ``{name}`` with the named fragment (as a non-capturing group); fragments may
    use other fragments."""
    def sub(m: regex.Match) -> str:
        name = m.group(1)
        if name not in fragments:
            raise RuleError(f"{where}: unknown fragment {{{name}}} (known: {', '.join(sorted(fragments))})")
        return f"(?:{fragments[name]})"

    for _ in range(10):
        expanded = _FRAGMENT_REF.sub(sub, pattern)
        if expanded == pattern:
            return expanded
        pattern = expanded
    raise RuleError(f"{where}: fragments refer to each other in a cycle")


def compile_pattern(pattern: str, where: str, flags: int = 0) -> regex.Pattern:
    try:
        return regex.compile(pattern, flags | regex.V0)
    except regex.error as exc:
        raise RuleError(f"{where}: bad regex: {exc}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise RuleError(f"{path}: missing rules file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RuleError(f"{path}: not valid TOML: {exc}") from None


def _validate(model: type[BaseModel], data: dict, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = list(err["loc"])
            rule = ""
            # name the rule by its id (or surface) when the error is inside a list of rules
            if len(loc) >= 2 and isinstance(loc[1], int):
                item = data.get(loc[0], [])[loc[1]] if isinstance(data.get(loc[0]), list) else {}
                ident = (item.get("id") or item.get("surface") or item.get("name")
                         if isinstance(item, dict) else None)
                rule = f" rule {ident!r}" if ident else f" {loc[0]}[{loc[1]}]"
                loc = loc[2:]
            field_ = ".".join(str(x) for x in loc)
            problems.append(f"{path.name}:{rule} {field_}: {err['msg']}".replace("  ", " "))
        raise RuleError(f"{path}: " + "; ".join(problems)) from None


def _hedge_map(lists: HedgeLists) -> dict[str, str]:
    return {w: q for q in ("over", "nearly", "about", "under") for w in getattr(lists, q)}


@dataclass(frozen=True)
class QuantityScan:
    """The quantity pattern in two parts, for speed: ``core`` (the number, its hedges and unit)
    is what the text is scanned for, and ``lead`` (a hedge word and a currency before the
    number: 超过, 人民币) is only tried right before a core match. The full pattern (RuleSet.
    quantity) finds the same matches (tests/test_quantities.py compares them): neither lead
    word holds a character that can start a number, so a full match is a lead plus the core
    match the scan finds where the number starts. ``lead_last``: the characters a lead can end
    with; ``lead_max``: its longest length."""

    core: regex.Pattern
    lead: regex.Pattern
    lead_last: frozenset[str]
    lead_max: int
    full: str                 # the source of lead + core (RuleSet.quantity compiles it)


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
        r"|百分之(?P<pct>{arabic}|{cn_decimal})"
        # a Chinese numeral starts where its run starts (keeps long runs linear), may carry a
        # decimal (三点五), and a hedge may stand between it and its scale (三百余万元)
        r"|(?P<vg>{vague}(?=[十百千万亿]))?(?<!{cn_char})(?P<cn>{cn_decimal})"
        r"(?:\s*(?P<h1c>{inner})?\s*(?P<scc>[万亿]+))?"
        r")"
        r"\s*(?P<h2>{inner})?"
        r"\s*(?P<unit>{units})?"
        r"(?P<post>{post})?"
    )

    def fill(pat: str) -> str:
        return compose(pat.replace("{pre}", alternation(list(pre)))
                       .replace("{inner}", alternation(list(inner)))
                       .replace("{post}", alternation(list(post)))
                       .replace("{currency}", alternation(list(currency)) or "(?!)")
                       .replace("{units}", "|".join(unit_alts)), frag, where)

    return QuantityScan(
        core=compile_pattern(fill(core), where),
        lead=compile_pattern(fill(_LEAD), where),
        lead_last=frozenset(w[-1] for w in (*pre, *currency)) | WHITESPACE,
        lead_max=max(map(len, pre), default=0) + max(map(len, currency), default=0) + 2,
        full=fill(_LEAD + core),
    )


def _change_pattern(ch: ChangesFile, inner_hedges: dict[str, str],
                    where: str) -> tuple[regex.Pattern, dict[str, str]]:
    """A pattern matched against the text just before a quantity, anchored at its end."""
    words = {w: "increase" for w in ch.increase} | {w: "decrease" for w in ch.decrease}
    basis_only = {w: "increase" for w in ch.basis_only.increase}
    basis_only |= {w: "decrease" for w in ch.basis_only.decrease}
    between = alternation(ch.between + ["分别"]) if ch.between else "分别"
    hedges = alternation(list(inner_hedges))
    basis = "|".join([alternation(ch.basis)] + [f"(?:{p})" for p in ch.basis_patterns])
    pat = (
        rf"(?:(?P<basis>{basis})\s*(?:{between})?\s*"
        rf"(?P<verb>{alternation(list(words) + list(basis_only))})"
        rf"|(?P<verb2>{alternation(list(words))}))"
        rf"\s*(?:{between})?\s*(?:{hedges})?\s*$"
    )
    return compile_pattern(pat, where), words | basis_only


def load_rules(directory: str | Path | None = None) -> RuleSet:
    """Load and validate every rules file in ``directory`` (default: the shipped rules)."""
    d = Path(directory) if directory is not None else rules_dir()
    if not d.is_dir():
        raise RuleError(f"{d}: rules folder not found")
    qfile = _validate(QuantityFile, _read_toml(d / "quantity.toml"), d / "quantity.toml")
    ufile = _validate(UnitsFile, _read_toml(d / "units.toml"), d / "units.toml")
    cfile = _validate(ChangesFile, _read_toml(d / "changes.toml"), d / "changes.toml")
    tfile = _validate(TrapsFile, _read_toml(d / "traps.toml"), d / "traps.toml")
    sfile = (_validate(SegmentFile, _read_toml(d / "segment.toml"), d / "segment.toml")
             if (d / "segment.toml").is_file() else SegmentFile())

    frag = dict(qfile.fragments)
    for name, value in frag.items():
        compile_pattern(value, f"{d / 'quantity.toml'}: fragment {name!r}")
    units: dict[str, UnitRule] = {}
    for u in ufile.unit:
        where = f"{d / 'units.toml'}: unit {u.surface!r}"
        if u.surface in units:
            raise RuleError(f"{where}: listed twice")
        if u.not_before:
            compile_pattern(u.not_before, where + " not_before")
        units[u.surface] = u

    pre = _hedge_map(qfile.hedges.get("prefix", HedgeLists()))
    inner = _hedge_map(qfile.hedges.get("inner", HedgeLists()))
    post = _hedge_map(qfile.hedges.get("suffix", HedgeLists()))
    quantity_scan = _quantity_pattern(frag, units, pre, inner, post, qfile.currency,
                                      str(d / "quantity.toml"))
    change_before, change_words = _change_pattern(cfile, inner, str(d / "changes.toml"))

    fold = fold_table(_read_char_map(d / "tradsimp.tsv"))

    def build(rule: TrapRule, flags: int = 0) -> Trap:
        where = f"{d / 'traps.toml'}: rule {rule.id!r}"
        sources = [rule.pattern] if isinstance(rule.pattern, str) else rule.pattern
        if any("{starts}" in p for p in sources) and not rule.starts:
            raise RuleError(f"{where}: the pattern uses {{starts}} but the rule has no starts")
        starts = f"(?:{alternation(rule.starts)})" if rule.starts else ""
        pats = tuple(compile_pattern(compose(p.replace("{starts}", starts), frag, where), where,
                                     flags) for p in sources)
        trap = Trap(rule.id, rule.why, pats, tuple(rule.examples), tuple(rule.counter_examples),
                    getattr(rule, "min_position", 0.0), tuple(rule.needs), tuple(rule.starts))
        check_shortcuts(trap, [normalize(x, fold).clean for x in rule.examples], where)
        return trap

    ids = [t.id for t in tfile.trap] + [r.id for r in tfile.region]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise RuleError(f"{d / 'traps.toml'}: duplicate rule ids: {', '.join(sorted(dup))}")

    from . import attribution, dates, documents, orgs  # rule files validated by their owners
    extra = {
        "metrics": attribution.load_metric_rules(d, frag),
        "dates": dates.load_date_rules(d, frag),
        "documents": documents.load_document_rules(d),
        "orgs": orgs.load(d),
    }
    return RuleSet(
        directory=d,
        fingerprint=fingerprint(d),
        fragments=frag,
        units=units,
        quantity_scan=quantity_scan,
        hedge_prefix=pre,
        hedge_inner=inner,
        hedge_suffix=post,
        currency=dict(qfile.currency),
        change_basis=tuple(cfile.basis),
        change_before=change_before,
        change_words=change_words,
        change_chars=frozenset("".join(change_words)),
        traps=tuple(build(t) for t in tfile.trap),
        regions=tuple(build(r) for r in tfile.region),
        fold=fold,
        lexicon=_read_lexicon(d / "lexicon.txt"),
        dictionary_min_freq=sfile.dictionary_min_freq,
        extra=extra,
    )


def fingerprint(directory: Path) -> str:
    """sha256 over the rule files' names and bytes: written into every output table."""
    h = hashlib.sha256()
    for name in _RULE_FILES:
        p = directory / name
        if p.is_file():
            h.update(name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _read_char_map(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if not path.is_file():
        return out
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or len(parts[0]) != 1 or len(parts[1]) != 1:
            raise RuleError(f"{path}: line {n}: expected 'char<TAB>char', got {line!r}")
        out[parts[0]] = parts[1]
    return out


def _read_lexicon(path: Path) -> tuple[tuple[str, int | None, str | None], ...]:
    """jieba user-dictionary lines: word [freq] [pos]."""
    out = []
    if not path.is_file():
        return ()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) > 3 or (len(parts) >= 2 and not parts[1].isdigit()):
            raise RuleError(f"{path}: line {n}: expected 'word [freq] [pos]', got {line!r}")
        out.append((parts[0], int(parts[1]) if len(parts) >= 2 else None,
                    parts[2] if len(parts) == 3 else None))
    return tuple(out)


@functools.lru_cache(maxsize=4)
def _cached(directory: str | None) -> RuleSet:
    return load_rules(directory)


def default_rules(directory: str | Path | None = None) -> RuleSet:
    """The shipped rules (or those in ``directory``), loaded once per process."""
    return _cached(str(directory) if directory is not None else None)
