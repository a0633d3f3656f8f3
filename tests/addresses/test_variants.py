"""The labelled set of messy variants: reproducible, each kind a documented mutation, and the
matcher's answers on the test library."""

from collections import Counter

from gridbrain.addresses.index import IndexBuilder
from gridbrain.addresses.matching import Matcher
from gridbrain.addresses.model import MATCH_THRESHOLD
from gridbrain.addresses.variants import AMBIGUOUS, KINDS, cn_positional, generate
from tests.addresses.library import memory_matcher

M, LIB, _D = memory_matcher()


def _rows():  # type: ignore[no-untyped-def]
    by_code = {M.code(i): i for i in range(len(M))}
    return [{**r, "parent_code": r["parent_code"] or None, "full_text": M.text(by_code[r["code"]])} for r in LIB.rows]


def test_the_same_seed_gives_the_same_set_and_another_seed_another():
    a = generate(M, _rows(), [], per_kind=20, seed=7)
    assert a == generate(M, _rows(), [], per_kind=20, seed=7)
    assert a != generate(M, _rows(), [], per_kind=20, seed=8)


def test_every_kind_is_produced_and_labelled_with_a_library_address():
    vs = generate(M, _rows(), [], per_kind=20, seed=7)
    kinds = Counter(v.kind for v in vs)
    assert set(kinds) - {AMBIGUOUS} == set(KINDS) - {"alias"}
    codes = {r["code"] for r in LIB.rows}
    assert all(v.code in codes for v in vs)


def test_each_kind_applies_its_mutation():
    vs = generate(M, _rows(), [], per_kind=20, seed=7)
    by = {k: [v.text for v in vs if v.kind == k] for k in KINDS}
    assert all(any(c in t for c in "０１２３４５６７８９") for t in by["fullwidth"])
    assert all(not t.startswith("浙江省杭州市") for t in by["no_upper"])
    assert all(any(w in t for w in ("号楼", "栋", "座", "#")) for t in by["building_word"])
    compounds = {"星河苑", "湖墅花园", "金色家园"}
    assert all(not any(c in t for c in compounds) for t in by["typo_compound"])
    assert all("星河路" not in t and "金沙路" not in t for t in by["compound_only"])


def test_numbers_are_written_in_chinese_as_people_say_them():
    assert [cn_positional(n) for n in (3, 10, 12, 20, 88, 101, 501, 610)] == [
        "三",
        "十",
        "十二",
        "二十",
        "八十八",
        "一百零一",
        "五百零一",
        "六百一十",
    ]


def test_the_matcher_finds_the_labelled_address_and_never_answers_wrong_with_confidence():
    vs = [v for v in generate(M, _rows(), [], per_kind=40, seed=20261124) if v.kind != AMBIGUOUS]
    exact = wrong = 0
    for v in vs:
        r = M.match(v.text)
        exact += r.resolved and r.code == v.code
        wrong += r.resolved and r.code != v.code and r.score >= MATCH_THRESHOLD
    assert wrong == 0
    assert exact / len(vs) >= 0.95


def test_a_mistyped_longer_name_holding_another_name_is_not_answered_as_the_shorter_one():
    b = IndexBuilder(Matcher())
    b.add_area("330110001001001", "第1网格", 6)
    for code, name in (("C1", "万科银杏苑"), ("C2", "银杏苑"), ("C3", "祥生柳营雅苑"), ("C4", "柳营新苑")):
        b.add_row(code, None, "compound", name, None, None, name, None, None, None, "330110001001001", 30.4, 120.0)
    m = b.finish()
    r = m.match("福科银杏苑")  # 万科银杏苑 mistyped, or 银杏苑 after a stray word: not for us to guess
    assert not r.resolved or r.code == "C1"
    r = m.match("万科银杏园")  # 万科银杏苑 with the last character wrong holds no other name
    assert r.code == "C1"
    r = m.match("万科银杏苑苑")
    assert r.code == "C1"
    assert m.match("银杏苑").code == "C2"
    assert m.match("万科银杏苑").code == "C1"
    assert not m.match("祥生柳营新苑").resolved  # 祥生柳营雅苑 mistyped, or 柳营新苑 after a brand name
