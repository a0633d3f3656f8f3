from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridbrain.core import codes
from gridbrain.core.codes import AreaLevel, CodeError


def test_a_known_id_number_is_valid():
    # GB 11643 worked example
    assert codes.is_valid_id_number("11010519491231002X")


def test_lower_case_x_is_accepted_and_normalised_to_upper_case():
    assert codes.is_valid_id_number("11010519491231002x")
    assert codes.normalize_id_number(" 11010519491231002x ") == "11010519491231002X"


def test_a_wrong_check_digit_is_rejected_and_the_right_one_named():
    problem = codes.id_number_problem("110105194912310021")
    assert problem == "check character should be X"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("1101051949123100", "17 digits"), ("11010519490230002X", "not a real date"), ("11010519491231002Y", "17 digits")],
)
def test_malformed_id_numbers_say_why(value, fragment):
    assert fragment in codes.id_number_problem(value)


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
    seq=st.integers(0, 499),
    sex=st.sampled_from("MF"),
)
def test_made_id_numbers_are_valid_and_carry_birth_date_and_sex(born, seq, sex):
    value = codes.make_id_number("330110", born, seq, sex)
    assert codes.is_valid_id_number(value)
    assert codes.id_birth_date(value) == born
    assert codes.id_sex(value) == sex


@given(st.text(alphabet="0123456789", min_size=17, max_size=17), st.integers(0, 16), st.sampled_from("0123456789"))
def test_changing_one_digit_of_an_id_number_breaks_the_check(first17, pos, digit):
    valid = first17 + codes.id_check_char(first17)
    changed = valid[:pos] + digit + valid[pos + 1 :]
    if changed != valid:
        assert changed[17] != codes.id_check_char(changed[:17])


def test_a_real_credit_code_is_valid():
    assert codes.is_valid_uscc("91350100M000100Y43")


def test_a_credit_code_with_a_wrong_check_character_is_rejected():
    assert codes.uscc_problem("91350100M000100Y44") == "check character should be 3"


def test_a_credit_code_with_forbidden_letters_is_rejected():
    assert "other than I, O, Z, S, V" in codes.uscc_problem("91350100M000100O43")


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_made_credit_codes_are_valid(body):
    assert codes.is_valid_uscc(codes.make_uscc("9", "1", "330110", body))


def test_area_levels_follow_the_statistical_code_segments():
    assert codes.area_level("330000000000") == AreaLevel.PROVINCE
    assert codes.area_level("330100000000") == AreaLevel.CITY
    assert codes.area_level("330110000000") == AreaLevel.DISTRICT
    assert codes.area_level("330110005000") == AreaLevel.STREET
    assert codes.area_level("330110005012") == AreaLevel.COMMUNITY
    assert codes.area_level("330110005012003") == AreaLevel.GRID


@pytest.mark.parametrize("bad", ["33011000000", "3301100000001", "330110000012", "330110005012000", "33011000500a"])
def test_malformed_area_codes_are_refused(bad):
    with pytest.raises(CodeError):
        codes.area_level(bad)


def test_child_codes_nest_under_their_parent_and_grid_codes_have_15_digits():
    street = codes.child_code("330110000000", 7)
    community = codes.child_code(street, 12)
    grid = codes.child_code(community, 3)
    assert (street, community, grid) == ("330110007000", "330110007012", "330110007012003")
    assert codes.parent_code(grid) == community and codes.parent_code(community) == street
    assert codes.is_within(grid, street) and not codes.is_within(grid, "330110008000")
    assert codes.area_prefix(street) == "330110007"
