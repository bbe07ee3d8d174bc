"""A rule file that is not UTF-8 gives a RuleError naming the file, not a raw
UnicodeDecodeError (issue 17): rules.read_text and rules.read_toml say so."""

from __future__ import annotations

import pytest

from extract.rules import RuleError
from extract.ruleset import load_rules


@pytest.mark.parametrize("name", ["lexicon.txt", "tradsimp.tsv", "metrics.toml"])
def test_a_gbk_rule_file_names_the_file(rules_copy, name):
    d = rules_copy()
    path = d / name
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    with pytest.raises(RuleError, match=rf"{name}.*(UTF-8|utf-8)"):
        load_rules(d)


@pytest.mark.parametrize("name", ["lexicon.txt", "tradsimp.tsv", "metrics.toml"])
def test_a_stray_byte_names_the_file(rules_copy, name):
    d = rules_copy()
    path = d / name
    path.write_bytes(path.read_bytes() + b"\xff\n")
    with pytest.raises(RuleError, match=name):
        load_rules(d)
