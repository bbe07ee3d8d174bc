"""`extract diff --csv`: text a spreadsheet would run as a formula is quoted with ', numbers stay
numbers (issue 17). The article's own words can start a cell: a sentence beginning with
=HYPERLINK(...) must reach the spreadsheet as text."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

import extract
from extract.cli import main
from extract.csvout import spreadsheet_safe

CELLS = [  # (text cell, as written)
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("+1+2", "'+1+2"),
    ("-1+2", "'-1+2"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("-", "'-"),
    ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
    ("-157", "-157"),                       # a plain number is read as that number: harmless
    ("+8.2", "+8.2"),
    ("-1e3", "-1e3"),
    ("破获刑事案件398起", "破获刑事案件398起"),
    ("a=1", "a=1"),
    ("", ""),
]


@pytest.mark.parametrize("cell, written", CELLS)
def test_text_cells(cell, written):
    df = pd.DataFrame({"text": [cell], "s": pd.array([cell], dtype="string")})
    safe = spreadsheet_safe(df)
    assert safe["text"][0] == written and safe["s"][0] == written


def test_numbers_and_missing_values_are_left_alone():
    df = pd.DataFrame({"delta": [-157.0, 10.0], "n": pd.array([-3, None], dtype="Int64"),
                       "mixed": [-157.0, None], "flag": [True, False]})
    safe = spreadsheet_safe(df)
    pd.testing.assert_frame_equal(safe, df)
    assert df["delta"][0] == -157.0                 # the input is not changed


def test_diff_csv_of_articles_that_start_with_formulas(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "2024.txt").write_text('某某县公安局2024年工作总结。\n=HYPERLINK("http://x","y")全年共破获'
                                  "刑事案件398起。\n", encoding="utf-8")
    (raw / "2025.txt").write_text("某某县公安局2025年工作总结。\n-1+2全年共破获刑事案件241起。\n",
                                  encoding="utf-8")
    extract.run(raw, tmp_path / "out", jobs=1)
    out = tmp_path / "d.csv"
    assert main(["diff", str(tmp_path / "out"), "--csv", str(out)]) == 0
    with open(out, encoding="utf-8-sig", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["sentence_old"] == "'=HYPERLINK(\"http://x\",\"y\")全年共破获刑事案件398起。"
    assert row["sentence_new"] == "'-1+2全年共破获刑事案件241起。"
    assert float(row["delta"]) == -157 and row["delta"].startswith("-")   # a number, unquoted
    assert float(row["pct_change"]) < 0
    with open(out, encoding="utf-8-sig", newline="") as fh:
        cells = [v for r in csv.reader(fh) for v in r]
    for v in cells:
        if v[:1] in ("=", "+", "-", "@", "\t", "\r"):
            float(v)                                  # only plain numbers start that way
