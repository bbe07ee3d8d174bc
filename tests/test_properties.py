"""Properties that hold for any input: offsets, ordering, the normaliser's map, numeral parsing.

Hypothesis draws arbitrary Unicode text and, more usefully, text built from the pieces that make
the extractor work hard: CJK words, digits (ASCII and full-width), Chinese numerals, scale and
hedge words, units, punctuation, layout spaces and line breaks. Example counts are kept modest so
the suite stays fast; the adversarial inputs at the end are single large examples.
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
import regex
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import extract
from extract.normalize import fold_table, normalize
from extract.numbers import parse_chinese, parse_number

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# --- strategies ------------------------------------------------------------------------------

PIECES = (
    # words of police reports, a few traditional forms among them
    ["破获", "刑事案件", "抓获", "犯罪嫌疑人", "同比", "下降", "上升", "增长", "减少", "分局",
     "追赃挽损", "涉案金额", "其中", "累计", "共计", "雷霆", "净网", "第", "周年", "是", "电话",
     "年", "月", "日", "年度", "季度", "去年", "元旦", "个百分点", "百分之", "成", "倍",
     "破獲", "億", "萬", "餘", "個", "條", "發"]
    # numerals, scale and hedge words, units
    + list("0123456789") + list("０１２３４５６７８９") + list("零〇一二两三四五六七八九十百千")
    + list("万亿余多逾超近约") + ["不足", "以上", "左右", "将近"]
    + list("起人名次家处个件元%％克") + ["人次", "万元", "亿元", "小时"]
    # punctuation and layout
    + list("，。、：；,.·-—“”\"（）()") + [" ", "  ", "\n", "\n\n", "\n\n\n", "\t", "\u3000",
                                          "\r\n", "\u200b", "\xa0"]
)
mixed_text = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
any_text = st.one_of(st.text(max_size=200), mixed_text)


def check_records(text: str, res) -> None:
    """Every record points at its own text in ``text``, and lists are sorted by position."""
    for rec in [*res.metrics, *res.dates]:
        assert 0 <= rec.start < rec.end <= len(text), rec
        assert text[rec.start:rec.end] == rec.text, rec
    for records in (res.metrics, res.dates):
        starts = [r.start for r in records]
        assert starts == sorted(starts)
    for m in res.metrics:
        assert m.value >= 0 and m.value == m.value and m.value != float("inf"), m
    assert res.document.n_metrics == len(res.metrics)
    assert res.document.n_dates == len(res.dates)


# --- the pipeline ----------------------------------------------------------------------------

@SETTINGS
@given(any_text)
@example("")
@example("   \n\n ")
@example("共 计 16 万\n\n元")
@example("１，２３４．５起")
def test_extract_text_is_total_and_offsets_are_exact(text):
    check_records(text, extract.extract_text(text))


# --- the normaliser --------------------------------------------------------------------------

# the rules' fold table (width folds plus traditional -> simplified), as the pipeline uses it
FOLD = extract.default_rules().fold


@SETTINGS
@given(any_text)
def test_normalize_index_maps_every_clean_char_to_its_raw_char(text):
    for table in (None, FOLD):
        n = normalize(text, table)
        folded = text.translate(table if table is not None else fold_table())
        assert len(n.index) == len(n.clean)
        assert list(n.index) == sorted(set(n.index)), "index must be strictly increasing"
        for i, ch in enumerate(n.clean):
            j = n.index[i]
            assert 0 <= j < len(text)
            if ch in " \n":
                # a kept space or line break stands for a run of layout whitespace
                assert folded[j].isspace() or folded[j] == " ", (ch, text[j])
            else:
                assert folded[j] == ch, (i, ch, text[j])


def _clean_by_the_rules(text: str, table) -> str:
    """The clean text decided run by run with normalize's own rules (_is_break, _keep_space),
    without its shortcut for runs that cannot be kept."""
    from extract.normalize import _WS, _is_break, _is_latin, _keep_space

    folded = text.translate(table)
    out, pos = [], 0
    for m in _WS.finditer(folded):
        s, e = m.span()
        out.append(folded[pos:s])
        pos = e
        if s == 0 or e == len(folded):
            continue
        run = m.group()
        if "\n" in run:
            if _is_break(folded, s - 1, run):
                out.append("\n")
            elif _is_latin(folded[s - 1]) and _is_latin(folded[e]):
                out.append(" ")
        elif _keep_space(folded, s - 1, e):
            out.append(" ")
    out.append(folded[pos:])
    return "".join(out)


@SETTINGS
@given(st.one_of(any_text, st.text(st.sampled_from("a1٣²①.。”」 \n\n\n年"), max_size=40)))
def test_normalize_keeps_exactly_the_runs_its_rules_keep(text):
    assert normalize(text, FOLD).clean == _clean_by_the_rules(text, FOLD)


_WHITESPACE = "".join(chr(c) for c in range(0x3001) if regex.match(r"\s", chr(c)))


@SETTINGS
@given(st.one_of(any_text, st.text(st.sampled_from(_WHITESPACE + "a1年。\n\u200b"), max_size=60)))
def test_clean_text_never_has_two_whitespace_characters_in_a_row(text):
    """So a rule's \\s? matches what \\s* would (rules/traps.toml relies on it)."""
    for table in (None, FOLD):
        assert not regex.search(r"\s\s", normalize(text, table).clean)


