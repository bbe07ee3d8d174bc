"""The attribution stage's rules (rules/metrics.toml): how labels are built (word lists, POS
tags, the label rules' ids) and the canonical metrics (verbs, objects, units and kinds that
identify one)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import regex
from pydantic import Field

from .rules import (RuleError, RuleId, Strict, Word, WordExample, WordList, check_unique,
                    compile_pattern, load_file)


class LabelRules(Strict):
    """The settings of [labels]; the label walk's word lists are [[words]] entries (Labels)."""

    # POS tags (jieba / ICTCLAS) that never end a label: 民警仅有210名
    trailing_tags: list[Word] = []
    # a token that is a date or a bare date word (2021年, 十月, 年度): trimmed like a subject
    date_word: str = r"(?!)"
    # the text between a part and the number in a share of a total: 火灾占总数的30.5%, 占比41.2%
    share: str = r"(?!)"
    share_needs: list[Word] = []      # a text holding none of these is no share (not searched)
    # after a number with another number later in its clause: where the noun phrase it counts
    # ends (近七成入室盗窃案件在48小时内告破)
    preposition: str = r"(?!)"
    # the word opening a frame (在…的基础上): the subject stands before it
    frame_open: Word = "在"
    # characters between a frame and the change or number after it (基础上再降12.3%)
    frame_tail: str = ""
    # page furniture inside a clause (a dateline, a byline): a label starts after it
    furniture: str = r"(?!)"
    furniture_needs: list[Word] = []  # a text holding none of these holds no furniture
    max_chars: int = Field(18, ge=4)


class LabelRuleSpec(Strict):
    """One way a label is built (the id in the metrics table's ``label_rule``)."""

    id: RuleId
    why: Word
    examples: list[WordExample] = Field(min_length=1)


