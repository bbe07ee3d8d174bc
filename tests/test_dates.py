"""Dates: table-driven cases (tests/cases/dates.toml), every rule's own examples, rule-file
validation, the dev-set gold, and a property test that find_dates is total and well-formed."""

from __future__ import annotations

import datetime
import json
import tomllib
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.date_rules import load as load_date_rules
from extract.dates import DateFound, find_dates, find_published
from extract.normalize import normalize
from extract.rules import RuleError
from extract.ruleset import default_rules

HERE = Path(__file__).resolve().parent
CASES = tomllib.loads((HERE / "cases" / "dates.toml").read_text(encoding="utf-8"))
DEV = HERE.parents[1] / "shared" / "corpus" / "dev"  # shared/ sits beside the repository
FIELDS = ("year", "month", "day", "granularity", "end_year", "end_month", "end_day", "detail")


@pytest.fixture(scope="module")
def rules():
    return default_rules()


def _dates(raw: str, rules) -> tuple[str, list[DateFound]]:
    """Normalise like the pipeline does, then find dates in the clean text."""
    clean = normalize(raw, rules.fold).clean
    return clean, find_dates(clean, rules.dates)


def _params(kind: str) -> list:
    """pytest params for one table of cases; `xfail` ones are strict expected failures."""
    out = []
    for i, case in enumerate(CASES.get(kind, [])):
        marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if "xfail" in case else []
        out.append(pytest.param(case, id=f"{kind}{i}-{case['text'][:14]}", marks=marks))
    return out


# --- cases ---------------------------------------------------------------------------------

@pytest.mark.parametrize("case", _params("case"))
def test_case(case, rules):
    clean, found = _dates(case["text"], rules)
    spans = {clean[d.start:d.end]: d for d in found}
    assert case["surface"] in spans, f"{case['surface']!r} not among {list(spans)}"
    d = spans[case["surface"]]
    got = {f: getattr(d, f) for f in FIELDS}
    assert got == {f: case.get(f) for f in FIELDS}
    if "rule" in case:
        assert d.rule == case["rule"]


@pytest.mark.parametrize("case", _params("negative"))
def test_negative(case, rules):
    clean, found = _dates(case["text"], rules)
    assert [clean[d.start:d.end] for d in found] == [], case["why"]


@pytest.mark.parametrize("case", _params("published"))
def test_published(case, rules):
    clean, found = _dates(case["text"], rules)
    published = find_published(clean, found)
    assert (published.isoformat() if published else "") == case["expect"]


# --- every rule's own examples -------------------------------------------------------------

def _rule_examples(kind: str) -> list:
    dr = default_rules().dates
    return [pytest.param(r.id, text, id=f"{r.id}-{text[:12]}")
            for r in dr.rules for text in getattr(r, kind)]


@pytest.mark.parametrize("rule_id, text", _rule_examples("examples"))
def test_rule_example(rule_id, text, rules):
    _, found = _dates(text, rules)
    assert rule_id in [d.rule for d in found], f"{rule_id} did not win in {text!r}: {found}"


@pytest.mark.parametrize("rule_id, text", _rule_examples("counter_examples"))
def test_rule_counter_example(rule_id, text, rules):
    _, found = _dates(text, rules)
    assert rule_id not in [d.rule for d in found], f"{rule_id} fired in {text!r}: {found}"


def test_every_rule_has_examples(rules):
    assert all(r.examples for r in rules.dates.rules)


# --- the rule file is validated ------------------------------------------------------------

GOOD_RULE = """
[[rule]]
id = "date.year"
why = "a year"
granularity = "year"
pattern = '(?P<year>(?:19|20)[0-9][0-9])年'
examples = ["2021年"]
"""


# the word lists the date code needs (a file without them is refused)
WORD_LISTS = """
[[words]]
id = "date.base_before"
why = "a base"
words = ["较"]
examples = [{ text = "较2023年", expect = { period = 2024 } }]
[[words]]
id = "date.base_after"
why = "a base"
words = ["相比"]
examples = [{ text = "2023年相比", expect = { period = 2024 } }]
[[words]]
id = "date.same_period"
why = "the same part"
words = ["同期"]
examples = [{ text = "去年同期", expect = { period = 2024 } }]
[[words]]
id = "date.base_figure"
why = "a base's figure"
words = ["的"]
examples = [{ text = "比2023年的", expect = { period = 2023 } }]
[[words]]
id = "date.since"
why = "from then on"
words = ["以来"]
examples = [{ text = "5月以来", expect = { period = 2024 } }]
"""


