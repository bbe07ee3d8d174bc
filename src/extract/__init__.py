"""extract: Chinese news articles -> validated, tidy tables of facts.

>>> import extract
>>> r = extract.extract_text("2025年，分局共破获刑事案件398起，同比下降8.2%。")
>>> [(m.text, m.value, m.unit) for m in r.metrics]
[('398起', 398.0, '起'), ('8.2%', 8.2, '%')]
"""

from __future__ import annotations

__version__ = "0.1.0"

from pathlib import Path

from .load import decode, load_file
from .pipeline import Result, extract_document
from .records import DateMention, Document, Metric, Reject
from .rules import RuleError
from .ruleset import RuleSet, default_rules, load_rules
from .runner import RunSummary, run
from .tables import read, read_metadata

__all__ = [
    "extract_text", "extract_file", "document_text", "run", "read", "read_metadata", "load_rules",
    "default_rules", "Result", "RunSummary", "Metric", "DateMention", "Document", "Reject",
    "RuleSet", "RuleError", "diff", "panel", "__version__",
]


def extract_text(text: str, name: str | None = None, *, rules: RuleSet | None = None,
                 tokenizer=None) -> Result:
    """Extract the facts of one article given as a string (offsets index into ``text``)."""
    import hashlib

    rules = rules or default_rules()
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    doc_id = name or "sha256:" + digest[:12]
    return extract_document(text, doc_id, rules, tokenizer)


def extract_file(path: str | Path, *, rules: RuleSet | None = None, tokenizer=None) -> Result:
    """Extract the facts of one article file (decoded, or for a .pdf or .docx its text
    extracted, as ``extract run`` does); ``Result.text`` is the text the offsets point into."""
    from .runner import process_file

    p = Path(path)
    return process_file(p, p.name, rules or default_rules(), tokenizer)


def document_text(path: str | Path, max_bytes: int | None = None) -> str:
    """The text of an input file against which its rows' offsets are given: the decoded text
    of a .txt or .html file, the text extracted from a .pdf or .docx (the same every time, so
    ``document_text(path)[row.start:row.end] == row.text``)."""
    from .load import DEFAULT_MAX_BYTES

    return load_file(Path(path), max_bytes or DEFAULT_MAX_BYTES).text


def diff(old, new=None, by: str = "year"):
    """Compare two outputs (folders or frames from :func:`read`): see extract.compare.diff.
    (A thin wrapper so that ``import extract`` does not import pandas.)"""
    from .compare import diff as _diff

    return _diff(old, new, by=by)


def panel(out):
    """Year-by-metric panel of one output: see extract.compare.panel."""
    from .compare import panel as _panel

    return _panel(out)