@SETTINGS
@given(any_text, st.sampled_from(["", "億", "１", "臺灣", "　"]))
def test_fold_skips_only_text_with_nothing_to_fold(text, extra):
    """FoldTable.fold skips the per-character pass when no character folds: same as translate."""
    for table in (FOLD, fold_table()):
        for t in (text, text + extra, extra + text):
            assert table.fold(t) == t.translate(table)


def test_fold_table_survives_pickling():
    """Worker processes get the rules pickled: the table keeps its fold test."""
    import pickle

    table = pickle.loads(pickle.dumps(FOLD))
    assert table == FOLD and table.fold("壹億２千萬") == "壹億２千萬".translate(FOLD)


@SETTINGS
@given(any_text, st.data())
def test_raw_span_covers_the_same_characters(text, data):
    n = normalize(text, FOLD)
    if not n.clean:
        with pytest.raises(ValueError):
            n.raw_span(0, 1)
        return
    s = data.draw(st.integers(0, len(n.clean) - 1))
    e = data.draw(st.integers(s + 1, len(n.clean)))
    rs, re_ = n.raw_span(s, e)
    assert 0 <= rs < re_ <= len(text)
    # the raw slice, normalised again, gives back the clean slice (same folds, same layout)
    inner = normalize(text[rs:re_], FOLD).clean
    assert inner.replace("\n", "").replace(" ", "") == \
        n.clean[s:e].replace("\n", "").replace(" ", "")


# --- numerals --------------------------------------------------------------------------------

CN_DIGITS = "零一二三四五六七八九"


def _section(n: int, liang: bool) -> str:
    """0 < n < 10000 in Chinese numerals, with 零 for gaps (1005 -> 一千零五)."""
    out, gap = "", False
    for place, word in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // place % 10
        if d == 0:
            gap = gap or bool(out)
            continue
        if gap:
            out, gap = out + "零", False
        digit = "两" if (liang and d == 2 and word in ("千", "百")) else CN_DIGITS[d]
        out += digit + word
    return out


def to_chinese(n: int, *, short_ten: bool = True, liang: bool = False) -> str:
    """An int in [0, 10^9] written in Chinese numerals: 3200 -> 三千二百, 10005 -> 一万零五,
    120000000 -> 一亿二千万. ``short_ten`` writes 十五 rather than 一十五 at the start."""
    if n == 0:
        return "零"
    yi, rest = divmod(n, 10**8)
    wan, low = divmod(rest, 10**4)
    out = ""
    if yi:
        out += _section(yi, liang) + "亿"
    if wan:
        if yi and wan < 1000:
            out += "零"
        out += _section(wan, liang) + "万"
    if low:
        if (yi or wan) and low < 1000 and not out.endswith("零"):
            out += "零"
        out += _section(low, liang)
    if short_ten and out.startswith("一十"):
        out = out[1:]
    return out


