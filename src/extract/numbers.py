"""Numerals to values: Arabic, Chinese and mixed, with scale words.

Only parsing lives here; finding the span is the quantity regex's job (metrics.py).

>>> parse_number("1.73亿")
173000000.0
>>> parse_number("三千二百")
3200.0
>>> parse_number("两千三百万")
23000000.0
>>> parse_number("千万")
10000000.0
>>> parse_number("1,234.5")
1234.5
>>> parse_number("二〇二一")
2021.0
>>> parse_number("十五")
15.0
>>> parse_number("九十八点六")
98.6
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
CN_PLACES = {"十": 10, "百": 100, "千": 1000}
CN_SCALES = {"万": 10_000, "亿": 100_000_000}
CN_CHARS = set(CN_DIGITS) | set(CN_PLACES) | set(CN_SCALES)
_CN_CHARS_STR = "".join(sorted(CN_CHARS))   # for str.rstrip


def parse_chinese(s: str) -> int:
    """Value of a Chinese numeral. A bare place or scale word counts as one of it (千万 = 10^7).

    Digit strings without place words are read digit by digit (二〇二一 = 2021).

    >>> parse_chinese("一亿二千万"), parse_chinese("万亿"), parse_chinese("一百零五")
    (120000000, 1000000000000, 105)
    """
    if not s or any(ch not in CN_CHARS for ch in s):
        raise ValueError(f"not a Chinese numeral: {s!r}")
    if len(s) > 1 and all(ch in CN_DIGITS for ch in s):
        return int("".join(str(CN_DIGITS[ch]) for ch in s))
    total = section = number = 0
    for ch in s:
        if ch in CN_DIGITS:
            number = CN_DIGITS[ch]
        elif ch in CN_PLACES:
            section += (number or 1) * CN_PLACES[ch]
            number = 0
        elif ch == "万":
            total += ((section + number) or 1) * 10_000
            section = number = 0
        else:  # 亿 multiplies everything before it (万亿 = 10^12)
            total = ((total + section + number) or 1) * 100_000_000
            section = number = 0
    return total + section + number


def parse_arabic(s: str) -> Decimal:
    """Arabic digits with optional thousands separators and decimals, as an exact Decimal."""
    try:
        return Decimal(s.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise ValueError(f"not an Arabic number: {s!r}") from None


def parse_number(s: str) -> float:
    """Value of a numeral: Arabic (with an optional Chinese scale tail), Chinese, or 百分之 form."""
    s = s.strip()
    if s.startswith("百分之"):
        return parse_number(s[3:])
    if "点" in s:  # 九十八点六: a Chinese decimal, digits read one by one after 点
        whole, _, frac = s.partition("点")
        digits = "".join(str(CN_DIGITS[ch]) for ch in frac)
        return float(parse_chinese(whole)) + float(Decimal("0." + digits))
    head = s.rstrip(_CN_CHARS_STR)
    if head:
        tail = s[len(head):]
        # plain ASCII digits (most numbers): an exact int, as the Decimal would be while the
        # product stays within Decimal's 28 digits (beyond them, Decimal rounds: use it)
        fast = len(head) < 20 and head.isdigit() and head.isascii()
        value = int(head) if fast else parse_arabic(head)
        if tail:
            value *= parse_chinese(tail)
            if fast and value >= 10 ** 28:
                value = parse_arabic(head) * parse_chinese(tail)
        return _float(value)
    return _float(parse_chinese(s))


def _float(value: int | Decimal) -> float:
    """float(value), inf when it is beyond a float (an int would raise; a Decimal gives inf)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf
