"""Rules are data with their own examples: run every example, and break the files on purpose.

* traps.toml: an example must contain a match of its trap and yield no metric over it; a
  counter-example must still yield a metric.
* metrics.toml: an example must yield a metric with the rule's id; a counter-example must not.
* documents.toml: every report-year and title example matches its pattern.
* A broken rules folder raises RuleError whose message names the file and the rule.

Rules are read from the shipped folder when this module is collected, so a rule added tomorrow
is tested without touching this file.
"""

from __future__ import annotations

import pytest
import regex

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
DOC_EXAMPLES = _params([(r.id, ex) for r in DOC_RULES.config.report_year
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
    """The corpus guide's table of canonical ids, plus the ids of issue 16 (procuratorate,
    court, fire and rescue, traffic, anti-fraud; listed in README's canonical metrics table).
    A new id must be added to README's table too."""
    guide = {"criminal_cases_solved", "cases_solved", "admin_cases_handled", "suspects_arrested",
             "fugitives_arrested", "gangs_busted", "losses_recovered", "losses_avoided",
             "amount_involved", "prosecuted", "drugs_seized"}
    issue16 = {"approved_arrest", "funds_frozen", "referred_for_prosecution", "people_sentenced",
               "cases_concluded", "cases_accepted", "alerts_received", "fraud_alerts",
               "rescue_callouts", "people_rescued", "fires", "traffic_deaths",
               "traffic_accidents", "drunk_driving", "traffic_violations"}
    assert {m.id for m in METRIC_RULES} == guide | issue16


def test_every_metric_has_a_chinese_name_in_the_readme():
    """Each canonical metric has a Chinese display name, and README's table lists the id with it."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for m in METRIC_RULES:
        assert regex.search(r"\p{Han}", m.name), m.id
        assert f"| `{m.id}` | {m.name} |" in readme, m.id


# --- document rules --------------------------------------------------------------------------

@pytest.mark.parametrize("rule_id, text", DOC_EXAMPLES)
def test_document_rule_example_matches(rule_id, text):
    patterns = dict(DOC_RULES.report_years)
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
                 lambda t: t.replace("pattern = '(?P<year>", "pattern = '(?P<year>(", 1),
                 ["documents.toml", "report_year.", "regex"], id="documents-bad-regex"),
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
    pytest.param("changes.toml", lambda t: t.replace('words = ["上升",', 'words = ["", "上升",', 1),
                 ["changes.toml", "change.increase", "words"], id="changes-empty-verb"),
    pytest.param("changes.toml", lambda t: t.replace('id = "change.between"', 'id = "change.inbetween"', 1),
                 ["changes.toml", "change.between"], id="changes-missing-list"),
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


# --- word lists, label rules, quantity rules and filters: every example runs -------------------

def _word_examples():
    """(rule id, example) of every word list and label rule in every rule file."""
    out = []
    for wl in (*RULES.quantity.words, *RULES.metrics.words.values(), *RULES.dates.words,
               *RULES.documents.config.words, *RULES.orgs.config.words):
        out += [(wl.id, ex) for ex in wl.examples]
    out += [(r.id, ex) for r in RULES.metrics.label_rules.values() for ex in r.examples]
    return out


_DOC_COLUMNS = set(extract.Document.model_fields)


@pytest.mark.parametrize("rule_id, example", [pytest.param(i, ex, id=f"{i}#{n}")
                                              for n, (i, ex) in enumerate(_word_examples(), 1)])
def test_word_list_example_gives_its_row(rule_id, example):
    """A word list's or label rule's example: the text gives a row with every expected column
    (metric columns, or the document's title/report_year; "" expects null)."""
    res = extract.extract_text(example.text, rules=RULES)
    # an expectation naming a row's text is about that metric row (period_part is a column of
    # both tables); without one, the document's columns are checked. "" stands for null (TOML
    # has none)
    expect = {k: (None if v == "" else v) for k, v in example.expect.items()}
    doc_cols = ({} if "text" in expect else
                {k: v for k, v in expect.items() if k in _DOC_COLUMNS})
    row_cols = {k: v for k, v in expect.items() if k not in doc_cols}
    for k, v in doc_cols.items():
        assert getattr(res.document, k) == v, (rule_id, k, getattr(res.document, k))
    if row_cols:
        rows = [m.model_dump() for m in res.metrics]
        assert any(all(r.get(k) == v for k, v in row_cols.items()) for r in rows), \
            f"{rule_id}: no row {row_cols} in {example.text!r}: {_show(res.metrics)}"


def test_word_list_examples_use_their_words():
    """An example shows a word list at work: its text holds one of the words."""
    lists = (*RULES.quantity.words, *RULES.metrics.words.values(), *RULES.dates.words,
             *RULES.documents.config.words, *RULES.orgs.config.words)
    for wl in lists:
        for ex in wl.examples:
            assert any(w in ex.text for w in wl.words), (wl.id, ex.text)


@pytest.mark.parametrize("rule_id, text", _params(
    [(r.id, ex) for r in RULES.quantity.rules.values() for ex in r.examples]))
def test_quantity_rule_example_gives_a_metric_with_that_rule(rule_id, text):
    metrics = extract.extract_text(text, rules=RULES).metrics
    assert any(m.rule == rule_id for m in metrics), (rule_id, _show(metrics))


@pytest.mark.parametrize("rule_id, text", _params(
    [(r.id, ex) for r in RULES.quantity.filters.values() for ex in r.examples]))
def test_filter_example_blocks_a_number_with_that_rule(rule_id, text):
    res = extract.extract_text(text, rules=RULES)
    assert any(b.rule == rule_id for b in res.blocked), (rule_id, res.blocked, _show(res.metrics))


@pytest.mark.parametrize("rule_id, text", _params(
    [(r.id, ex) for r in RULES.documents.config.title for ex in r.examples]))
def test_title_rule_example_matches(rule_id, text):
    from extract.documents import FURNITURE, SITE_SUFFIX

    patterns = dict(zip(FURNITURE, RULES.documents.not_title))
    pattern = {**patterns, SITE_SUFFIX: RULES.documents.site_suffix}[rule_id]
    assert pattern.search(text), (rule_id, text)


# --- every row names a rule defined in rules/ -------------------------------------------------

def _defined_ids() -> set[str]:
    """Every rule id defined in the shipped rule files."""
    ids = {t.id for t in RULES.traps.all} | {r.id for r in RULES.dates.rules}
    ids |= set(RULES.quantity.rules) | set(RULES.quantity.filters) | set(RULES.metrics.label_rules)
    ids |= {m.id for m in RULES.metrics.metrics}
    return ids


def test_every_rule_id_in_the_tables_is_defined_in_rules():
    """metrics.rule, metrics.label_rule, metrics.metric, dates.rule and every blocked number's
    rule are ids of rules in rules/, over the dev articles and every example of the rules."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(LOCAL_RAW.glob("*.txt"))]
    texts += [ex for t in TRAPS for ex in (*t.examples, *t.counter_examples)]
    texts += [ex for m in METRIC_RULES for ex in (*m.examples, *m.counter_examples)]
    texts += [ex.text for _, ex in _word_examples()]
    defined = _defined_ids()
    seen = set()
    for text in texts:
        res = extract.extract_text(text, rules=RULES)
        for m in res.metrics:
            seen |= {m.rule} | {x for x in (m.label_rule, m.metric) if x}
        seen |= {d.rule for d in res.dates} | {b.rule for b in res.blocked}
    assert seen <= defined, sorted(seen - defined)
    assert {"quantity.unit", "label.before", "label.after"} <= seen


def test_show_why_lists_the_operation_names_of_the_2021_article():
    """雷霆 7号 and the other operation names are numbers the pattern finds and a trap blocks."""
    from extract.view import format_blocked

    res = extract.extract_file(LOCAL_RAW / "2021_zhanhe.txt", rules=RULES)
    ops = [b for b in res.blocked if b.rule == "trap.operation_name"]
    assert [b.text for b in ops] == ["7", "12"], ops       # 雷霆 7号, 雷霆 12号
    out = format_blocked(res)
    assert "trap.operation_name" in out and "雷霆" in out


# --- no rule list that nothing reads ----------------------------------------------------------

def _schema_fields():
    """(model, field) of every rule-file schema of the stages."""
    from extract import date_rules, documents, lexicon, metric_rules, quantity_rules, traps

    models = [quantity_rules.QuantityFile, quantity_rules.UnitsFile, quantity_rules.ChangesFile,
              quantity_rules.UnitRule, quantity_rules.HedgeLists,
              traps.TrapsFile, traps.TrapRule, traps.RegionRule, date_rules.DatesFile,
              date_rules.DateRuleSpec, date_rules.HolidaySpec, metric_rules.MetricsFile,
              metric_rules.LabelRules, metric_rules.MetricRule, documents.DocumentsFile,
              documents.PatternRule, lexicon.SegmentFile]
    return [(m.__name__, f) for m in models for f in m.model_fields]


def test_every_field_of_the_rule_files_is_read_by_the_code():
    """A list in a rule file that no code reads is a defect (labels.event_units was one): every
    schema field is read as an attribute somewhere in src/extract."""
    import re
    from pathlib import Path

    src = "\n".join(p.read_text(encoding="utf-8")
                    for p in sorted(Path(extract.__file__).parent.glob("*.py")))
    # examples and counter_examples are read by the tests; `what` (a metric's description) is
    # documentation; HedgeLists' fields are read by name (getattr with "over", "nearly", ...)
    unread = [(m, f) for m, f in _schema_fields()
              if f not in ("examples", "counter_examples", "what")
              and not re.search(rf"\.{f}\b", src) and f'"{f}"' not in src]
    assert not unread, unread


def test_every_word_list_and_label_rule_is_named_in_the_code():
    """Each word list or label rule id is a constant the code reads (a list that nothing looks
    up is refused here)."""
    from pathlib import Path

    src = "\n".join(p.read_text(encoding="utf-8")
                    for p in sorted(Path(extract.__file__).parent.glob("*.py")))
    ids = [wl.id for wl in (*RULES.quantity.words, *RULES.metrics.words.values(),
                            *RULES.dates.words, *RULES.documents.config.words,
                            *RULES.orgs.config.words)]
    ids += list(RULES.metrics.label_rules) + list(RULES.quantity.rules) + list(RULES.quantity.filters)
    ids += [r.id for r in RULES.documents.config.title]
    assert not [i for i in ids if f'"{i}"' not in src]


def test_a_rule_file_without_a_word_list_the_code_needs_is_refused(rules_copy):
    d = rules_copy("metrics.toml", lambda t: t.replace('id = "label.respectively"', 'id = "label.other"'))
    with pytest.raises(RuleError, match="label.respectively"):
        extract.load_rules(d)
