"""The reporting organisation of an article, placed in China's administrative divisions.

1. Find mentions: every organisation word of rules/orgs.toml (公安局, 人民检察院, 警方 ...) with
   the place written before it read leftwards from the gazetteer (内蒙古 + 锡林郭勒盟 + 公安局),
   so a name is never cut inside a place name nor glued to the character before it; a unit
   written after it (市公安局 + 湛河分局) belongs to it. National bodies (公安部, 最高人民检察院)
   are found by name.
2. Resolve each mention's division: a place form naming one division is that division; one
   naming several (朝阳区) keeps the one whose parent the article names, else stays unresolved.
   A mention with no place (市公安局) takes the division of its level that the article names in
   the title, the opening (dateline, 本报讯), the last lines (the site) or near the mention.
3. Score as before: each mention counts once, more in the title and the opening; mentions of one
   organisation (one org_id) add up, and its longest spelling is kept.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from .rules import RuleError, Strict, WordList, check_unique, load_file
from .gazetteer import FormSpec, Gazetteer, GazetteerError, build, read_divisions, stem_of


class GazetteerRules(Strict):
    file: str = "divisions.tsv"
    short_suffix: dict[str, str] = {}


class AliasRule(Strict):
    alias: str = Field(min_length=2)
    adcode: str = Field(pattern=r"^\d{6}$")
    name: str
    why: str


class TypeRule(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    why: str
    heads: list[str] = Field(min_length=1)
    needs_place: list[str] = []
    units: list[str] = []
    unit_heads: list[str] = []
    stations: list[str] = []
    examples: list[str] = []


class NationalRule(Strict):
    name: str = Field(min_length=2)
    type: str
    aliases: list[str] = []
    why: str


class OrgsFile(Strict):
    opening_chars: int = Field(400, ge=0)
    title_bonus: int = 5
    opening_bonus: int = 2
    near_chars: int = Field(40, ge=0)
    context_chars: int = Field(60, ge=0)
    stop_chars: str = ""
    # the last character of a division's name (省, 市, 县 ...): a bare 市公安局 is completed only
    # after one of these
    level_chars: str = Field(min_length=1)
    # characters that never stand in a unit's name after the head (市公安局 | 局长 ...)
    unit_stop_chars: str = ""
    gazetteer: GazetteerRules
    alias: list[AliasRule] = []
    type: list[TypeRule]
    national: list[NationalRule] = []
    words: list[WordList] = []


# The word lists of orgs.toml the code reads, by id.
PLACE_SUFFIXES = "org.place_suffixes"   # 锡林郭勒盟 -> 锡林郭勒: the stem of a division's name
ETHNIC_NAMES = "org.ethnic_names"       # 黔东南苗族侗族自治州 -> 黔东南州
NOT_PLACES = "org.not_places"           # 平安, 和平: stems that are everyday words
SEAT_WORDS = "org.seat_words"           # 台中市政府警察局
_WORD_LISTS = (PLACE_SUFFIXES, ETHNIC_NAMES, NOT_PLACES, SEAT_WORDS)


@dataclass(frozen=True, eq=False)
class OrgRules:
    config: OrgsFile
    gazetteer: Gazetteer
    head_type: dict[str, str]            # organisation word -> type id
    needs_place: frozenset[str]
    unit_heads: frozenset[str]           # heads that name a unit of a bureau (交警支队)
    stations: frozenset[str]
    national: dict[str, tuple[str, str]]  # spelling -> (name, type id)
    heads: re.Pattern                    # every head and national spelling, longest first
    units: dict[str, re.Pattern]         # type id -> a unit written after the head
    stop: frozenset[str]
    spec: FormSpec
    seat_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrgFacts:
    org: str | None = None
    org_type: str | None = None
    region: str | None = None
    adcode: str | None = None
    org_id: str | None = None
    start: int | None = None             # the chosen mention in the clean text, [start, end)
    end: int | None = None


def load(directory: Path) -> OrgRules:
    """Read and validate rules/orgs.toml and the divisions table it names."""
    path = directory / "orgs.toml"
    data: OrgsFile = load_file(OrgsFile, path)
    check_unique([t.id for t in data.type], path, "type ids")
    g = data.gazetteer
    try:
        divisions = read_divisions(directory / g.file)
    except GazetteerError as exc:
        raise RuleError(str(exc)) from None
    names = {d.adcode: d.name for d in divisions}
    for a in data.alias:
        if names.get(a.adcode) != a.name:
            raise RuleError(f"{path}: alias {a.alias!r}: {a.adcode} is "
                            f"{names.get(a.adcode, 'not in the table')!r}, not {a.name!r}")
    lists = {w.id: w.words for w in data.words}
    check_unique([w.id for w in data.words], path, "word list ids")
    missing = sorted(set(_WORD_LISTS) - lists.keys())
    if missing:
        raise RuleError(f"{path}: the organisation finder needs the word lists {', '.join(missing)}")
    spec = FormSpec(tuple(lists[PLACE_SUFFIXES]), dict(g.short_suffix),
                    tuple(sorted(lists[ETHNIC_NAMES], key=len, reverse=True)),
                    frozenset(lists[NOT_PLACES]))
    gz = build(divisions, spec, [(a.alias, a.adcode) for a in data.alias])

    head_type: dict[str, str] = {}
    for t in data.type:
        for h in t.heads + t.stations:
            if h in head_type:
                raise RuleError(f"{path}: type {t.id!r}: head {h!r} is also in {head_type[h]!r}")
            head_type[h] = t.id
        for name in ("needs_place", "unit_heads"):
            if set(getattr(t, name)) - set(t.heads):
                raise RuleError(f"{path}: type {t.id!r}: {name} lists words not in heads")
    national: dict[str, tuple[str, str]] = {}
    for n in data.national:
        if n.type not in {t.id for t in data.type}:
            raise RuleError(f"{path}: national {n.name!r}: unknown type {n.type!r}")
        for spelling in [n.name, *n.aliases]:
            national[spelling] = (n.name, n.type)
    words = sorted(set(head_type) | set(national), key=lambda w: (-len(w), w))
    stop = frozenset(data.stop_chars)
    # a unit after the head: 1-5 characters that are not function words, then a unit word
    unit_chars = "".join(sorted(stop - set(data.level_chars))) + data.unit_stop_chars
    units = {t.id: re.compile(rf"(?P<stem>(?:(?![{re.escape(unit_chars)}])[\u4e00-\u9fff]){{1,5}}?)"
                              rf"(?:{'|'.join(map(re.escape, t.units))})")
             for t in data.type if t.units}
    return OrgRules(data, gz, head_type,
                    frozenset(w for t in data.type for w in t.needs_place),
                    frozenset(w for t in data.type for w in t.unit_heads),
                    frozenset(w for t in data.type for w in t.stations), national,
                    re.compile("|".join(map(re.escape, words))), units, stop, spec,
                    tuple(lists[SEAT_WORDS]))


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    name: str                   # as written
    org_type: str
    places: tuple[str, ...]     # place forms before the head, outermost first (内蒙古, 锡林郭勒盟)
    level: str | None           # a bare level character standing for the place (市公安局)
    head_at: int                # where the organisation word starts
    unit: str = ""              # a unit after the head, or the station's name
    unit_place: str | None = None
    national: str | None = None


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def mentions(text: str, rules: OrgRules) -> list[Mention]:
    """Every organisation mention in ``text``, left to right, none inside another."""
    cfg = rules.config
    gz, out, last_end = rules.gazetteer, [], 0
    national, by_head, seat_words = rules.national, gz.by_head, rules.seat_words
    for m in rules.heads.finditer(text):
        h_start, h_end = m.span()
        if h_start < last_end:
            continue
        word = m.group()
        if word in national:
            name, kind = national[word]
            out.append(Mention(h_start, h_end, word, kind, (), None, h_start, national=name))
            last_end = h_end
            continue
        longer = by_head.get(text[h_start:h_start + 2])
        if longer and any(len(f) > len(word) and text.startswith(f, h_start) for f in longer):
            continue        # the 公安 of 公安县 is a place name
        kind = rules.head_type[word]
        seat = ""
        for w in seat_words:
            if text.endswith(w, 0, h_start):
                seat = w
                break
        pos = h_start - len(seat)
        places: list[str] = []
        form = gz.ending_at(text, pos, last_end)
        while form and len(places) < 3:
            # a place before a place is part of the name only as its parent (内蒙古锡林郭勒盟)
            if places and not gz.contains(form, places[0]):
                break
            places.insert(0, form)
            pos -= len(form)
            form = gz.ending_at(text, pos, last_end)
        level, start, unit = None, pos, ""
        if word in rules.stations:
            run = pos
            while run > last_end and pos - run < 5 and _is_han(text[run - 1]) \
                    and text[run - 1] not in rules.stop:
                run -= 1
            if not places and pos - run < 2:
                continue
            start, unit = (pos, text[pos:h_end]) if places else (run, text[run:h_end])
        elif not places:
            if word in rules.needs_place or pos <= last_end or text[pos - 1] not in cfg.level_chars:
                continue
            # a place the gazetteer does not know is left out rather than guessed at: the
            # characters before 市 may be a name or the end of the previous sentence
            level, start = text[pos - 1], pos - 1
        end, unit_place = h_end, None
        tail = rules.units.get(kind)
        t = tail.match(text, end) if tail and word not in rules.stations else None
        if t:
            unit, end = t.group(), t.end()
            stem = t.group("stem")
            if gz.ending_at(stem, len(stem), words=True) == stem:
                unit_place = stem
        out.append(Mention(start, end, text[start:end], kind, tuple(places), level, h_start,
                           unit, unit_place))
        last_end = end
    return out


# --- resolving mentions to divisions and organisations --------------------------------------

class _Context:
    """The places an article names, looked up only when needed: whether it names a division
    anywhere (to tell namesakes apart), and the places named where a bare 市公安局's city is
    written (see _from_context)."""

    def __init__(self, clean: str, title: str | None, rules: OrgRules, body: list[Mention]):
        self.clean, self.title, self.gz, self.cfg = clean, title or "", rules.gazetteer, rules.config
        # where the site line may start: the last characters, after every mention
        self.tail = max(len(clean) - self.cfg.context_chars, body[-1].end if body else 0)
        self._names: dict[str, bool] = {}
        self._spots: dict[int, list[tuple[int, tuple[str, ...]]]] = {}
        self._title: list[tuple[int, tuple[str, ...]]] | None = None
        # (level, at) -> what _from_context found: every later 市公安局 asks the same
        self.placed: dict[tuple[str, int], str | None] = {}

    def names(self, code: str) -> bool:
        """Whether the article (title or text) writes one of the division's names."""
        if code not in self._names:
            self._names[code] = any(f in self.clean or f in self.title
                                    for f in self.gz.spelled.get(code, ()))
        return self._names[code]

    def spots(self, at: int) -> list[tuple[int, tuple[str, ...]]]:
        """(position, candidate adcodes) of the places named in the title (position -1), the
        dateline before ``at``, just before ``at``, and on the site line."""
        if at in self._spots:
            return self._spots[at]
        forms, cfg = self.gz.forms, self.cfg
        if self._title is None:
            self._title = [(-1, forms[f]) for _, _, f in self.gz.scan(self.title)]
        out = self._title
        found: dict[int, tuple[str, ...]] = {}
        for lo, hi in ((0, min(cfg.context_chars, at)), (max(0, at - cfg.near_chars), at),
                       (self.tail, len(self.clean))):
            for s, _, f in self.gz.scan(self.clean[lo:hi]):
                found[lo + s] = forms[f]
        self._spots[at] = out + sorted(found.items())
        return self._spots[at]


