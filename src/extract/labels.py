"""Labels: what a number counts, in the article's words, built from jieba tokens (with POS tags)
of the text around it. The ways a label is built are the label rules of rules/metrics.toml
(their ids are the metrics table's ``label_rule``):

* label.after (pre-nominal): 将18名涉案人员 -> 涉案人员; 认领247家企业 -> 认领企业;
* label.before (post-nominal): 破获各类刑事案件398起 -> 破获刑事案件 (fillers such as 各类
  dropped): from the end, walk left over the object's nouns, then over the verbs that govern them;
* label.list_verb, lists sharing a verb: 检查出租房屋198处、娱乐场所6家 -> 检查娱乐场所;
* label.chain, chains sharing an object: 抓获犯罪嫌疑人812人、刑拘530人 -> 刑拘犯罪嫌疑人;
* label.pair, compressed pairs: 破获毒品案件96起113人 -> both rows 破获毒品案件;
* label.previous_clause: 发案数同比上升，增幅为3.2% takes the clause before it;
* changes: 刑事案件同比下降8.2% -> 刑事案件 (the change phrase is cut off first).
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from .metric_rules import (LABEL_AFTER, LABEL_BEFORE, LABEL_CHAIN, LABEL_LIST_VERB, LABEL_PAIR,
                           MetricRules)
from .tagger import Tagger, is_object_tag, is_verb_tag

LEFT_CHARS = 30
_TOK_MEMO = 50_000    # words whose Tok is memoised per tagger (a word's tag never changes); a
                      # cap, so memory stays flat over a corpus; numbers are not memoised
_STOP_RIGHT = regex.compile(r"[，,。；;：:、！？!?\n]")
_CLAUSE_STOP = regex.compile(r"[，,。；;：:！？!?\n]")
_HAN_WORD = regex.compile(r"\p{Han}+")
_HAN_START = regex.compile(r"\p{Han}")
_WORDISH = regex.compile(r"[\p{Han}A-Za-z0-9]")
_QUOTED = regex.compile(r"“([^“”]*)”|‘([^‘’]*)’|\"([^\"]*)\"")
_ASIDE = regex.compile(r"\([^()]*\)|（[^（）]*）|《[^《》]*》")
_CONTEXT_OPENERS = frozenset("“‘\"(（《")   # every _QUOTED and _ASIDE match starts with one
_CN_NUMERAL = regex.compile(r"[〇零一二两三四五六七八九十百千万]+")


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


def tag(tagger: Tagger, text: str, fillers: frozenset[str]) -> list[Tok]:
    """POS-tagged tokens of ``text`` without fillers and blanks."""
    toks = tagger.toks
    out = []
    for w in tagger.cut(text):
        if w in fillers and not (out and _CN_NUMERAL.fullmatch(out[-1].word)):
            continue                   # a hedge inside a name stays: 三超一疲劳
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


def tag_window(pos: Tagger, text: str, fillers: frozenset[str]) -> list[Tok]:
    """Tokens of the last LEFT_CHARS characters of ``text`` (bracketed asides and quotes
    dropped), without the first token when the window cut into the text: it may be the end of
    a word (类事故 of 交通类事故)."""
    text = _clean_context(text)
    if len(text) <= LEFT_CHARS:
        return tag(pos, text, fillers)
    toks = tag(pos, text[-LEFT_CHARS:], fillers)
    return toks[1:] if _HAN_START.match(text, len(text) - LEFT_CHARS - 1) else toks


def _clean_context(text: str) -> str:
    """Drop bracketed asides and quoted names that are not a short word; keep short quoted
    words without their marks (安装注册“国家反诈中心”APP -> 安装注册国家反诈中心APP)."""
    if _CONTEXT_OPENERS.isdisjoint(text):
        return text                         # nothing bracketed or quoted (most contexts)
    return _QUOTED.sub(_keep_short_word, _ASIDE.sub("", text))


def _keep_short_word(m: regex.Match) -> str:
    inner = next(g for g in m.groups() if g is not None)
    return inner if len(inner) <= 8 and _HAN_WORD.fullmatch(inner) else ""


def _join(toks: list[Tok], connectors: frozenset[str]) -> str:
    """The tokens' text without list connectors at either end (the 与 of 参与 is kept)."""
    i, j = 0, len(toks)
    while i < j and toks[i].word in connectors:
        i += 1
    while j > i and toks[j - 1].word in connectors:
        j -= 1
    return "".join(t.word for t in toks[i:j])


