"""The segmenter is jieba's no-HMM accurate mode, token for token.

extract.segmenter re-implements ``jieba.Tokenizer.cut(text, HMM=False)`` over a compact cache of
jieba's dictionary (it loads 3-4x faster than jieba's own). These tests hold it to jieba: same
tokens on the dev articles, on random text, with added words (with and without a frequency), with
a pruned dictionary, and from a fresh build as from the cache.
"""

from __future__ import annotations

import logging
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import extract
from extract.lexicon import SegmentRules
from extract.ruleset import RuleSet
from extract.segmenter import Segmenter
from extract.tagger import Tagger, as_tagger, load_segmenter, make_tokenizer

from conftest import dev_raw_dir

jieba = pytest.importorskip("jieba")
jieba.setLogLevel(logging.WARNING)

RULES = extract.default_rules()


@pytest.fixture(scope="module")
def reference():
    """jieba's own Tokenizer with the lexicon added, as the pipeline used to build it."""
    tk = jieba.Tokenizer()
    tk.initialize()
    for word, freq, tag in RULES.segment.lexicon:
        tk.add_word(word, freq, tag)
    return tk


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return load_segmenter(RULES)[0]


def _windows(text: str, size: int = 40, step: int = 9):
    for line in text.splitlines():
        for i in range(0, max(len(line), 1), step):
            yield line[i:i + size]


def test_same_tokens_as_jieba_on_the_dev_articles(segmenter, reference):
    raw = dev_raw_dir()
    if raw is None:
        pytest.skip("no dev articles")
    texts = [p.read_text(encoding="utf-8") for p in sorted(raw.glob("*.txt"))]
    for text in texts:
        assert segmenter.lcut(text) == reference.lcut(text, HMM=False)
        for piece in _windows(text):
            assert segmenter.lcut(piece) == reference.lcut(piece, HMM=False), piece


ALPHABET = (list("破获刑事案件抓获犯罪嫌疑人同比下降上升分局追赃挽损涉案金额其中累计共计电信网络诈骗")
            + list("的了在是和与及、，。：；（）“”《》 \n\t\r\u3000") + list("0123456789.%-+#&_")
            + list("abcXYZ") + list("一二三四五六七八九十百千万亿余多") + ["\r\n", "App", "110"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(ALPHABET), max_size=50).map("".join))
def test_same_tokens_as_jieba_on_random_text(segmenter, reference, text):
    assert segmenter.lcut(text) == reference.lcut(text, HMM=False)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=80))
def test_same_tokens_as_jieba_on_any_unicode(segmenter, reference, text):
    assert segmenter.lcut(text) == reference.lcut(text, HMM=False)


def test_tokens_cover_the_text(segmenter):
    text = "2025年，全局共破获刑事案件398起，同比上升8.2%；追赃挽损1.73亿元。"
    assert "".join(segmenter.lcut(text)) == text