def _pick(cands: tuple[str, ...], ctx: _Context, gz: Gazetteer,
          within: str | None = None) -> str | None:
    """The one division among ``cands`` (under ``within`` if given), using the divisions the
    article names to tell namesakes apart; None when it stays ambiguous."""
    if within is not None:
        cands = tuple(c for c in cands if c == within or within in gz.ancestors(c))
    if len(cands) == 1:
        return cands[0]
    # a parent named in the article tells namesakes apart; the name itself does not count
    # (吉林 names 吉林省 and 吉林市: it cannot say that 吉林市 is meant)
    named = tuple(c for c in cands
                  if any(ctx.names(a) for a in gz.ancestors(c) if a not in cands))
    return named[0] if len(named) == 1 else None


def _from_context(level: str, at: int, ctx: _Context, rules: OrgRules) -> str | None:
    """The division of ``level`` (市, 县 ...) the article names where a reader would look for a
    bare 市公安局's city: the title, the dateline (本报讯, 新华社厦门电) before the mention, the
    last characters (the site, 来源：厦门日报), or just before the mention. A place named after
    the mention (市公安局民警远赴昆明市) is where the bureau went, not where it is."""
    if (level, at) in ctx.placed:
        return ctx.placed[level, at]
    cfg, gz = rules.config, rules.gazetteer
    scores: Counter = Counter()
    for pos, cands in ctx.spots(at):
        fit = [c for c in cands if gz.divisions[c].name.endswith(level)]
        if len(fit) == 1:
            scores[fit[0]] += cfg.title_bonus if pos < 0 else 1
    ranked = sorted(((n, c) for c, n in scores.items()), reverse=True)
    found = None if not ranked or (len(ranked) > 1 and ranked[0][0] == ranked[1][0]) \
        else ranked[0][1]
    ctx.placed[level, at] = found
    return found


