"""The rule toolkit: how rule files are read, checked and compiled. It knows no Chinese.

Rules are data: TOML files whose entries carry an id, a why and examples. Each stage module owns
its rule file's schema and a ``load(directory)`` built from the pieces here (``ruleset.py``
assembles them into one typed RuleSet):

* :class:`Strict`, the base of every schema (unknown keys are errors, values frozen), and
  :data:`Word`, a non-empty string;
* :func:`read_toml` and :func:`validate`: a bad file raises :class:`RuleError` naming the file,
  the rule (by its id) and the problem; :func:`check_unique` refuses an id listed twice;
* :class:`WordList`: a list of words a stage uses, with its id, why and examples;
* :func:`compose` (``{name}`` fragments), :func:`compile_pattern`, :func:`alternation`;
* the scan engine: :class:`Scanned` (a rule's patterns with its ``needs``/``starts``
  shortcuts), :func:`anchored_finditer`, and :func:`check_shortcuts`, which holds the shortcuts
  to the plain scan on the rule's examples.
"""

from __future__ import annotations

import functools
import hashlib
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Iterable, Iterator

import regex
from pydantic import BaseModel, ConfigDict, Field, ValidationError

# Every pattern a rule author writes runs under a time limit, so a pathological pattern cannot
# hang a batch: this many seconds for one try of an anchored scan, or for a whole scan ...
REGEX_TIMEOUT = 2.0
# ... plus this much for each character of the text a whole scan runs over (see finditer)
REGEX_TIME_PER_CHAR = 1e-6


class RuleError(ValueError):
    """A rules file is missing or malformed. The message names the file, rule and problem."""


def rules_dir() -> Path:
    """Where the shipped rules are: inside the installed package, else the repository's rules/."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "rules", here.parent.parent / "rules"):
        if (candidate / "units.toml").is_file():
            return candidate
    raise RuleError(f"no rules folder found next to {here} (looked for rules/units.toml)")


# --- schemas -----------------------------------------------------------------------------------

class Strict(BaseModel):
    """The base of every rule schema: unknown keys are errors, loaded values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Word = Annotated[str, Field(min_length=1)]   # a non-empty string in a rule file
RuleId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.]*$")]


class WordExample(Strict):
    """What a word list does, shown on one text: ``expect`` holds columns of the row it must
    give (a metric's ``label``, ``period``, ``scope``, ``change``; or the document's ``title``,
    ``report_year``). tests/test_rules.py runs every example through the pipeline."""

    text: Word
    expect: dict[str, str | int | float | bool | None] = Field(min_length=1)


class WordList(Strict):
    """Words a stage looks for, with why it does and examples of the effect."""

    id: RuleId
    why: Word
    words: list[Word] = Field(min_length=1)
    examples: list[WordExample] = Field(min_length=1)

    @property
    def set(self) -> frozenset[str]:
        return frozenset(self.words)

    def longest_first(self) -> tuple[str, ...]:
        return tuple(longest_first(self.words))


def read_toml(path: Path) -> dict[str, Any]:
    """A rule file's contents; RuleError naming the file when it is missing or not TOML/UTF-8."""
    if not path.is_file():
        raise RuleError(f"{path}: missing rules file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise RuleError(f"{path}: not UTF-8 text: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{path}: not valid TOML: {exc}") from None


def read_text(path: Path) -> str | None:
    """A plain-text rule file (a word or character table), None when there is none."""
    if not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RuleError(f"{path}: not UTF-8 text: {exc}") from None


def validate(model: type[BaseModel], data: dict, path: Path) -> Any:
    """``data`` checked against ``model``; a RuleError naming the file and each bad rule."""
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


def load_file(model: type[BaseModel], path: Path) -> Any:
    """Read and validate one TOML rule file."""
    return validate(model, read_toml(path), path)


def check_unique(ids: Iterable[str], path: Path, what: str = "rule ids") -> None:
    """RuleError naming the file and every id listed more than once."""
    seen: set[str] = set()
    dup = sorted({i for i in ids if i in seen or seen.add(i)})
    if dup:
        raise RuleError(f"{path}: duplicate {what}: {', '.join(dup)}")


def fingerprint(directory: Path, names: Iterable[str]) -> str:
    """sha256 over the named rule files' names and bytes: written into every output table."""
    h = hashlib.sha256()
    for name in names:
        p = directory / name
        if p.is_file():
            h.update(name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


# --- patterns ----------------------------------------------------------------------------------

def longest_first(words: Iterable[str]) -> list[str]:
    """Distinct words, longest first (ties in code-point order), as alternations need them."""
    return sorted(set(words), key=lambda w: (-len(w), w))


def words_pattern(words: Iterable[str]) -> re.Pattern:
    """The stdlib-re alternation of literal words, longest first. For finding where any of a
    few words occurs, re is about three times faster than the regex module (a literal-prefix
    search in C rather than a character-set test at every position)."""
    return re.compile("|".join(re.escape(w) for w in longest_first(words)))


def alternation(words: Iterable[str]) -> str:
    """Escaped words joined longest first, so 人次 is tried before 人 (a regex source)."""
    return "|".join(regex.escape(w) for w in longest_first(words))


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
    """A rule's regex, compiled; RuleError naming ``where`` when it is not a valid one."""
    try:
        return regex.compile(pattern, flags | regex.V0)
    except regex.error as exc:
        raise RuleError(f"{where}: bad regex: {exc}") from None


# --- the scan engine ---------------------------------------------------------------------------

def finditer(pattern: regex.Pattern, text: str, timeout: float = REGEX_TIMEOUT
             ) -> Iterator[regex.Match]:
    """``pattern.finditer(text)`` with a time limit that grows with the text: ``timeout`` plus
    REGEX_TIME_PER_CHAR for each character.

    The regex engine's own limit adds up the time of every search of the scan, so a fixed 2 s
    would stop an ordinary article of tens of megabytes with many matches. A rule scans a text
    at some 20-60 million characters a second; a pathological pattern (catastrophic
    backtracking) takes far longer than a microsecond a character and is still stopped."""
    return pattern.finditer(text, timeout=timeout + len(text) * REGEX_TIME_PER_CHAR)


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
    rules load), and ``timeout`` bounds each try, as :func:`finditer` bounds each search."""
    search, match = starts.search, pattern.match
    a = search(text)
    while a is not None:
        i = a.start()
        m = match(text, i, timeout=timeout)
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
            for m in finditer(p, text):
                if m.end() > m.start():
                    yield m


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
