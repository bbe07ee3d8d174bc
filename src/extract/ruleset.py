"""The whole rule set: every stage's rules, loaded by the stage that owns them, in one typed,
immutable :class:`RuleSet` that is passed in (:func:`default_rules` caches the shipped one).

| file | loaded by | given to |
| --- | --- | --- |
| tradsimp.tsv | normalize.load | normalize |
| lexicon.txt, segment.toml | lexicon.load | the segmenter |
| quantity.toml, units.toml, changes.toml | quantity_rules.load | metrics.find_quantities |
| traps.toml | traps.load | traps.trap_spans |
| dates.toml | date_rules.load | dates.find_dates |
| metrics.toml | metric_rules.load | attribution.attribute |
| documents.toml | documents.load | documents.describe |
| orgs.toml, divisions.tsv | orgs.load | orgs.find_organisation (via documents.describe) |
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from . import date_rules, documents, lexicon, metric_rules, normalize, orgs, quantity_rules, traps
from .rules import RuleError, fingerprint, rules_dir

RULE_FILES = ("quantity.toml", "units.toml", "changes.toml", "traps.toml", "metrics.toml",
              "dates.toml", "documents.toml", "segment.toml", "lexicon.txt", "tradsimp.tsv",
              "orgs.toml", "divisions.tsv")


@dataclass(frozen=True, eq=False)  # hashed by identity: a RuleSet is a value you pass around
class RuleSet:
    """Everything the extractors need, validated and compiled. Immutable; pass it in."""

    directory: Path
    fingerprint: str
    fold: normalize.FoldTable
    segment: lexicon.SegmentRules
    quantity: quantity_rules.QuantityRules
    traps: traps.TrapRules
    dates: date_rules.DateRules
    metrics: metric_rules.MetricRules
    documents: documents.DocumentRules
    orgs: orgs.OrgRules


def load_rules(directory: str | Path | None = None) -> RuleSet:
    """Load and validate every rules file in ``directory`` (default: the shipped rules)."""
    d = Path(directory) if directory is not None else rules_dir()
    if not d.is_dir():
        raise RuleError(f"{d}: rules folder not found")
    fold = normalize.load(d)
    quantity = quantity_rules.load(d)
    return RuleSet(
        directory=d,
        fingerprint=fingerprint(d, RULE_FILES),
        fold=fold,
        segment=lexicon.load(d),
        quantity=quantity,
        traps=traps.load(d, quantity.fragments, lambda text: normalize.normalize(text, fold).clean),
        dates=date_rules.load(d, quantity.fragments),
        metrics=metric_rules.load(d),
        documents=documents.load(d),
        orgs=orgs.load(d),
    )


@functools.lru_cache(maxsize=4)
def _cached(directory: str | None) -> RuleSet:
    return load_rules(directory)


def default_rules(directory: str | Path | None = None) -> RuleSet:
    """The shipped rules (or those in ``directory``), loaded once per process."""
    return _cached(str(directory) if directory is not None else None)
