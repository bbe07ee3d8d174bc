"""The views people read: `extract show`, the notebook repr, the report in a real browser, the
panel and the diff summaries."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import extract
from extract.charts import ticks
from extract.cli import main
from extract.reading import centred, reading_view, width
from extract.report import build_report
from extract.view import format_diff, format_result, result_summary
from test_cli import cli
from test_report import CHROMIUM, png_pixels

ARTICLE = "2025_weibin.txt"


# --- show --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shown(raw_dir) -> str:
    return format_result(extract.extract_file(raw_dir / ARTICLE), width=80)


def test_show_centres_each_context_on_its_marked_number(raw_dir, shown):
    res = extract.extract_file(raw_dir / ARTICLE)
    lines = shown.splitlines()
    contexts = [ln.strip() for ln in lines if ln.startswith("        ")]
    assert len(contexts) == len(res.metrics)
    for m, ctx in zip(res.metrics, contexts):
        surface = "".join(m.text.split())
        assert f"[{surface}]" in ctx, (m.text, ctx)
        left = ctx[:ctx.index(f"[{surface}]")]
        right = ctx[ctx.index(f"[{surface}]") + len(surface) + 2:]
        if left.startswith("…") and right.endswith("…"):      # cut on both sides: centred
            assert abs(width(left) - width(right)) <= 4, ctx
        assert width(ctx) <= 80


def test_show_gives_period_scope_and_no_none(shown):
    assert "None" not in shown
    assert re.search(r"period 2025 · scope total", shown)
    assert "published: -" in shown or "published: 20" in shown


def test_centred_joins_layout_lines():
    text = "前文很长很长很长。分局共 计 破\n获案件\n\n398 起，同比下降。后文也很长很长很长"
    view = reading_view(text)
    start = text.index("398")
    line = centred(view, start, start + 5, 40)
    assert "[398 起]" in line or "[398起]" in line
    assert "共计破获案件" in line and "\n" not in line


def test_show_reads_standard_input(raw_dir, tmp_path):
    proc = subprocess.run(
        [*cli_cmd(), "show", "-"], input=(raw_dir / ARTICLE).read_bytes(), cwd=tmp_path,
        capture_output=True, env=cli_env(), timeout=300)
    out = proc.stdout.decode("utf-8")
    assert proc.returncode == 0, proc.stderr
    assert out.startswith("-: ok") and "[2127人]" in out and "None" not in out


def test_show_reads_a_pdf_from_standard_input(tmp_path):
    from docmaker import make_pdf

    pdf = make_pdf([["2025年，分局共破获刑事案件398起。"], ["抓获违法犯罪嫌疑人2127人。"]])
    proc = subprocess.run([*cli_cmd(), "show", "-"], input=pdf, cwd=tmp_path,
                          capture_output=True, env=cli_env(), timeout=300)
    out = proc.stdout.decode("utf-8")
    assert proc.returncode == 0, proc.stderr
    assert "text extracted from the PDF" in out and "page 2" in out and "[2127人]" in out


def cli_cmd() -> list[str]:
    import sys

    return [sys.executable, "-m", "extract"]


def cli_env() -> dict:
    import os

    from conftest import REPO

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def test_every_option_of_show_has_help():
    from test_cli import _subcommands

    for name, parser in _subcommands().items():
        for action in parser._actions:
            if action.help != "==SUPPRESS==":
                assert action.help, f"extract {name} {action.option_strings or action.dest}"


def test_help_lists_every_input_type(tmp_path):
    for command in ("run", "show"):
        out = cli(command, "--help", cwd=tmp_path).stdout
        for suffix in ("*.txt", "*.html", "*.htm", "*.pdf", "*.docx"):
            assert suffix in out, (command, suffix)


def test_no_none_in_summaries():
    res = extract.extract_text("分局共破获刑事案件398起。")
    assert "None" not in repr(res) and "None" not in res._repr_html_()
    assert "1 metric," in result_summary(res) and "0 dates" in result_summary(res)
    res = extract.extract_text("2025年3月8日，破获案件1起。")
    assert "1 date," in result_summary(res)


# --- report ------------------------------------------------------------------------------------
def test_report_without_html_writes_into_the_tables_folder(dev_out, raw_dir, tmp_path, capsys):
    out = tmp_path / "out"
    extract.run(raw_dir, out, jobs=1)
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").is_file()
    assert extract.run(raw_dir, out, jobs=1).ok == 2    # the folder is still an output folder


def test_report_tables_lead_with_label_and_value(dev_out, raw_dir):
    html = build_report(dev_out, raw_dir=raw_dir).html
    head = re.search(r'<table class="metrics"><thead><tr>(.*?)</tr>', html).group(1)
    assert re.findall(r"<th>(.*?)</th>", head)[:2] == ["label", "value"]
    assert "over 1,000" in html                      # 1000余克 keeps its hedge
    assert 'id="filter"' in html and "None" not in re.sub(r"<script>.*?</script>", "", html,
                                                          flags=re.S)
    assert html.count('class="yl"') >= 3 * html.count('class="chart"')   # a value axis each


def test_chart_names_come_from_the_rules(dev_out):
    from extract.compare import panel
    from extract.charts import panel_charts

    svg = panel_charts(panel(dev_out), {"suspects_arrested": "抓获犯罪嫌疑人"}, {})
    assert "抓获犯罪嫌疑人" in svg and ">suspects_arrested<" in svg   # the id below the name


def test_ticks_cover_the_values():
    for vmax in (0.5, 3, 7, 99, 1335, 2127, 1e8, 5.19e8):
        t = ticks(vmax)
        assert t[0] == 0 and t[-1] >= vmax and 2 <= len(t) <= 7


def _chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
                           "--no-first-run", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, timeout=120, check=False)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
def test_report_filter_runs_in_the_browser(dev_out, raw_dir, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(build_report(dev_out, raw_dir=raw_dir).html, encoding="utf-8")
    dom = _chromium(["--dump-dom", page.as_uri() + "#filter=抓获"], tmp_path).stdout.decode()
    n = len(extract.read(dev_out)["metrics"])
    m = re.search(r'id="filter-count">(\d+) of (\d+) metrics match', dom)
    assert m and int(m.group(2)) == n and 0 < int(m.group(1)) < n
    rows = re.findall(r'<tr data-target="[^"]*"( hidden="")?>(.*?)</tr>', dom)
    assert rows and all(("抓获" in body) == (not hidden) for hidden, body in rows
                        if "<td" in body and "metrics" not in body)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
def test_notebook_repr_renders_in_headless_chromium(raw_dir, tmp_path):
    res = extract.extract_file(raw_dir / ARTICLE)
    page, png = tmp_path / "repr.html", tmp_path / "repr.png"
    page.write_text(f'<!doctype html><meta charset="utf-8"><body style="font-family:'
                    f'\'WenQuanYi Micro Hei\',sans-serif">{res._repr_html_()}', encoding="utf-8")
    _chromium([f"--screenshot={png}", "--window-size=900,700", page.as_uri()], tmp_path)
    assert png.is_file(), "chromium wrote no screenshot"
    w, h, pixels = png_pixels(png)
    assert (w, h) == (900, 700) and png.stat().st_size > 20_000
    from collections import Counter

    assert 1 - Counter(pixels).most_common(1)[0][1] / len(pixels) > 0.02


# --- panel and diff ----------------------------------------------------------------------------
def test_panel_keeps_hedges_in_nullable_dtypes(dev_out):
    p = extract.panel(dev_out)
    metrics = [c for c in p.columns if c not in ("org", "org_id", "report_year")
               and not c.endswith("_qualifier")]
    assert metrics and all(f"{m}_qualifier" in p.columns for m in metrics)
    for m in metrics:
        assert str(p[m].dtype) == "Float64" and str(p[f"{m}_qualifier"].dtype).startswith("string")
        assert (p[m].isna() == p[f"{m}_qualifier"].isna()).all()
    assert str(p["report_year"].dtype) == "Int64"
    z = p[p["org"].str.contains("湛河")].iloc[0]
    assert (z["drugs_seized"], z["drugs_seized_qualifier"]) == (1000, "over")
    assert (z["amount_involved"], z["amount_involved_qualifier"]) == (1e8, "nearly")
    assert not any(isinstance(v, float) and v != v for v in p.astype(object).to_numpy().ravel())


def _one_doc(frames: dict, doc_id: str) -> dict:
    return {k: f[f["doc_id"] == doc_id].reset_index(drop=True) for k, f in frames.items()}


def test_diff_summary_counts_the_rows_it_lists(dev_out):
    t = extract.read(dev_out)
    d = extract.diff(_one_doc(t, "2021_zhanhe.txt"), _one_doc(t, "2025_weibin.txt"))
    assert (~d["canonical"] & d["status"].isin(["added", "removed"])).any()
    for all_rows in (False, True):
        text = format_diff(d, all_rows=all_rows)
        table = [ln for ln in text.splitlines()[2:] if re.search(r"[↑↓=≠+\-] (up|down|same|"
                                                                 r"not comparable|added|removed)",
                                                                 ln)]
        summary = next(ln for ln in text.splitlines() if " listed: " in ln)
        listed = int(summary.split(" row")[0])
        counted = sum(int(n) for n in re.findall(r"(\d+) (?:up|down|same|not comparable|"
                                                 r"added|removed)", summary.split(":", 1)[1]))
        assert listed == counted == len(table), text


def test_diff_of_frames_with_hedges_is_not_float_nan(dev_out):
    d = extract.diff(dev_out, dev_out)
    assert isinstance(d, pd.DataFrame) and str(d["value_old"].dtype) == "Float64"
