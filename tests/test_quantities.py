"""Table-driven quantity cases: tests/cases/quantities*.toml through ``extract.extract_text``.

The cases are data (see the header of the TOML file for the format). Each ``[[case]]`` checks the
metrics one text yields; each ``[[negative]]`` checks that a name, slogan, ordinal or piece of
page furniture yields no metric. Known failures carry ``xfail = "why"`` and run strictly, so a
fix turns them into a failure that asks for the marker to be removed.
"""

from __future__ import annotations

import math
import tomllib

import pytest
import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

import extract
from conftest import CASES, overlaps
from extract.metrics import quantity_matches
from extract.normalize import normalize

CASE_FILES = sorted(CASES.glob("quantities*.toml"))   # quantities.toml, _genre, _counted


def _load_cases() -> dict[str, list]:
    data: dict[str, list] = {"case": [], "negative": []}
    for path in CASE_FILES:
        for kind, items in tomllib.loads(path.read_text(encoding="utf-8")).items():
            data.setdefault(kind, []).extend(items)
    return data


DATA = _load_cases()

CASE_KEYS = {"source", "text", "metric", "partial", "xfail"}
METRIC_KEYS = {"q", "value", "unit", "kind", "qualifier", "change", "basis", "metric",
               "label_contains", "scope", "period", "value_high", "std_value", "std_unit",
               "label_rule"}
NEGATIVE_KEYS = {"source", "text", "surface", "xfail"}


def _params(kind: str) -> list:
    out = []
    for n, case in enumerate(DATA.get(kind, []), 1):
        marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if "xfail" in case else []
        out.append(pytest.param(case, id=f"{case['source']}#{n}", marks=marks))
    return out


def _show(metrics) -> str:
    return "\n".join(
        f"  {m.text!r} value={m.value} unit={m.unit} qualifier={m.qualifier} kind={m.kind} "
        f"change={m.change} basis={m.basis} metric={m.metric} label={m.label!r} "
        f"scope={m.scope} rule={m.rule}" for m in metrics) or "  (no metrics)"


def _mismatches(exp: dict, m) -> list[str]:
    """The fields of metric ``m`` that differ from the expectation ``exp``."""
    want = {
        "value": float(exp["value"]), "unit": exp["unit"] or None, "kind": exp["kind"],
        "qualifier": exp.get("qualifier", "exact"), "change": exp.get("change"),
    }
    for key in ("basis", "metric", "scope", "period", "value_high", "std_value", "std_unit",
                "label_rule"):
        if key in exp:
            want[key] = exp[key] if exp[key] != "" else None  # "" stands for null
    bad = []
    for key, value in want.items():
        got = getattr(m, key)
        numeric = isinstance(value, (int, float)) and isinstance(got, (int, float)) \
            and key in ("value", "value_high", "std_value")
        same = math.isclose(got, value, rel_tol=1e-9) if numeric else got == value
        if not same:
            bad.append(f"{key}: expected {value!r}, got {got!r}")
    if "label_contains" in exp and exp["label_contains"] not in (m.label or ""):
        bad.append(f"label: expected to contain {exp['label_contains']!r}, got {m.label!r}")
    return bad


def test_case_file_is_well_formed():
    """Typos in the case file would silently skip checks: reject unknown keys."""
    assert DATA.get("case") and DATA.get("negative")
    for case in DATA["case"]:
        assert set(case) <= CASE_KEYS, set(case) - CASE_KEYS
        assert case.get("metric"), f"case without expected metrics: {case['text']!r}"
        for exp in case["metric"]:
            assert set(exp) <= METRIC_KEYS, set(exp) - METRIC_KEYS
            assert {"q", "value", "unit", "kind"} <= set(exp), exp
            assert exp["q"] in case["text"], f"{exp['q']!r} is not in {case['text']!r}"
    for neg in DATA["negative"]:
        assert set(neg) <= NEGATIVE_KEYS, set(neg) - NEGATIVE_KEYS
        assert "surface" not in neg or neg["surface"] in neg["text"], neg
    sources = {c["source"].split(":")[0] for c in DATA["case"] + DATA["negative"]}
    assert sources == {"dev", "synthetic"}, sources


@pytest.mark.parametrize("case", _params("case"))
def test_case(case):
    text = case["text"]
    got = extract.extract_text(text).metrics
    expected = case["metric"]
    report = f"text {text!r}\ngot:\n{_show(got)}"
    for m in got:  # the surface is always the exact raw slice
        assert text[m.start:m.end] == m.text
    if case.get("partial"):
        used: set[int] = set()
        for exp in expected:
            cands = [i for i, m in enumerate(got) if m.text == exp["q"] and i not in used
                     and not _mismatches(exp, m)]
            assert cands, f"no metric {exp['q']!r} matching {exp}\n{report}"
            used.add(cands[0])
        return
    assert [m.text for m in got] == [e["q"] for e in expected], report
    problems = [f"{e['q']!r}: {p}" for e, m in zip(expected, got) for p in _mismatches(e, m)]
    assert not problems, "\n".join(problems) + "\n" + report


@pytest.mark.parametrize("case", _params("negative"))
def test_negative(case):
    text = case["text"]
    got = extract.extract_text(text).metrics
    if "surface" not in case:
        assert not got, f"expected no metric in {text!r}, got:\n{_show(got)}"
        return
    start = text.index(case["surface"])
    span = (start, start + len(case["surface"]))
    bad = [m for m in got if overlaps((m.start, m.end), span)]
    assert not bad, f"metric over {case['surface']!r} in {text!r}:\n{_show(bad)}"


# --- the two-part scan finds what the full quantity pattern finds ------------------------------

RULES = extract.default_rules()
_LEAD_WORDS = sorted({*RULES.quantity.hedge_prefix, *RULES.quantity.currency})
_QUANTITY_PIECES = (_LEAD_WORDS + sorted(RULES.quantity.hedge_inner) + sorted(RULES.quantity.hedge_suffix)
                    + ["12", "3.5", "1,234", "百分之", "两", "十", "万", "亿", "余", "数", "几"]
                    + ["元", "人", "起", "%", "个", "人次", "万元", "名", " ", "\n", "，", "过", "近近"])


def _full(clean: str):
    out = []
    for m in RULES.quantity.full.finditer(clean):
        if m.group("unit") or m.group("pct") or m.group("sc") or m.group("scc"):
            start = m.start("pre") if m.group("pre") else m.start("num")
            out.append((start, m.end(), m.group("pre"), m.group("cur"), m.group("num", "unit")))
    return out


def _split(clean: str):
    return [(start, m.end(), pre, cur, m.group("num", "unit"))
            for m, start, pre, cur in quantity_matches(clean, RULES.quantity)]


def test_quantity_scan_matches_the_full_pattern_on_the_dev_articles(raw_dir):
    for path in sorted(raw_dir.glob("*.txt")):
        clean = normalize(path.read_text(encoding="utf-8"), RULES.fold).clean
        assert _split(clean) == _full(clean), path.name


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_QUANTITY_PIECES), max_size=25).map("".join))
@example("超过人民币 5万元，近3人，约 12%")
@example("3人超过近5人RMB5万元")
def test_quantity_scan_matches_the_full_pattern(text):
    clean = normalize(text, RULES.fold).clean
    assert _split(clean) == _full(clean)


def test_whitespace_is_what_the_regex_engine_calls_whitespace():
    from extract.quantity_rules import WHITESPACE

    assert WHITESPACE == {chr(c) for c in range(0x110000) if regex.match(r"\s", chr(c))}
