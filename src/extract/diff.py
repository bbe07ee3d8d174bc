"""Comparing outputs: headline values across years and organisations, and row changes between runs.

Two questions, two modes:

- ``by="year"``: how did an organisation's numbers move? Each (org, report year, metric) is
  reduced to one *headline* value and the headlines of two outputs (or of consecutive report
  years inside one output) are lined up by canonical metric id, or by normalised label and unit
  when the id is null.
- ``by="run"``: what did a rules edit change? The same articles processed twice are matched row by
  row on (sha256 of the file, start, end), so every added, removed or altered fact shows up.

Values are compared only when units agree and both figures are exact (or their ranges cannot
overlap): "over 1000" against "1335" is "not comparable", with the stated difference kept.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from .tables import read

# Measure words that count the same thing, and weights, mapped to one unit: (unit, factor).
# Money is already in yuan and percentages in %, so they need no entry.
_UNITS = {
    "名": ("人", 1.0), "宗": ("起", 1.0),
    "毫克": ("克", 0.001), "千克": ("克", 1000.0), "公斤": ("克", 1000.0), "斤": ("克", 500.0),
    "吨": ("克", 1e6),
}
_LABEL_NOISE = re.compile(r"[\s\u3000、，,。．.；;：:·\-—_（）()“”\"'‘’《》]")
HEADLINE_RULE = "largest value (ties: first in the text)"
STATUSES = ("up", "down", "same", "not comparable", "added", "removed")
YEAR_COLUMNS = [
    "org", "metric", "unit", "label", "year_old", "value_old", "qualifier_old", "year_new",
    "value_new", "qualifier_new", "delta", "pct_change", "status", "text_old", "text_new",
    "sentence_old", "sentence_new", "doc_old", "doc_new", "chosen_by", "note", "canonical",
]
_SIDE = ["year", "value", "qualifier", "text", "sentence", "doc", "label", "unit", "pick"]


def frames_of(x) -> dict:
    """Accept an output folder or the dict of frames from ``extract.read``."""
    return read(x) if isinstance(x, (str, Path)) else x


def normalise_label(label) -> str | None:
    """Labels key metrics without an id: drop spacing and punctuation so layout does not count."""
    if label is None or label is pd.NA or (isinstance(label, float) and math.isnan(label)):
        return None
    return _LABEL_NOISE.sub("", str(label)) or None


def candidates(frames: dict) -> pd.DataFrame:
    """Metric rows that may be a headline: the report year (or no period), not a part of a larger
    total, no comparison (a 同比下降 percentage is not the count). Units are unified here."""
    docs = frames["documents"][["doc_id", "org", "report_year"]]
    m = frames["metrics"].reset_index(drop=True)
    m = m.assign(order=range(len(m))).merge(docs, on="doc_id", how="inner")
    keep = ((m["period"].isna() | (m["period"] == m["report_year"])).fillna(False)
            & (m["scope"] != "part").fillna(True) & m["change"].isna())
    m = m[keep].copy()
    m["org"] = m["org"].fillna("").astype(str)
    m["year"] = m["report_year"]
    unit = m["unit"].fillna("").astype(str)
    m["factor"] = [_UNITS.get(u, (u, 1.0))[1] for u in unit]
    m["unit"] = [_UNITS.get(u, (u, 1.0))[0] for u in unit]
    m["value"] = m["value"].astype(float) * m["factor"]
    m["canonical"] = m["metric"].notna()
    labels = [normalise_label(x) for x in m["label"]]
    m["key"] = [str(mid) if c else (f"{lab} [{u}]" if lab else None)
                for mid, c, lab, u in zip(m["metric"], m["canonical"], labels, m["unit"])]
    m = m[m["key"].notna()]
    return m.drop(columns=["factor", "report_year"])


def _pick(g: pd.DataFrame) -> dict:
    """One headline from a group: the unit most used (first in the text on a tie), then the
    largest value, first in the text on a tie. Says how it chose, so a reader can check."""
    units = g.groupby("unit", sort=False)["order"].agg(["size", "min"])
    unit = units.sort_values(["size", "min"], ascending=[False, True]).index[0]
    same = g[g["unit"] == unit].sort_values(["value", "order"], ascending=[False, True])
    row = same.iloc[0].to_dict()
    if len(same) == 1:
        how = "only candidate"
    else:
        vals = ", ".join(f"{v:,.10g}" for v in same.sort_values("order")["value"])
        how = f"largest of {len(same)} ({vals})"
    others = [u for u in units.index if u != unit]
    if others:
        how += f"; other units ignored: {', '.join(u or '-' for u in others)}"
    row["pick"] = how
    return row


def headlines(x) -> pd.DataFrame:
    """One headline value per (org, report year, metric key) of an output, long form."""
    c = candidates(frames_of(x))
    cols = ["org", "year", "key", "canonical", "unit", "value", "qualifier", "label", "text",
            "sentence", "doc_id", "start", "pick"]
    if c.empty:
        return pd.DataFrame(columns=cols)
    rows = [_pick(g) for _, g in c.groupby(["org", "year", "key"], sort=True, dropna=False)]
    out = pd.DataFrame(rows)[cols].rename(columns={"doc_id": "doc"})
    return out.sort_values(["org", "year", "key"], kind="stable").reset_index(drop=True)


def panel(x) -> pd.DataFrame:
    """Year-by-metric panel: one row per (org, report_year), one column per canonical metric,
    holding headline values (in the unit shown by ``headlines``)."""
    h = headlines(x)
    h = h[h["canonical"].astype(bool)]
    if h.empty:
        return pd.DataFrame(columns=["org", "report_year"])
    wide = h.pivot(index=["org", "year"], columns="key", values="value")
    wide = wide.reset_index().rename(columns={"year": "report_year"})
    wide.columns.name = None
    return wide.sort_values(["org", "report_year"], kind="stable").reset_index(drop=True)


def _bounds(value: float, qualifier: str) -> tuple[float, float]:
    """The range a stated figure allows: 1000余 is at least 1000, 近1亿 at most 1亿."""
    if qualifier == "over":
        return value, math.inf
    if qualifier in ("nearly", "under"):
        return 0.0, value
    if qualifier == "about":
        return 0.0, math.inf
    return value, value


def _describe(value: float, qualifier: str) -> str:
    q = "" if qualifier in (None, "exact") else f"{qualifier} "
    return f"{q}{value:,.10g}"


def _compare(r: dict) -> tuple:
    """(delta, pct_change, status, note) for one lined-up pair of headlines."""
    if pd.isna(r.get("value_old")):
        return None, None, "added", ""
    if pd.isna(r.get("value_new")):
        return None, None, "removed", ""
    vo, vn = float(r["value_old"]), float(r["value_new"])
    if r["unit_old"] != r["unit_new"]:
        return None, None, "not comparable", f"units differ: {r['unit_old']} vs {r['unit_new']}"
    delta = vn - vo
    pct = delta / vo * 100 if vo else None
    qo, qn = r["qualifier_old"] or "exact", r["qualifier_new"] or "exact"
    if qo == qn == "exact":
        return delta, pct, "up" if delta > 0 else "down" if delta < 0 else "same", ""
    (lo_o, hi_o), (lo_n, hi_n) = _bounds(vo, qo), _bounds(vn, qn)
    note = (f"qualified: {_describe(vo, qo)} vs {_describe(vn, qn)}; "
            "delta is between the stated figures")
    if hi_o < lo_n:
        return delta, pct, "up", note
    if lo_o > hi_n:
        return delta, pct, "down", note
    return delta, pct, "not comparable", note


def _side(h: pd.DataFrame, suffix: str) -> pd.DataFrame:
    """Headline columns renamed for one side of a comparison."""
    cols = {c: f"{c}_{suffix}" for c in _SIDE}
    return h.rename(columns=cols)[["org", "key", "canonical"] + list(cols.values())]


def _line_up(old: pd.DataFrame, new: pd.DataFrame, on: list[str], org: str | None,
             note: str) -> pd.DataFrame:
    """Outer-join two headline sets and compare each pair."""
    o, n = _side(old, "old"), _side(new, "new")
    if org is not None:
        o, n = o.drop(columns="org"), n.drop(columns="org")
    both = o.merge(n, on=on, how="outer", suffixes=("", "_n"))
    both["canonical"] = both["canonical"].fillna(both.pop("canonical_n")).astype(bool)
    if org is not None:
        both["org"] = org
    rows = []
    for r in both.to_dict("records"):
        delta, pct, status, qnote = _compare(r)
        side = "new" if status != "removed" else "old"
        picks = [f"{s}: {r[f'pick_{s}']}" for s in ("old", "new") if isinstance(r[f"pick_{s}"], str)]
        rows.append({
            "org": r["org"], "metric": r["key"], "unit": r[f"unit_{side}"],
            "label": r[f"label_{side}"], "delta": delta, "pct_change": pct, "status": status,
            "chosen_by": "; ".join(picks), "note": "; ".join(x for x in (note, qnote) if x),
            "canonical": r["canonical"],
            **{f"{c}_{s}": r[f"{c}_{s}"] for s in ("old", "new")
               for c in ("year", "value", "qualifier", "text", "sentence", "doc")},
        })
    return _typed(pd.DataFrame(rows, columns=YEAR_COLUMNS))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """Nullable integer years and float values, like the tables ``extract.read`` returns."""
    for c in ("year_old", "year_new"):
        df[c] = pd.array(df[c].astype("Float64").round(), dtype="Int64")
    for c in ("value_old", "value_new", "delta", "pct_change"):
        df[c] = df[c].astype("Float64")
    for c in YEAR_COLUMNS:
        if c not in ("canonical",) and not c.startswith(("year_", "value_", "delta", "pct_")):
            df[c] = df[c].astype(pd.StringDtype())
    df["canonical"] = df["canonical"].astype(bool)
    return df


def _latest(h: pd.DataFrame) -> pd.DataFrame:
    """Each organisation's latest report year: what an output says about 'now'."""
    if h.empty:
        return h
    last = h.groupby("org", dropna=False)["year"].transform("max")
    return h[(h["year"] == last).fillna(h["year"].isna() & last.isna())]


