"""CSV for spreadsheets: a table written so that no cell is run as a formula when opened."""

from __future__ import annotations

import re

import pandas as pd

# A text cell a spreadsheet would run as a formula (or as DDE): one starting with = + - @, a tab
# or a carriage return (OWASP "CSV injection"); the article's own words can start with them.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ... unless the whole cell is a plain number (-157, +8.2, 1e-3): a spreadsheet reads that as
# the number it is, which cannot run anything, and a quote would turn it into text
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` for a CSV file opened in a spreadsheet: every text cell that it would
    run as a formula is prefixed with ``'`` (shown as text, not run). Numeric columns are left
    alone, so numbers stay numbers (a delta of -157 is the number -157, never '-157), and so is
    a text cell holding only a plain number."""
    out = df.copy()
    for c in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[c]) or pd.api.types.is_bool_dtype(out[c])):
            out[c] = out[c].map(_safe_cell)
    return out


def _safe_cell(v):
    if isinstance(v, str) and v.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(v):
        return "'" + v
    return v


def write_csv(df: pd.DataFrame, path) -> None:
    """``df`` as CSV for spreadsheets: formula-like text quoted (``spreadsheet_safe``), UTF-8
    with a BOM so Excel reads it as UTF-8."""
    spreadsheet_safe(df).to_csv(path, index=False, encoding="utf-8-sig")
