"""Personal data typed into free text is masked (issue 14: a phone and an ID number typed into a
complaint left through public Open311)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from gridbrain.core.codes import make_id_number
from gridbrain.core.masking import mask_free_text, mask_id_number

CHINESE = st.text(alphabet="小区门口垃圾噪音请尽快处理谢谢楼下有人占道经营，。", max_size=20)


@given(
    before=CHINESE,
    after=CHINESE,
    born=st.dates(min_value=date(1930, 1, 1), max_value=date(2020, 12, 31)),
    seq=st.integers(0, 999),
    sex=st.sampled_from(["男", "女"]),
)
def test_an_id_number_anywhere_in_a_text_loses_its_birth_date_and_sequence(before, after, born, seq, sex):
    number = make_id_number("330110", born, seq, sex)
    masked = mask_free_text(f"{before}身份证{number}{after}")
    assert masked == f"{before}身份证{number[:6]}{'*' * 12}{after}"
    assert born.strftime("%Y%m%d") not in masked


@given(
    before=CHINESE,
    after=CHINESE,
    phone=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    sep=st.sampled_from(["", " ", "-"]),
    prefix=st.sampled_from(["", "+86", "86 "]),
)
def test_a_mobile_number_however_spaced_keeps_only_its_first_three_and_last_four(before, after, phone, sep, prefix):
    written = prefix + sep.join([phone[:3], phone[3:7], phone[7:]])
    masked = mask_free_text(f"{before}电话{written}{after}")
    assert masked == f"{before}电话{phone[:3]}****{phone[7:]}{after}"


def test_landlines_and_extensions_are_masked():
    masked = mask_free_text("请回电0571-88881234转123或者（0571）86668888")
    assert "88881234" not in masked and "86668888" not in masked
    assert "0571-****34" in masked
    assert "86668888" not in mask_free_text("家里电话：86668888")


def test_a_name_given_after_a_cue_keeps_only_the_surname():
    assert mask_free_text("我叫王小明，住3幢") == "我叫王**，住3幢"
    assert mask_free_text("联系人：李桂英 电话见上") == "联系人：李** 电话见上"
    assert mask_free_text("独居老人张桂英，三天没出门") == "独居老人张**，三天没出门"


def test_words_that_only_look_like_names_after_a_cue_stay():
    assert mask_free_text("我是小区业主，楼下噪音") == "我是小区业主，楼下噪音"
    assert mask_free_text("我是居民，希望处理") == "我是居民，希望处理"


def test_the_names_of_people_registered_at_the_place_are_masked_wherever_they_appear():
    text = "隔壁陈阿婆家里漏水，陈阿婆一个人住"
    assert mask_free_text(text, names=["陈阿婆"]) == "隔壁陈**家里漏水，陈**一个人住"


def test_text_without_personal_data_is_left_as_it_is():
    text = "文一西路88号门口有垃圾堆放，面积约2平方米，已经三天了，编号2026120400012"
    assert mask_free_text(text) == text
    assert mask_free_text(None) is None and mask_free_text("") == ""


def test_an_id_number_field_masked_alone_still_shows_the_region_and_last_four():
    # the field mask keeps the last four: the birth date beside it must be hidden by the reader
    assert mask_id_number("330110199001011234") == "330110********1234"


def test_the_log_filter_masks_id_numbers_and_phones_in_a_request_line():
    import logging

    from gridbrain.core.masking import RedactingFilter

    pid = "330110195003011234"
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", f"/api/v1/people/{pid}?phone=13812345678", "1.1", 200),
                               None)  # fmt: skip
    assert RedactingFilter().filter(record)
    line = record.getMessage()
    assert pid not in line and "13812345678" not in line
    assert "/api/v1/people/330110" in line and "138****5678" in line and line.endswith(" 200")