@dataclass(frozen=True)
class _Resolved:
    key: str            # org_id, or a stand-in key for scoring when there is none
    org_id: str | None
    name: str
    org_type: str
    region: str | None
    adcode: str | None


def _resolve(m: Mention, ctx: _Context, rules: OrgRules, at: int) -> _Resolved:
    gz = rules.gazetteer
    if m.national:
        key = f"national:{m.national}"
        return _Resolved(key, key, m.name, m.org_type, None, None)
    code: str | None = None
    outer: str | None = None
    for form in m.places:        # outermost first: each narrows the next (内蒙古 > 锡林郭勒盟)
        cands = gz.forms.get(form, ())
        got = _pick(cands, ctx, gz, outer) if cands else None
        if got is None and outer is not None:
            got = _pick(cands, ctx, gz)
        code = outer = got
    if not m.places and m.level:
        code = _from_context(m.level, at, ctx, rules)
    name, unit = m.name, m.unit
    if m.unit_place is not None:
        inner = _pick(gz.forms[m.unit_place], ctx, gz, code)
        if inner is None and not m.places:     # the unit's place outranks a guess from context
            code = None
            inner = _pick(gz.forms[m.unit_place], ctx, gz)
        if inner is not None:
            parent = gz.divisions[inner].parent
            if m.level and code is None and parent \
                    and gz.divisions[parent].name.endswith(m.level):
                code = parent
            if code is not None and m.level and not m.places:
                name = gz.divisions[code].name + m.name[1:]
            code, unit = inner, ""
    elif code is not None and m.level and not m.places:
        name = gz.divisions[code].name + m.name[1:]
    head = m.name[m.head_at - m.start:]
    if head in rules.unit_heads and not unit:
        unit = head
    tail = f":{unit}" if unit else ""
    if code is not None:
        key = f"{code}:{m.org_type}{tail}"
        return _Resolved(key, key, name, m.org_type, gz.divisions[code].name, code)
    if m.places:
        form = m.places[-1]
        cands = gz.forms.get(form, ())
        names = {gz.divisions[c].name for c in cands}
        region = names.pop() if len(names) == 1 else None
        key = f"name:{stem_of(form, rules.spec)[0]}:{m.org_type}{tail}"
        return _Resolved(key, key, name, m.org_type, region, None)
    if m.unit and not m.level:      # a station named by itself (南桥派出所)
        key = f"name::{m.org_type}{tail}"
        return _Resolved(key, key, name, m.org_type, None, None)
    return _Resolved(f"generic:{m.name}", None, name, m.org_type, None, None)