class MetricRule(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Word                 # the Chinese display name: 破获刑事案件
    what: str
    verbs: list[str] = []
    objects: list[str] = []
    exclude: list[str] = []
    units: list[str] = []
    kinds: list[str] = []
    changes: bool = False
    examples: list[str] = []
    counter_examples: list[str] = []

    def matches(self, label: str, unit: str | None, kind: str, change: str | None) -> bool:
        return self.fits(unit, kind, change) and self.names(label)

    def fits(self, unit: str | None, kind: str, change: str | None) -> bool:
        """Whether a quantity of this unit, kind and change can be this metric at all."""
        if change and not self.changes:
            return False
        if self.units and unit not in self.units:
            return False
        return not (self.kinds and kind not in self.kinds)

    def names(self, label: str) -> bool:
        """Whether ``label`` has this metric's verbs and objects and none of its exclusions."""
        if self.verbs and not any(v in label for v in self.verbs):
            return False
        if self.objects and not any(o in label for o in self.objects):
            return False
        return not any(x in label for x in self.exclude)


class MetricsFile(Strict):
    labels: LabelRules
    words: list[WordList] = []
    label_rule: list[LabelRuleSpec] = Field(min_length=1)
    metric: list[MetricRule]


# The word lists of metrics.toml the label code reads, by id.
CONNECTORS = "label.connectors"          # list connectors dropped at a label's ends
LIST_ITEMS = "label.list_items"          # what separates the items of a listed label (分别)
LIST_GAP = "label.list_gap"              # a list separator opening the text before a value
ENUMERATION = "label.enumeration"        # the enumeration comma: items of one object
RESPECTIVELY = "label.respectively"      # 分别: values paired with things in order
MODIFIER = "label.modifier"              # 的: what comes before it only modifies
NOT_PRENOMINAL = "label.not_prenominal"  # after a number: it does not count what follows
PERCENT_OF = "label.percent_of"          # 30%的信号灯: dropped after a percentage
VERB_BRIDGE = "label.verb_bridge"        # 追回并发还群众涉案财物: kept inside a verb chain
FRAME = "label.frame"                    # 在…的基础上 / 前提下: a frame, never a label
CASE_VERBS = "label.case_verbs"          # 起诉102人 after 批准逮捕涉黑犯罪嫌疑人88人
SHARED_HEADS = "label.shared_heads"      # 刑事、盗窃案件: the last item's head is shared
NOT_ALONE = "label.not_alone"            # 破, 开展: never a label on their own
# The word lists the label walk reads as ``MetricRules.labels.<name>`` (entries label.<name>).
_LABEL_WORDS = {"fillers": "label.fillers", "subjects": "label.subjects",
                "light_verbs": "label.light_verbs", "negations": "label.negations",
                "chain_verbs": "label.chain_verbs", "self_contained": "label.self_contained",
                "part_markers": "label.part_markers", "target_markers": "label.target_markers",
                "time_words": "label.time_words"}
_ORDERED = ("part_markers", "target_markers")     # read in order (startswith takes a tuple)
_WORD_LISTS = (CONNECTORS, LIST_ITEMS, LIST_GAP, ENUMERATION, RESPECTIVELY, MODIFIER,
               NOT_PRENOMINAL, PERCENT_OF, VERB_BRIDGE, FRAME, CASE_VERBS, SHARED_HEADS,
               NOT_ALONE, *_LABEL_WORDS.values())

# The label rules the code applies, by id (the ``label_rule`` column).
LABEL_AFTER = "label.after"
LABEL_BEFORE = "label.before"
LABEL_PAIR = "label.pair"
LABEL_LIST_VERB = "label.list_verb"
LABEL_CHAIN = "label.chain"
LABEL_PREVIOUS_CLAUSE = "label.previous_clause"
LABEL_RESPECTIVELY = "label.respectively_item"
LABEL_RESPECTIVELY_COUNTS = "label.respectively_counts"
LABEL_SHARE = "label.share"
LABEL_FRAME = "label.frame_subject"
_LABEL_RULES = (LABEL_AFTER, LABEL_BEFORE, LABEL_PAIR, LABEL_LIST_VERB, LABEL_CHAIN,
                LABEL_PREVIOUS_CLAUSE, LABEL_RESPECTIVELY, LABEL_RESPECTIVELY_COUNTS,
                LABEL_SHARE, LABEL_FRAME)


@dataclass(frozen=True)
class Labels:
    """What the label walk reads: its word lists (the [[words]] entries ``label.fillers``,
    ``label.subjects``, ...) by name, sets where it only asks "is this word one?", and every
    setting of [labels] (max_chars, share, frame_open ...) as an attribute of its own."""

    settings: LabelRules
    fillers: frozenset[str]
    subjects: frozenset[str]
    light_verbs: frozenset[str]
    negations: frozenset[str]
    chain_verbs: frozenset[str]
    self_contained: frozenset[str]
    part_markers: tuple[str, ...]
    target_markers: tuple[str, ...]
    time_words: frozenset[str]

    def __post_init__(self):
        for name in type(self.settings).model_fields:      # read as plain attributes: hot path
            object.__setattr__(self, name, getattr(self.settings, name))


@dataclass(frozen=True)
class MetricRules:
    labels: Labels
    metrics: tuple[MetricRule, ...]
    fillers: frozenset[str]
    self_contained: frozenset[str]  # the labels' own list and the metrics' verbs
    own_label: frozenset[str]       # the labels' own list only (破案, 刑拘: never an object before)
    words: dict[str, WordList]
    label_rules: dict[str, LabelRuleSpec]
    date_word: regex.Pattern
    connectors: frozenset[str]
    list_items: regex.Pattern
    list_gap: tuple[str, ...]
    enumeration: frozenset[str]
    respectively: tuple[str, ...]
    modifier: frozenset[str]
    not_prenominal: tuple[str, ...]
    percent_of: tuple[str, ...]
    trailing_tags: frozenset[str]
    share: regex.Pattern
    verb_bridge: frozenset[str]
    frame: tuple[str, ...]
    case_verbs: frozenset[str]
    shared_heads: tuple[str, ...]
    not_alone: frozenset[str]
    furniture: regex.Pattern
    preposition: regex.Pattern
    metric_verbs: frozenset[str]     # the canonical metrics' verbs (破获, 起诉 ...)
    # (unit, kind, has a change) -> the metrics such a quantity can be, in file order; filled
    # as quantities come (a handful of keys), so each label is only tested against those
    _fitting: dict = field(default_factory=dict, compare=False, repr=False)

    def metric_for(self, label: str, unit: str | None, kind: str, change: str | None) -> str | None:
        """The id of the first metric rule (in file order) that ``label`` and the quantity match."""
        key = (unit, kind, bool(change))
        fitting = self._fitting.get(key)
        if fitting is None:
            fitting = tuple(m for m in self.metrics if m.fits(unit, kind, change))
            fitting = self._fitting[key] = tuple(_Named.of(m) for m in fitting)
        for rule in fitting:
            if rule.names(label):
                return rule.id
        return None


class _Named(NamedTuple):
    """A metric rule's words as compiled alternations (a C search each instead of a Python
    loop over the words): what ``MetricRule.names`` tests, on the hot path."""

    id: str
    verbs: re.Pattern | None
    objects: re.Pattern | None
    exclude: re.Pattern | None

    @classmethod
    def of(cls, m: MetricRule) -> "_Named":
        def alt(words: list[str]) -> re.Pattern | None:
            return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True)))) \
                if words else None
        return cls(m.id, alt(m.verbs), alt(m.objects), alt(m.exclude))

    def names(self, label: str) -> bool:
        return ((self.verbs is None or self.verbs.search(label) is not None)
                and (self.objects is None or self.objects.search(label) is not None)
                and (self.exclude is None or self.exclude.search(label) is None))


