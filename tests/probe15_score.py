"""Scoring the probe corpus of issue 15 (tests/cases/probe15/, annotated in probe15.toml).

The probe stands in for the hidden test set (who and when on real articles: many agencies,
provinces, years, page furniture). ``score()`` runs the pipeline over every article and counts,
per field, how many articles or annotated facts come out right; ``python tests/probe15_score.py``
prints the numbers and every miss.

* org: the org contains the annotated name (``org`` or ``org_contains``) and has its org_type;
  adcode and org_id are counted apart; articles of one ``group`` must share one org_id.
* dates: recall is the share of annotated dates that a date row overlapping them gets right
  (year, and month/day where annotated); precision is the share of date rows overlapping an
  annotated date or a not-date that get it right.
* periods: the metric row at the annotated figure has the annotated period and period_part.
"""

from __future__ import annotations

import datetime
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CASES = Path(__file__).resolve().parent / "cases"
CORPUS = CASES / "probe15"
ANNOTATION = CASES / "probe15.toml"


def articles() -> list[dict]:
    return tomllib.loads(ANNOTATION.read_text(encoding="utf-8"))["article"]


def locate(text: str, q: str, ctx: str | None = None) -> tuple[int, int]:
    """[start, end) of ``q`` in ``text`` (inside ``ctx`` when given), whitespace ignored."""
    keep = [i for i, ch in enumerate(text) if not ch.isspace()]
    flat = "".join(text[i] for i in keep)
    q_flat = "".join(q.split())
    base = 0
    if ctx is not None:
        base = flat.find("".join(ctx.split()))
        if base < 0:
            raise LookupError(f"context {ctx!r} not found")
    at = flat.find(q_flat, base)
    if at < 0 or (ctx is not None and at > base + len("".join(ctx.split()))):
        raise LookupError(f"{q!r} not found" + (f" in {ctx!r}" if ctx else ""))
    return keep[at], keep[at + len(q_flat) - 1] + 1


def _null(v):
    return None if v == "-" else v


def _one_of(expected, got) -> bool:
    options = expected if isinstance(expected, list) else [expected]
    return got in [_null(o) for o in options]


@dataclass
class Score:
    counts: dict = field(default_factory=dict)     # field -> [right, total]
    misses: list = field(default_factory=list)     # (file, field, expected, got)
    date_emitted: list = field(default_factory=lambda: [0, 0])   # [right, emitted]

    def count(self, name: str, ok: bool, where: str, expected, got) -> None:
        c = self.counts.setdefault(name, [0, 0])
        c[0] += ok
        c[1] += 1
        if not ok:
            self.misses.append((where, name, expected, got))

    def rate(self, name: str) -> float:
        right, total = self.counts.get(name, (0, 0))
        return right / total if total else 1.0

    @property
    def date_precision(self) -> float:
        right, emitted = self.date_emitted
        return right / emitted if emitted else 1.0


def _date_ok(row, spec: dict) -> bool:
    if row.year != spec["y"]:
        return False
    for key, attr in (("m", "month"), ("d", "day")):
        if key in spec and getattr(row, attr) != _null(spec[key]):
            return False
    return True


def score(rules=None) -> Score:
    import extract
    from extract.normalize import normalize

    s = Score()
    groups: dict[str, set] = {}
    for a in articles():
        name = a["file"]
        r = extract.extract_file(CORPUS / name, rules=rules)
        doc, text = r.document, r.text
        want = a.get("org") or a["org_contains"]
        s.count("org", doc.org is not None and want in doc.org
                and doc.org_type == a["org_type"], name, (want, a["org_type"]),
                (doc.org, doc.org_type))
        if "adcode" in a:
            s.count("adcode", doc.adcode == _null(a["adcode"]), name, a["adcode"], doc.adcode)
        if "org_id" in a:
            s.count("org_id", doc.org_id == a["org_id"], name, a["org_id"], doc.org_id)
        if "group" in a:
            groups.setdefault(a["group"], set()).add(doc.org_id)
        s.count("report_year", doc.report_year == a["report_year"], name, a["report_year"],
                doc.report_year)
        pub = _null(a["published"])
        s.count("published", doc.published == (datetime.date.fromisoformat(pub) if pub else None),
                name, pub, doc.published)
        # the title is the cleaned line (full-width forms folded: ｜ -> |, ％ -> %)
        s.count("title", doc.title == normalize(a["title"]).clean, name, a["title"], doc.title)
        if "period_part" in a:
            s.count("period_part", _one_of(a["period_part"], doc.period_part), name,
                    a["period_part"], doc.period_part)
        spans = []
        for spec in a.get("dates", []):
            lo, hi = locate(text, spec["q"], spec.get("ctx"))
            rows = [d for d in r.dates if d.start < hi and lo < d.end]
            spans.append((lo, hi, spec))
            s.count("dates", any(_date_ok(d, spec) for d in rows), name, spec,
                    [(d.text, d.year, d.month, d.day) for d in rows])
        for spec in a.get("not_dates", []):
            spans.append((*locate(text, spec["q"], spec.get("ctx")), None))
        for d in r.dates:
            hit = [spec for lo, hi, spec in spans if d.start < hi and lo < d.end]
            if hit:
                s.date_emitted[1] += 1
                s.date_emitted[0] += any(sp is not None and _date_ok(d, sp) for sp in hit)
        for spec in a.get("periods", []):
            lo, hi = locate(text, spec["q"], spec.get("ctx"))
            rows = [m for m in r.metrics if m.start < hi and lo < m.end]
            ok = any(m.period == spec["period"]
                     and ("part" not in spec or _one_of(spec["part"], m.period_part))
                     for m in rows)
            s.count("periods", ok, name, spec, [(m.text, m.period, m.period_part) for m in rows])
    ids = {g: v for g, v in groups.items()}
    for g, got in ids.items():
        s.count("groups", len(got) == 1 and None not in got, g, "one org_id", sorted(map(str, got)))
    firsts = [next(iter(v)) for v in ids.values() if len(v) == 1]
    s.count("groups_distinct", len(firsts) == len(set(firsts)), "*", "distinct", firsts)
    return s


FIELDS = ("org", "adcode", "org_id", "groups", "report_year", "published", "title",
          "period_part", "dates", "periods")


def main() -> None:
    s = score()
    for name in FIELDS:
        right, total = s.counts.get(name, (0, 0))
        print(f"{name:12} {right:4}/{total:<4} {s.rate(name):.3f}")
    print(f"{'date prec':12} {s.date_emitted[0]:4}/{s.date_emitted[1]:<4} {s.date_precision:.3f}")
    if "-v" in sys.argv:
        for miss in s.misses:
            print("MISS", *miss, sep="\n  ")


if __name__ == "__main__":
    main()
