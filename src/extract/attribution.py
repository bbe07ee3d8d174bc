"""What every number counts: a short label in the article's words, a canonical metric id, the
period it refers to, and whether it is a part of a larger total.

Labels are built from jieba tokens (with part-of-speech tags) of the text around a quantity:

* after the number (pre-nominal): 将18名涉案人员 -> 涉案人员; 认领247家企业 -> 认领企业;
  12次发来贺电 -> 发来贺电;
* before it (post-nominal): 破获各类刑事案件398起 -> 破获刑事案件 (fillers such as 各类 dropped):
  from the end, walk left over the object's nouns, then over the verbs that govern them;
* lists sharing a verb: 检查出租房屋198处、娱乐场所6家 -> 检查娱乐场所;
* chains sharing an object: 抓获犯罪嫌疑人812人、刑拘530人 -> 刑拘犯罪嫌疑人;
* compressed pairs: 破获毒品案件96起113人 -> both rows 破获毒品案件;
* changes: 刑事案件同比下降8.2% -> 刑事案件 (the change phrase is cut off first).

The canonical id comes from rules/metrics.toml: verbs, objects, units and kinds that identify it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

import regex
from pydantic import BaseModel, ConfigDict, Field

from .metrics import Quantity
from .normalize import NormText
from .dates import is_comparison_base
from .sentences import LIST_JOINER, Sentences
from .tagger import Tagger, as_tagger, is_object_tag, is_verb_tag

_CONNECTORS = {"、", "和", "及", "与", "以及", "或"}
_LEFT_CHARS = 30
_TOK_MEMO = 50_000    # words whose Tok is memoised per tagger (a word's tag never changes); a
                      # cap, so memory stays flat over a corpus; numbers are not memoised
_TRAILING_TAGS = ("d", "p", "c", "u", "uj", "ul", "ud", "uz", "ug", "r", "y", "e", "o")
_STOP_RIGHT = regex.compile(r"[，,。；;：:、！？!?\n]")
_CLAUSE_STOP = regex.compile(r"[，,。；;：:！？!?\n]")
_CLAUSE_MARK = regex.compile(r"[，,；;：:]")
_CLAUSE_MARK_LAST = regex.compile(r"[，,；;：:]", regex.REVERSE)
_HAN_WORD = regex.compile(r"\p{Han}+")
_HAN_START = regex.compile(r"\p{Han}")
_WORDISH = regex.compile(r"[\p{Han}A-Za-z0-9]")
_DATE_WORD = regex.compile(r"^(?:\d{2,4}|[〇零一二三四五六七八九十]{1,4})(?:年度?|月份?|日)?$|^(?:年度?|月份?|日|度|份)$")
_LIST_SPLIT = regex.compile(r"[、和及与]")
_QUOTED = regex.compile(r"“([^“”]*)”|‘([^‘’]*)’|\"([^\"]*)\"")
_ASIDE = regex.compile(r"\([^()]*\)|（[^（）]*）|《[^《》]*》")
_CONTEXT_OPENERS = frozenset("“‘\"(（《")   # every _QUOTED and _ASIDE match starts with one


# --- rules --------------------------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabelRules(_Strict):
    fillers: list[str]
    subjects: list[str] = []
    light_verbs: list[str] = []
    negations: list[str] = []
    chain_verbs: list[str] = []
    self_contained: list[str] = []
    event_units: list[str] = []
    part_markers: list[str] = []
    target_markers: list[str] = []
    time_words: list[str] = []
    max_chars: int = Field(18, ge=4)


class MetricRule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
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


class MetricsFile(_Strict):
    labels: LabelRules
    metric: list[MetricRule]


@dataclass(frozen=True)
class AttributionRules:
    labels: LabelRules
    metrics: tuple[MetricRule, ...]
    fillers: frozenset[str]
    self_contained: frozenset[str]
    # (unit, kind, has a change) -> the metrics such a quantity can be, in file order; filled
    # as quantities come (a handful of keys), so each label is only tested against those
    _fitting: dict = field(default_factory=dict, compare=False, repr=False)

    def metric_for(self, label: str, unit: str | None, kind: str, change: str | None) -> str | None:
        """The id of the first metric rule (in file order) that ``label`` and the quantity match."""
        key = (unit, kind, bool(change))
        fitting = self._fitting.get(key)
        if fitting is None:
            fitting = self._fitting[key] = tuple(m for m in self.metrics
                                                 if m.fits(unit, kind, change))
        for rule in fitting:
            if rule.names(label):
                return rule.id
        return None


def load_metric_rules(directory: Path, fragments: dict[str, str]) -> AttributionRules:
    """Read and validate rules/metrics.toml."""
    from .rules import RuleError, _read_toml, _validate

    path = directory / "metrics.toml"
    data: MetricsFile = _validate(MetricsFile, _read_toml(path), path)
    ids = [m.id for m in data.metric]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise RuleError(f"{path}: duplicate metric ids: {', '.join(dup)}")
    verbs = {v for m in data.metric for v in m.verbs if len(v) > 1}
    return AttributionRules(
        labels=data.labels, metrics=tuple(data.metric),
        fillers=frozenset(data.labels.fillers),
        self_contained=frozenset(data.labels.self_contained) | verbs,
    )


# --- labels -------------------------------------------------------------------------------

class Tok:
    """A word, its POS tag and the two classes the label walk asks about (read-only)."""

    __slots__ = ("word", "tag", "is_verb", "is_object")

    def __init__(self, word: str, tag: str):
        self.word = word
        self.tag = tag
        self.is_verb = is_verb_tag(tag)
        self.is_object = is_object_tag(tag) and _WORDISH.match(word) is not None

    def __repr__(self) -> str:
        return f"Tok({self.word!r}, {self.tag!r})"


def _tag(tagger: Tagger, text: str, fillers: frozenset[str]) -> list[Tok]:
    """POS-tagged tokens of ``text`` without fillers and blanks."""
    toks = tagger.toks
    out = []
    for w in tagger.cut(text):
        if w in fillers:
            continue
        t = toks.get(w)
        if t is None:
            if not w.strip():
                continue
            if w.isdigit():
                t = Tok(w, "m")
            else:
                t = Tok(w, tagger.tag(w))
                if len(toks) < _TOK_MEMO:
                    toks[w] = t
        out.append(t)
    return out


def _clean_context(text: str) -> str:
    """Drop bracketed asides and quoted names that are not a short word; keep short quoted
    words without their marks (安装注册“国家反诈中心”APP -> 安装注册国家反诈中心APP)."""
    if _CONTEXT_OPENERS.isdisjoint(text):
        return text                         # nothing bracketed or quoted (most contexts)
    return _QUOTED.sub(_keep_short_word, _ASIDE.sub("", text))


def _keep_short_word(m: regex.Match) -> str:
    inner = next(g for g in m.groups() if g is not None)
    return inner if len(inner) <= 8 and _HAN_WORD.fullmatch(inner) else ""


def _join(toks: list[Tok]) -> str:
    """The tokens' text without list connectors at either end (the 与 of 参与 is kept)."""
    i, j = 0, len(toks)
    while i < j and toks[i].word in _CONNECTORS:
        i += 1
    while j > i and toks[j - 1].word in _CONNECTORS:
        j -= 1
    return "".join(t.word for t in toks[i:j])


