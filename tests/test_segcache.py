"""The segmenter cache is trusted only when nobody else could have written it, and any bad cache
is rebuilt: never used with other words, never an error of the documents (issue 17).

Every test points XDG_CACHE_HOME and the temp folder at its own tmp_path.
"""

from __future__ import annotations

import dataclasses
import marshal
import math
import os
import stat
import tempfile

import pytest

import extract
from extract.lexicon import SegmentRules
from extract import segcache
from extract.segmenter import build_segmenter
from extract.tagger import labels_need, load_segmenter, make_tokenizer

RULES = extract.default_rules()
SMALL_RULES = dataclasses.replace(RULES, segment=SegmentRules((("破获刑事案件", 5, "v"),), 1))
SMALL_DICT = "刑事 500 n\n案件 800 n\n刑事案件 300 n\n破获 200 v\n破 50 v\n获 40 v\n同比 100 d\n下降 300 v\n"
# the planted cache: the same characters, other frequencies, so other tokens
OTHER_DICT = "刑事 5 n\n案件 8 n\n刑事案件 3 n\n破获 2 v\n破 5000 v\n获 4000 v\n同比 1 d\n下降 3 v\n"
TEXT = "今年破获刑事案件398起，同比下降"


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    return tmp_path


@pytest.fixture
def dict_file(cache_home):
    p = cache_home / "dict.txt"
    p.write_text(SMALL_DICT, encoding="utf-8")
    return p


def built(path):
    """The segmenter and tags of ``path`` made without any cache."""
    return build_segmenter(path, SMALL_RULES.segment.dictionary_min_freq, SMALL_RULES.segment.lexicon, labels_need)


def the_cache(cache_home):
    (path,) = (cache_home / "cache" / "extract").glob("segmenter-*.marshal")
    return path


def key_digest(path) -> str:
    return path.read_bytes().split(b"\n", 1)[0].split(b" ")[1].decode()


def assert_same_as_built(dict_file):
    seg, tags = load_segmenter(SMALL_RULES, dict_file)
    ref, ref_tags = built(dict_file)
    assert seg.lcut(TEXT) == ref.lcut(TEXT)
    assert seg.logp == ref.logp and seg.unknown == ref.unknown and tags == ref_tags


def test_the_cache_is_in_the_users_cache_folder_with_mode_0700(dict_file, cache_home):
    load_segmenter(SMALL_RULES, dict_file)
    folder = cache_home / "cache" / "extract"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(the_cache(cache_home).stat().st_mode) == 0o600
    assert not list((cache_home / "tmp").iterdir())