def load(directory: Path) -> MetricRules:
    """Read and validate rules/metrics.toml."""
    path = directory / "metrics.toml"
    data: MetricsFile = load_file(MetricsFile, path)
    check_unique([m.id for m in data.metric], path, "metric ids")
    check_unique([w.id for w in (*data.words, *data.label_rule)], path)
    words = {w.id: w for w in data.words}
    missing = sorted(set(_WORD_LISTS) - words.keys())
    missing += sorted(set(_LABEL_RULES) - {r.id for r in data.label_rule})
    if missing:
        raise RuleError(f"{path}: the label code needs the entries {', '.join(missing)}")
    verbs = {v for m in data.metric for v in m.verbs if len(v) > 1}
    lab = Labels(data.labels, **{name: (tuple if name in _ORDERED else frozenset)(words[i].words)
                                     for name, i in _LABEL_WORDS.items()})
    return MetricRules(
        labels=lab, metrics=tuple(data.metric),
        fillers=frozenset(lab.fillers),
        self_contained=frozenset(lab.self_contained) | verbs,
        own_label=frozenset(lab.self_contained),
        words=words,
        label_rules={r.id: r for r in data.label_rule},
        date_word=compile_pattern(lab.date_word, f"{path}: labels.date_word"),
        connectors=words[CONNECTORS].set,
        list_items=compile_pattern("|".join(regex.escape(w) for w in words[LIST_ITEMS].words),
                                   f"{path}: word list {LIST_ITEMS!r}"),
        list_gap=words[LIST_GAP].longest_first(),
        enumeration=words[ENUMERATION].set,
        respectively=words[RESPECTIVELY].longest_first(),
        modifier=words[MODIFIER].set,
        not_prenominal=words[NOT_PRENOMINAL].longest_first(),
        percent_of=words[PERCENT_OF].longest_first(),
        trailing_tags=frozenset(lab.trailing_tags),
        share=compile_pattern(lab.share, f"{path}: labels.share"),
        verb_bridge=words[VERB_BRIDGE].set,
        frame=words[FRAME].longest_first(),
        case_verbs=words[CASE_VERBS].set,
        shared_heads=words[SHARED_HEADS].longest_first(),
        not_alone=words[NOT_ALONE].set,
        furniture=compile_pattern(lab.furniture, f"{path}: labels.furniture"),
        preposition=compile_pattern(lab.preposition, f"{path}: labels.preposition"),
        metric_verbs=frozenset(verbs),
    )