def _walk_left(toks: list[Tok], lr: AttributionRules) -> tuple[list[Tok], list[Tok]]:
    """From the end: the object tokens, then the verb chain governing them."""
    if any(t.word == "的" for t in toks):
        last = max(i for i, t in enumerate(toks) if t.word == "的")
        toks = toks[last + 1:]
    # 民警仅有210名: adverbs, prepositions and light verbs right before the number name nothing
    while toks and (toks[-1].tag in _TRAILING_TAGS or toks[-1].word in lr.labels.light_verbs):
        toks = toks[:-1]

    def in_object(k: int) -> bool:
        t = toks[k]
        listed = (k > 0 and toks[k - 1].word == "、") or (k + 1 < len(toks) and toks[k + 1].word == "、")
        return t.is_object or t.word in _CONNECTORS or listed  # 讲座、演练、知识竞赛

    i = len(toks) - 1
    while i >= 0 and in_object(i):
        i -= 1
    # 检查出租房屋: a verbal noun opening the object, with nouns after it, is the object's verb
    if i + 2 < len(toks) and toks[i + 1].tag == "vn" and toks[i + 2].is_object:
        i += 1
    obj = toks[i + 1:]
    j = i
    while j >= 0 and (toks[j].is_verb or (j == i and toks[j].tag == "vn")) \
            and toks[j].word not in lr.labels.light_verbs:
        j -= 1
    if j < i and j >= 0 and toks[j].word in lr.labels.negations:
        j -= 1                                                  # 不起诉: keep the negation
    verbs = toks[j + 1:i + 1]
    if not obj and verbs and not any(v.word in lr.self_contained for v in verbs):
        # 护送危重病人就医: a verb with no object after it takes the object before it
        k = j
        while k >= 0 and (toks[k].is_object or toks[k].word in _CONNECTORS):
            k -= 1
        m = k
        while m >= 0 and toks[m].is_verb and toks[m].word not in lr.labels.light_verbs:
            m -= 1
        if k < j:
            # 护送危重病人就医 (verb, object, verb) or 破案率提升 (subject, verb: 提升至98%)
            verbs, obj = toks[m + 1:], []
    return obj, verbs


