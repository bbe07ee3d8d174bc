"""Rules are data with their own examples: run every example, and break the files on purpose.

* traps.toml: an example must contain a match of its trap and yield no metric over it; a
  counter-example must still yield a metric.
* metrics.toml: an example must yield a metric with the rule's id; a counter-example must not.
* documents.toml: every org and report-year example matches its pattern.
* A broken rules folder raises RuleError whose message names the file and the rule.

Rules are read from the shipped folder when this module is collected, so a rule added tomorrow
is tested without touching this file.
"""

from __future__ import annotations

import pytest

import extract
from conftest import LOCAL_RAW, RULES_DIR, overlaps
from extract import RuleError
from extract.normalize import normalize

RULES = extract.default_rules()  # the shipped rules (load_rules() on the shipped folder, cached)


# Known failures of rule examples: (rule id, example) -> why. Run as xfail(strict=True).
KNOWN: dict[tuple[str, str], str] = {}


def _params(items):
    out = []
    for n, item in enumerate(items, 1):
        why = KNOWN.get(item[:2])
        marks = [pytest.mark.xfail(reason=why, strict=True)] if why else []
        out.append(pytest.param(*item, id=f"{item[0]}#{n}", marks=marks))
    return out


TRAPS = RULES.traps.all
TRAP_EXAMPLES = _params([(t.id, ex) for t in TRAPS for ex in t.examples])
TRAP_COUNTERS = _params([(t.id, ex) for t in TRAPS for ex in t.counter_examples])
METRIC_RULES = RULES.metrics.metrics
METRIC_EXAMPLES = _params([(m.id, ex) for m in METRIC_RULES for ex in m.examples])
METRIC_COUNTERS = _params([(m.id, ex) for m in METRIC_RULES for ex in m.counter_examples])
DOC_RULES = RULES.documents
DOC_EXAMPLES = _params([(r.id, ex) for r in (*DOC_RULES.config.org, *DOC_RULES.config.report_year)
                        for ex in r.examples])


def _show(metrics) -> str:
    return ", ".join(f"{m.text!r}={m.value} [{m.metric}] {m.label!r}" for m in metrics) or "none"


def _trap(trap_id: str):
    return next(t for t in TRAPS if t.id == trap_id)


# --- traps -----------------------------------------------------------------------------------

@pytest.mark.parametrize("trap_id, text", TRAP_EXAMPLES)
def test_trap_example_blocks_its_match(trap_id, text):
    trap = _trap(trap_id)
    norm = normalize(text, RULES.fold)
    matches = [m.span() for m in trap.finditer(norm.clean)]
    assert matches, f"{trap_id}: the example {text!r} does not match the trap's own pattern"
    raw_spans = [norm.raw_span(s, e) for s, e in matches]
    metrics = extract.extract_text(text, rules=RULES).metrics
    bad = [m for m in metrics for span in raw_spans if overlaps((m.start, m.end), span)]
    assert not bad, f"{trap_id}: metric over a trap match in {text!r}: {_show(bad)}"


@pytest.mark.parametrize("trap_id, text", TRAP_COUNTERS)
def test_trap_counter_example_still_yields_a_metric(trap_id, text):
    metrics = extract.extract_text(text, rules=RULES).metrics
    assert metrics, f"{trap_id}: counter-example {text!r} yields no metric"


def test_every_trap_explains_itself():
    for trap in TRAPS:
        assert trap.why.strip(), trap.id
        assert trap.examples or trap.id.startswith("region."), \
            f"{trap.id} has no examples: add the texts it exists for"


# --- canonical metrics -----------------------------------------------------------------------

@pytest.mark.parametrize("metric_id, text", METRIC_EXAMPLES)
def test_metric_example_gets_its_id(metric_id, text):
    metrics = extract.extract_text(text, rules=RULES).metrics
    assert any(m.metric == metric_id for m in metrics), \
        f"{metric_id}: no metric with this id in {text!r}: {_show(metrics)}"


