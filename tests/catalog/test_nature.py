"""The nature of a request read from its words (诉求性质): cue words, the order they are checked
in, and the matter's own nature when the words say nothing."""

from __future__ import annotations

import pytest

from gridbrain.catalog.loader import shipped_catalog
from gridbrain.catalog.model import Nature
from gridbrain.catalog.nature import guess


@pytest.fixture(scope="module")
def cat():  # type: ignore[no-untyped-def]
    return shipped_catalog()


@pytest.mark.parametrize(
    ("text", "nature"),
    [
        ("我要投诉小区物业，电梯坏了一个月没人修", Nature.COMPLAINT),
        ("楼下饭店油烟问题已经多次反映，一直没有解决", Nature.COMPLAINT),
        ("打了好几次电话了，至今未处理，强烈不满", Nature.COMPLAINT),
        ("举报河边有工厂晚上偷排污水", Nature.TIP_OFF),
        ("隔壁小区有人私自搭建彩钢棚", Nature.TIP_OFF),
        ("请问居住证怎么办理，需要带什么材料", Nature.CONSULTATION),
        ("想了解一下老旧小区加装电梯有没有补贴政策", Nature.CONSULTATION),
        ("建议在学校门口增设一个红绿灯", Nature.SUGGESTION),
        ("希望能在公园里增设几张长椅", Nature.SUGGESTION),
        ("感谢社区网格员及时帮忙清理了楼道杂物，特此表扬", Nature.THANKS),
        ("给街道城管中队送锦旗，谢谢他们", Nature.THANKS),
    ],
)
def test_cue_words_name_the_nature(text: str, nature: Nature) -> None:
    assert guess(text) is nature


def test_a_polite_thank_you_closing_a_request_is_not_praise(cat) -> None:  # type: ignore[no-untyped-def]
    text = "小区门口路灯坏了晚上一片黑，麻烦尽快修一下，谢谢"
    assert guess(text, cat.get("C010301")) is Nature.REQUEST


def test_blame_outranks_a_question(cat) -> None:  # type: ignore[no-untyped-def]
    # a caller who asks and blames is complaining: 投诉 is checked before 咨询
    assert guess("请问为什么垃圾堆了一周都没人管？") is Nature.COMPLAINT


def test_without_a_cue_the_matter_decides(cat) -> None:  # type: ignore[no-untyped-def]
    suggestion_matter = cat.get("C010302")  # 路灯白天亮 lists 建议 first
    assert suggestion_matter.natures[0] is Nature.SUGGESTION
    assert guess("这排路灯天亮了都不灭", suggestion_matter) is Nature.SUGGESTION
    assert guess("这排路灯天亮了都不灭") is None  # neither a cue nor a matter


def test_every_nature_has_a_cue() -> None:
    from gridbrain.catalog.nature import _CUES

    assert {n for n, _ in _CUES} == set(Nature) - {Nature.REQUEST}  # 求决 is what is left
