"""Comparing outputs: headline values by year (``extract.diff``, ``extract.panel``) and row
changes between two runs of the same articles (``by="run"``), plus the terminal rendering.

The dev articles give the real case (two bureaus, 2021 and 2025); hand-made tables check each
headline and comparison rule in isolation.
"""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

import extract
from extract.cli import main
from extract.compare import diff_runs, headlines, year_over_year
from extract.tables import SCHEMAS, _to_pandas, to_arrow
from extract.reading import width as _width
from extract.view import format_diff, format_run_diff

ANSI = re.compile(r"\033\[[0-9;]*m")


# --- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def year_outputs(raw_dir, tmp_path_factory):
    """The 2021 article and the 2025 article, each run into its own output folder."""
    base = tmp_path_factory.mktemp("years")
    outs = {}
    for name in ("2021_zhanhe.txt", "2025_weibin.txt"):
        folder = base / f"raw_{name[:4]}"
        folder.mkdir()
        shutil.copy(raw_dir / name, folder / name)
        outs[name[:4]] = base / f"out_{name[:4]}"
        extract.run(folder, outs[name[:4]], jobs=1)
    return outs


def frames(docs: list[dict], metrics: list[dict]) -> dict:
    """Tables as ``extract.read`` returns them, from a few hand-written rows."""
    base_metric = {"start": 0, "end": 1, "text": "x", "kind": "count", "qualifier": "exact",
                   "scope": "total", "sentence": "", "rule": "test", "unit": "人"}
    docs = [{"path": d["doc_id"], "sha256": d["doc_id"], "status": "ok", **d} for d in docs]
    mets = [{**base_metric, **m} for m in metrics]
    std = extract.default_rules().quantity.std
    for i, m in enumerate(mets):
        m.setdefault("start", i * 10)
        m.setdefault("headline", True)   # the pipeline's choice (headline.py), taken as given
        m["end"] = m["start"] + 1
        if "std_value" not in m:     # as the pipeline fills them (units.toml std)
            m["std_value"], m["std_unit"] = std(m["unit"], m["value"])
    rows = {"documents": docs, "metrics": mets, "dates": [], "rejects": []}
    return {n: _to_pandas(to_arrow(n, rows[n])) for n in SCHEMAS}


def row(df: pd.DataFrame, metric: str) -> dict:
    got = df[df["metric"] == metric]
    assert len(got) == 1, f"{metric}: {len(got)} rows\n{df[['metric', 'status']]}"
    return got.iloc[0].to_dict()


# --- the dev articles ------------------------------------------------------------------------
def test_dev_diff_two_bureaus_are_not_lined_up(year_outputs):
    """湛河 and 卫滨 are two organisations (two org_ids): by default nothing is up or down."""
    d = extract.diff(year_outputs["2021"], year_outputs["2025"])
    assert set(d["status"]) == {"added", "removed"}
    assert d["note"].str.contains("no organisation in common").all()
    assert set(d["org_id"]) == {"410411:public_security", "410703:public_security"}
    s = d[d["metric"] == "suspects_arrested"]
    assert set(zip(s["status"], s["org_id"])) == {("removed", "410411:public_security"),
                                                 ("added", "410703:public_security")}


def test_dev_diff_one_bureau_across_spellings(year_outputs, tmp_path):
    """One org_id lines up across outputs whatever the org is called in each."""
    old, new = extract.read(year_outputs["2021"]), extract.read(year_outputs["2021"])
    new["documents"] = new["documents"].assign(org="湛河公安分局")
    new["metrics"] = new["metrics"].assign(period=new["metrics"]["period"] + 1)
    new["documents"] = new["documents"].assign(report_year=2022)
    d = extract.diff(old, new)
    s = row(d, "suspects_arrested")
    assert (s["year_old"], s["year_new"], s["status"]) == (2021, 2022, "same")
    assert s["org_id"] == "410411:public_security" and s["note"] == ""


def test_dev_diff_2021_against_2025(year_outputs):
    d = extract.diff(year_outputs["2021"], year_outputs["2025"], by="metric")
    s = row(d, "suspects_arrested")
    assert (s["value_old"], s["value_new"], s["status"]) == (1335, 2127, "up")
    assert (s["year_old"], s["year_new"], s["delta"]) == (2021, 2025, 792)
    assert s["pct_change"] == pytest.approx(792 / 1335 * 100)
    assert s["text_old"] == "1335人" and s["text_new"] == "2127人"
    assert "1335人" in s["sentence_old"] and "2127人" in s["sentence_new"]
    assert s["chosen_by"] == "old: headline row; new: headline row"
    g = row(d, "gangs_busted")
    assert (g["value_old"], g["status"], g["text_old"]) == (32, "removed", "32个")
    assert "打掉各类犯罪团伙32个" in g["sentence_old"]
    # two bureaus, asked to be compared by metric alone: said so on every row
    assert d["note"].str.contains("different organisations").all()
    assert "湛河" in s["org"] and "卫滨" in s["org"]