def _trim_subjects(obj: list[Tok], lr: AttributionRules) -> list[Tok]:
    """分局辖区刑事案件 -> 刑事案件: drop leading subjects and place names of a verb-less label."""
    i = 0
    while i < len(obj) - 1 and (obj[i].word in lr.labels.subjects or obj[i].tag in ("ns", "nt")
                                or obj[i].word in _CONNECTORS or _DATE_WORD.match(obj[i].word)):
        i += 1
    obj = obj[i:]
    # 今年同比下降了20%: a time word alone names nothing
    return [] if all(t.tag in ("t", "tg") or t.word in lr.labels.time_words for t in obj) else obj


def _right_phrase(toks: list[Tok]) -> list[Tok]:
    """The phrase after a pre-nominal quantity: verbs, then nouns, up to the next verb."""
    out: list[Tok] = []
    seen_object = False
    for n, t in enumerate(toks):
        if t.is_object or t.word in _CONNECTORS:
            seen_object = True
            out.append(t)
        elif t.is_verb:
            if seen_object and n < len(toks) - 1:
                break
            out.append(t)
        else:
            if out:
                break
    return out


def _shorten(label: str, lr: AttributionRules) -> str:
    if len(label) <= lr.labels.max_chars:
        return label
    return label[-lr.labels.max_chars:]


@dataclass
class _Prev:
    end: int
    label: str | None
    verbs: str
    obj: str