@pytest.mark.parametrize("n, written", [
    (0, "零"), (10, "十"), (15, "十五"), (105, "一百零五"), (3200, "三千二百"),
    (10005, "一万零五"), (100000000, "一亿"), (120000000, "一亿二千万"),
    (1000000000, "十亿"), (100050000, "一亿零五万"),
])
def test_chinese_numeral_generator(n, written):
    """The test's own generator, checked on hand-written numerals."""
    assert to_chinese(n) == written


@SETTINGS
@given(st.integers(0, 10**9), st.booleans(), st.booleans())
def test_parse_chinese_round_trip(n, short_ten, liang):
    written = to_chinese(n, short_ten=short_ten, liang=liang)
    assert parse_chinese(written) == n, written
    assert parse_number(written) == float(n), written


@SETTINGS
@given(st.integers(0, 10**15), st.booleans())
def test_parse_arabic_int_round_trip(n, commas):
    written = f"{n:,}" if commas else str(n)
    assert parse_number(written) == float(n)


@SETTINGS
@given(st.integers(0, 10**9), st.text("0123456789", min_size=1, max_size=6), st.booleans())
def test_parse_arabic_decimal_round_trip(whole, frac, commas):
    written = f"{whole:,}.{frac}" if commas else f"{whole}.{frac}"
    assert parse_number(written) == float(f"{whole}.{frac}")


@SETTINGS
@given(st.integers(0, 10**6), st.text("0123456789", max_size=3),
       st.sampled_from([("万", 10**4), ("亿", 10**8), ("千万", 10**7), ("百万", 10**6),
                        ("万亿", 10**12)]))
def test_parse_arabic_with_scale(whole, frac, scale):
    word, factor = scale
    number = f"{whole}.{frac}" if frac else str(whole)
    assert parse_number(number + word) == float(Decimal(number) * factor)


@SETTINGS
@given(st.integers(0, 10**19), st.text("十百千万亿", max_size=16))
@example(2027371431087823, "千百十万千百十亿千百十万千百十")
def test_parse_arabic_digits_with_any_tail_is_the_exact_product_rounded(whole, tail):
    """Plain digits take an int fast path: it must agree with the exact Decimal product."""
    expected = float(Decimal(whole) * parse_chinese(tail)) if tail else float(Decimal(whole))
    assert parse_number(f"{whole}{tail}") == expected


def test_numbers_beyond_a_float_are_inf_not_an_error():
    assert parse_number("5" * 400) == float("inf")
    assert parse_number("5" + "亿" * 50) == float("inf")
    assert parse_number("亿" * 50) == float("inf")


def test_numeral_and_api_doctests():
    """The docstring examples of numbers.py (a spec for the parser) and of the package."""
    import doctest

    import extract.numbers

    for module in (extract.numbers, extract):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, (module.__name__, result)


# --- adversarial inputs ----------------------------------------------------------------------

def _random_mix(seed: int, size: int) -> str:
    rnd = random.Random(seed)
    return "".join(rnd.choice(PIECES) for _ in range(size))


@pytest.mark.parametrize("text", [
    pytest.param("1" * 100_000, id="digits-100k"),
    pytest.param("万" * 10_000, id="wan-10k"),
    pytest.param("余" * 5_000, id="yu-5k"),
    pytest.param("亿" * 400 + "人", id="yi-400-unit"),
    pytest.param("9" * 400 + "亿元", id="overflowing-money"),
    pytest.param("百分之" + "九" * 3000, id="long-percent"),
    pytest.param("抓获犯罪嫌疑人" * 3000 + "12人", id="long-context"),
    pytest.param(_random_mix(0, 50_000), id="random-mix-50k"),
    pytest.param(_random_mix(1, 20_000).replace(" ", "").replace("\n", ""), id="random-dense-20k"),
])
def test_adversarial_inputs_return_valid_records(text):
    res = extract.extract_text(text)
    check_records(text, res)
    for rej in res.rejects:  # what fails validation is kept with a reason, never dropped
        assert rej.reason