def test_dev_diff_cli(year_outputs, capsys, tmp_path):
    csv = tmp_path / "d.csv"
    assert main(["diff", str(year_outputs["2021"]), str(year_outputs["2025"]), "--by", "metric",
                 "--csv", str(csv)]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("suspects_arrested"))
    assert "1,335" in line and "2,127" in line and "↑ up" in line and "1335人" in line
    gangs = next(x for x in out.splitlines() if x.startswith("gangs_busted"))
    assert "32个" in gangs and "removed" in gangs
    assert "different organisations" in out and "compared by metric alone" in out
    assert not ANSI.search(out), "colour only on a terminal"
    back = pd.read_csv(csv)
    assert set(back["metric"]) >= {"suspects_arrested", "gangs_busted"}


def test_dev_run_diff_same_articles_twice(raw_dir, dev_out, tmp_path, capsys):
    again = tmp_path / "again"
    extract.run(raw_dir, again, jobs=1)
    assert extract.diff(dev_out, again, by="run").empty
    assert main(["diff", str(dev_out), str(again), "--by", "run"]) == 0
    assert "no changes" in capsys.readouterr().out


def test_dev_panel_and_year_over_year(dev_out):
    p = extract.panel(dev_out)
    assert list(p.columns[:3]) == ["org", "org_id", "report_year"]
    zhanhe = p[p["org"].str.contains("湛河")].iloc[0]
    assert zhanhe["report_year"] == 2021 and zhanhe["suspects_arrested"] == 1335
    assert len(p) == 2  # one row per org and year, no empty combinations
    assert year_over_year(dev_out).empty  # each bureau has one report year only


# --- headline rules ------------------------------------------------------------------------
DOCS = [{"doc_id": "a", "org": "甲分局", "report_year": 2021},
        {"doc_id": "b", "org": "甲分局", "report_year": 2022}]


def test_headlines_are_the_rows_the_pipeline_marked():
    """compare takes the ``headline`` column as it is (WHERE headline): not the largest value."""
    f = frames(DOCS[:1], [
        {"doc_id": "a", "metric": "suspects_arrested", "value": 90, "period": 2021},
        {"doc_id": "a", "metric": "suspects_arrested", "value": 5000, "period": 2020,
         "headline": False},
        {"doc_id": "a", "metric": "suspects_arrested", "value": 800, "scope": "part",
         "headline": False},
        {"doc_id": "b", "metric": "gangs_busted", "value": 3, "unit": "名", "headline": False},
    ])
    h = headlines(f)
    assert len(h) == 1
    assert h.iloc[0]["value"] == 90 and h.iloc[0]["pick"] == "headline row"


def test_headline_of_several_articles_is_the_first_and_labels_key_unnamed_metrics():
    docs = [*DOCS[:1], {"doc_id": "c", "org": "甲分局", "report_year": 2021, "path": "z"}]
    f = frames(docs, [
        {"doc_id": "a", "label": "检查 场所", "value": 7, "text": "first", "unit": "家"},
        {"doc_id": "c", "label": "检查场所", "value": 9, "text": "second", "unit": "家"},
        {"doc_id": "a", "label": "检查场所", "value": 3, "unit": "处"},
        {"doc_id": "a", "metric": "suspects_arrested", "value": 120, "unit": "名"},
    ])
    h = headlines(f).set_index("key")
    assert h.loc["检查场所 [家]", "text"] == "first"
    assert h.loc["检查场所 [家]", "pick"] == "headline row of the first of 2 articles"
    assert h.loc["检查场所 [处]", "value"] == 3  # another unit is another fact
    assert h.loc["suspects_arrested", "unit"] == "人"  # 名 counts people too