def find_organisation(clean: str, title: str | None, rules: OrgRules) -> OrgFacts:
    """The reporting organisation: the most mentioned, weighted toward the title and opening."""
    cfg = rules.config
    body = mentions(clean, rules)
    heads = mentions(title or "", rules)
    if not body and not heads:
        return OrgFacts()
    ctx = _Context(clean, title, rules, body)
    scores: Counter = Counter()
    best_of: dict[str, tuple[_Resolved, int | None, int | None]] = {}
    # a bare 市公安局 is placed where the article first writes it: later ones are the same bureau
    first = {}
    for m in body:
        if m.level and not m.places:
            first.setdefault(m.level, m.start)
    for m in body:
        r = _resolve(m, ctx, rules, first.get(m.level, m.start))
        scores[r.key] += 1 + (cfg.opening_bonus if m.start < cfg.opening_chars else 0)
        held = best_of.get(r.key)
        if held is None or len(r.name) > len(held[0].name):
            best_of[r.key] = (r, m.start, m.end)
    for m in heads:
        r = _resolve(m, ctx, rules, 0)
        scores[r.key] += cfg.title_bonus
        best_of.setdefault(r.key, (r, None, None))
    key = max(scores, key=lambda k: (scores[k], len(best_of[k][0].name), best_of[k][0].name))
    r, start, end = best_of[key]
    return OrgFacts(r.name, r.org_type, r.region, r.adcode, r.org_id, start, end)
