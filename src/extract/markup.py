"""HTML pages saved as text: read the words, keep every offset pointing into the decoded file.

Instead of parsing the page into a new string (which would lose the way back), markup is masked
in place with characters of the same length: tags, comments, scripts and styles become spaces,
block-level tags become a line break followed by spaces, and entities become the character they
stand for padded with spaces. The masked text has exactly the length of the page, so the
normaliser's offset map leads straight back to the original file.

>>> masked = mask_html("<p>破获<b>刑事案件</b>398起</p>")
>>> len(masked) == len("<p>破获<b>刑事案件</b>398起</p>")
True
>>> " ".join(masked.split())
'破获 刑事案件 398起'
"""

from __future__ import annotations

import html

import regex

_LOOKS_LIKE_HTML = regex.compile(r"^\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<meta\s)|"
                                 r"<(?:body|div|p|br|table)[\s/>]", regex.I)
# Invisible elements: <script>...</script> (and style, noscript, template) and <!--...-->. Found
# by a scan, not one regex: an opener with no closer made the regex search the rest of the page
# from every opener (quadratic: a page of 1 MB of "<!--" took minutes).
_INVISIBLE_OPEN = regex.compile(r"<(?:(script|style|noscript|template)\b|!--)", regex.I)
_INVISIBLE_CLOSE = {name: regex.compile(rf"</{name}\s*>", regex.I)
                    for name in ("script", "style", "noscript", "template")}
_INVISIBLE_CLOSE["!--"] = regex.compile(r"-->")
# A tag: its name is the letters, digits, "_", ":" and "-" after "<" or "</", without trailing
# ":" and "-". Possessive, so a long unclosed tag (<a-a-a-a...) is scanned once, not once per
# place its name could end.
_TAG = regex.compile(r"</?([a-zA-Z][\w:-]*+)[^<>]*+>")
_ENTITY = regex.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
_BLOCK = {"p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
          "section", "article", "header", "footer", "table", "ul", "ol", "dd", "dt",
          "blockquote", "title", "hr", "pre"}


def looks_like_html(text: str) -> bool:
    """Whether a decoded file is an HTML page rather than plain text."""
    head = text[:4096]
    if head.count("<") < 3:
        return False                 # (a C-level count: most articles hold no "<" at all)
    return bool(_LOOKS_LIKE_HTML.search(head))


def _blank(s: str) -> str:
    """Same length, no words: keeps line breaks so paragraphs stay apart."""
    return "".join(ch if ch == "\n" else " " for ch in s)


def invisible_spans(text: str):
    """The (start, end) of each script, style, noscript, template and comment, left to right:
    an element runs from its opener to the first closer of its kind after it (</script>, any
    case, spaces before ">"; "-->"); an opener with no closer is not an element, and the scan
    goes on after it. One pass: the next closer of each kind is searched for once and kept until
    an opener lies beyond it, so unclosed openers cost no rescans."""
    closer: dict[str, tuple[int, int] | None] = {}     # kind -> its next closer (None: no more)
    pos = 0
    while m := _INVISIBLE_OPEN.search(text, pos):
        kind = (m.group(1) or "!--").lower()
        body = m.end()
        if kind not in closer or (closer[kind] is not None and closer[kind][0] < body):
            c = _INVISIBLE_CLOSE[kind].search(text, body)
            closer[kind] = c.span() if c else None
        if closer[kind] is None:
            pos = m.start() + 1
            continue
        yield m.start(), closer[kind][1]
        pos = closer[kind][1]


def _mask_invisible(text: str) -> str:
    parts, last = [], 0
    for start, end in invisible_spans(text):
        parts += [text[last:start], _blank(text[start:end])]
        last = end
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def mask_html(text: str) -> str:
    """The page's words at their original offsets; markup replaced by same-length blanks.
    Linear in the page: every search moves forward."""
    text = _mask_invisible(text)
    text = _TAG.sub(lambda m: blank_tag(m.group(), m.group(1).rstrip(":-").lower()), text)
    return _ENTITY.sub(_entity, text)


def blank_tag(tag: str, name: str) -> str:
    """A tag's blank: a line break for <br>, a paragraph break for a block, else spaces."""
    s = _blank(tag)
    if name == "br":
        # a line break, like a newspaper column break: joined unless a sentence ends there
        return "\n" + s[1:]
    if name in _BLOCK:
        # a block boundary is a paragraph break for the normaliser
        return "\n\n\n" + s[3:] if len(s) >= 3 else "\n" * len(s)
    return s


def _entity(m: regex.Match) -> str:
    ch = html.unescape(m.group())
    if len(ch) != 1:
        return _blank(m.group())
    if ch in "\u00a0\u3000":
        ch = " "
    # the character stands at the END of its entity, so a span ending with it covers the
    # whole entity (98&#37; not 98&) and 1&#46;73 reads as 1.73
    return " " * (len(m.group()) - 1) + ch
