"""The scorer behind ``extract eval``: synthetic raw text, gold lines and hand-made tables.

Every test starts from one small article whose "perfect" output scores 1.0 everywhere and then
changes one thing, so each scoring rule of the corpus guide is checked in isolation.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from extract.evaluate import EvalError, evaluate, format_report, load_gold, locate

# Layout spaces inside the year, as in real newspaper PDFs.
TEXT = ("2 0 2 1 年，某区分局共破获刑事案件398起，抓获犯罪嫌疑人2127人；"
        "在“雷霆7号”行动中追赃挽损1.73亿元，考评排名第一名。")
DOC = "2021_test.txt"

GOLD = [
    {"type": "doc", "doc": DOC, "org_contains": "某区", "report_year": 2021},
    {"type": "metric", "doc": DOC, "q": "398起", "ctx": "刑事案件398起", "value": 398,
     "unit": "起", "qualifier": "exact", "kind": "count", "change": None,
     "metric": "criminal_cases_solved", "role": "M", "obj": "刑事案件"},
    {"type": "metric", "doc": DOC, "q": "2127人", "ctx": "嫌疑人2127人", "value": 2127,
     "unit": "人", "qualifier": "exact", "kind": "count", "change": None,
     "metric": "suspects_arrested", "role": "M", "obj": "嫌疑人"},
    {"type": "metric", "doc": DOC, "q": "1.73亿元", "ctx": "追赃挽损1.73亿元",
     "value": 173000000, "unit": "元", "qualifier": "exact", "kind": "money", "change": None,
     "metric": "*", "role": "M", "obj": "挽损"},
    {"type": "metric", "doc": DOC, "q": "7", "ctx": "雷霆7号", "value": 7, "unit": None,
     "qualifier": "exact", "kind": "count", "change": None, "metric": None, "role": "X"},
    {"type": "metric", "doc": DOC, "q": "第一名", "ctx": "排名第一名", "value": 1, "unit": "名",
     "qualifier": "exact", "kind": "count", "change": None, "metric": None, "role": "N"},
    {"type": "date", "doc": DOC, "q": "2021年", "ctx": "2021年，某区", "year": 2021,
     "month": None, "day": None, "granularity": "year", "role": "M"},
]

METRIC_COLS = ["doc_id", "start", "end", "text", "value", "unit", "qualifier", "kind", "change",
               "basis", "metric", "label", "period", "scope", "sentence", "rule"]
DATE_COLS = ["doc_id", "start", "end", "text", "year", "month", "day", "granularity",
             "end_year", "end_month", "rule"]


def span(surface: str, within: str | None = None) -> tuple[int, int]:
    """Offsets of ``surface`` in TEXT, looked for inside ``within`` when it is ambiguous."""
    start = TEXT.index(within or surface) + (within or surface).index(surface)
    return start, start + len(surface)


def metric(surface: str, value: float, unit: str | None, kind: str = "count",
           metric_id: str | None = None, label: str | None = None, within: str | None = None,
           **extra) -> dict:
    start, end = span(surface, within)
    row = {"doc_id": "d1", "start": start, "end": end, "text": surface, "value": float(value),
           "unit": unit, "qualifier": "exact", "kind": kind, "change": None, "basis": None,
           "metric": metric_id, "label": label, "period": 2021, "scope": "total",
           "sentence": "", "rule": "test"}
    row.update(extra)
    return row


def perfect_metrics() -> list[dict]:
    return [
        metric("398起", 398, "起", metric_id="criminal_cases_solved", label="破获刑事案件"),
        metric("2127人", 2127, "人", metric_id="suspects_arrested", label="抓获犯罪嫌疑人"),
        metric("1.73亿元", 1.73e8, "元", kind="money", metric_id="losses_recovered",
               label="追赃挽损"),
    ]


def date(surface: str, year=None, month=None, day=None, granularity="year") -> dict:
    start, end = span(surface)
    return {"doc_id": "d1", "start": start, "end": end, "text": surface, "year": year,
            "month": month, "day": day, "granularity": granularity, "end_year": None,
            "end_month": None, "rule": "test"}


def perfect_dates() -> list[dict]:
    return [date("2 0 2 1 年", year=2021)]


def document(path: str = DOC, org: str | None = "某区分局", year: int | None = 2021) -> dict:
    return {"doc_id": "d1", "path": path, "sha256": "x", "n_chars": len(TEXT), "title": None,
            "org": org, "report_year": year, "status": "ok", "error": None,
            "n_metrics": 0, "n_dates": 0}


@pytest.fixture
def case(tmp_path):
    """Returns run(metrics=..., dates=..., gold=..., documents=...) -> EvalReport."""

    def run(metrics=None, dates=None, gold=None, documents=None, text=TEXT):
        raw = tmp_path / "raw"
        out = tmp_path / "out"
        raw.mkdir(exist_ok=True)
        out.mkdir(exist_ok=True)
        (raw / DOC).write_text(text, encoding="utf-8")
        gold_path = tmp_path / "gold.jsonl"
        gold_path.write_text("\n".join(json.dumps(g, ensure_ascii=False)
                                       for g in (GOLD if gold is None else gold)) + "\n",
                             encoding="utf-8")
        docs = [document()] if documents is None else documents
        write(out / "documents.parquet", docs, list(document()))
        write(out / "metrics.parquet", perfect_metrics() if metrics is None else metrics,
              METRIC_COLS)
        write(out / "dates.parquet", perfect_dates() if dates is None else dates, DATE_COLS)
        write(out / "rejects.parquet", [], ["doc_id", "start", "end", "text", "rule", "reason"])
        return evaluate(gold_path, raw, out)

    return run


def write(path: Path, rows: list[dict], columns: list[str]) -> None:
    pd.DataFrame(rows, columns=columns).to_parquet(path, index=False)


# --------------------------------------------------------------------------- detection


def test_perfect_output_scores_one_everywhere(case):
    r = case()
    assert (r.precision.value, r.recall.value, r.f1) == (1.0, 1.0, 1.0)
    assert all(a.value == 1.0 for a in r.attributes.values()), r.attributes
    assert r.attributes["metric"].den == 2  # the "*" fact is not scored for the id
    assert r.id_precision.value == r.id_recall.value == 1.0
    assert r.date_precision.value == r.date_recall.value == 1.0
    assert r.date_values["all"].value == 1.0
    assert r.org.value == r.report_year.value == 1.0
    assert r.x_emitted == 0 and r.n_ignored == 0
    assert not any(r.issue_lists().values()), r.issue_lists()


def test_missed_m_fact_lowers_recall_only(case):
    r = case(metrics=perfect_metrics()[:1] + perfect_metrics()[2:])
    assert r.recall.num == 2 and r.recall.den == 3
    assert r.precision.value == 1.0
    assert [m.text for m in r.misses] == ["2127人"]
    assert r.misses[0].got == "nothing" and "[2127人]" in r.misses[0].context


def test_emitted_x_fact_is_false_positive_and_x_emitted(case):
    r = case(metrics=perfect_metrics() + [metric("7", 7, None, within="雷霆7号")])
    assert r.metric_fp == 1 and r.x_emitted == 1
    assert r.precision.num == 3 and r.precision.den == 4
    assert r.recall.value == 1.0
    assert r.false_positives[0].text == "7" and "X fact" in r.false_positives[0].expected


def test_x_fact_counts_with_any_value(case):
    r = case(metrics=perfect_metrics() + [metric("7", 70, None, within="雷霆7号")])
    assert r.x_emitted == 1 and r.metric_fp == 1


def test_record_over_n_fact_is_ignored_whatever_its_value(case):
    extra = [metric("第一名", 1, "名"), metric("第一", 100, None)]
    r = case(metrics=perfect_metrics() + extra)
    assert r.n_ignored == 2
    assert r.metric_fp == 0 and r.precision.value == 1.0 and r.metrics_emitted == 5


def test_value_mismatch_is_no_match(case):
    wrong = metric("398起", 39.8, "起", metric_id="criminal_cases_solved", label="刑事案件")
    r = case(metrics=[wrong] + perfect_metrics()[1:])
    assert r.metric_tp == 2 and r.metric_fn == 1 and r.metric_fp == 1
    assert "value differs" in r.false_positives[0].expected
    assert "39.8" in r.misses[0].got


def test_value_equal_within_float_noise(case):
    rows = perfect_metrics()
    rows[2]["value"] = 1.73 * 100000000 + 1e-3
    assert case(metrics=rows).recall.value == 1.0


def test_matching_is_one_to_one(case):
    r = case(metrics=perfect_metrics() + [metric("398", 398, None)])
    assert r.metric_tp == 3 and r.metric_fp == 1
    assert "duplicate" in r.false_positives[0].expected


def test_overlap_not_exact_span_is_enough(case):
    rows = perfect_metrics()
    start, end = span("案件398起")
    rows[0].update(start=start, end=end, text="案件398起")
    assert case(metrics=rows).recall.value == 1.0


def test_record_far_from_any_gold_is_false_positive(case):
    r = case(metrics=perfect_metrics() + [metric("某区", 1, "区")])
    assert r.metric_fp == 1 and r.x_emitted == 0
    assert "no gold fact" in r.false_positives[0].expected


# --------------------------------------------------------------------------- attributes


def test_wrong_attributes_are_scored_on_matches(case):
    rows = perfect_metrics()
    rows[1].update(unit="名", label="人员", metric=None, change="decrease")
    r = case(metrics=rows)
    assert r.recall.value == 1.0
    assert r.attributes["unit"].num == 2 and r.attributes["unit"].den == 3
    assert r.attributes["change"].num == 2
    assert r.attributes["label"].num == 2
    assert r.id_recall.num == 1 and r.id_recall.den == 2
    assert r.id_precision.value == 1.0  # a missing id is not a wrong id
    fields = sorted(i.field for i in r.wrong_attributes)
    assert fields == ["change", "label", "metric", "unit"]
    unit = next(i for i in r.wrong_attributes if i.field == "unit")
    assert (unit.expected, unit.got) == ("人", "名")


def test_wrong_id_lowers_id_precision(case):
    rows = perfect_metrics()
    rows[0]["metric"] = "cases_solved"
    r = case(metrics=rows)
    assert r.id_precision.num == 1 and r.id_precision.den == 2
    assert r.id_recall.num == 1 and r.id_recall.den == 2


def test_null_gold_id_requires_null(case):
    gold = [dict(g) for g in GOLD]
    gold[1]["metric"] = None
    rows = perfect_metrics()
    r = case(metrics=rows, gold=gold)
    assert r.attributes["metric"].num == 1 and r.attributes["metric"].den == 2
    assert r.id_precision.num == 1 and r.id_precision.den == 2
    assert r.id_recall.value == 1.0


# --------------------------------------------------------------------------- locating


def test_whitespace_broken_text_is_located():
    text = "近日，2 0 2 1\n\n年 度全市"
    (s, e), why = locate(text, "近日，2021年度", "2021年")
    assert why == "" and text[s:e] == "2 0 2 1\n\n年"


def test_whitespace_in_ctx_is_ignored():
    text = "截至2020年11月12日，"
    (s, e), _ = locate(text, "2020 年 11 月 12\n\n日", "2020年11月12日")
    assert text[s:e] == "2020年11月12日"


def test_first_ctx_occurrence_is_used():
    text = "破案5起。破案5起。"
    (s, e), _ = locate(text, "破案5起", "5起")
    assert (s, e) == (2, 4)


def test_date_over_broken_year_matches(case):
    r = case()
    assert r.date_recall.value == 1.0 and r.date_values["year"].value == 1.0


def test_unlocatable_ctx_is_reported_not_fatal(case):
    bad = {"type": "metric", "doc": DOC, "q": "5起", "ctx": "不存在的句子5起", "value": 5,
           "unit": "起", "qualifier": "exact", "kind": "count", "change": None,
           "metric": None, "role": "M", "obj": "句子"}
    bad_q = dict(bad, ctx="刑事案件398起", q="399起")
    r = case(gold=GOLD + [bad, bad_q])
    assert [(i.line, i.got) for i in r.unlocatable] == [
        (len(GOLD) + 1, "ctx not found in text"), (len(GOLD) + 2, "q not found inside ctx")]
    assert r.recall.value == 1.0  # unlocatable facts are left out of scoring
    assert "unlocatable 2" in format_report(r)


def test_missing_raw_file_is_reported_and_doc_not_scored(case):
    gold = GOLD + [dict(GOLD[1], doc="other.txt")]
    r = case(gold=gold)
    assert any(i.doc == "other.txt" for i in r.unlocatable)
    assert any(i.doc == "other.txt" for i in r.document_errors)
    assert r.precision.value == 1.0 and r.recall.value == 1.0


# --------------------------------------------------------------------------- dates, documents


def test_date_over_a_gold_quantity_is_a_false_positive(case):
    r = case(dates=perfect_dates() + [date("2127人", year=2127)])
    assert r.date_precision.num == 1 and r.date_precision.den == 2
    assert r.date_recall.value == 1.0
    assert r.date_false_positives[0].text == "2127人"
    assert r.dates_unannotated == 0


def test_unannotated_date_is_reported_not_scored(case):
    # the gold does not list every date mention: a record the gold says nothing about
    r = case(dates=perfect_dates() + [date("某区", year=2020)])
    assert r.date_precision.num == 1 and r.date_precision.den == 1
    assert r.dates_unannotated == 1


def test_wrong_date_value_is_an_accuracy_error_not_a_miss(case):
    r = case(dates=[date("2 0 2 1 年", year=2020, granularity="day")])
    assert r.date_recall.value == 1.0
    assert r.date_values["year"].value == 0.0 and r.date_values["month"].value == 1.0
    assert r.date_values["all"].value == 0.0
    assert r.wrong_dates[0].field == "year,granularity"


def test_date_miss(case):
    r = case(dates=[])
    assert r.date_recall.value == 0.0 and r.date_precision.value is None
    assert r.date_misses[0].text == "2021年"


def test_document_org_and_year(case):
    r = case(documents=[document(org="市公安局", year=2020)])
    assert r.org.value == 0.0 and r.report_year.value == 0.0
    assert sorted(i.field for i in r.document_errors) == ["org", "report_year"]


def test_document_found_by_basename(case):
    assert case(documents=[document(path="sub/" + DOC)]).recall.value == 1.0


def test_document_missing_from_output(case):
    r = case(documents=[document(path="nothing.txt")])
    assert r.recall.value == 0.0 and r.metrics_emitted == 0
    assert r.org.value == 0.0
    assert any("not in documents" in i.got for i in r.document_errors)


def test_records_of_other_documents_are_not_scored(case):
    other = dict(metric("某区", 1, "区"), doc_id="d2")
    r = case(metrics=perfect_metrics() + [other])
    assert r.metrics_emitted == 3 and r.precision.value == 1.0


def test_shifted_offsets_are_flagged(case):
    rows = perfect_metrics()
    rows[0]["text"] = "397起"
    r = case(metrics=rows)
    assert len(r.offset_errors) == 1


# --------------------------------------------------------------------------- inputs, output


def test_missing_table_is_an_error(case, tmp_path):
    case()
    (tmp_path / "out" / "dates.parquet").unlink()
    with pytest.raises(EvalError, match="dates.parquet"):
        evaluate(tmp_path / "gold.jsonl", tmp_path / "raw", tmp_path / "out")


def test_bad_gold_line_names_its_line(tmp_path):
    p = tmp_path / "gold.jsonl"
    p.write_text('{"type": "doc", "doc": "a.txt"}\n{"type": "metric", "doc": "a.txt"}\n')
    with pytest.raises(EvalError, match=":2: metric line lacks"):
        load_gold(p)


def test_format_report_ends_with_headline_numbers(case):
    rows = perfect_metrics()[1:] + [metric("7", 7, None, within="雷霆7号")]
    r = case(metrics=rows)
    text = format_report(r)
    tail = "\n".join(text.splitlines()[-15:])
    for word in ("P 0.667 (2/3)", "R 0.667 (2/3)", "F1 0.667", "X emitted 1", "unit",
                 "qualifier", "kind", "change", "metric id", "label", "dates", "org",
                 "report_year"):
        assert word in tail, word
    assert "398起" not in text
    verbose = format_report(r, verbose=True)
    assert verbose.endswith(text)
    miss = next(line for line in verbose.splitlines() if line.strip().startswith("miss"))
    assert DOC in miss and "398起" in miss and "got nothing" in miss
    assert any(line.strip().startswith("false_positive") and " 7 " in line
               for line in verbose.splitlines())


def test_to_dict_is_json_ready(case):
    r = case(metrics=perfect_metrics()[1:])
    d = json.loads(json.dumps(r.to_dict(), ensure_ascii=False))
    assert d["metrics"]["recall"] == {"value": 2 / 3, "num": 2, "den": 3}
    assert d["issues"]["misses"][0]["text"] == "398起"


def test_dev_gold_locates_in_dev_articles():
    """Every line of the shared dev gold must be locatable in its article (gold sanity)."""
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev"
    if not (corpus / "gold.jsonl").is_file():
        pytest.skip("shared corpus not beside the repo")
    gold = load_gold(corpus / "gold.jsonl")
    texts = {}
    for f in gold.facts:
        text = texts.setdefault(f.doc, (corpus / "raw" / f.doc).read_text(encoding="utf-8-sig"))
        found, why = locate(text, f.ctx, f.q)
        assert found is not None, (f.line, f.q, why)