def _load(tmp_path: Path, text: str):
    (tmp_path / "dates.toml").write_text(text + WORD_LISTS, encoding="utf-8")
    return load_date_rules(tmp_path, {})


def test_minimal_file_loads(tmp_path):
    dr = _load(tmp_path, GOOD_RULE)
    assert [r.id for r in dr.rules] == ["date.year"]


@pytest.mark.parametrize("text, needles", [
    (GOOD_RULE.replace("年'", "年('"), ["date.year", "bad regex"]),
    (GOOD_RULE.replace("(?P<year>", "(?P<yr>"), ["date.year", "unknown named groups"]),
    (GOOD_RULE.replace('"year"\n', '"quarter"\n'), ["date.year", "needs one of the groups"]),
    (GOOD_RULE.replace('granularity = "year"', 'granularity = "decade"'), ["date.year", "granularity"]),
    (GOOD_RULE.replace('examples = ["2021年"]', "examples = []"), ["date.year", "examples"]),
    (GOOD_RULE.replace('why = "a year"', 'why = "a year"\ncolour = "red"'), ["date.year", "colour"]),
    (GOOD_RULE + GOOD_RULE, ["duplicate rule ids", "date.year"]),
    (GOOD_RULE.replace("(?P<year>", "{nope}(?P<year>"), ["date.year", "unknown fragment {nope}"]),
    (GOOD_RULE.replace("年'", "年?'").replace("(?:19|20)[0-9][0-9]", "(?:19|20)?"),
     ["date.year", "empty string"]),
    (GOOD_RULE + '[[holiday]]\nname = "x"\nsurfaces = ["节"]\nmonth = 1\nlunar = ["2021-02-12"]\n',
     ["holiday 'x'", "not both"]),
    ("[[rule]\n", ["not valid TOML"]),
    (GOOD_RULE.replace("[[rule]]", "[[rules]]"), ["rules", "Extra inputs"]),
    (GOOD_RULE.replace('examples = ["2021年"]', 'needs = ["年度"]\nexamples = ["2021年"]'),
     ["date.year", "needs", "2021年"]),
])
def test_malformed_file_names_file_rule_and_problem(tmp_path, text, needles):
    with pytest.raises(RuleError) as err:
        _load(tmp_path, text)
    message = str(err.value)
    assert "dates.toml" in message
    for needle in needles:
        assert needle in message


def test_missing_file(tmp_path):
    with pytest.raises(RuleError, match="missing rules file"):
        load_date_rules(tmp_path, {})


# --- the dev set ---------------------------------------------------------------------------

def _gold_span(raw: str, g: dict) -> tuple[int, int]:
    """The raw span of a gold date's q, located inside its ctx (whitespace ignored)."""
    loose = lambda s: r"\s*".join(regex.escape(c) for c in regex.sub(r"\s", "", s))  # noqa: E731
    ctx = regex.search(loose(g["ctx"]), raw)
    assert ctx, g
    q = regex.search(loose(g["q"]), raw, pos=ctx.start())
    assert q, g
    return q.span()


@pytest.mark.skipif(not (DEV / "gold.jsonl").is_file(), reason="shared/corpus/dev not beside the repo")
def test_dev_gold_dates(rules):
    """Every M date is found with the gold values; every record overlapping a gold date is right."""
    gold = [json.loads(line) for line in (DEV / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    found_m = total_m = wrong = 0
    for doc in sorted({g["doc"] for g in gold if g["type"] == "date"}):
        raw = (DEV / "raw" / doc).read_text(encoding="utf-8")
        norm = normalize(raw, rules.fold)
        records = [(norm.raw_span(d.start, d.end), d) for d in find_dates(norm.clean, rules.dates)]
        for g in (g for g in gold if g["doc"] == doc and g["type"] == "date"):
            gs, ge = _gold_span(raw, g)
            hits = [d for (s, e), d in records if s < ge and gs < e]
            ok = [d for d in hits if (d.year, d.month, d.day, d.granularity)
                  == (g["year"], g["month"], g["day"], g["granularity"])]
            if g["role"] == "M":
                total_m += 1
                found_m += bool(ok)
                wrong += len(hits) - len(ok)
    assert total_m and found_m / total_m >= 0.95
    assert wrong == 0


# --- properties ----------------------------------------------------------------------------

DATEISH = "0123456789年月日号度季上下半初底末春夏秋冬节元旦国庆今去前至到—-./、，。\n 〇一二三四五六七八九十讯电当次"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(DATEISH), max_size=80) | st.text(max_size=80))
def test_find_dates_is_total_and_well_formed(text):
    rules = default_rules()
    found = find_dates(text, rules.dates)
    last_end = 0
    for d in found:
        assert 0 <= d.start < d.end <= len(text)
        assert d.start >= last_end  # sorted and non-overlapping
        last_end = d.end
        assert d.year is None or 1900 <= d.year <= 2100
        assert d.month is None or 1 <= d.month <= 12
        assert d.end_month is None or 1 <= d.end_month <= 12
        assert d.day is None or 1 <= d.day <= 31
        assert d.granularity in ("year", "half", "quarter", "season", "month", "day", "range")
    published = find_published(text, found)
    assert published is None or isinstance(published, datetime.date)


