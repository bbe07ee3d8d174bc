"""headline.TotalMarks finds, per sentence, where its first total word ends with one pattern
search: the same as looking up every total word in the sentence (the plain reference below)."""

from hypothesis import given, settings, strategies as st

from extract.headline import TotalMarks, total_marks_pattern

WORDS = ("累计", "全年", "全年度", "共", "共计", "一共", "共有", "共受理")


def plain_first_end(text: str, lo: int, hi: int) -> int:
    ends = [i + len(w) for w in WORDS if (i := text.find(w, lo, hi)) >= 0]
    return min(ends, default=hi + 1)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="累计全年度共有一受理人起。", max_size=40), st.data())
def test_first_end_matches_plain_lookup(text, data):
    lo = data.draw(st.integers(0, len(text)))
    hi = data.draw(st.integers(lo, len(text)))
    start = data.draw(st.integers(lo, hi))
    marks = TotalMarks(text, total_marks_pattern(WORDS))
    assert marks.before(lo, hi, start) == (plain_first_end(text, lo, hi) <= start)


def test_no_words_marks_nothing():
    assert total_marks_pattern(()) is None
    assert not TotalMarks("累计抓获12人", None).before(0, 7, 7)