def test_qualified_values_are_not_compared_as_bare_numbers():
    f = frames(DOCS, [
        {"doc_id": "a", "metric": "drugs_seized", "value": 1000, "qualifier": "over",
         "unit": "克", "kind": "weight"},
        {"doc_id": "b", "metric": "drugs_seized", "value": 1.335, "unit": "千克",
         "kind": "weight"},
        {"doc_id": "a", "metric": "prosecuted", "value": 100, "qualifier": "under"},
        {"doc_id": "b", "metric": "prosecuted", "value": 150},
        {"doc_id": "a", "metric": "gangs_busted", "value": 3, "unit": "个"},
        {"doc_id": "b", "metric": "gangs_busted", "value": 3, "unit": "起"},
    ])
    d = year_over_year(f)
    drugs = row(d, "drugs_seized")
    assert drugs["status"] == "not comparable"  # over 1000 g may well be more than 1335 g
    assert drugs["delta"] == pytest.approx(335) and "over 1,000" in drugs["note"]
    assert row(d, "prosecuted")["status"] == "up"  # under 100 -> 150 is up whatever it was
    assert row(d, "gangs_busted")["status"] == "not comparable"
    assert "units differ" in row(d, "gangs_busted")["note"]
    text = format_diff(d)
    assert "over 1,000" in text and "(+335)" in text


def test_panel_and_diff_across_years_of_one_org():
    f = frames(DOCS, [
        {"doc_id": "a", "metric": "suspects_arrested", "value": 100},
        {"doc_id": "b", "metric": "suspects_arrested", "value": 80},
        {"doc_id": "b", "metric": "gangs_busted", "value": 4, "unit": "个"},
    ])
    p = extract.panel(f)
    assert p["report_year"].tolist() == [2021, 2022]
    assert p["suspects_arrested"].tolist() == [100, 80]
    d = extract.diff(f)  # one output: consecutive report years
    assert row(d, "suspects_arrested")["status"] == "down"
    assert row(d, "gangs_busted")["status"] == "added"
    assert d["org"].eq("甲分局").all() and not d["note"].str.contains("organisations").any()


# --- by run ----------------------------------------------------------------------------------
def test_run_diff_reports_added_removed_and_changed_columns():
    old = frames(DOCS[:1], [
        {"doc_id": "a", "metric": None, "label": "抓获", "value": 5, "start": 10},
        {"doc_id": "a", "label": "走访", "value": 6, "start": 20},
    ])
    new = frames(DOCS[:1], [
        {"doc_id": "a", "metric": "suspects_arrested", "label": "抓获嫌疑人", "value": 5,
         "start": 10},
        {"doc_id": "a", "label": "检查", "value": 7, "start": 30},
    ])
    d = diff_runs(old, new)
    by_start = {(r["table"], r["start"]): r for r in d.to_dict("records")}
    changed = by_start[("metrics", 10)]
    assert changed["status"] == "changed" and changed["changed"] == "metric, label"
    assert "label: 抓获 → 抓获嫌疑人" in changed["detail"]
    assert by_start[("metrics", 20)]["status"] == "removed"
    assert by_start[("metrics", 30)]["status"] == "added"
    text = format_run_diff(d)
    assert "metrics: 1 added, 1 removed, 1 changed" in text


def test_run_diff_matches_by_content_not_path():
    old = frames([{**DOCS[0], "path": "x/a.txt", "sha256": "f00"}], [{"doc_id": "a", "value": 5}])
    new = frames([{**DOCS[0], "doc_id": "moved", "path": "y/a.txt", "sha256": "f00"}],
                 [{"doc_id": "moved", "value": 5}])
    assert diff_runs(old, new).empty


# --- terminal rendering ------------------------------------------------------------------------
def test_table_columns_line_up_with_wide_characters():
    f = frames(DOCS, [
        {"doc_id": "a", "label": "抓获违法犯罪嫌疑人", "value": 1335},
        {"doc_id": "b", "label": "抓获违法犯罪嫌疑人", "value": 2127},
        {"doc_id": "a", "label": "网格", "value": 4, "unit": "个"},
        {"doc_id": "b", "label": "网格", "value": 40000, "unit": "个"},
    ])
    lines = [x for x in format_diff(year_over_year(f)).splitlines() if "%" in x or "↑" in x]
    header, *rows = lines
    col = _width(header[: header.index("%")])
    for r in rows:  # the % column ends at the same display column on every line
        assert _width(r[: r.index("%")]) == col, lines


def test_colour_only_when_asked():
    f = frames(DOCS, [{"doc_id": "a", "metric": "prosecuted", "value": 1},
                      {"doc_id": "b", "metric": "prosecuted", "value": 2}])
    d = year_over_year(f)
    assert ANSI.search(format_diff(d, colour=True))
    assert not ANSI.search(format_diff(d))


def test_cli_one_output_prints_panel_with_hedges(dev_out, capsys):
    assert main(["diff", str(dev_out)]) == 0
    out = capsys.readouterr().out
    assert "over 1,000" in out and "2,127" in out  # drugs_seized 1000余克, suspects 2025
    assert "no organisation has more than one report year" in out
