"""The reporting organisation and the gazetteer (src/extract/orgs.py, gazetteer.py).

* tests/cases/orgs.toml: text -> org, org_type, region, adcode, and groups of cases that must share
  one org_id (and differ from every other group), for every family of issue 15.
* rules/orgs.toml: every type's examples give that type; short forms are derived as news writes them.
* Properties: every org is a span of the text or a gazetteer completion of one; every adcode is a
  code of the shipped table.
* Bad rule files raise RuleError naming the file and the entry.
"""

from __future__ import annotations

import shutil
import time
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import extract
from conftest import CASES, RULES_DIR
from extract import RuleError
from extract.gazetteer import read_divisions
from extract.normalize import normalize
from extract.orgs import find_organisation, load

RULES = extract.default_rules().orgs
GZ = RULES.gazetteer
CASE_LIST = tomllib.loads((CASES / "orgs.toml").read_text(encoding="utf-8"))["case"]


def _facts(case: dict):
    return find_organisation(normalize(case["text"]).clean, case.get("title"), RULES)


def _expect(value: str):
    return None if value == "-" else value


@pytest.mark.parametrize("case", CASE_LIST, ids=[f"{c['family']}#{n}" for n, c in
                                                  enumerate(CASE_LIST, 1)])
def test_case(case):
    got = _facts(case)
    for field in ("org", "org_type", "region", "adcode"):
        if field in case:
            assert getattr(got, field) == _expect(case[field]), (field, got)
    if got.org is not None and got.start is not None:
        assert got.end > got.start


def test_groups_share_one_org_id_and_differ_from_each_other():
    ids: dict[str, set] = {}
    for case in CASE_LIST:
        if "group" in case:
            ids.setdefault(case["group"], set()).add(_facts(case).org_id)
    for group, got in ids.items():
        assert len(got) == 1 and None not in got, (group, got)
    flat = [next(iter(v)) for v in ids.values()]
    assert len(flat) == len(set(flat)), ids


@pytest.mark.parametrize("type_id, example", [(t.id, ex) for t in RULES.config.type
                                              for ex in t.examples])
def test_type_examples(type_id, example):
    assert find_organisation(example, None, RULES).org_type == type_id


@pytest.mark.parametrize("form, name", [
    ("锡林郭勒", "锡林郭勒盟"), ("锡盟", "锡林郭勒盟"), ("黔东南州", "黔东南苗族侗族自治州"),
    ("黔东南", "黔东南苗族侗族自治州"), ("西双版纳州", "西双版纳傣族自治州"),
    ("西双版纳", "西双版纳傣族自治州"), ("大兴安岭", "大兴安岭地区"), ("新疆", "新疆维吾尔自治区"),
    ("内蒙古", "内蒙古自治区"), ("酉阳县", "酉阳土家族苗族自治县"), ("湛河", "湛河区"),
    ("鄂温克旗", "鄂温克族自治旗"), ("巴彦淖尔", "巴彦淖尔市"),
])
def test_short_forms(form, name):
    assert name in {GZ.divisions[c].name for c in GZ.forms[form]}


def test_everyday_words_are_not_places():
    for word in RULES.spec.not_places:
        assert word not in GZ.context
    assert GZ.ending_at("平安", 2) is None and GZ.ending_at("公安", 2) is None
    assert GZ.ending_at("南山", 2, words=True) == "南山"
    assert find_organisation("深化平安公安建设，市公安局表示", None, RULES).org == "市公安局"


def test_table_is_complete_and_consistent():
    rows = read_divisions(RULES_DIR / "divisions.tsv")
    levels = {lv: sum(1 for d in rows if d.level == lv) for lv in ("province", "prefecture",
                                                                   "county")}
    assert levels["province"] == 34 and levels["prefecture"] >= 330 and levels["county"] >= 2800
    for d in rows:
        if d.parent:
            assert d.adcode[:2] == d.parent[:2]


def test_load_is_fast():
    t = time.perf_counter()
    load(RULES_DIR)
    assert time.perf_counter() - t < 0.5   # about 0.03 s; generous for a busy machine


# --- properties -------------------------------------------------------------------------------
CODES = sorted(GZ.divisions)
HEADS = ["公安局", "公安分局", "人民检察院", "中级人民法院", "警方", "消防救援支队", "应急管理局"]
FILLER = st.text(alphabet="，。的在和今年全市民警破获案件表示通报群众平安建设", max_size=12)