def attribute(norm: NormText, sents: Sentences, quantities: list[Quantity], found_dates,
              doc_facts, rules, tokenizer=None) -> list[dict]:
    """Label, canonical id, period and scope for each quantity (same order)."""
    ar: AttributionRules = rules.extra["metrics"]
    if not quantities:
        return []
    pos = as_tagger(tokenizer, rules)
    clean = norm.clean
    out: list[dict] = []
    prev: _Prev | None = None
    prev_sentence = None
    date_starts = [d.start for d in found_dates]
    relative_year = rules.extra["dates"].relative_year
    relative_words = tuple(sorted(relative_year, key=len, reverse=True))
    target_markers = tuple(ar.labels.target_markers)
    for idx, q in enumerate(quantities):
        s_lo, s_hi = sents.at(q.start)
        if prev_sentence != s_lo:
            prev = None
            prev_sentence = s_lo
        m = _CLAUSE_MARK_LAST.search(clean, s_lo, q.start)    # the last mark before it
        left_lo = m.end() if m else s_lo
        if prev and prev.end > left_lo:
            left_lo = prev.end
        left_text = clean[left_lo:q.start]
        gap_is_list = bool(prev) and left_text.startswith(("、", "和", "及"))
        if gap_is_list:
            left_text = left_text[1:]  # the list separator belongs to the gap, not the label
        if q.change:
            cut = rules.change_before.search(left_text)
            if cut:
                left_text = left_text[:cut.start()]
        next_start = quantities[idx + 1].start if idx + 1 < len(quantities) else len(clean)
        label, verbs_s, obj_s = _label(clean, q, left_text, next_start, s_hi, prev, gap_is_list,
                                       pos, ar)
        opener = clean[max(s_lo, left_lo - 4):left_lo]        # 其中，抓获网上逃犯32人
        scope = ("part" if any(pm in left_text or pm in opener for pm in ar.labels.part_markers)
                 else "total")
        if (prev is not None and out and out[-1]["scope"] == "part"
                and (gap_is_list or not verbs_s)):
            # a sub-list goes on while its items add no verb of their own:
            # 其中刑拘321人、逮捕187人 / 其中刑事案件800起，治安案件700起
            scope = "part"
        if not label and prev is None and left_lo > s_lo:
            label = _previous_clause_label(clean[s_lo:left_lo], pos, rules, ar)
        metric = None
        is_target = clean.startswith(target_markers, q.end)
        if label and not is_target:
            metric = ar.metric_for(label, q.unit, q.kind, q.change)
        out.append({"label": label or None, "metric": metric, "scope": scope,
                    "period": _period(q.start, s_lo, found_dates, date_starts, doc_facts, clean,
                                      relative_words, relative_year)})
        prev = _Prev(q.end, label, verbs_s, obj_s)
    _distribute_respectively(clean, sents, quantities, out, rules.change_words)
    for row in out:
        if row["label"]:
            row["label"] = _shorten(row["label"], ar)
    return out


def _previous_clause_label(before: str, pos, rules, ar: AttributionRules) -> str:
    """刑事案件发案数同比上升，增幅为3.2%: a clause holding only the change takes its label from the
    clause before it, with that clause's own change phrase cut off."""
    before = before.rstrip("，,；;：: ")
    cut = rules.change_before.search(before)
    if cut:
        before = before[:cut.start()]
    obj, verbs = _walk_left(_tag(pos, _clean_context(before)[-_LEFT_CHARS:], ar.fillers), ar)
    if not verbs:
        obj = _trim_subjects(obj, ar)
    return _join(verbs) + _join(obj)


def _distribute_respectively(clean: str, sents: Sentences, quantities: list[Quantity],
                             out: list[dict], change_words) -> None:
    """分别 pairs n values with n things, in order: either the items of a list before them
    (起数、死亡人数分别下降9.1%和15.2%) or the n counts just before them in the same sentence
    (受理案件23,456件，审结21,987件，同比分别上升5.6%和4.3%)."""
    i = 0
    while i < len(out):
        label = out[i]["label"] or ""
        j = i + 1
        while j < len(out) and out[j]["label"] == label and (gap := LIST_JOINER.match(
                clean, quantities[j - 1].end, quantities[j].start)) and (
                gap.end() == quantities[j].start                  # 9.1%和15.2%
                or clean[gap.end():quantities[j].start] in change_words):   # 下降8.2%、上升3.1%
            j += 1
        items = [x for x in _LIST_SPLIT.split(label) if x]
        window = clean[max(0, quantities[i].start - 12):quantities[i].start]
        n = j - i
        if n > 1 and "分别" in window:
            before = range(i - n, i)
            if len(items) == n:
                for k, item in enumerate(items):
                    out[i + k]["label"] = item
            elif (i - n >= 0 and all(q.change for q in quantities[i:j])
                  and sents.at(quantities[i - n].start) == sents.at(quantities[i].start)
                  and not any(quantities[b].change for b in before)):
                for k, b in enumerate(before):
                    out[i + k]["label"] = out[b]["label"]
        i = j


