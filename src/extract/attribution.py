"""Labels and canonical metric ids for quantities (placeholder until the attribution issue)."""

from __future__ import annotations

from pathlib import Path


def load_metric_rules(directory: Path, fragments: dict[str, str]):
    return None


def attribute(norm, sents, quantities, found_dates, doc_facts, rules, tokenizer) -> list[dict]:
    return [{"metric": None, "label": None, "period": doc_facts.report_year} for _ in quantities]