@pytest.mark.parametrize("metric_id, text", METRIC_COUNTERS)
def test_metric_counter_example_does_not_get_its_id(metric_id, text):
    metrics = extract.extract_text(text, rules=RULES).metrics
    assert not any(m.metric == metric_id for m in metrics), \
        f"{metric_id}: counter-example {text!r} got the id: {_show(metrics)}"


def test_metric_lookup_is_the_first_matching_rule_in_file_order():
    """metric_for (rules pre-sorted by unit, kind and change) gives what a scan of every rule
    in file order gives, for every example label, unit, kind and change."""
    ar = RULES.metrics
    labels = {w for m in METRIC_RULES for w in (*m.verbs, *m.objects, *m.examples)}
    labels |= {v + o for m in METRIC_RULES for v in m.verbs for o in m.objects}
    units = {u for m in METRIC_RULES for u in m.units} | {None, "%", "人", "元"}
    kinds = {"count", "money", "percent", "weight", "other"}
    for label in sorted(labels):
        for unit in sorted(units, key=str):
            for kind in sorted(kinds):
                for change in (None, "increase"):
                    first = next((m.id for m in METRIC_RULES
                                  if m.matches(label, unit, kind, change)), None)
                    assert ar.metric_for(label, unit, kind, change) == first, \
                        (label, unit, kind, change)


def _dev_and_rule_texts() -> list[str]:
    """The dev articles and every trap example and counter-example."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(LOCAL_RAW.glob("*.txt"))]
    return texts + [ex for t in TRAPS for ex in (*t.examples, *t.counter_examples)]


def _texts_for_needs():
    """The dev articles, every rule example, and a few made-up pages around the needed words."""
    texts = _dev_and_rule_texts()
    for t in TRAPS:
        for w in t.needs:
            texts += [f"见{w}", f"{w}2025", f"www{w}.cn/5人", f"a{w}b@c.d", f"{w}：12345次"]
    return texts


@pytest.mark.parametrize("trap_id", [t.id for t in TRAPS if t.needs])
def test_a_trap_with_needs_skips_only_texts_it_cannot_match(trap_id):
    """needs is a pre-check: a text without any of the strings has no match of the trap."""
    trap = _trap(trap_id)
    for text in _texts_for_needs():
        clean = normalize(text, RULES.fold).clean
        if any(True for _ in trap.plain_finditer(clean)):
            assert trap.may_match(clean), (trap_id, text)


def _texts_for_starts():
    """The dev articles, every rule example, and made-up texts that put each start word next
    to numbers, punctuation and other start words (so scans run into near misses)."""
    texts = _dev_and_rule_texts()
    words = [w for t in TRAPS for w in t.starts]
    tails = ["", "：0373-1234567", " 12345", "7号", "-2024", "2021行动", "“雷霆 8号”", "备123号-1",
             "：B2-2009", "：2025-01-16 08:30", "(128)", "次数：99次"]
    for i, w in enumerate(words):
        nxt = words[(i * 7 + 3) % len(words)]
        for tail in tails:
            texts.append(f"{w}{tail}{nxt}{w}{w[:1]}{tail[::-1]}")
            texts.append(f"共{w}{w}{tail}。{nxt[1:]}{tail}")
    return texts


@pytest.mark.parametrize("trap_id", [t.id for t in TRAPS if t.starts])
def test_a_trap_with_starts_finds_what_a_plain_scan_finds(trap_id):
    """starts only changes where the patterns are tried: the same matches, in the same order."""
    trap = _trap(trap_id)
    for clean in (normalize(text, RULES.fold).clean for text in _texts_for_starts()):
        plain = [(m.start(), m.end()) for m in trap.plain_finditer(clean)]
        assert [(m.start(), m.end()) for m in trap.finditer(clean)] == plain, (trap_id, clean)


def test_every_metric_rule_has_examples_both_ways():
    for rule in METRIC_RULES:
        assert rule.examples, rule.id
        assert rule.counter_examples, rule.id


def test_metric_ids_are_those_of_the_annotation_guide():
    """The corpus guide's table of canonical ids; a new id must be added there first."""
    guide = {"criminal_cases_solved", "cases_solved", "admin_cases_handled", "suspects_arrested",
             "fugitives_arrested", "gangs_busted", "losses_recovered", "losses_avoided",
             "amount_involved", "prosecuted", "drugs_seized"}
    assert {m.id for m in METRIC_RULES} == guide