def _orgs(h: pd.DataFrame) -> list[str]:
    return sorted(set(h["org"]))


def diff_years(old, new) -> pd.DataFrame:
    """Headlines of ``old`` against ``new``: each org's latest report year on each side, matched
    by (org, metric); when the two outputs share no org and hold one each, by metric alone."""
    ho, hn = _latest(headlines(old)), _latest(headlines(new))
    oo, on = _orgs(ho), _orgs(hn)
    if set(oo) & set(on) or not oo or not on:
        out = _line_up(ho, hn, ["org", "key"], None, "")
    elif len(oo) == 1 and len(on) == 1:
        note = (f"different organisations ({oo[0] or '?'} vs {on[0] or '?'}): "
                "compared by metric alone")
        out = _line_up(ho, hn, ["key"], f"{oo[0] or '?'} → {on[0] or '?'}", note)
    else:
        note = "no organisation in common: nothing lined up (compare outputs of one org each)"
        out = _line_up(ho, hn, ["org", "key"], None, note)
    return _order(out)


def year_over_year(x) -> pd.DataFrame:
    """Within one output: each organisation's consecutive report years, compared pairwise."""
    h = headlines(x)
    h = h[h["year"].notna()]
    parts = []
    for org, g in h.groupby("org", sort=True):
        years = sorted(set(int(y) for y in g["year"]))
        for y0, y1 in zip(years, years[1:]):
            parts.append(_line_up(g[g["year"] == y0], g[g["year"] == y1], ["org", "key"], None,
                                  ""))
    if not parts:
        return _typed(pd.DataFrame(columns=YEAR_COLUMNS))
    return _order(pd.concat(parts, ignore_index=True))


