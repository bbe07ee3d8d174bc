"""The normaliser: layout spaces and column breaks out, one-for-one folds, an exact map back.

``normalize(raw, table)`` is called with the rules' fold table (width folds plus traditional ->
simplified from rules/tradsimp.tsv), as the pipeline does, unless a test says otherwise.
"""

from __future__ import annotations

import doctest

import pytest

import extract.normalize
from extract.normalize import normalize


@pytest.fixture(scope="module")
def norm(ruleset):
    def run(raw: str):
        return normalize(raw, ruleset.fold)
    return run


@pytest.mark.parametrize("raw, clean", [
    # layout spaces between CJK characters and digits go
    ("2 0 2 1 年 度", "2021年度"),
    ("国 家 反 诈 中 心", "国家反诈中心"),
    ("抓获犯罪嫌疑人 2 7 人", "抓获犯罪嫌疑人27人"),
    ("破获刑事案件 398 起", "破获刑事案件398起"),
    ("\u3000\u3000正文开始", "正文开始"),            # ideographic indent
    ("追赃\xa0挽损", "追赃挽损"),                    # no-break space
    ("追赃\u200b挽损", "追赃挽损"),                  # zero-width space
    ("  前后空白  \n", "前后空白"),
    # spaces between Latin words stay (one), as do spaces between two multi-digit numbers
    ("Hello World", "Hello World"),
    ("Hello   World 你 好", "Hello World你好"),
    ("国家反诈中心 APP", "国家反诈中心APP"),
    ("12 34", "12 34"),
    # column line breaks inside a sentence are joined
    ("国 家\n反 诈", "国家反诈"),
    ("共 计 16 万\n\n元", "共计16万元"),
    ("累计抓获各类违法犯\n\n罪人员 1335人", "累计抓获各类违法犯罪人员1335人"),
    ("Hello\nWorld", "Hello World"),
    # a break stays (as one \n) after sentence-final punctuation or a wide paragraph gap
    ("完成任务。\n\n下一段", "完成任务。\n下一段"),
    ("完成任务。\n下一段", "完成任务。\n下一段"),
    ("他说：“完成了。”\n\n下一段", "他说：“完成了。”\n下一段"),
    ("第一段标题\n\n\n\n第二段", "第一段标题\n第二段"),
    ("真的吗？\r\n是的", "真的吗？\n是的"),
    # a stamp line ending in a digit date or a clock time keeps its break (the next line's
    # year is not glued onto it, nor its sentence onto the furniture) ...
    ("发布时间：2018-02-02\n2017年，全区", "发布时间：2018-02-02\n2017年，全区"),
    ("上观新闻 2019-01-18 07:30\n2018年，", "上观新闻2019-01-18 07:30\n2018年，"),
    ("日期：2020/01/09\n\n2019年", "日期：2020/01/09\n2019年"),
    # ... while a number or a letter-spaced date broken across column lines is still joined
    ("破获刑事案件213\n56起", "破获刑事案件21356起"),
    ("2 0 2 1\n年 度", "2021年度"),
    ("同比下降3.\n5%", "同比下降3.5%"),
    ("发布时间：2024-01-05\n去年，全县", "发布时间：2024-01-05\n去年，全县"),
    ("上观新闻 07:30\n浦东公安", "上观新闻07:30\n浦东公安"),
])
def test_layout(norm, raw, clean):
    assert norm(raw).clean == clean


@pytest.mark.parametrize("raw, clean", [
    ("１２３４５", "12345"),
    ("８．２％", "8.2%"),
    ("ＡＰＰ", "APP"),
    ("５ｋｇ", "5kg"),
    ("億萬餘個條發", "亿万余个条发"),
    ("破獲刑事案件398起", "破获刑事案件398起"),
    ("追贓挽損1.73億元", "追赃挽损1.73亿元"),
])
def test_folds(norm, raw, clean):
    n = norm(raw)
    assert n.clean == clean
    assert list(n.index) == list(range(len(raw))), "folds are one for one: no offset moves"


def test_traditional_needs_the_rules_table():
    """Without the rules' table only width folds apply (the table is data, not code)."""
    assert normalize("億萬１").clean == "億萬1"


@pytest.mark.parametrize("text", [
    "你好，世界。", "时间：2025年；地点（分局）", "面积100㎡", "①②③", "ⅠⅡ", "“引号”‘单引号’",
    "！？", "——", "…",
])
def test_no_nfkc(norm, text):
    """Chinese punctuation and compatibility characters are kept as they are: NFKC would turn
    ， into , and ㎡ into m2 (changing lengths)."""
    assert norm(text).clean == text


def test_raw_span_examples(norm):
    n = norm("共 计 16 万\n\n元。")
    assert n.clean == "共计16万元。"
    assert n.raw_span(2, 6) == (4, 11)               # 16万元 -> "16 万\n\n元"
    assert n.raw_text(2, 6) == "16 万\n\n元"
    assert n.raw_span(0, 1) == (0, 1)
    assert n.raw_text(0, len(n.clean)) == n.raw
    assert list(n.index) == [0, 2, 4, 5, 7, 10, 11]


def test_raw_span_of_folded_text(norm):
    raw = "　　破獲刑事案件３９８起。"
    n = norm(raw)
    assert n.clean == "破获刑事案件398起。"
    s = n.clean.index("398起")
    assert n.raw_text(s, s + 4) == "３９８起"


def test_raw_span_of_a_kept_break(norm):
    n = norm("完成。\n\n下一段")
    i = n.clean.index("\n")
    assert n.raw[n.index[i]] == "\n"
    assert n.raw_text(0, len(n.clean)) == "完成。\n\n下一段"


@pytest.mark.parametrize("start, end", [(0, 0), (3, 2), (-1, 2), (0, 99)])
def test_raw_span_rejects_bad_spans(norm, start, end):
    with pytest.raises(ValueError):
        norm("共 计 16 万").raw_span(start, end)


def test_empty_and_blank(norm):
    for raw in ("", " ", "\n\n\n", "\u3000\t"):
        n = norm(raw)
        assert n.clean == "" and len(n.index) == 0


def test_module_doctests():
    """The examples in normalize.py's docstrings are part of the spec."""
    result = doctest.testmod(extract.normalize, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result


def test_piece_map(norm):
    """The map back is kept per piece (copied run or inserted separator): starts and origins
    strictly increase, and raw_pos / the lazily built index agree with it character by character."""
    n = norm("共 计 16 万\n\n元。\n\n下一段 Hello  World")
    assert n.clean == "共计16万元。\n下一段Hello World"
    assert list(n.starts) == sorted(set(n.starts)) and n.starts[0] == 0
    assert list(n.origins) == sorted(set(n.origins))
    assert len(n.starts) == len(n.origins) < len(n.clean)
    assert [n.raw_pos(i) for i in range(len(n.clean))] == list(n.index)
    assert all(n.raw[n.index[i]] == "\n" for i, ch in enumerate(n.clean) if ch == "\n")
    assert n.raw_text(n.clean.index("Hello"), len(n.clean)) == "Hello  World"


def test_piece_map_without_layout(norm):
    """A text without whitespace is one piece, copied as is."""
    n = norm("破獲刑事案件３９８起。")
    assert list(n.starts) == [0] and list(n.origins) == [0]
    assert n.raw_span(6, 10) == (6, 10)
