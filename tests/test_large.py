"""Large and pathological articles finish: label attribution is linear in the sentence, the
regex time limits bound one search, not the whole scan of a long article. These are bounded
"it finishes" checks with generous limits; speed itself is measured in bench/."""

from __future__ import annotations

import time

import pytest

import extract
from conftest import LOCAL_RAW


def _timed(text: str) -> tuple[float, extract.Result]:
    rules = extract.default_rules()
    extract.extract_text("预热12人。", rules=rules)           # the tokenizer is loaded once
    t0 = time.perf_counter()
    res = extract.extract_text(text, rules=rules)
    return time.perf_counter() - t0, res


@pytest.mark.parametrize("text, n", [
    ("检查场所12处、" * 17_500 + "。", 17_500),                # one 140k-character list sentence
    ("抓获嫌疑人12人" * 17_500, 17_500),                       # no punctuation at all
    ("百分之" * 100_000 + "5%", None),                        # a 300k run of 百分之
])
def test_a_huge_sentence_is_attributed_in_linear_time(text, n):
    seconds, res = _timed(text)
    assert seconds < 20, f"{seconds:.1f}s for {len(text)} characters"   # was 22-105 s
    if n is not None:
        assert len(res.metrics) == n


def test_a_20_mb_article_succeeds(tmp_path):
    """An ordinary article of 20 MB (allowed by the 50 MB default) is processed like a small
    one: no "regex timed out", every paragraph's facts found."""
    paragraphs = [p.read_text(encoding="utf-8") for p in sorted(LOCAL_RAW.glob("*.txt"))]
    unit = "\n\n".join(paragraphs) + "\n\n"
    copies = 20_000_000 // len(unit.encode("utf-8")) + 1
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "big.txt").write_text(unit * copies, encoding="utf-8")
    small = extract.extract_text(unit)
    summary = extract.run(tmp_path / "in", tmp_path / "out")
    assert summary.ok == 1, summary.errors
    assert summary.metrics == copies * len(small.metrics)
