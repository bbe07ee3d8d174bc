"""Score an ``extract run`` output folder against a hand-made gold file (``extract eval``).

The gold format and the matching rule are defined in the corpus annotation guide
(``corpus/README.md``, "Gold file format"). This module reads the files (the gold file, the raw
articles, the output tables) and ties the pieces together:

* ``gold``          the gold file -> typed facts
* ``eval_match``    where each fact is in its article; which output rows match which facts
* ``eval_score``    precision/recall/F1 and attribute accuracies counted into an ``EvalReport``
* ``eval_records``  the report and the other records passed between them
* ``eval_format``   the report as text (``--verbose`` lists, headline numbers)

``evaluate`` returns an :class:`EvalReport`; ``format_report`` renders it as text and
``EvalReport.to_dict`` as JSON-ready data. Nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterable

import pandas as pd

from .errors import EvalError
from .eval_format import format_report
from .eval_match import locate, locate_facts
from .eval_records import EvalDoc, EvalReport, Issue, Ratio, Row, plain
from .eval_score import gold_counts, score_doc, score_document
from .gold import GoldFact, load_gold
from .load import LoadError, decode

__all__ = ["EvalError", "EvalReport", "Issue", "Ratio", "evaluate", "format_report", "locate",
           "load_gold", "GoldFact"]

_REQUIRED_COLUMNS = {
    "documents": ("doc_id",),
    "metrics": ("doc_id", "start", "end", "value"),
    "dates": ("doc_id", "start", "end"),
}


def evaluate(gold_path: str | Path, raw_dir: str | Path, out_dir: str | Path) -> EvalReport:
    """Score the output folder ``out_dir`` against ``gold_path`` for the articles in ``raw_dir``.

    Raises EvalError for an unusable gold file or output folder; per-line problems (a ctx
    that is not in the text, a document missing from the output) become report issues.
    """
    gold = load_gold(gold_path)
    tables = load_tables(out_dir)
    report = EvalReport(str(gold_path), str(raw_dir), str(out_dir), docs=gold.doc_names())
    report.gold_counts = gold_counts(gold.facts)
    rows = _doc_rows(tables.documents, report.docs)
    doc_ids = {r["doc_id"] for r in rows.values() if r is not None}
    for name in report.docs:
        facts = [f for f in gold.facts if f.doc == name]
        score_doc(report, _prepare_doc(report, name, Path(raw_dir), rows[name], facts, tables))
    for d in gold.docs:
        score_document(report, d, rows[d["doc"]])
    report.n_rejects = _count_rejects(tables.rejects, doc_ids)
    return report


# --------------------------------------------------------------------------- output tables


@dataclass
class Tables:
    documents: pd.DataFrame
    metrics: pd.DataFrame
    dates: pd.DataFrame
    rejects: pd.DataFrame | None


def load_tables(out_dir: str | Path) -> Tables:
    """Read the output tables (either engine's layout, via tables.read). documents, metrics and
    dates are required (an evaluation without them would silently score zero); rejects are
    only counted."""
    from .tables import read

    try:
        frames = read(out_dir)
    except FileNotFoundError as exc:
        raise EvalError(str(exc)) from None
    for name, required in _REQUIRED_COLUMNS.items():
        frame = frames[name].astype(object).where(frames[name].notna(), None)
        lacking = [c for c in required if c not in frame.columns]
        if lacking:
            raise EvalError(f"{out_dir}: {name} table lacks column(s) {', '.join(lacking)}")
        frames[name] = frame
    return Tables(frames["documents"], frames["metrics"], frames["dates"], frames["rejects"])


def _rows(frame: pd.DataFrame) -> list[Row]:
    """Rows as plain values, sorted by position so reports read in text order."""
    rows = [Row.of(r) for r in frame.to_dict("records")]
    return sorted(rows, key=lambda r: (r.start or 0, r.end or 0))


def _norm_path(p: str) -> str:
    return str(PurePosixPath(str(p).replace("\\", "/"))).removeprefix("./")


def _doc_rows(documents: pd.DataFrame, names: Iterable[str]) -> dict[str, dict | None]:
    """The documents row for every gold doc name: exact relative path first, else a unique
    basename (outputs may have been run on a parent or child folder of --raw)."""
    rows = [{k: plain(v) for k, v in r.items()} for r in documents.to_dict("records")]
    key = "path" if "path" in documents.columns else "doc_id"
    by_path: dict[str, dict] = {}
    by_base: dict[str, list[dict]] = {}
    for r in rows:
        p = _norm_path(r.get(key) or "")
        by_path.setdefault(p, r)
        by_base.setdefault(PurePosixPath(p).name, []).append(r)
    found: dict[str, dict | None] = {}
    for name in names:
        p = _norm_path(name)
        base = by_base.get(PurePosixPath(p).name, [])
        found[name] = by_path.get(p) or (base[0] if len(base) == 1 else None)
    return found


def _count_rejects(rejects: pd.DataFrame | None, doc_ids: set) -> int:
    if rejects is None or "doc_id" not in rejects.columns:
        return 0
    return int(rejects["doc_id"].isin(doc_ids).sum())


# --------------------------------------------------------------------------- one document


def _read_raw(path: Path) -> tuple[str | None, str]:
    """The decoded original (same decoding as the pipeline, so offsets agree), or a reason."""
    try:
        return decode(path.read_bytes())[0], ""
    except OSError as exc:
        return None, f"raw file unreadable: {exc.strerror or exc}"
    except LoadError as exc:
        return None, f"raw file undecodable: {exc}"


def _prepare_doc(report: EvalReport, name: str, raw_dir: Path, row: dict[str, Any] | None,
                 facts: list[GoldFact], tables: Tables) -> EvalDoc:
    """Read the raw text, locate the doc's gold facts and collect its output rows.
    Unlocatable facts are reported and left out of scoring (a gold error, not a system one)."""
    text, why = _read_raw(raw_dir / name)
    located, lost = locate_facts(text, facts) if text is not None else ([], [(f, why)
                                                                             for f in facts])
    for f, reason in lost:
        report.unlocatable.append(Issue("unlocatable", name, f.q, expected=f.ctx,
                                        got=reason, line=f.line))
    if text is None:
        # Without the original no row can be placed: counting them all as false positives
        # would turn a wrong --raw into a precision collapse.
        report.document_errors.append(Issue("document", name, name, expected="a raw file",
                                            got=f"{why}; document not scored"))
        return EvalDoc(name, None, row, [], [], [])
    if row is None:
        report.document_errors.append(Issue("document", name, name, expected="a documents row",
                                            got="not in documents.parquet"))
        return EvalDoc(name, text, None, located, [], [])
    if row.get("status") not in (None, "ok"):
        report.document_errors.append(Issue("document", name, name, field="status",
                                            expected="ok", got=f"{row.get('status')}: "
                                            f"{row.get('error') or ''}".rstrip(": ")))
    metrics, dates = tables.metrics, tables.dates
    return EvalDoc(name, text, row, located, _rows(metrics[metrics["doc_id"] == row["doc_id"]]),
                   _rows(dates[dates["doc_id"] == row["doc_id"]]))
