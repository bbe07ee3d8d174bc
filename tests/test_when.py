"""When: dates resolved against the article's anchor (when.py), the period and period_part of
every figure, the headline column and the document's title/published/period_part, from the
table-driven cases in tests/cases/when.toml; property tests of the second pass and the headline
choice."""

from __future__ import annotations

import datetime
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import extract
from extract.dates import find_dates
from extract.headline import Row, choose
from extract.normalize import normalize
from extract.ruleset import default_rules
from extract.when import Anchor, decide_anchor, part_of, resolve

CASES = tomllib.loads((Path(__file__).resolve().parent / "cases" / "when.toml")
                      .read_text(encoding="utf-8"))
DATE_FIELDS = ("year", "month", "day", "granularity", "end_year", "end_month", "end_day",
               "detail")
RULES = default_rules()


def _params(kind: str) -> list:
    out = []
    for i, case in enumerate(CASES.get(kind, [])):
        marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if "xfail" in case else []
        out.append(pytest.param(case, id=f"{kind}{i}-{case['text'][:16]}", marks=marks))
    return out


def _clean(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("case", _params("date"))
def test_date(case):
    res = extract.extract_text(case["text"], rules=RULES)
    rows = {_clean(d.text): d for d in res.dates}
    assert case["surface"] in rows, f"{case['surface']!r} not among {list(rows)}"
    d = rows[case["surface"]]
    assert {f: getattr(d, f) for f in DATE_FIELDS} == {f: case.get(f) for f in DATE_FIELDS}


@pytest.mark.parametrize("case", _params("period"))
def test_period(case):
    res = extract.extract_text(case["text"], rules=RULES)
    rows = [m for m in res.metrics if _clean(m.text) == case["surface"]]
    assert rows, f"{case['surface']!r} not among {[m.text for m in res.metrics]}"
    m = rows[0]
    assert (m.period, m.period_part) == (case.get("period"), case.get("period_part"))
    if "headline" in case:
        assert m.headline is case["headline"]


@pytest.mark.parametrize("case", _params("document"))
def test_document(case):
    doc = extract.extract_text(case["text"], rules=RULES).document
    for field in ("title", "report_year", "period_part", "published"):
        if field in case:
            assert getattr(doc, field) == (case[field] if case[field] != "" else None), field


def test_published_is_a_date_in_every_reader(tmp_path):
    """documents.published is Arrow date32 on disk and a datetime.date when read back."""
    import pyarrow.parquet as pq

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("2023-06-03 09:12:45\n今年1至5月，全市共破获刑事案件800起。",
                               encoding="utf-8")
    extract.run(raw, tmp_path / "out", jobs=1)
    schema = pq.read_schema(next((tmp_path / "out").glob("**/documents.parquet")))
    assert str(schema.field("published").type) == "date32[day]"
    t = extract.read(tmp_path / "out")
    assert t["documents"]["published"].tolist() == [datetime.date(2023, 6, 3)]
    assert t["metrics"]["headline"].dtype == "boolean"
    assert t["metrics"].query("headline")["text"].tolist() == ["800起"]
    assert t["documents"]["period_part"].tolist() == ["1-5月"]


# --- properties --------------------------------------------------------------------------------

PIECES = ["今年", "去年", "前年", "明年", "上半年", "下半年", "前三季度", "1至9月", "3月8日",
          "11月", "当日", "昨日", "同期", "较", "比", "的", "以来", "2021年", "2024年", "二〇二三年",
          "12月31日", "第四季度", "，", "。", "\n", "破获", "案件", "120起"]
_texts = st.lists(st.sampled_from(PIECES), max_size=25).map("".join)
_years = st.none() | st.integers(1990, 2030)
_days = st.none() | st.dates(datetime.date(1990, 1, 1), datetime.date(2030, 12, 31))


@settings(max_examples=200, deadline=None)
@given(_texts, _years, _days)
def test_every_resolved_year_is_plausible(text, report_year, published):
    found = find_dates(text, RULES.dates)
    anchor = decide_anchor(found, report_year, published)
    for d in resolve(found, text, anchor):
        for y in (d.year, d.end_year):
            assert y is None or 1900 <= y <= 2100
        assert part_of(d) is None or isinstance(part_of(d), str)


@settings(max_examples=200, deadline=None)
@given(_texts)
def test_a_relative_date_never_resolves_without_an_anchor(text):
    """No publication date and no report year: the second pass adds nothing."""
    found = find_dates(text, RULES.dates)
    if any(d.mark for d in found):
        return                         # the text stamped itself: it has an anchor
    for before, after in zip(found, resolve(found, text, decide_anchor(found, None, None))):
        if after.year != before.year:   # only a month or day dated by its neighbour on the line
            assert before.relative is None and before.month is not None, (before, after)
            assert before.granularity in ("month", "day", "range"), (before, after)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", None]), _years,
                          st.sampled_from([None, "H1", "1-9月"]),
                          st.sampled_from(["total", "part"]),
                          st.sampled_from([None, "decrease"]), st.booleans()), max_size=12),
       _years, st.sampled_from([None, "H1"]))
def test_headline_is_one_eligible_row_per_key(rows, report_year, part):
    rows = [Row(*r) for r in rows]
    flags = choose(rows, report_year, part)
    chosen = [r for r, f in zip(rows, flags) if f]
    assert len({r.key for r in chosen}) == len(chosen)
    for r in chosen:
        assert (r.key is not None and r.period == report_year and r.period_part == part
                and r.scope == "total" and r.change is None)
    eligible_keys = {r.key for r in rows if r.key is not None and r.period == report_year
                     and r.period_part == part and r.scope == "total" and r.change is None}
    assert {r.key for r in chosen} == eligible_keys


def test_anchor_is_the_publication_year_first():
    day = datetime.date(2025, 1, 6)
    assert decide_anchor([], 2024, day) == Anchor(2024, 2025, day)
    assert decide_anchor([], None, None) == Anchor(None, None)
    assert decide_anchor([], 2024, None) == Anchor(2024, 2024)
    clean = normalize("去年，全市破获案件100起。", RULES.fold).clean
    assert decide_anchor(find_dates(clean, RULES.dates), 2024, None).now == 2025