def _order(df: pd.DataFrame) -> pd.DataFrame:
    """Canonical metrics first, lined-up rows before added/removed ones, then by name."""
    if df.empty:
        return df.reset_index(drop=True)
    lone = df["status"].isin(["added", "removed"])
    keys = pd.DataFrame({"a": ~df["canonical"].astype(bool), "b": lone, "c": df["org"],
                         "d": df["metric"], "e": df["year_new"].fillna(df["year_old"])})
    idx = keys.sort_values(["a", "b", "c", "e", "d"], kind="stable").index
    return df.loc[idx].reset_index(drop=True)


# --- by run ---------------------------------------------------------------------------------
RUN_COLUMNS = ["table", "path", "start", "end", "status", "changed", "text", "detail",
               "value_old", "value_new", "metric_old", "metric_new", "label_old", "label_new",
               "rule_old", "rule_new", "sentence"]
_NOT_COMPARED = {"doc_id", "path", "sha256", "start", "end", "_key"}


def _keyed(frames: dict, table: str) -> pd.DataFrame:
    """Rows of one table with the key that survives a re-run: the file's sha256 (its path for
    files that could not be read) plus the span. Copies of one file collapse to one."""
    docs = frames["documents"]
    sha = docs["sha256"].fillna("").astype(str)
    ident = pd.Series([s if s else f"path:{p}" for s, p in zip(sha, docs["path"])],
                      index=docs.index)
    if table == "documents":
        t = docs.assign(_key=ident.values)
        return t.drop_duplicates("_key").set_index("_key")
    ids = pd.DataFrame({"doc_id": docs["doc_id"], "sha256": ident, "path": docs["path"]})
    t = frames[table].merge(ids, on="doc_id", how="inner")
    t["_key"] = [f"{s}:{a}:{b}" for s, a, b in zip(t["sha256"], t["start"], t["end"])]
    return t.drop_duplicates("_key").set_index("_key")