def _walk_left(toks: list[Tok], lr: MetricRules) -> tuple[list[Tok], list[Tok]]:
    """From the end: the object tokens, then the verb chain governing them."""
    modifier, connectors, enum = lr.modifier, lr.connectors, lr.enumeration
    if any(t.word in modifier for t in toks):
        last = max(i for i, t in enumerate(toks) if t.word in modifier)
        toks = toks[last + 1:]
    # 民警仅有210名: adverbs, prepositions and light verbs right before the number name nothing
    while toks and (toks[-1].tag in lr.trailing_tags or toks[-1].word in lr.labels.light_verbs):
        toks = toks[:-1]

    def in_object(k: int) -> bool:
        t = toks[k]
        listed = ((k > 0 and toks[k - 1].word in enum)
                  or (k + 1 < len(toks) and toks[k + 1].word in enum))
        if t.is_object or t.word in connectors or listed:      # 讲座、演练、知识竞赛
            return True
        # 涉黄|赌|案件, 三|超|一疲劳: one character after a distinguishing word (b) or a
        # numeral, before a noun or a numeral, is inside the name
        return (len(t.word) == 1 and 0 < k < len(toks) - 1 and t.tag not in lr.trailing_tags
                and (toks[k - 1].tag == "b" or _CN_NUMERAL.fullmatch(toks[k - 1].word))
                and (toks[k + 1].is_object or _CN_NUMERAL.fullmatch(toks[k + 1].word)))

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
        # 追回并发还群众涉案财物: a beneficiary or a joiner between verbs stays in the chain
        while (j > 0 and toks[j].word in lr.verb_bridge and toks[j - 1].is_verb
               and toks[j - 1].word not in lr.labels.light_verbs):
            j -= 1
    if j < i and j >= 0 and toks[j].word in lr.labels.negations:
        j -= 1                                                  # 不起诉: keep the negation
    verbs = toks[j + 1:i + 1]
    if (not obj and verbs and any(v.word in lr.metric_verbs for v in verbs)
            and not any(v.word in lr.own_label for v in verbs)):
        # 刑事案件破获230起: a metric's verb takes the counted thing before it, never a
        # subject or a place (民警抓获32人, 全区破获230起)
        k = j
        while k >= 0 and toks[k].is_object and _HAN_WORD.fullmatch(toks[k].word) \
                and toks[k].word not in lr.labels.subjects and toks[k].tag not in ("ns", "nt", "nr", "t"):
            k -= 1
        if k < j and toks[j].word.endswith(lr.shared_heads):
            return [], toks[k + 1:]         # 刑事案件破获230起, 电诈案件侦破45起
        return obj, verbs
    if not obj and verbs and not any(v.word in lr.self_contained for v in verbs):
        # 护送危重病人就医: a verb with no object after it takes the object before it
        k = j
        while k >= 0 and (toks[k].is_object or toks[k].word in connectors):
            k -= 1
        m = k
        while m >= 0 and toks[m].is_verb and toks[m].word not in lr.labels.light_verbs:
            m -= 1
        if k < j:
            # 护送危重病人就医 (verb, object, verb) or 破案率提升 (subject, verb: 提升至98%)
            verbs, obj = toks[m + 1:], []
    return obj, verbs


def _trim_subjects(obj: list[Tok], lr: MetricRules) -> list[Tok]:
    """分局辖区刑事案件 -> 刑事案件: drop leading subjects and place names of a verb-less label."""
    i = 0
    while i < len(obj) - 1 and (obj[i].word in lr.labels.subjects or obj[i].tag in ("ns", "nt")
                                or obj[i].word in lr.connectors or lr.date_word.match(obj[i].word)):
        i += 1
    obj = obj[i:]
    # 今年同比下降了20%: a time word alone names nothing; nor does a place alone (全区)
    return [] if all(t.tag in ("t", "tg", "ns") or t.word in lr.labels.time_words
                     or t.word in lr.labels.subjects for t in obj) else obj


def _right_phrase(toks: list[Tok], connectors: frozenset[str]) -> list[Tok]:
    """The phrase after a pre-nominal quantity: verbs, then nouns, up to the next verb."""
    out: list[Tok] = []
    seen_object = False
    for n, t in enumerate(toks):
        if t.is_object or t.word in connectors:
            seen_object = True
            out.append(t)
        elif t.is_verb:
            # 入室盗窃案件: a verb between a single noun and a noun (not a place) is inside
            # the name; otherwise a verb after the object ends it
            inside = (len(out) == 1 and n < len(toks) - 1 and toks[n + 1].is_object
                      and toks[n + 1].tag not in ("ns", "nt", "nr"))
            if seen_object and n < len(toks) - 1 and not inside:
                break
            out.append(t)
        else:
            if out:
                break
    return out


def shorten(label: str, lr: MetricRules) -> str:
    """A label cut to the rules' max_chars, keeping its end (the head noun)."""
    if len(label) <= lr.labels.max_chars:
        return label
    return label[-lr.labels.max_chars:]


@dataclass
class Prev:
    """The label of the value before, in the same sentence (lists, chains and pairs use it)."""

    end: int
    label: str | None
    verbs: str
    obj: str
    unit: str | None = None


