"""Document facts: title, reporting organisation, report year, publication date.

* title: the first short line of the article that is not a sentence (a kicker ending in —— and
  a subtitle starting with —— are joined to it).
* org (and org_type, region, adcode, org_id): see orgs.py (rules/orgs.toml and the gazetteer).
* report_year: a year stated with a report word (2025年工作绩效综述, 2021年度) in the title or the
  opening, else the year most often stated in the article, else the year before the publication
  date when the article only says 去年.
* published: the publication date (dates.find_published: a page stamp or a dated dateline).
* period_part (:func:`find_report_part`, once when.py has resolved the dates): the part of the
  report year the report covers, from a half, quarter or span of months in the opening.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import regex
from pydantic import Field

from .dates import find_published
from .headline import total_marks_pattern
from .normalize import NormText, normalize
from .orgs import OrgRules, find_organisation, mentions
from .when import part_of
from .rules import (RuleError, RuleId, Strict, Word, WordList, check_unique, compile_pattern,
                    load_file)


class PatternRule(Strict):
    id: RuleId
    why: Word = "(see the file's comments)"
    pattern: Word
    examples: list[str] = Field(min_length=1)


class YearRule(PatternRule):
    # added to the matched year: a report delivered to a people's congress in early 2024
    # covers 2023 (offset -1)
    offset: int = Field(0, ge=-1, le=0)


class DocumentsFile(Strict):
    report_year: list[YearRule]
    title: list[PatternRule] = []
    words: list[WordList] = []
    opening_chars: int = 400


# The entries of documents.toml the code reads, by id.
NOT_TITLE = "title.not_title"            # page furniture above a headline
SITE_SUFFIX = "title.site_suffix"        # a web page title's site name: 标题_某某新闻网
# more lines that are not the headline (each a [[title]] entry the code needs)
FURNITURE = (NOT_TITLE, "title.reprint", "title.app", "title.byline", "title.section")
LAST_YEAR = "report_year.last_year"      # 去年: the report is on the year before publication
TOTAL = "headline.total"                 # 共破获, 累计: the sentence gives a total (headline.py)


@dataclass(frozen=True)
class DocumentRules:
    report_years: tuple[tuple[str, regex.Pattern], ...]
    not_title: tuple[regex.Pattern, ...]    # the FURNITURE entries, in that order
    site_suffix: regex.Pattern
    last_year: tuple[str, ...]
    config: DocumentsFile
    total_words: tuple[str, ...] = ()
    year_offset: tuple[tuple[str, int], ...] = ()   # report_year rule id -> YearRule.offset
    total_marks: re.Pattern | None = None           # headline.total_marks_pattern(total_words)


def load(directory: Path) -> DocumentRules:
    """Read and validate rules/documents.toml."""
    path = directory / "documents.toml"
    data: DocumentsFile = load_file(DocumentsFile, path)
    check_unique([r.id for r in (*data.report_year, *data.title, *data.words)], path)

    def compiled(rules: list[PatternRule]) -> tuple[tuple[str, regex.Pattern], ...]:
        return tuple((r.id, compile_pattern(r.pattern, f"{path}: rule {r.id!r}")) for r in rules)

    titles = dict(compiled(data.title))
    words = {w.id: w for w in data.words}
    missing = (sorted({*FURNITURE, SITE_SUFFIX} - titles.keys())
               + sorted({LAST_YEAR, TOTAL} - words.keys()))
    if missing:
        raise RuleError(f"{path}: the code needs the entries {', '.join(missing)}")
    return DocumentRules(compiled(data.report_year),
                         tuple(titles[t] for t in FURNITURE), titles[SITE_SUFFIX],
                         words[LAST_YEAR].longest_first(), data,
                         words[TOTAL].longest_first(),
                         tuple((r.id, r.offset) for r in data.report_year if r.offset),
                         total_marks_pattern(words[TOTAL].words))


@dataclass(frozen=True)
class DocFacts:
    title: str | None = None
    org: str | None = None
    report_year: int | None = None
    published: datetime.date | None = None
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


def _is_org_line(text: str, orgs: OrgRules | None) -> bool:
    """A line that is only an organisation's name (徐州市应急管理局 above the headline: the
    site's or the author's name), never a headline."""
    if orgs is None:
        return False
    found = mentions(text, orgs)
    return len(found) == 1 and found[0].start == 0 and found[0].end == len(text)


def find_title(norm: NormText, dr: DocumentRules, orgs: OrgRules | None = None) -> str | None:
    """The first short non-sentence line of the article (lines of the raw text, cleaned): not
    page furniture nor an organisation's name alone. A kicker ending in —— takes the next line
    (晒出成绩单——/某县公安局2020年工作综述), a subtitle starting with —— is joined to it unless it
    is furniture itself (——2019年3月12日在…会议上: when and where a report was delivered)."""
    lines = _first_lines(norm.raw, 10)
    for n, line in enumerate(lines):
        if len(line) > 120:          # a paragraph, even with layout spaces: not worth cleaning
            continue
        text = normalize(line).clean.strip()
        if (not text or len(text) > 40 or _SENTENCE_PUNCT.search(text.rstrip("—"))
                or any(p.search(text) for p in dr.not_title) or _is_org_line(text, orgs)):
            continue
        if text.startswith("——") and n == 0:
            continue
        title = dr.site_suffix.sub("", text) or text
        if n + 1 < len(lines):
            nxt = normalize(lines[n + 1]).clean.strip()
            tail = nxt.lstrip("—")
            if len(nxt) <= 40 and tail and (nxt.startswith("——") or title.endswith("——")) \
                    and not any(p.search(tail) for p in dr.not_title):
                title += nxt
        return title
    return None


def find_report_year(clean: str, title: str | None, found_dates, published: str | None,
                     dr: DocumentRules) -> int | None:
    """The year the report covers."""
    head = (title or "") + "\n" + clean[: dr.config.opening_chars]
    offsets = dict(dr.year_offset)
    for rid, pat in dr.report_years:
        m = pat.search(head)
        if m:
            return int(m.group("year")) + offsets.get(rid, 0)
    stated = [d for d in found_dates if d.year is not None and not d.base]
    years = Counter(d.year for d in stated if getattr(d, "granularity", "") == "year")
    if not years:
        years = Counter(d.year for d in stated)
    if years:
        return max(years.items(), key=lambda kv: (kv[1], kv[0]))[0]
    if published and any(w in clean for w in dr.last_year):
        return published.year - 1
    return None


_REPORT_PARTS = ("half", "quarter", "range")


def find_report_part(found_dates, report_year: int | None, dr: DocumentRules) -> str | None:
    """The part of the report year the report covers (H1, Q1-Q3, 1-10月; None for the whole
    year): the first half, quarter or span of months of the report year in the opening that is
    not a comparison's base, unless the report year is named as a whole before it (今年1至9月，全市… / 2024年上半年工作情况). ``found_dates`` are the
    dates after when.resolve, so 今年 and a bare 前三季度 have their year."""
    if report_year is None:
        return None
    for d in found_dates:
        if d.start >= dr.config.opening_chars:
            break
        if d.granularity == "year" and d.year == report_year and not (d.base or d.since):
            return None                 # 2025年，全市…: the opening speaks of the whole year
        if (d.granularity in _REPORT_PARTS and not d.base and d.year == report_year
                and d.day is None and d.end_day is None
                and (d.end_year is None or d.end_year == report_year)
                and (part := part_of(d)) is not None):
            return part
    return None


def describe(norm: NormText, found_dates, dr: DocumentRules, orgs: OrgRules) -> DocFacts:
    """Title, org, report year and publication date of one article (``orgs``: the
    organisation rules and gazetteer, see orgs.py)."""
    title = find_title(norm, dr, orgs)
    published = find_published(norm.clean, found_dates)
    org = find_organisation(norm.clean, title, orgs)
    return DocFacts(
        title=title,
        org=org.org,
        report_year=find_report_year(norm.clean, title, found_dates, published, dr),
        published=published,
        org_type=org.org_type, region=org.region, adcode=org.adcode, org_id=org.org_id,
    )