# --- document rules --------------------------------------------------------------------------

@pytest.mark.parametrize("rule_id, text", DOC_EXAMPLES)
def test_document_rule_example_matches(rule_id, text):
    patterns = dict(DOC_RULES.orgs) | dict(DOC_RULES.report_years)
    m = patterns[rule_id].search(text)
    assert m, f"{rule_id}: example {text!r} does not match"
    group = "org" if rule_id.startswith("org.") else "year"
    if group in patterns[rule_id].groupindex:
        assert m.group(group), (rule_id, text)


# --- broken rules folders --------------------------------------------------------------------

def _set(rule: str, field: str, value: str):
    """An edit that sets ``field = value`` (one TOML line) in the rule whose id or surface line
    is ``rule``, wherever the rule sits in its file."""
    def edit(text: str) -> str:
        start = text.index(rule)
        end = text.find("[[", start)
        end = len(text) if end < 0 else end
        block = text[start:end]
        line = next(ln for ln in block.splitlines() if ln.startswith(f"{field} ="))
        return text[:start] + block.replace(line, f"{field} = {value}", 1) + text[end:]
    return edit


BROKEN = [
    # (file, edit, words the message must contain)
    pytest.param("traps.toml", lambda t: t + "\n[[trap\n", ["traps.toml", "TOML"],
                 id="traps-bad-toml"),
    pytest.param("metrics.toml", lambda t: t.replace("[[metric]]", "[[metric]", 1),
                 ["metrics.toml", "TOML"], id="metrics-bad-toml"),
    pytest.param("traps.toml",
                 lambda t: t.replace('id = "trap.phone"\n', 'id = "trap.phone"\ncolour = "red"\n'),
                 ["traps.toml", "trap.phone", "colour"], id="traps-unknown-key"),
    pytest.param("metrics.toml",
                 lambda t: t.replace('id = "gangs_busted"\n', 'id = "gangs_busted"\nverb = []\n'),
                 ["metrics.toml", "gangs_busted", "verb"], id="metrics-unknown-key"),
    pytest.param("units.toml", _set('surface = "枚"', "kind", '"counts"'),
                 ["units.toml", "枚", "kind"], id="units-bad-kind"),
    pytest.param("traps.toml", _set('id = "trap.ordinal"', "pattern", "'第(\\s*'"),
                 ["traps.toml", "trap.ordinal", "regex"], id="traps-bad-regex"),
    pytest.param("traps.toml", _set('id = "trap.ordinal"', "pattern", "'第{nope}'"),
                 ["traps.toml", "trap.ordinal", "nope"], id="traps-unknown-fragment"),
    pytest.param("units.toml", _set('surface = "宗"', "not_before", "'旨|(教'"),
                 ["units.toml", "宗", "regex"], id="units-bad-not-before"),
    pytest.param("documents.toml",
                 lambda t: t.replace("pattern = '(?P<org>", "pattern = '(?P<org>(", 1),
                 ["documents.toml", "org.", "regex"], id="documents-bad-regex"),
    pytest.param("traps.toml", lambda t: t.replace('id = "trap.url"', 'id = "trap.phone"'),
                 ["traps.toml", "trap.phone", "duplicate"],
                 id="traps-duplicate-id"),
    pytest.param("metrics.toml", lambda t: t.replace('id = "gangs_busted"', 'id = "prosecuted"'),
                 ["metrics.toml", "prosecuted", "duplicate"], id="metrics-duplicate-id"),
    pytest.param("units.toml",
                 lambda t: t + '\n[[unit]]\nsurface = "枚"\nkind = "count"\n',
                 ["units.toml", "枚", "twice"], id="units-duplicate-surface"),
    pytest.param("metrics.toml", lambda t: t.replace('id = "gangs_busted"', 'id = "Gangs Busted"'),
                 ["metrics.toml", "Gangs Busted"], id="metrics-bad-id"),
    pytest.param("tradsimp.tsv", lambda t: t + "億\t亿亿\n", ["tradsimp.tsv", "line"],
                 id="tradsimp-bad-line"),
    pytest.param("changes.toml", lambda t: t.replace('increase = ["上升",', 'increase = ["", "上升",', 1),
                 ["changes.toml", "increase"], id="changes-empty-verb"),
    pytest.param("traps.toml", _set('id = "trap.url"', "needs", '["http", "www."]'),
                 ["traps.toml", "trap.url", "needs", "police110@example.com"],
                 id="traps-needs-misses-an-example"),
    pytest.param("traps.toml", _set('id = "trap.url"', "needs", '["http", ""]'),
                 ["traps.toml", "trap.url", "needs"], id="traps-empty-need"),
    pytest.param("traps.toml", _set('id = "trap.licence"', "starts", '["ICP", "公网安备"]'),
                 ["traps.toml", "trap.licence", "starts", "B2-20090001"],
                 id="traps-starts-misses-an-example"),
    pytest.param("traps.toml", _set('id = "trap.ordinal"', "pattern", "'{starts}\\d'"),
                 ["traps.toml", "trap.ordinal", "starts"], id="traps-starts-placeholder-alone"),
    pytest.param("traps.toml", _set('id = "trap.ordinal"', "pattern", "[]"),
                 ["traps.toml", "trap.ordinal", "pattern"], id="traps-empty-pattern-list"),
    pytest.param("traps.toml", _set('id = "trap.ordinal"', "pattern", "['第\\d', '第(']"),
                 ["traps.toml", "trap.ordinal", "regex"], id="traps-bad-regex-in-list"),
    pytest.param("traps.toml", _set('id = "trap.vague"', "pattern", "'(?r){starts}(?:{cn_char}|\\s)*'"),
                 ["traps.toml", "trap.vague", "(?r)"], id="traps-starts-with-reverse-pattern"),
    pytest.param("traps.toml", _set('id = "trap.vague"', "pattern", "'(?:{starts})??'"),
                 ["traps.toml", "trap.vague", "empty string"], id="traps-starts-pattern-matches-empty"),
    pytest.param("traps.toml", _set('id = "trap.vague"', "pattern", "'{starts}\\K(?:{cn_char}|\\s)*'"),
                 ["traps.toml", "trap.vague", "\\K"], id="traps-starts-with-keep-out"),
    pytest.param("traps.toml", _set('id = "trap.vague"', "examples", "[]"),
                 ["traps.toml", "trap.vague", "examples"], id="traps-starts-without-examples"),
]