def label(clean: str, q, left_text: str, next_start: int, s_hi: int, prev: Prev | None,
          gap_is_list: bool, pos: Tagger, lr: MetricRules) -> tuple[str, str, str, str | None]:
    """(label, its verb chain, its object, the id of the label rule that built it) for the
    quantity ``q`` (a metrics.Quantity); ``left_text`` is the clause before it, change phrase
    cut off."""
    fillers, connectors = lr.fillers, lr.connectors
    # labels are short: the 30 characters before the number hold the verb and its object
    left = tag_window(pos, left_text, fillers)
    # pre-nominal: the quantity is followed by the thing it counts
    after = _clean_context(clean[q.end:min(next_start, s_hi)])
    starts_han = bool(_HAN_START.match(after))
    stop = _STOP_RIGHT.search(after)
    right_text = after[:stop.start()] if stop else after
    ends_at_next = not stop and next_start < s_hi
    if ends_at_next and q.kind == "percent" and lr.preposition.search(right_text):
        # 近七成入室盗窃案件在48小时内告破: the noun phrase ends at a preposition
        right_text = right_text[:lr.preposition.search(right_text).start()]
        ends_at_next = False
    if q.kind in ("percent", "percent_point"):
        w = next((w for w in lr.percent_of if right_text.startswith(w)), None)
        if w:
            right_text = right_text[len(w):]                    # 30%的信号灯需要更换
    if (right_text and starts_han and not right_text.startswith(lr.not_prenominal)
            and not ends_at_next):
        right = tag(pos, right_text, fillers)
        if right and right[0].is_verb and stop and stop.group() in lr.enumeration:
            # 有86人分别受到省、市、区三级表彰: a verb phrase runs on over the list
            clause_end = _CLAUSE_STOP.search(after)
            right = tag(pos, after[:clause_end.start()] if clause_end else after, fillers)
        phrase = _right_phrase(right, connectors)
        if phrase and not _join(phrase, connectors).startswith(lr.frame):  # 9.1%的前提下
            obj_left, verbs_left = _walk_left(left, lr)
            lead = "" if obj_left else _join(verbs_left, connectors)
            joined = _join(phrase, connectors)
            return lead + joined, lead, joined, LABEL_AFTER
    obj, verbs = _walk_left(left, lr)
    if not verbs:
        obj = _trim_subjects(obj, lr)
    obj_s, verbs_s = _join(obj, connectors), _join(verbs, connectors)
    if prev and not obj_s and not verbs_s:
        # 96起113人, 3张共计16万元
        return prev.label or "", prev.verbs, prev.obj, (LABEL_PAIR if prev.label else None)
    rule = LABEL_BEFORE
    if prev and gap_is_list:
        if obj_s and not verbs_s and prev.verbs:
            verbs_s, rule = prev.verbs, LABEL_LIST_VERB         # 检查出租房屋198处、娱乐场所6家
        elif verbs_s in lr.labels.chain_verbs and not obj_s and prev.obj and prev.verbs:
            obj_s, rule = prev.obj, LABEL_CHAIN                 # 抓获嫌疑人812人、刑拘530人
    elif (prev and verbs_s in lr.case_verbs and not obj_s and prev.obj and prev.verbs
          and prev.unit == q.unit):
        obj_s, rule = prev.obj, LABEL_CHAIN    # 批准逮捕涉黑犯罪嫌疑人88人，起诉102人
    if not obj_s and verbs_s in lr.not_alone:
        return "", "", "", None                # 破, 开展: a verb alone names nothing
    return verbs_s + obj_s, verbs_s, obj_s, (rule if verbs_s + obj_s else None)


def previous_clause_label(before: str, change_before: regex.Pattern, pos: Tagger,
                          lr: MetricRules) -> str:
    """刑事案件发案数同比上升，增幅为3.2%: a clause holding only the change takes its label from the
    clause before it, with that clause's own change phrase (``change_before``, the quantity
    rules' pattern of a comparison ending a text) cut off."""
    before = before.rstrip("，,；;：: ")
    cut = change_before.search(before)
    if cut:
        before = before[:cut.start()]
    obj, verbs = _walk_left(tag_window(pos, before, lr.fillers), lr)
    if not verbs:
        obj = _trim_subjects(obj, lr)
    return _join(verbs, lr.connectors) + _join(obj, lr.connectors)


def list_items(text: str, n: int, pos: Tagger, lr: MetricRules) -> list[str]:
    """The last ``n`` items of the list that ``text`` ends with (事故起数和死亡人数 ->
    事故起数, 死亡人数), the first with its leading subjects, places and time words trimmed;
    [] when ``text`` holds fewer items."""
    parts = [p for p in lr.list_items.split(_clean_context(text)) if p]
    if len(parts) < n:
        return []
    parts = parts[-n:]
    first = _trim_subjects(tag(pos, parts[0], lr.fillers), lr)
    parts[0] = _join(first, lr.connectors)
    return parts if all(parts) else []
