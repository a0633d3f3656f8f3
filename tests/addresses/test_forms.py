"""Residents' forms as the matcher reads them (forms.py), and the matcher on them, in memory."""

from gridbrain.addresses.forms import lookalikes, popular_names, simplify_table, sound_table
from gridbrain.addresses.index import IndexBuilder
from gridbrain.addresses.matching import Matcher
from tests.addresses.library import memory_matcher

_M, _LIB, _D = memory_matcher()
GRID = "330110001001001"


def test_traditional_characters_become_simplified_but_the_librarys_own_characters_stay():
    table = simplify_table("乾")
    assert "星河苑3號樓2單元".translate(table) == "星河苑3号楼2单元"
    assert "乾".translate(table) == "乾"
    assert "乾".translate(simplify_table("")) != "乾"


def test_characters_of_the_same_sound_share_a_key_whatever_their_tone():
    sound = sound_table()
    assert "星和苑".translate(sound) == "星河苑".translate(sound) == "兴禾院".translate(sound)
    assert "路".translate(sound) != "绿".translate(sound)  # lù and lǜ: ü keeps its dots
    assert "星河苑".translate(sound) != "星海苑".translate(sound)


def test_look_alike_pairs_go_both_ways():
    pairs = lookalikes()
    assert ("己", "已") in pairs and ("已", "己") in pairs
    assert ("己", "星") not in pairs


def test_popular_names_drop_a_shared_brand_or_generic_word_and_only_when_no_other_name_holds_them():
    compounds = ["绿城星河苑", "绿城桂花园", "绿城金沙湾花园", "万科翠苑花园", "万科枫树花园", "万科荷禹花园"]
    found = popular_names(compounds, [*compounds, "翠苑路"])
    assert found["星河苑"] == "绿城星河苑"  # the brand 绿城 left out
    assert found["枫树"] == "万科枫树花园"  # the brand and the generic 花园 both
    assert found["金沙湾"] == "绿城金沙湾花园"
    assert "翠苑" not in found  # inside the road name 翠苑路 as well
    assert "桂花" not in found  # a one-character suffix does not cut a name to two characters


def _two_sound_alike() -> Matcher:
    b = IndexBuilder(Matcher())
    b.add_area(GRID, "第1网格", 6)
    for code, name in (("C1", "星河苑"), ("C2", "兴禾苑"), ("C3", "金沙湾")):
        b.add_row(code, None, "compound", name, None, None, name, None, None, None, GRID, 30.4, 120.0)
    b.add_row("R1", None, "road", "北山路", "北山路", None, None, None, None, None, GRID, 30.4, 120.0)
    return b.finish()


def test_a_homophone_in_the_name_finds_the_compound_down_to_the_room():
    r = _M.match("星和苑3号楼2单元501室")
    assert r.resolved and r.text is not None and r.text.endswith("星河苑3幢2单元501室")
    r = _M.match("星河园3幢2单元501")  # 苑 and 园 sound alike (yuàn, yuán)
    assert r.resolved and r.text is not None and r.text.endswith("星河苑3幢2单元501室")


def test_a_text_in_traditional_characters_is_read_as_the_simplified_one():
    r = _M.match("星河苑3號樓2單元501室")
    assert r.resolved and r.text is not None and r.text.endswith("星河苑3幢2单元501室")


def test_a_homophone_as_near_to_two_names_of_the_same_sound_is_unresolved_with_both_as_alternatives():
    m = _two_sound_alike()
    assert m.match("星河苑").code == "C1" and m.match("兴禾苑").code == "C2"  # written exactly: no doubt
    r = m.match("星禾苑")  # one character from each
    assert not r.resolved
    assert {c.code for c in r.alternatives} >= {"C1", "C2"}
    assert m.match("星和苑").code == "C1"  # one character from 星河苑, two from 兴禾苑


def test_a_look_alike_costs_less_than_another_character():
    m = _two_sound_alike()
    alike, other = m.match("全沙湾"), m.match("金口湾")  # 全 looks like 金; 口 is nothing like 沙
    assert alike.code == "C3" and other.code == "C3"
    assert alike.score > other.score
    assert m.match("金沙口").code == "C3"  # 湾 -> 口: a compound's last character may be mistyped
    assert not m.match("北山城").resolved  # a road's not: 北山城 is not 北山路 mistyped


def test_without_robust_the_matcher_reads_as_it_did_before():
    m = _two_sound_alike()
    m.robust = False
    try:
        assert not m.match("星和苑").resolved or m.match("星和苑").score < 0.9
    finally:
        m.robust = True


def test_spoken_forms_of_building_unit_and_room_reach_the_room():
    for text in ("星河苑三号楼二单元五零一", "星河苑3栋2单元501", "星河苑3-2-501", "星河苑3號樓2單元501室"):
        r = _M.match(text)
        assert r.resolved and r.text is not None and r.text.endswith("星河苑3幢2单元501室"), text


def test_a_landmark_after_the_compound_is_read_as_the_compound():
    for text in ("星河苑东门对面", "星河苑北门旁边", "星河苑附近"):
        r = _M.match(text)
        assert r.resolved and r.level == "compound" and r.text is not None and r.text.endswith("星河苑"), text
