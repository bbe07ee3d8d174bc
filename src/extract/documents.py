"""Document facts: title, reporting organisation, report year, publication date.

* title: the first short line of the article that is not a sentence (a kicker ending in —— and
  a subtitle starting with —— are joined to it).
* org (and org_type, region, adcode, org_id): see orgs.py (rules/orgs.toml and the gazetteer).
  find_org below, with the [[org]] patterns of rules/documents.toml, is no longer called.
* report_year: a year stated with a report word (2025年工作绩效综述, 2021年度) in the title or the
  opening, else the year most often stated in the article, else the year before the publication
  date when the article only says 去年.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import regex
from pydantic import BaseModel, ConfigDict

from .normalize import NormText


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrgRule(_Strict):
    id: str
    pattern: str
    examples: list[str] = []


class DocumentsFile(_Strict):
    org: list[OrgRule]
    report_year: list[OrgRule]
    opening_chars: int = 400
    title_bonus: int = 5
    opening_bonus: int = 2


@dataclass(frozen=True)
class DocumentRules:
    orgs: tuple[tuple[str, regex.Pattern], ...]
    report_years: tuple[tuple[str, regex.Pattern], ...]
    config: DocumentsFile


def load_document_rules(directory: Path) -> DocumentRules:
    """Read and validate rules/documents.toml."""
    from .rules import _read_toml, _validate, compile_pattern

    path = directory / "documents.toml"
    data: DocumentsFile = _validate(DocumentsFile, _read_toml(path), path)
    orgs = tuple((r.id, compile_pattern(r.pattern, f"{path}: rule {r.id!r}")) for r in data.org)
    years = tuple((r.id, compile_pattern(r.pattern, f"{path}: rule {r.id!r}"))
                  for r in data.report_year)
    return DocumentRules(orgs, years, data)


@dataclass(frozen=True)
class DocFacts:
    title: str | None = None
    org: str | None = None
    report_year: int | None = None
    published: str | None = None
    org_type: str | None = None
    region: str | None = None
    adcode: str | None = None
    org_id: str | None = None


_SENTENCE_PUNCT = regex.compile(r"[，。,；;]")
# A web page title ends with the site's name: 某县公安局2024年工作成绩单出炉_某某新闻网.
_SITE_SUFFIX = regex.compile(r"\s*(?:[_|｜]|\s[-–—]\s)\s*[^_|｜]{1,16}$")
# Page furniture above a title: breadcrumbs, stamps, bylines.
_NOT_TITLE = regex.compile(r"[>›|]|首页|当前位置|发布时间|来源[：:]|浏览|点击|作者[：:]|编辑[：:]|"
                           r"^本报讯|^\d{4}[-/.年]\d")


def _first_lines(raw: str, count: int) -> list[str]:
    """The first ``count`` non-blank lines of ``raw`` (as ``str.splitlines`` cuts them), without
    splitting the whole article: a prefix is split, longer ones only when it holds too few."""
    limit = 4096
    while True:
        lines = [ln for ln in raw[:limit].splitlines() if ln.strip()]
        if len(lines) > count or limit >= len(raw):
            return lines[:count]     # with more than count lines, the first count are whole
        limit *= 4


def find_title(norm: NormText) -> str | None:
    """The first short non-sentence line of the article (lines of the raw text, cleaned)."""
    from .normalize import normalize

    lines = _first_lines(norm.raw, 10)
    for n, line in enumerate(lines):
        if len(line) > 120:          # a paragraph, even with layout spaces: not worth cleaning
            continue
        text = normalize(line).clean.strip()
        if (not text or len(text) > 40 or _SENTENCE_PUNCT.search(text.rstrip("—"))
                or _NOT_TITLE.search(text)):
            continue
        if text.startswith("——") and n == 0:
            continue
        title = _SITE_SUFFIX.sub("", text) or text
        if n + 1 < len(lines):
            nxt = normalize(lines[n + 1]).clean.strip()
            if nxt.startswith("——") and len(nxt) <= 40:
                title += nxt
        return title
    return None


def _org_mentions(text: str, dr: DocumentRules) -> list[tuple[int, int, str]]:
    """(start, end, name) of every organisation mention, minus those inside a longer one
    (the 市公安局 of 市公安局卫滨分局 is not a mention of its own)."""
    found = []
    for _, pat in dr.orgs:
        for m in pat.finditer(text):
            g = "org" if "org" in pat.groupindex else 0
            found.append((m.start(g), m.end(g), m.group(g)))
    # one sweep in (start, longest first) order: a mention is inside a longer one when a mention
    # with another span that starts no later reaches at least as far
    order = sorted(range(len(found)), key=lambda i: (found[i][0], -found[i][1]))
    inside = set()
    reach = -1          # the furthest end of the mentions before the current span
    k = 0
    while k < len(order):
        span = found[order[k]][:2]
        group_end = k
        while group_end < len(order) and found[order[group_end]][:2] == span:
            group_end += 1
        if reach >= span[1]:
            inside.update(order[k:group_end])
        reach = max(reach, span[1])
        k = group_end
    return [f for i, f in enumerate(found) if i not in inside]


def find_org(clean: str, title: str | None, dr: DocumentRules) -> str | None:
    """The reporting organisation, by mentions weighted toward the title and the opening."""
    cfg = dr.config
    scores: Counter = Counter()
    spellings: dict[str, str] = {}
    for start, _, name in _org_mentions(clean, dr):
        key = _org_key(name)
        scores[key] += 1 + (cfg.opening_bonus if start < cfg.opening_chars else 0)
        if len(name) > len(spellings.get(key, "")):
            spellings[key] = name
    for _, _, name in _org_mentions(title or "", dr):
        scores[_org_key(name)] += cfg.title_bonus
        spellings.setdefault(_org_key(name), name)
    if not scores:
        return None
    best = max(scores.items(), key=lambda kv: (kv[1], len(spellings[kv[0]]), spellings[kv[0]]))
    return spellings[best[0]]


_BUREAU_PREFIX = regex.compile(r"^.*?公安局(?=\p{Han}+分局$)")
_UNIT_SUFFIX = regex.compile(r"(?:区|县|市)?(?:公安)?(分局|派出所)$")


@functools.lru_cache(maxsize=4096)
def _org_key(name: str) -> str:
    """Spellings of one organisation share a key: 市公安局湛河分局 / 湛河公安分局 -> 湛河|分局."""
    return _UNIT_SUFFIX.sub(r"|\1", _BUREAU_PREFIX.sub("", name))


def find_report_year(clean: str, title: str | None, found_dates, published: str | None,
                     dr: DocumentRules) -> int | None:
    """The year the report covers."""
    head = (title or "") + "\n" + clean[: dr.config.opening_chars]
    for _, pat in dr.report_years:
        m = pat.search(head)
        if m:
            return int(m.group("year"))
    from .dates import is_comparison_base

    stated = [d for d in found_dates if d.year is not None and not is_comparison_base(clean, d)]
    years = Counter(d.year for d in stated if getattr(d, "granularity", "") == "year")
    if not years:
        years = Counter(d.year for d in stated)
    if years:
        return max(years.items(), key=lambda kv: (kv[1], kv[0]))[0]
    if published and "去年" in clean:
        return int(published[:4]) - 1
    return None


def describe(norm: NormText, sents, found_dates, rules) -> DocFacts:
    """Title, org, report year and publication date of one article."""
    from . import dates

    dr: DocumentRules = rules.extra["documents"]
    title = find_title(norm)
    published = None
    if hasattr(dates, "find_published"):
        published = dates.find_published(norm.clean, found_dates)
    from .orgs import find_organisation

    org = find_organisation(norm.clean, title, rules.extra["orgs"])
    return DocFacts(
        title=title,
        org=org.org,
        report_year=find_report_year(norm.clean, title, found_dates, published, dr),
        published=published,
        org_type=org.org_type, region=org.region, adcode=org.adcode, org_id=org.org_id,
    )
