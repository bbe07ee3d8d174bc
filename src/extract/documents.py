"""Document facts: title, reporting organisation, report year, publication date.

* title: the first short line of the article that is not a sentence (a kicker ending in —— and
  a subtitle starting with —— are joined to it).
* org (and org_type, region, adcode, org_id): see orgs.py (rules/orgs.toml and the gazetteer).
* report_year: a year stated with a report word (2025年工作绩效综述, 2021年度) in the title or the
  opening, else the year most often stated in the article, else the year before the publication
  date when the article only says 去年.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import regex
from pydantic import Field

from .dates import find_published
from .normalize import NormText, normalize
from .orgs import OrgRules, find_organisation
from .rules import (RuleError, RuleId, Strict, Word, WordList, check_unique, compile_pattern,
                    load_file)


class PatternRule(Strict):
    id: RuleId
    why: Word = "(see the file's comments)"
    pattern: Word
    examples: list[str] = Field(min_length=1)


class DocumentsFile(Strict):
    report_year: list[PatternRule]
    title: list[PatternRule] = []
    words: list[WordList] = []
    opening_chars: int = 400


# The entries of documents.toml the code reads, by id.
NOT_TITLE = "title.not_title"            # page furniture above a headline
SITE_SUFFIX = "title.site_suffix"        # a web page title's site name: 标题_某某新闻网
LAST_YEAR = "report_year.last_year"      # 去年: the report is on the year before publication


@dataclass(frozen=True)
class DocumentRules:
    report_years: tuple[tuple[str, regex.Pattern], ...]
    not_title: regex.Pattern
    site_suffix: regex.Pattern
    last_year: tuple[str, ...]
    config: DocumentsFile


def load(directory: Path) -> DocumentRules:
    """Read and validate rules/documents.toml."""
    path = directory / "documents.toml"
    data: DocumentsFile = load_file(DocumentsFile, path)
    check_unique([r.id for r in (*data.report_year, *data.title, *data.words)], path)

    def compiled(rules: list[PatternRule]) -> tuple[tuple[str, regex.Pattern], ...]:
        return tuple((r.id, compile_pattern(r.pattern, f"{path}: rule {r.id!r}")) for r in rules)

    titles = dict(compiled(data.title))
    words = {w.id: w for w in data.words}
    missing = sorted({NOT_TITLE, SITE_SUFFIX} - titles.keys()) + sorted({LAST_YEAR} - words.keys())
    if missing:
        raise RuleError(f"{path}: the code needs the entries {', '.join(missing)}")
    return DocumentRules(compiled(data.report_year), titles[NOT_TITLE],
                         titles[SITE_SUFFIX], words[LAST_YEAR].longest_first(), data)


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


def _first_lines(raw: str, count: int) -> list[str]:
    """The first ``count`` non-blank lines of ``raw`` (as ``str.splitlines`` cuts them), without
    splitting the whole article: a prefix is split, longer ones only when it holds too few."""
    limit = 4096
    while True:
        lines = [ln for ln in raw[:limit].splitlines() if ln.strip()]
        if len(lines) > count or limit >= len(raw):
            return lines[:count]     # with more than count lines, the first count are whole
        limit *= 4


def find_title(norm: NormText, dr: DocumentRules) -> str | None:
    """The first short non-sentence line of the article (lines of the raw text, cleaned)."""
    lines = _first_lines(norm.raw, 10)
    for n, line in enumerate(lines):
        if len(line) > 120:          # a paragraph, even with layout spaces: not worth cleaning
            continue
        text = normalize(line).clean.strip()
        if (not text or len(text) > 40 or _SENTENCE_PUNCT.search(text.rstrip("—"))
                or dr.not_title.search(text)):
            continue
        if text.startswith("——") and n == 0:
            continue
        title = dr.site_suffix.sub("", text) or text
        if n + 1 < len(lines):
            nxt = normalize(lines[n + 1]).clean.strip()
            if nxt.startswith("——") and len(nxt) <= 40:
                title += nxt
        return title
    return None


def find_report_year(clean: str, title: str | None, found_dates, published: str | None,
                     dr: DocumentRules) -> int | None:
    """The year the report covers."""
    head = (title or "") + "\n" + clean[: dr.config.opening_chars]
    for _, pat in dr.report_years:
        m = pat.search(head)
        if m:
            return int(m.group("year"))
    stated = [d for d in found_dates if d.year is not None and not d.base]
    years = Counter(d.year for d in stated if getattr(d, "granularity", "") == "year")
    if not years:
        years = Counter(d.year for d in stated)
    if years:
        return max(years.items(), key=lambda kv: (kv[1], kv[0]))[0]
    if published and any(w in clean for w in dr.last_year):
        return int(published[:4]) - 1
    return None


def describe(norm: NormText, found_dates, dr: DocumentRules, orgs: OrgRules) -> DocFacts:
    """Title, org, report year and publication date of one article (``orgs``: the
    organisation rules and gazetteer, see orgs.py)."""
    title = find_title(norm, dr)
    published = find_published(norm.clean, found_dates)
    org = find_organisation(norm.clean, title, orgs)
    return DocFacts(
        title=title,
        org=org.org,
        report_year=find_report_year(norm.clean, title, found_dates, published, dr),
        published=published,
        org_type=org.org_type, region=org.region, adcode=org.adcode, org_id=org.org_id,
    )
