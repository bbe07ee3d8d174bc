"""Comparing outputs: headline values across years and organisations, and row changes between runs.

Two questions, two modes:

- ``by="year"``: how did an organisation's numbers move? Each (org, report year, metric) is
  reduced to one *headline* value and the headlines of two outputs (or of consecutive report
  years inside one output) are lined up by organisation (``org_id``: one key for one bureau
  however it is spelled; the org name for outputs without it) and by canonical metric id, or by
  normalised label and unit when the id is null. Two different organisations are never lined up,
  unless asked for with ``by="metric"`` (one organisation on each side, compared by metric alone).
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

from .headline import LABEL_NOISE as _LABEL_NOISE
from .tables import read

YEAR_COLUMNS = [
    "org", "org_id", "metric", "unit", "label", "year_old", "value_old", "qualifier_old", "year_new",
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
    """The metric rows the pipeline marked ``headline`` (per article and metric, the figure of
    the report period: see headline.py; ``WHERE headline`` in SQL). Values are compared in
    their comparable form (the ``std_value``/``std_unit`` columns: 名 as 人, weights in 克)."""
    docs = _org_keys(frames["documents"])
    m = frames["metrics"].reset_index(drop=True)
    m = m.assign(order=range(len(m))).merge(docs, on="doc_id", how="inner")
    m = m[m["headline"].fillna(False).astype(bool)].copy()
    m["org"] = m["org"].fillna("").astype(str)
    m["year"] = m["report_year"]
    if "std_value" in m.columns:       # outputs written before the columns existed: as is
        m["value"], m["unit"] = m["std_value"], m["std_unit"]
    m["value"] = m["value"].astype(float)
    m["unit"] = m["unit"].fillna("").astype(str)
    m["canonical"] = m["metric"].notna()
    labels = [normalise_label(x) for x in m["label"]]
    m["key"] = [str(mid) if c else (f"{lab} [{u}]" if lab else None)
                for mid, c, lab, u in zip(m["metric"], m["canonical"], labels, m["unit"])]
    m = m[m["key"].notna()]
    return m.drop(columns=["report_year"])


def _org_keys(docs: pd.DataFrame) -> pd.DataFrame:
    """doc_id, org, org_id, report_year of each document. org_id is the organisation's key (the
    org name where an output has no org_id); org is shown: each key's longest spelling."""
    org = docs["org"].fillna("").astype(str)
    ids = docs["org_id"] if "org_id" in docs.columns else pd.Series(pd.NA, index=docs.index)
    key = [str(i) if isinstance(i, str) and i else o for i, o in zip(ids, org)]
    shown: dict[str, str] = {}
    for k, o in zip(key, org):
        if (len(o), o) > (len(shown.get(k, "")), shown.get(k, "")):
            shown[k] = o
    return pd.DataFrame({"doc_id": docs["doc_id"], "org": [shown.get(k, "") for k in key],
                         "org_id": key, "report_year": docs["report_year"]})


_GROUP = ["org_id", "year", "key"]
_NO_YEAR = -1  # stands in for a missing report year while grouping


def headlines(x) -> pd.DataFrame:
    """One headline value per (org, report year, metric key) of an output, long form: the row
    the pipeline marked ``headline`` (the first total of the report period in its article);
    when several articles give one, the first article's (``pick`` says)."""
    c = candidates(frames_of(x))
    cols = ["org", "org_id", "year", "key", "canonical", "unit", "value", "qualifier", "label",
            "text", "sentence", "doc", "start", "pick"]
    if c.empty:
        return pd.DataFrame(columns=cols)
    c["year"] = c["year"].astype("Int64").fillna(_NO_YEAR)
    c = c.sort_values("order", kind="stable")
    n = c.groupby(_GROUP, sort=False)["order"].transform("size")
    c["pick"] = ["headline row" if k == 1 else f"headline row of the first of {k} articles"
                 for k in n]
    best = c.drop_duplicates(_GROUP).copy()
    best["year"] = best["year"].mask(best["year"] == _NO_YEAR)
    out = best.rename(columns={"doc_id": "doc"})[cols]
    return out.sort_values(["org"] + _GROUP, kind="stable").reset_index(drop=True)


def panel(x) -> pd.DataFrame:
    """Year-by-metric panel: one row per (organisation, report_year); for each canonical metric
    its headline value (in the unit ``headlines`` shows) and, in the column after it,
    ``<metric>_qualifier``, the hedge of that value (exact, over, nearly, about, under): 1000余克
    is 1000 and "over", never a bare 1000. Nullable dtypes throughout (Float64 values, string
    qualifiers and organisations, Int64 years): a missing cell is <NA>, never a float NaN. The
    organisation columns are those of ``headlines`` (``org_id`` when it has one, and ``org``)."""
    h = headlines(x)
    h = h[h["canonical"].astype(bool)]
    orgs = [c for c in ("org", "org_id") if c in h.columns]
    rows: dict[tuple, dict] = {}
    for r in h.to_dict("records"):
        key = tuple(None if pd.isna(r[c]) else r[c] for c in orgs + ["year"])
        row = rows.setdefault(key, dict(zip(orgs + ["report_year"], key)))
        row[r["key"]] = r["value"]
        row[f"{r['key']}_qualifier"] = r["qualifier"]
    metrics = sorted(set(h["key"]))
    out = pd.DataFrame(list(rows.values()), columns=orgs + ["report_year"] + [
        c for m in metrics for c in (m, f"{m}_qualifier")])
    for c in orgs:
        out[c] = out[c].astype(pd.StringDtype())
    out["report_year"] = pd.array(out["report_year"].astype("Float64").round(), dtype="Int64")
    for m in metrics:
        out[m] = pd.array(out[m], dtype="Float64")
        out[f"{m}_qualifier"] = out[f"{m}_qualifier"].astype(pd.StringDtype())
    return out.sort_values(orgs + ["report_year"], kind="stable").reset_index(drop=True)


