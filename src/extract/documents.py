"""Document facts: title, reporting organisation, report year (placeholder)."""

from __future__ import annotations

from pathlib import Path


def load_document_rules(directory: Path):
    return None


from dataclasses import dataclass


@dataclass(frozen=True)
class DocFacts:
    title: str | None = None
    org: str | None = None
    report_year: int | None = None
    published: str | None = None


def describe(norm, sents, found_dates, rules) -> DocFacts:
    return DocFacts()
