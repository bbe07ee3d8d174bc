"""The dev articles end to end: ``extract.run`` into Parquet, then the scorer against gold.jsonl.

The dev corpus is ../shared/corpus/dev beside the repository; the raw articles fall back to the
repository's data/raw copy, and the gold-scored tests skip when gold.jsonl is absent. Thresholds
sit a little below the current scores so an honest regression fails while a one-fact wobble on a
borderline (role N) number does not.
"""

from __future__ import annotations

import pytest

import extract
from conftest import DEV_DOCS, DEV_GOLD
from extract.evaluate import evaluate, format_report


@pytest.fixture(scope="module")
def tables(dev_out):
    return extract.read(dev_out)


@pytest.fixture(scope="module")
def report(dev_out, raw_dir):
    if not DEV_GOLD.is_file():
        pytest.skip(f"gold file not found: {DEV_GOLD}")
    return evaluate(DEV_GOLD, raw_dir, dev_out)


def _explain(report) -> str:
    return "\n" + format_report(report, verbose=True)


# --- scores against the gold -----------------------------------------------------------------

def test_gold_is_fully_located(report):
    assert not report.unlocatable, _explain(report)
    assert not report.offset_errors, _explain(report)
    assert not report.document_errors, _explain(report)


def test_metric_detection(report):
    assert report.f1 is not None and report.f1 >= 0.98, _explain(report)


def test_no_x_fact_is_emitted(report):
    assert report.x_emitted == 0, _explain(report)


@pytest.mark.parametrize("attr", ["unit", "qualifier", "kind", "change"])
def test_metric_attributes(report, attr):
    ratio = report.attributes[attr]
    assert ratio.den > 0 and ratio.value >= 0.98, f"{attr} {ratio}" + _explain(report)


def test_labels(report):
    ratio = report.attributes["label"]
    assert ratio.den > 0 and ratio.value >= 0.95, f"label {ratio}" + _explain(report)


def test_canonical_ids(report):
    assert report.id_precision.den > 0 and report.id_precision.value >= 0.97, \
        f"id precision {report.id_precision}" + _explain(report)
    assert report.id_recall.den > 0 and report.id_recall.value >= 0.95, \
        f"id recall {report.id_recall}" + _explain(report)


def test_document_facts(report):
    assert report.org.den == len(DEV_DOCS) and report.org.value == 1.0, _explain(report)
    assert report.report_year.den == len(DEV_DOCS) and report.report_year.value == 1.0, \
        _explain(report)


# --- the tables themselves -------------------------------------------------------------------

def test_metric_text_is_the_original_slice(tables, dev_text):
    metrics = tables["metrics"]
    assert len(metrics) > 0
    for doc_id, rows in metrics.groupby("doc_id"):
        original = dev_text(doc_id)
        for row in rows.itertuples():
            assert original[row.start:row.end] == row.text, (doc_id, row.start, row.text)


def test_date_text_is_the_original_slice(tables, dev_text):
    for row in tables["dates"].itertuples():
        assert dev_text(row.doc_id)[row.start:row.end] == row.text, row


def test_rows_are_sorted_by_path_then_start(tables):
    for name in ("metrics", "dates"):
        keys = list(zip(tables[name]["doc_id"], tables[name]["start"]))
        assert keys == sorted(keys), name


def test_one_document_row_per_input(tables):
    docs = tables["documents"]
    assert sorted(docs["path"]) == sorted(DEV_DOCS)
    assert docs["doc_id"].is_unique
    assert set(docs["status"]) == {"ok"}
    by_doc = tables["metrics"].groupby("doc_id").size()
    for row in docs.itertuples():
        assert row.n_metrics == by_doc.get(row.doc_id, 0)


def test_rejects_table_exists(tables, dev_out):
    assert (dev_out / "rejects.parquet").is_file()
    assert {"doc_id", "start", "end", "text", "rule", "reason"} <= set(tables["rejects"].columns)


def test_worker_processes_do_not_change_the_output(tables, raw_dir, tmp_path):
    """README: "output is identical for any N" (rows in path order whatever the pool does)."""
    extract.run(raw_dir, tmp_path / "out", jobs=2)
    again = extract.read(tmp_path / "out")
    for name, frame in tables.items():
        assert again[name].equals(frame), name


def test_run_metadata_names_the_rules(dev_out, ruleset):
    meta = extract.read_metadata(dev_out)
    assert meta["rules_fingerprint"] == ruleset.fingerprint
    assert meta["extract_version"] == extract.__version__


# --- specific facts --------------------------------------------------------------------------

def _rows(tables, doc: str, value: float):
    m = tables["metrics"]
    return m[(m["doc_id"] == doc) & (m["value"] == value)]


@pytest.mark.parametrize("doc, value, unit, metric_id, scope, label_has", [
    ("2025_weibin.txt", 2127, "人", "suspects_arrested", "total", "嫌疑人"),
    ("2025_weibin.txt", 53, "人", "fugitives_arrested", "part", "在逃人员"),
    ("2025_weibin.txt", 398, "起", "criminal_cases_solved", "total", "刑事案件"),
    ("2021_zhanhe.txt", 1335, "人", "suspects_arrested", "total", "违法犯罪人员"),
    ("2021_zhanhe.txt", 173000000, "元", "losses_recovered", "total", "追赃挽损"),
])
def test_specific_facts(tables, doc, value, unit, metric_id, scope, label_has):
    rows = _rows(tables, doc, value)
    assert len(rows) == 1, rows
    row = rows.iloc[0]
    assert (row["unit"], row["metric"], row["scope"]) == (unit, metric_id, scope)
    assert label_has in row["label"]
    year = 2025 if doc.startswith("2025") else 2021
    assert row["period"] == year


def test_no_metric_inside_operation_names(tables, dev_text):
    """雷霆 7号 and 雷霆 12号 (with the layout of the original) are names, not figures."""
    original = dev_text("2021_zhanhe.txt")
    m = tables["metrics"]
    spans = [(r.start, r.end) for r in m[m["doc_id"] == "2021_zhanhe.txt"].itertuples()]
    for name in ("雷霆 7", "雷霆 12"):
        pos = original.index(name)
        hit = [s for s in spans if s[0] < pos + len(name) and pos < s[1]]
        assert not hit, (name, hit)