def test_without_a_usable_home_cache_a_private_temp_folder_is_used(dict_file, cache_home,
                                                                    monkeypatch):
    (cache_home / "file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home / "file"))   # cannot hold a folder
    assert_same_as_built(dict_file)
    folder = cache_home / "tmp" / f"extract-{os.geteuid()}"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert len(list(folder.glob("segmenter-*.marshal"))) == 1
    assert_same_as_built(dict_file)


def plant(path, digest: str) -> None:
    """A well-formed cache with other words, under ``digest``."""
    other = path.parent / "other-dict.txt"
    other.write_text(OTHER_DICT, encoding="utf-8")
    path.write_bytes(segcache.encode(digest, segcache.pack_body(*built(other))))
    other.unlink()


def test_the_planted_cache_would_change_the_tokens(dict_file, cache_home):
    """The check of the checks: planted with the right owner and mode, the file IS used."""
    load_segmenter(SMALL_RULES, dict_file)
    cache = the_cache(cache_home)
    plant(cache, key_digest(cache))
    assert load_segmenter(SMALL_RULES, dict_file)[0].lcut(TEXT) != built(dict_file)[0].lcut(TEXT)


def _group_writable(cache, cache_home):
    cache.chmod(0o664)


def _world_writable(cache, cache_home):
    cache.chmod(0o646)


def _other_owner(cache, cache_home):
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    os.chown(cache, 54321, 54321)


def _another_key(cache, cache_home):
    plant(cache, "0" * 64)                   # well-formed, but made for another key


def _a_link(cache, cache_home):
    target = cache_home / "planted.marshal"
    target.write_bytes(cache.read_bytes())
    target.chmod(0o600)
    cache.unlink()
    cache.symlink_to(target)


def _folder_writable_by_others(cache, cache_home):
    cache.parent.chmod(0o777)


@pytest.mark.parametrize("spoil", [_group_writable, _world_writable, _other_owner, _another_key,
                                   _a_link, _folder_writable_by_others])
def test_a_planted_cache_is_not_used(dict_file, cache_home, spoil):
    load_segmenter(SMALL_RULES, dict_file)
    cache = the_cache(cache_home)
    plant(cache, key_digest(cache))
    cache.chmod(0o600)
    spoil(cache, cache_home)
    assert_same_as_built(dict_file)


def test_a_fifo_in_place_of_the_cache_does_not_block(dict_file, cache_home):
    load_segmenter(SMALL_RULES, dict_file)
    cache = the_cache(cache_home)
    cache.unlink()
    os.mkfifo(cache, 0o600)
    assert_same_as_built(dict_file)
    assert stat.S_ISREG(cache.stat().st_mode)                # rebuilt in its place


def _reheader(data: bytes, body: bytes) -> bytes:
    """``body`` under ``data``'s header, its sha256 made right: only the inside is wrong."""
    return segcache.encode(data.split(b"\n", 1)[0].split(b" ")[1].decode(), body)


def _with(data: bytes, index: int, value) -> bytes:
    parts = list(marshal.loads(data.split(b"\n", 1)[1]))
    parts[index] = value(parts[index])
    return _reheader(data, marshal.dumps(tuple(parts)))


def _with_entry(data: bytes, entry) -> bytes:
    def change(pending):
        ch = next(iter(pending))
        return {**pending, ch: entry(pending[ch])}
    return _with(data, 0, change)


DAMAGE = {
    "not marshal": lambda d: b"not marshal",
    "empty": lambda d: b"",
    "truncated": lambda d: d[:len(d) // 2],
    "header only": lambda d: d.split(b"\n", 1)[0],
    "a byte changed": lambda d: d[:-100] + bytes([d[-100] ^ 1]) + d[-99:],
    "the old format": lambda d: marshal.dumps(("extract-segmenter-2", "", b"", -1.0, "", "")),
    "body not a tuple": lambda d: _reheader(d, marshal.dumps([1, 2, 3, 4])),
    "body of 3 items": lambda d: _reheader(d, marshal.dumps((1, 2, 3))),
    "body truncated, header fixed": lambda d: _reheader(d, d.split(b"\n", 1)[1][:-50]),
    "table a list": lambda d: _with(d, 0, lambda p: list(p.items())),
    "a 2-character key": lambda d: _with(d, 0, lambda p: {**p, "刑事": next(iter(p.values()))}),
    "an entry of 2": lambda d: _with_entry(d, lambda e: e[:2]),
    "words as bytes": lambda d: _with_entry(d, lambda e: (e[0].encode(), e[1], e[2])),
    "values as str": lambda d: _with_entry(d, lambda e: (e[0], "x" * len(e[1]), e[2])),
    "one value short": lambda d: _with_entry(d, lambda e: (e[0], e[1][:-8], e[2])),
    "one value too many": lambda d: _with_entry(d, lambda e: (e[0], e[1] + bytes(8), e[2])),
    "unknown positive": lambda d: _with(d, 1, lambda u: 0.5),
    "unknown not a number": lambda d: _with(d, 1, lambda u: "-1"),
    "unknown nan": lambda d: _with(d, 1, lambda u: math.nan),
    "tags not text": lambda d: _with(d, 2, lambda t: 3),
    "a tag short": lambda d: _with(d, 3, lambda t: t.rsplit("\n", 1)[0]),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_malformed_cache_is_rebuilt(dict_file, cache_home, damage):
    load_segmenter(SMALL_RULES, dict_file)
    cache = the_cache(cache_home)
    good = cache.read_bytes()
    cache.write_bytes(damage(good))
    assert_same_as_built(dict_file)
    assert cache.read_bytes() == good                      # and written again, whole


def test_a_malformed_cache_gives_the_output_of_no_cache(cache_home, dev_text):
    """End to end with jieba's dictionary: the facts of an article are the same after the cache
    was damaged (wrong types inside, self-consistent header) as when it was first built."""
    text = dev_text("2025_weibin.txt")
    first = extract.extract_text(text, "a", tokenizer=make_tokenizer(RULES))
    (cache,) = (cache_home / "cache" / "extract").glob("segmenter-*.marshal")
    cache.write_bytes(DAMAGE["words as bytes"](cache.read_bytes()))
    again = extract.extract_text(text, "a", tokenizer=make_tokenizer(RULES))
    assert again.metrics == first.metrics and again.dates == first.dates