@pytest.mark.parametrize("filename, edit, needles", BROKEN)
def test_broken_rules_raise_rule_error_naming_file_and_rule(rules_copy, filename, edit, needles):
    d = rules_copy(filename, edit)
    with pytest.raises(RuleError) as exc:
        extract.load_rules(d)
    message = str(exc.value)
    for needle in needles:
        assert needle.lower() in message.lower(), (needle, message)


def test_missing_rules_file_and_folder(rules_copy, tmp_path):
    d = rules_copy()
    (d / "units.toml").unlink()
    with pytest.raises(RuleError, match="units.toml"):
        extract.load_rules(d)
    with pytest.raises(RuleError, match="not found"):
        extract.load_rules(tmp_path / "no_rules_here")


def test_a_copy_loads_and_the_fingerprint_follows_the_bytes(rules_copy):
    from extract.rules import fingerprint
    from extract.ruleset import RULE_FILES

    d = rules_copy()
    same = extract.load_rules(d)
    assert same.fingerprint == fingerprint(RULES_DIR, RULE_FILES), "a byte-identical copy, the same print"
    assert same.directory == d
    changed = extract.load_rules(rules_copy("lexicon.txt", lambda t: t + "\n测试词 10 n\n"))
    assert changed.fingerprint != same.fingerprint