@SETTINGS
@given(st.lists(st.sampled_from(["标题", "", " ", "\n", "\r\n", "\r", "\u2028", "正文。" * 700, "x"]),
                max_size=40).map("".join), st.integers(1, 12))
def test_first_lines_are_the_first_nonblank_lines(text, count):
    from extract.documents import _first_lines

    assert _first_lines(text, count) == [ln for ln in text.splitlines() if ln.strip()][:count]


# --- anchored scans (rules.anchored_finditer: a trap's `starts`) -----------------------------

# (pattern, start words): every match of the pattern begins with one of the words; the words
# overlap each other (ab/b, 电话/举报电话) and the patterns have lookbehinds, so a scan that
# missed a start position or got the order of tries wrong would show.
_ANCHORED = [
    (r"(?:ab|b)c?\d*", ["ab", "b"]),
    (r"(?<!a)(?:b|bc)\d+", ["b", "bc"]),
    (r"(?:举报电话|电话)[：:\s]*[\d\-]{3,}", ["举报电话", "电话"]),
    (r"(?:雷霆|霆)\s?\d+号?", ["雷霆", "霆"]),
    # a miss at the longer word, a match at the shorter one inside it
    (r"ab\d|bc", ["ab", "b"]),
    (r"举报电话\d+|电话[：:]\d+", ["举报电话", "电话"]),
]


@SETTINGS
@given(st.sampled_from(_ANCHORED),
       st.lists(st.sampled_from(["a", "b", "c", "ab", "bc", "1", "12", "-", "：", " ", "举报", "电话",
                                 "雷", "霆", "号", "x", "\n"]), max_size=30).map("".join))
def test_anchored_scan_finds_what_finditer_finds(case, text):
    from extract.rules import anchored_finditer, words_pattern

    source, words = case
    pattern = regex.compile(source, regex.V0)
    plain = [m.span() for m in pattern.finditer(text) if m.end() > m.start()]
    fast = [m.span() for m in anchored_finditer(pattern, words_pattern(words), text)]
    assert fast == plain


def test_an_anchored_scan_is_bounded_by_a_timeout_on_each_try():
    """A try that takes longer than the limit raises; many quick tries do not add up."""
    from extract.rules import anchored_finditer, words_pattern

    pattern = regex.compile(r"ab\d", regex.V0)
    with pytest.raises(TimeoutError):
        list(anchored_finditer(pattern, words_pattern(["ab"]), "ab1" * 1000, timeout=0.0))
    assert len(list(anchored_finditer(pattern, words_pattern(["ab"]), "ab1" * 1000))) == 1000


# --- scans with a time limit that grows with the text (rules.finditer) -------------------------

def test_a_long_scan_with_many_quick_matches_is_not_cut_short():
    """An article of many matches is never cut short: the limit grows with the text (the
    engine's own fixed limit adds every search up and gives up on the same text)."""
    from extract.rules import finditer

    pattern = regex.compile(r"(?:a|b)\d", regex.V0)
    text = ("x" * 1000 + "a1") * 20000
    with pytest.raises(TimeoutError):
        sum(1 for _ in pattern.finditer(text, timeout=0.05))
    assert sum(1 for _ in finditer(pattern, text, timeout=0.05)) == 20000


def test_a_pathological_pattern_is_still_stopped():
    """Catastrophic backtracking takes far more than a microsecond a character: stopped."""
    from extract.rules import finditer

    pattern = regex.compile(r"(?:a|aa)+$", regex.V0)          # exponential in the a's
    with pytest.raises(TimeoutError):
        list(finditer(pattern, "a" * 40 + "b", timeout=0.05))
