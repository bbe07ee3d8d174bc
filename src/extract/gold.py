"""Read a gold file (the annotation guide's JSONL, see ``corpus/README.md``) into typed facts.

Each metric or date fact names its quantity ``q`` and a longer snippet ``ctx`` that locates it;
``eval_match.locate_facts`` finds them in the article and sets their span.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import EvalError

ROLES = ("M", "N", "X")

_REQUIRED_GOLD = {
    "doc": ("doc",),
    "metric": ("doc", "q", "ctx", "value", "role"),
    "date": ("doc", "q", "ctx", "role"),
}


@dataclass
class GoldFact:
    """One metric or date line of the gold file, with its located span (None if not found)."""

    line: int
    type: str
    doc: str
    q: str
    ctx: str
    role: str
    data: dict
    span: tuple[int, int] | None = None


@dataclass
class Gold:
    docs: list[dict]
    facts: list[GoldFact]

    def doc_names(self) -> list[str]:
        """Every document the gold file names, first appearance first; only these are scored."""
        names: dict[str, None] = {}
        for d in self.docs:
            names.setdefault(d["doc"])
        for f in self.facts:
            names.setdefault(f.doc)
        return list(names)


def load_gold(path: str | Path) -> Gold:
    """Parse a gold JSONL file strictly: a malformed line is an error with its line number,
    because silently skipping a hand-written fact would inflate the scores."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise EvalError(f"{path}: cannot read gold file: {exc.strerror or exc}") from None
    docs: list[dict] = []
    facts: list[GoldFact] = []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        obj = _gold_line(path, no, line)
        if obj["type"] == "doc":
            docs.append(obj)
        else:
            facts.append(GoldFact(no, obj["type"], str(obj["doc"]), str(obj["q"]),
                                  str(obj["ctx"]), obj["role"], obj))
    return Gold(docs, facts)


def _gold_line(path: Path, no: int, line: str) -> dict:
    """One validated gold object; raises EvalError naming the file and line."""
    where = f"{path}:{no}"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EvalError(f"{where}: not valid JSON: {exc.msg}") from None
    if not isinstance(obj, dict) or obj.get("type") not in _REQUIRED_GOLD:
        raise EvalError(f"{where}: expected an object with type doc, metric or date")
    missing = [k for k in _REQUIRED_GOLD[obj["type"]] if obj.get(k) in (None, "")]
    if missing:
        raise EvalError(f"{where}: {obj['type']} line lacks {', '.join(missing)}")
    if obj["type"] != "doc" and obj["role"] not in ROLES:
        raise EvalError(f"{where}: role must be one of {'/'.join(ROLES)}, got {obj['role']!r}")
    return obj