def _same(a, b) -> bool:
    na, nb = pd.isna(a), pd.isna(b)
    return bool(na and nb) if (na or nb) else a == b


def _show(v) -> str:
    return "-" if pd.isna(v) else (f"{v:,.10g}" if isinstance(v, float) else str(v))


def _summary(row: dict, table: str) -> str:
    """The attributes a rule author looks at first, for an added or removed row."""
    cols = {"metrics": ["value", "unit", "qualifier", "kind", "change", "metric", "label",
                        "period", "scope", "rule"],
            "dates": ["year", "month", "day", "granularity", "rule"],
            "documents": ["title", "org", "report_year", "status"]}[table]
    return " ".join(f"{c}={_show(row.get(c))}" for c in cols)


def _run_row(table: str, key, o: dict | None, n: dict | None) -> dict | None:
    """One output row for a key, or None when both sides agree on every compared column."""
    base = n if n is not None else o
    if o is None or n is None:
        status, changed, detail = ("added" if o is None else "removed"), "", _summary(base, table)
    else:
        cols = [c for c in base if c not in _NOT_COMPARED and not _same(o.get(c), n.get(c))]
        if not cols:
            return None
        status, changed = "changed", ", ".join(cols)
        detail = "; ".join(f"{c}: {_show(o.get(c))} → {_show(n.get(c))}" for c in cols)
    get = lambda d, c: None if d is None else d.get(c)  # noqa: E731
    return {
        "table": table, "path": base.get("path"), "start": base.get("start"),
        "end": base.get("end"), "status": status, "changed": changed,
        "text": base.get("text", base.get("title")), "detail": detail,
        "value_old": get(o, "value"), "value_new": get(n, "value"),
        "metric_old": get(o, "metric"), "metric_new": get(n, "metric"),
        "label_old": get(o, "label"), "label_new": get(n, "label"),
        "rule_old": get(o, "rule"), "rule_new": get(n, "rule"), "sentence": base.get("sentence"),
    }


def diff_runs(old: dict, new: dict) -> pd.DataFrame:
    """The same articles processed twice: rows added, removed and changed in documents,
    metrics and dates, matched on (sha256, start, end); ``changed`` names the columns."""
    rows = []
    for table in ("documents", "metrics", "dates"):
        o, n = _keyed(old, table), _keyed(new, table)
        od, nd = o.to_dict("index"), n.to_dict("index")
        for key in list(o.index) + [k for k in n.index if k not in od]:
            row = _run_row(table, key, od.get(key), nd.get(key))
            if row is not None:
                rows.append(row)
    out = pd.DataFrame(rows, columns=RUN_COLUMNS)
    if out.empty:
        return out
    order = {"documents": 0, "metrics": 1, "dates": 2}
    keys = pd.DataFrame({"t": out["table"].map(order), "p": out["path"],
                         "s": pd.to_numeric(out["start"], errors="coerce")})
    return out.loc[keys.sort_values(["t", "p", "s"], kind="stable").index].reset_index(drop=True)


def diff(old, new=None, by: str = "year") -> pd.DataFrame:
    """Compare two outputs (folders or frames from ``extract.read``).

    ``by="year"``: headline values per metric (see ``diff_years``); with ``new=None`` the
    consecutive report years of each organisation inside ``old``. ``by="run"``: the same
    articles processed twice, row by row (see ``diff_runs``).
    """
    if by == "run":
        if new is None:
            raise ValueError("diff by run needs two outputs")
        return diff_runs(frames_of(old), frames_of(new))
    if by != "year":
        raise ValueError(f"by must be 'year' or 'run', not {by!r}")
    if new is None:
        return year_over_year(frames_of(old))
    return diff_years(frames_of(old), frames_of(new))