@pytest.fixture
def private_temp(tmp_path, monkeypatch):
    """Caches of these tests go to their own folder (``cache_files()`` lists them), not the
    user's cache folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path


def cache_files(private_temp):
    return sorted((private_temp / "cache" / "extract").glob("segmenter-*.marshal"))


def _small_rules(lexicon, min_freq: int = 1) -> RuleSet:
    import dataclasses

    return dataclasses.replace(RULES, segment=SegmentRules(tuple(lexicon), min_freq))


SMALL_DICT = """\
刑事 500 n
案件 800 n
刑事案件 300 n
破获 200 v
破 50 v
获 40 v
同比 100 d
下降 300 v
中华人民共和国 10 ns
中华 80 nz
人民 900 n
共和国 60 n
"""


@pytest.mark.parametrize("lexicon, min_freq", [
    ((), 1),
    ((("破获刑事案件", 5, "v"), ("电诈", 1000, "n")), 1),
    ((("破获刑事案件", None, None), ("同比下降", None, "v")), 1),   # jieba's suggest_freq
    ((("人民共和", 0, None),), 1),                                   # a zero-frequency word
    # suggest_freq over pieces that jieba holds only as prefixes (frequency 0 there, not 1)
    ((("共", None, None), ("案", None, None), ("刑", None, None), ("中华人", None, None)), 1),
    ((), 100),                                                       # the pruned dictionary
])
def test_same_tokens_as_jieba_with_a_custom_dictionary(private_temp, lexicon, min_freq):
    dict_file = private_temp / "dict.txt"
    kept = [line for line in SMALL_DICT.splitlines()
            if len(line.split()[0]) == 1 or int(line.split()[1]) >= min_freq]
    dict_file.write_text(SMALL_DICT, encoding="utf-8")
    pruned = private_temp / "pruned.txt"
    pruned.write_text("\n".join(kept) + "\n", encoding="utf-8")

    rules = _small_rules(lexicon, min_freq)
    ours, tags = load_segmenter(rules, dict_file)
    ref = jieba.Tokenizer(str(pruned))
    ref.initialize()
    for word, freq, tag in lexicon:
        ref.add_word(word, freq, tag)
    for text in ["破获刑事案件同比下降", "中华人民共和国破获案件", "电诈案件abc123下降", "人民共和国",
                 "破获 刑事案件\n同比。下降", ""]:
        assert ours.lcut(text) == ref.lcut(text, HMM=False), text
    _same_table_as(ours, ref)
    assert tags["破获"] == "v" and "案件" not in tags      # nouns are the default, not stored
    for word, _, tag in lexicon:
        if tag:
            assert tags[word] == tag


def _same_table_as(ours: Segmenter, ref) -> None:
    """Every word's log-probability is jieba's log(FREQ) - log(total); prefixes are prefixes."""
    import math

    logtotal = math.log(ref.total)
    assert set(ours.logp) == set(ref.FREQ)
    for word, f in ref.FREQ.items():
        assert ours.logp[word] == ((math.log(f) - logtotal) if f else None), word


@pytest.mark.parametrize("lexicon", [
    [("中", None, None)],                       # a prefix-only character: jieba counts it as 0
    [("中华人", None, None), ("人", None, "n")],
    [("民", None, None), ("中华人民", 5, None), ("华人", None, None)],
])
def test_added_words_get_jiebas_frequencies(private_temp, lexicon):
    # a total of 1024 makes (1/total)*total exactly 1.0, where counting a prefix as 1 shows
    dict_file = private_temp / "dict.txt"
    dict_file.write_text("中华 1000 nz\n人 24 n\n", encoding="utf-8")
    ours, _ = load_segmenter(_small_rules(lexicon), dict_file)
    ref = jieba.Tokenizer(str(dict_file))
    ref.initialize()
    for word, freq, tag in lexicon:
        ref.add_word(word, freq, tag)
    _same_table_as(ours, ref)


def test_the_cache_gives_the_built_segmenter(private_temp):
    dict_file = private_temp / "dict.txt"
    dict_file.write_text(SMALL_DICT, encoding="utf-8")
    rules = _small_rules([("破获刑事案件", 5, "v")])
    built, built_tags = load_segmenter(rules, dict_file)
    assert cache_files(private_temp)
    cached, cached_tags = load_segmenter(rules, dict_file)
    assert cached.logp == built.logp and cached.unknown == built.unknown
    assert cached_tags == built_tags
    # a different lexicon is a different cache
    other, _ = load_segmenter(_small_rules([("同比下降", 5, "v")]), dict_file)
    assert "同比下降" in other.logp and "同比下降" not in cached.logp


def test_the_cached_segmenter_unpacks_words_as_text_needs_them(private_temp):
    """Loaded from the cache, a character's words are unpacked when it is first met: cutting
    gives the built segmenter's tokens, and characters never met stay packed."""
    dict_file = private_temp / "dict.txt"
    dict_file.write_text(SMALL_DICT, encoding="utf-8")
    rules = _small_rules([("破获刑事案件", 5, "v")])
    built, _ = load_segmenter(rules, dict_file)
    cached, _ = load_segmenter(rules, dict_file)
    packed = len(cached._pending)
    text = "今年破获刑事案件398起，抓获犯罪嫌疑人"
    assert cached.lcut(text) == built.lcut(text)
    assert 0 < len(cached._pending) < packed
    assert cached.logp == built.logp and not cached._pending


def test_threads_sharing_a_cached_segmenter_get_the_same_tokens(raw_dir):
    """Several threads unpacking characters at once (a Dask worker runs threads) must neither
    see a half-unpacked character nor take one for unknown."""
    import sys
    import threading

    texts = [p.read_text(encoding="utf-8") for p in sorted(raw_dir.glob("*.txt"))]
    pieces = [t[i:i + 60] for t in texts for i in range(0, len(t), 60)][:160]
    rules = extract.default_rules()
    reference = load_segmenter(rules)[0]
    expected = [reference.lcut(p) for p in pieces]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(5):
            seg = load_segmenter(rules)[0]            # fresh from the cache: all packed
            got: list = [None] * 8
            errors: list = []

            def work(i: int) -> None:
                try:
                    got[i] = [seg.lcut(p) for p in pieces[i::8]]
                except Exception as exc:          # noqa: BLE001 - reported below
                    errors.append(repr(exc))

            threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert not errors
            for i in range(8):
                assert got[i] == expected[i::8]
    finally:
        sys.setswitchinterval(interval)


def test_a_word_of_frequency_0_survives_the_cache(private_temp):
    """A character that starts only a frequency-0 word packs with no words, only prefixes."""
    dict_file = private_temp / "dict.txt"
    dict_file.write_text(SMALL_DICT, encoding="utf-8")
    rules = _small_rules([("丄丅", 0, None)])
    built, _ = load_segmenter(rules, dict_file)
    cached, _ = load_segmenter(rules, dict_file)
    assert cached.lcut("丄丅刑事案件") == built.lcut("丄丅刑事案件")
    assert cached.logp == built.logp


def test_a_bad_dictionary_line_names_the_file_and_line(private_temp):
    dict_file = private_temp / "dict.txt"
    dict_file.write_text("刑事 500 n\n案件 many n\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"dict.txt: line 2"):
        load_segmenter(_small_rules([]), dict_file)


def test_a_callers_jieba_tokenizer_is_used_as_given(reference):
    tagger = as_tagger(reference, RULES)
    assert isinstance(tagger, Tagger)
    text = "共破获电信网络诈骗案件35起"
    assert tagger.cut(text) == reference.lcut(text, HMM=False)
    assert tagger.tag("破获") == make_tokenizer(RULES).tag("破获")