# Rules written right to left ((?r), for speed) must find what the same pattern finds left to
# right: the same spans with the same groups.
_REVERSED = [r for r in default_rules().dates.rules if r.pattern.pattern.startswith("(?r)")]
_WORDS = sorted({w for table in ("relative_year", "half", "season", "year_part", "month_part",
                                 "anaphoric_day", "holidays")
                 for w in getattr(default_rules().dates, table)})
_DATE_PIECES = _WORDS + list(DATEISH) + ["2021", "2025", "二〇二一", "年度", "过去", "之久", "来自"]


def _both_ways(rule, clean: str):
    forward = regex.compile(rule.pattern.pattern[len("(?r)"):], rule.pattern.flags & ~regex.REVERSE)
    def spans(p):
        return sorted((m.span(), sorted(m.groupdict().items())) for m in p.finditer(clean))
    return spans(forward), spans(rule.pattern)


def test_some_rules_run_right_to_left():
    assert len(_REVERSED) >= 3


@pytest.mark.parametrize("rule", _REVERSED, ids=lambda r: r.id)
def test_right_to_left_rule_matches_as_left_to_right_on_the_dev_articles(rule, rules):
    texts = [p.read_text(encoding="utf-8") for p in sorted((HERE.parent / "data" / "raw").glob("*.txt"))]
    for ex in (*rule.examples, *rule.counter_examples, *texts):
        forward, backward = _both_ways(rule, normalize(ex, rules.fold).clean)
        assert forward == backward, (rule.id, ex[:60])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_DATE_PIECES), max_size=30).map("".join))
def test_right_to_left_rules_match_as_left_to_right_on_generated_text(text):
    for rule in _REVERSED:
        forward, backward = _both_ways(rule, text)
        assert forward == backward, rule.id


@pytest.mark.parametrize("rule", [r for r in default_rules().dates.rules if r.needs],
                         ids=lambda r: r.id)
def test_a_rule_with_needs_skips_only_texts_it_cannot_match(rule, rules):
    """needs is a pre-check: a text holding none of the strings has no match of the rule."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((HERE.parent / "data" / "raw").glob("*.txt"))]
    texts += [ex for r in rules.dates.rules for ex in (*r.examples, *r.counter_examples)]
    texts += [f"2025年1月3日 {w}：某某" for w in rule.needs] + [f"发布{w}：2024-12-30" for w in rule.needs]
    for text in texts:
        clean = normalize(text, rules.fold).clean
        if rule.pattern.search(clean):
            assert rule.may_match(clean), (rule.id, text)


_STARTED = [r for r in default_rules().dates.rules if r.starts]


def _spans(matches) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in matches]


@pytest.mark.parametrize("rule", _STARTED, ids=lambda r: r.id)
def test_a_rule_with_starts_finds_what_a_plain_scan_finds(rule, rules):
    """starts only changes where the pattern is tried: the same matches on the dev articles,
    every date example and texts that put the start words before dates, colons and each other."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((HERE.parent / "data" / "raw").glob("*.txt"))]
    texts += [ex for r in rules.dates.rules for ex in (*r.examples, *r.counter_examples)]
    for w in rule.starts:
        texts += [f"{w}：2024-12-30", f"{w}{w}时间:2025年1月3日", f"发布{w}日期： 2023.11.05 10:20",
                  f"5月18日{w}19时许{w[::-1]}", f"{w[:1]}{w}：二〇二一年三月五日"]
    for text in texts:
        clean = normalize(text, rules.fold).clean
        assert _spans(rule.finditer(clean)) == _spans(rule.plain_finditer(clean)), (rule.id, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_DATE_PIECES + ["发布", "时间", "日期", "：", ":", "当日", "次日", "翌", "更新"]),
                max_size=30).map("".join))
def test_rules_with_starts_find_what_a_plain_scan_finds_on_generated_text(text):
    for rule in _STARTED:
        assert _spans(rule.finditer(text)) == _spans(rule.plain_finditer(text)), rule.id