def _completion_ok(text: str, facts) -> bool:
    """The org is the span as written, or the span with its bare level character (市, 县) or
    its 市 before a unit replaced by a division's full name."""
    span = text[facts.start:facts.end]
    if facts.org == span:
        return True
    names = {d.name for d in GZ.divisions.values()}
    return any(facts.org == n + span[1:] for n in names if n.endswith(span[:1]))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(CODES), st.integers(0, 2), st.sampled_from(HEADS), FILLER, FILLER,
       st.booleans())
def test_org_is_a_span_or_a_completion_and_adcodes_are_shipped(code, which, head, before,
                                                               after, generic):
    d = GZ.divisions[code]
    forms = sorted(f for f, cs in GZ.forms.items() if code in cs and f not in GZ.words)
    place = forms[which % len(forms)]
    mention = (d.name[-1] if generic else place) + head
    text = before + d.name + "，" + mention + after + mention
    facts = find_organisation(text, None, RULES)
    if generic and head in RULES.needs_place:      # 市警方 is no organisation
        assert facts.org is None or facts.org != mention
        return
    assert facts.org is not None and facts.start is not None
    assert _completion_ok(text, facts), (text, facts)
    assert facts.adcode is None or facts.adcode in GZ.divisions
    assert facts.region is None or facts.region in {x.name for x in GZ.divisions.values()}


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="市县区省公安局分局警方法院检察院锡林郭勒盟湛河北京朝阳厦门，。的在", max_size=60))
def test_any_text_gives_a_span_or_completion(text):
    facts = find_organisation(text, None, RULES)
    if facts.org is not None and facts.start is not None:
        assert _completion_ok(text, facts), (text, facts)
    assert facts.adcode is None or facts.adcode in GZ.divisions


# --- bad rule files ---------------------------------------------------------------------------
@pytest.fixture
def rules_copy(tmp_path):
    d = tmp_path / "rules"
    shutil.copytree(RULES_DIR, d)
    return d


@pytest.mark.parametrize("old, new, message", [
    ('adcode = "152500"', 'adcode = "152600"', r"orgs.toml: alias '锡盟'"),   # a wrong code
    ('heads = ["司法厅", "司法局"]', 'heads = ["司法厅", "公安局"]',
     r"orgs.toml: type 'justice': head '公安局'"),                              # one head, two types
    ('why = "the Ministry of Justice"', 'why = "x"\nwhy_not = "y"', r"orgs.toml"),  # unknown key
    ('type = "justice"', 'type = "tax"', r"orgs.toml: national '司法部': unknown type"),
])
def test_bad_orgs_toml_names_the_file_and_entry(rules_copy, old, new, message):
    p = rules_copy / "orgs.toml"
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(RuleError, match=message):
        load(rules_copy)


@pytest.mark.parametrize("line, message", [
    ("11000\t北京市\tprovince\t", "bad row"),
    ("110000\t北京市\tcity\t", "bad row"),
    ("999901\t某区\tcounty\t999900", "parent 999900 not in the table"),
    ("110000\t北京市", "expected 4 columns"),
])
def test_bad_divisions_row_names_the_file_and_line(rules_copy, line, message):
    p = rules_copy / "divisions.tsv"
    p.write_text(p.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    with pytest.raises(RuleError, match=rf"divisions.tsv.*{message}"):
        load(rules_copy)


def test_missing_divisions_table(rules_copy):
    (rules_copy / "divisions.tsv").unlink()
    with pytest.raises(RuleError, match="divisions.tsv: missing divisions table"):
        load(rules_copy)


# --- the dev articles -------------------------------------------------------------------------
def test_dev_documents_get_org_id_type_and_region(dev_out):
    docs = extract.read(dev_out)["documents"].set_index("path")
    rows = {p.rsplit("/", 1)[-1]: r for p, r in docs.iterrows()}
    z, w = rows["2021_zhanhe.txt"], rows["2025_weibin.txt"]
    assert (z["org_type"], z["region"], z["adcode"], z["org_id"]) == (
        "public_security", "湛河区", "410411", "410411:public_security")
    assert (w["org_type"], w["region"], w["adcode"], w["org_id"]) == (
        "public_security", "卫滨区", "410703", "410703:public_security")
    assert "湛河分局" in z["org"] and "卫滨分局" in w["org"]