def _bounds(value: float, qualifier: str) -> tuple[float, float]:
    """The range a stated figure allows: 1000余 is at least 1000, 近1亿 at most 1亿."""
    if qualifier in ("over", "range"):      # a range's low end: at least that much
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
    if qo == qn == "exact" or (qo == qn and delta == 0):  # the article states the same thing
        return delta, pct, "up" if delta > 0 else "down" if delta < 0 else "same", ""
    (lo_o, hi_o), (lo_n, hi_n) = _bounds(vo, qo), _bounds(vn, qn)
    note = (f"qualified: {_describe(vo, qo)} vs {_describe(vn, qn)}, "
            "delta is between the stated figures")
    if hi_o < lo_n:
        return delta, pct, "up", note
    if lo_o > hi_n:
        return delta, pct, "down", note
    return delta, pct, "not comparable", note


def _side(h: pd.DataFrame, suffix: str) -> pd.DataFrame:
    """Headline columns renamed for one side of a comparison."""
    cols = {c: f"{c}_{suffix}" for c in _SIDE}
    return h.rename(columns=cols)[["org", "org_id", "key", "canonical"] + list(cols.values())]


def _line_up(old: pd.DataFrame, new: pd.DataFrame, on: list[str], org: str | None,
             note: str) -> pd.DataFrame:
    """Outer-join two headline sets and compare each pair."""
    o, n = _side(old, "old"), _side(new, "new")
    if org is not None:
        o, n = o.drop(columns=["org", "org_id"]), n.drop(columns=["org", "org_id"])
    both = o.merge(n, on=on, how="outer", suffixes=("", "_n"))
    both["canonical"] = both["canonical"].fillna(both.pop("canonical_n")).astype(bool)
    if org is not None:
        both["org"], both["org_id"] = org, None
    else:
        both["org"] = both["org"].fillna(both.pop("org_n"))
    rows = []
    for r in both.to_dict("records"):
        delta, pct, status, qnote = _compare(r)
        side = "new" if status != "removed" else "old"
        picks = [f"{s}: {r[f'pick_{s}']}" for s in ("old", "new")
                 if isinstance(r[f"pick_{s}"], str)]
        rows.append({
            "org": r["org"], "org_id": r["org_id"], "metric": r["key"], "unit": r[f"unit_{side}"],
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
    last = h.groupby("org_id", dropna=False)["year"].transform("max")
    return h[(h["year"] == last).fillna(h["year"].isna() & last.isna())]


def _orgs(h: pd.DataFrame) -> dict[str, str]:
    """org_id -> the org name shown."""
    return dict(sorted(zip(h["org_id"], h["org"])))


def diff_years(old, new, any_org: bool = False) -> pd.DataFrame:
    """Headlines of ``old`` against ``new``: each org's latest report year on each side, matched
    by (org_id, metric). Two different organisations are not lined up, unless ``any_org`` and
    each output holds one: then by metric alone, and every row says so."""
    ho, hn = _latest(headlines(old)), _latest(headlines(new))
    oo, on = _orgs(ho), _orgs(hn)
    if set(oo) & set(on) or not oo or not on:
        out = _line_up(ho, hn, ["org_id", "key"], None, "")
    elif any_org and len(oo) == 1 and len(on) == 1:
        a, b = next(iter(oo.values())) or "?", next(iter(on.values())) or "?"
        note = f"different organisations ({a} vs {b}): compared by metric alone"
        out = _line_up(ho, hn, ["key"], f"{a} → {b}", note)
    else:
        note = ("no organisation in common: nothing lined up (diff --by metric compares two "
                "outputs of one organisation each by metric alone)")
        out = _line_up(ho, hn, ["org_id", "key"], None, note)
    return _order(out)


def year_over_year(x) -> pd.DataFrame:
    """Within one output: each organisation's consecutive report years, compared pairwise."""
    h = headlines(x)
    h = h[h["year"].notna()]
    parts = []
    for _, g in h.groupby("org_id", sort=True):
        years = sorted(set(int(y) for y in g["year"]))
        for y0, y1 in zip(years, years[1:]):
            parts.append(_line_up(g[g["year"] == y0], g[g["year"] == y1], ["org_id", "key"],
                                  None, ""))
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
    t["_key"] = (t["sha256"].astype(str) + ":" + t["start"].astype(str) + ":"
                 + t["end"].astype(str))
    return t.drop_duplicates("_key").set_index("_key")


def _show(v) -> str:
    return "-" if pd.isna(v) else (f"{v:,.10g}" if isinstance(v, float) else str(v))


def _summary(row: dict, table: str) -> str:
    """The attributes a rule author looks at first, for an added or removed row."""
    cols = {"metrics": ["value", "unit", "qualifier", "kind", "change", "metric", "label",
                        "period", "scope", "rule"],
            "dates": ["year", "month", "day", "granularity", "rule"],
            "documents": ["title", "org", "report_year", "status"]}[table]
    return " ".join(f"{c}={_show(row.get(c))}" for c in cols)


def _run_row(table: str, o: dict | None, n: dict | None, cols: list[str]) -> dict:
    """One output row: an added or removed fact, or a changed one with its changed columns."""
    base = n if n is not None else o
    if o is None or n is None:
        status, detail = ("added" if o is None else "removed"), _summary(base, table)
    else:
        status = "changed"
        detail = "; ".join(f"{c}: {_show(o.get(c))} → {_show(n.get(c))}" for c in cols)
    get = lambda d, c: None if d is None else d.get(c)  # noqa: E731
    return {
        "table": table, "path": base.get("path"), "start": base.get("start"),
        "end": base.get("end"), "status": status, "changed": ", ".join(cols),
        "text": base.get("text", base.get("title")), "detail": detail,
        "value_old": get(o, "value"), "value_new": get(n, "value"),
        "metric_old": get(o, "metric"), "metric_new": get(n, "metric"),
        "label_old": get(o, "label"), "label_new": get(n, "label"),
        "rule_old": get(o, "rule"), "rule_new": get(n, "rule"), "sentence": base.get("sentence"),
    }


def _differs(o: pd.Series, n: pd.Series) -> pd.Series:
    """Element-wise: the values differ (two missing values are the same)."""
    both_missing = o.isna().to_numpy() & n.isna().to_numpy()
    try:
        equal = (o == n).fillna(False).to_numpy(dtype=bool)
    except (TypeError, ValueError):  # dtypes that do not compare directly
        equal = (o.astype(object) == n.astype(object)).to_numpy(dtype=bool)
    return pd.Series(~(both_missing | equal), index=o.index)


def _table_changes(table: str, o: pd.DataFrame, n: pd.DataFrame) -> list[dict]:
    """Rows of one table that are on one side only or differ in a compared column."""
    cols = [c for c in o.columns if c in n.columns and c not in _NOT_COMPARED]
    common = o.index.intersection(n.index)
    oc, nc = o.loc[common], n.loc[common]
    mask = pd.DataFrame({c: _differs(oc[c], nc[c]) for c in cols}, index=common)
    hit = mask[mask.any(axis=1)]
    rows = [_run_row(table, None, r, []) for r in n.loc[n.index.difference(o.index)].to_dict(
        "records")]
    rows += [_run_row(table, r, None, []) for r in o.loc[o.index.difference(n.index)].to_dict(
        "records")]
    olds, news = o.loc[hit.index].to_dict("records"), n.loc[hit.index].to_dict("records")
    for a, b, flags in zip(olds, news, hit.to_numpy()):
        rows.append(_run_row(table, a, b, [c for c, f in zip(cols, flags) if f]))
    return rows


def diff_runs(old: dict, new: dict) -> pd.DataFrame:
    """The same articles processed twice: rows added, removed and changed in documents,
    metrics and dates, matched on (sha256, start, end); ``changed`` names the columns."""
    rows = []
    for table in ("documents", "metrics", "dates"):
        rows += _table_changes(table, _keyed(old, table), _keyed(new, table))
    out = pd.DataFrame(rows, columns=RUN_COLUMNS)
    for c in ("start", "end"):
        out[c] = pd.array(pd.to_numeric(out[c]).astype("Float64").round(), dtype="Int64")
    if out.empty:
        return out
    order = {"documents": 0, "metrics": 1, "dates": 2}
    keys = pd.DataFrame({"t": out["table"].map(order), "p": out["path"], "s": out["start"]})
    return out.loc[keys.sort_values(["t", "p", "s"], kind="stable").index].reset_index(drop=True)


def diff(old, new=None, by: str = "year") -> pd.DataFrame:
    """Compare two outputs (folders or frames from ``extract.read``).

    ``by="year"``: headline values per organisation (org_id) and metric (see ``diff_years``);
    with ``new=None`` the consecutive report years of each organisation inside ``old``.
    ``by="metric"``: the same, but two outputs of one organisation each are compared by metric
    alone even when the organisations differ. ``by="run"``: the same articles processed twice,
    row by row (see ``diff_runs``).
    """
    if by == "run":
        if new is None:
            raise ValueError("diff by run needs two outputs")
        return diff_runs(frames_of(old), frames_of(new))
    if by not in ("year", "metric"):
        raise ValueError(f"by must be 'year', 'metric' or 'run', not {by!r}")
    if new is None:
        return year_over_year(frames_of(old))
    return diff_years(frames_of(old), frames_of(new), any_org=by == "metric")