def _label(clean: str, q: Quantity, left_text: str, next_start: int, s_hi: int,
           prev: _Prev | None, gap_is_list: bool, pos, ar: AttributionRules
           ) -> tuple[str, str, str]:
    """(label, its verb chain, its object) for one quantity."""
    fillers = ar.fillers
    # labels are short: the 30 characters before the number hold the verb and its object
    left = _tag(pos, _clean_context(left_text)[-_LEFT_CHARS:], fillers)
    # pre-nominal: the quantity is followed by the thing it counts
    after = _clean_context(clean[q.end:min(next_start, s_hi)])
    starts_han = bool(_HAN_START.match(after))
    stop = _STOP_RIGHT.search(after)
    right_text = after[:stop.start()] if stop else after
    ends_at_next = not stop and next_start < s_hi
    if q.kind in ("percent", "percent_point") and right_text.startswith("的"):
        right_text = right_text[1:]                             # 30%的信号灯需要更换
    if (right_text and starts_han
            and not right_text.startswith(("的", "之", "以", "左右", "上下", "多", "余"))
            and not ends_at_next):
        right = _tag(pos, right_text, fillers)
        if right and right[0].is_verb and stop and stop.group() == "、":
            # 有86人分别受到省、市、区三级表彰: a verb phrase runs on over the list
            clause_end = _CLAUSE_STOP.search(after)
            right = _tag(pos, after[:clause_end.start()] if clause_end else after, fillers)
        phrase = _right_phrase(right)
        if phrase:
            obj_left, verbs_left = _walk_left(left, ar)
            lead = "" if obj_left else _join(verbs_left)
            label = lead + _join(phrase)
            return label, lead, _join(phrase)
    obj, verbs = _walk_left(left, ar)
    if not verbs:
        obj = _trim_subjects(obj, ar)
    obj_s, verbs_s = _join(obj), _join(verbs)
    if prev and not obj_s and not verbs_s:
        return prev.label or "", prev.verbs, prev.obj           # 96起113人, 3张共计16万元
    if prev and gap_is_list:
        if obj_s and not verbs_s and prev.verbs:
            verbs_s = prev.verbs                                # 检查出租房屋198处、娱乐场所6家
        elif verbs_s in ar.labels.chain_verbs and not obj_s and prev.obj and prev.verbs:
            obj_s = prev.obj                                    # 抓获嫌疑人812人、刑拘530人
    return verbs_s + obj_s, verbs_s, obj_s


def _period(pos: int, s_lo: int, found_dates, date_starts: list[int], doc_facts, clean: str,
            relative_words: tuple[str, ...], relative_year: dict[str, int]) -> int | None:
    """The year of the nearest date earlier in the same sentence, else the report year. A
    relative year the dates could not resolve (去年同期, 上年) counts from the report year.
    ``date_starts`` are the (sorted) starts of ``found_dates``; ``relative_words`` the keys of
    ``relative_year``, longest first."""
    report = doc_facts.report_year
    i = bisect.bisect_left(date_starts, pos) - 1
    while i >= 0 and date_starts[i] >= s_lo:
        d = found_dates[i]
        i -= 1
        if is_comparison_base(clean, d):
            continue
        if d.year is not None:
            return d.year
        if report is not None:
            word = next((w for w in relative_words if clean.startswith(w, d.start)), None)
            if word is not None:
                return report + relative_year[word]
    return report