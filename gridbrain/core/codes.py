"""Codes the state issues: area division codes, grid codes, ID-card numbers, credit codes.

Pure functions, no I/O.

- Statistical division codes (统计用区划代码): 12 digits = province 2, city 2, county 2,
  township/street 3, village/community 3. A grid code (网格编码) is its community's 12-digit
  code plus a 3-digit serial: 15 digits.
- Resident ID number (公民身份号码, GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check
  character (0-9 or X).
- Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a 31-symbol
  alphabet, the last a MOD 31 check character.
"""

from __future__ import annotations

import re
from datetime import date
from enum import IntEnum

# --- area codes -----------------------------------------------------------------------------


class AreaLevel(IntEnum):
    PROVINCE = 1
    CITY = 2
    DISTRICT = 3
    STREET = 4
    COMMUNITY = 5
    GRID = 6

    @property
    def label(self) -> str:
        return self.name.lower()


# end offset of each level's segment in a 15-digit code
_SEGMENT_END = {
    AreaLevel.PROVINCE: 2,
    AreaLevel.CITY: 4,
    AreaLevel.DISTRICT: 6,
    AreaLevel.STREET: 9,
    AreaLevel.COMMUNITY: 12,
    AreaLevel.GRID: 15,
}
_SEGMENT_START = {
    AreaLevel.PROVINCE: 0,
    AreaLevel.CITY: 2,
    AreaLevel.DISTRICT: 4,
    AreaLevel.STREET: 6,
    AreaLevel.COMMUNITY: 9,
    AreaLevel.GRID: 12,
}
_AREA_CODE = re.compile(r"^\d{12}(\d{3})?$")


class CodeError(ValueError):
    pass


def area_level(code: str) -> AreaLevel:
    """The level of a 12-digit division code or 15-digit grid code."""
    if not _AREA_CODE.match(code):
        raise CodeError(f"area code must be 12 digits (division) or 15 digits (grid), got {code!r}")
    if len(code) == 15:
        if code[12:] == "000":
            raise CodeError(f"grid serial must be 001-999, got {code!r}")
        return AreaLevel.GRID
    level = AreaLevel.PROVINCE
    for lv in (AreaLevel.CITY, AreaLevel.DISTRICT, AreaLevel.STREET, AreaLevel.COMMUNITY):
        segment = code[_SEGMENT_START[lv] : _SEGMENT_END[lv]]
        if int(segment) == 0:
            # everything below an all-zero segment must be zero too
            if int(code[_SEGMENT_END[lv] :] or "0") != 0:
                raise CodeError(f"{code!r} has a zero {lv.label} segment followed by non-zero digits")
            return level
        level = lv
    return level


def area_prefix(code: str) -> str:
    """The significant prefix: every code inside the area starts with it (33, 3301, 330110...)."""
    return code[: _SEGMENT_END[area_level(code)]]


def pad_code(prefix: str) -> str:
    """Back from a prefix to the full code (12 digits; 15 for a grid prefix)."""
    return prefix if len(prefix) == 15 else prefix.ljust(12, "0")


def parent_code(code: str) -> str | None:
    level = area_level(code)
    if level == AreaLevel.PROVINCE:
        return None
    parent = AreaLevel(level - 1)
    return pad_code(code[: _SEGMENT_END[parent]])


def child_code(parent: str, serial: int) -> str:
    """The code of the `serial`-th child of `parent` (street and community: 3 digits, city and
    district: 2 digits, grid: 3 digits appended)."""
    level = area_level(parent)
    if level == AreaLevel.GRID:
        raise CodeError("a grid has no children")
    child = AreaLevel(level + 1)
    width = _SEGMENT_END[child] - _SEGMENT_START[child]
    if not 1 <= serial < 10**width:
        raise CodeError(f"serial {serial} does not fit {width} digits")
    return pad_code(area_prefix(parent) + str(serial).zfill(width))


def is_within(code: str, area: str) -> bool:
    """True when `code` is `area` itself or lies inside it."""
    return code.startswith(area_prefix(area))


# --- resident ID numbers (GB 11643) ------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dXx]$")


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number_problem(value: str) -> str | None:
    """Why `value` is not a valid 18-digit ID number, or None when it is. A lower-case x is
    accepted here (normalise with `normalize_id_number`)."""
    if not _ID_SHAPE.match(value):
        return "must be 17 digits followed by a digit or X"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "birth date (digits 7-14) is not a real date"
    if born.year < 1880:
        return "birth date (digits 7-14) is before 1880"
    if value[17].upper() != id_check_char(value[:17]):
        return f"check character should be {id_check_char(value[:17])}"
    return None


def is_valid_id_number(value: str) -> bool:
    return id_number_problem(value) is None


def normalize_id_number(value: str) -> str:
    return value.strip().upper()


def id_birth_date(value: str) -> date:
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def id_sex(value: str) -> str:
    """'M' or 'F' from the 17th digit (odd = male)."""
    return "M" if int(value[16]) % 2 else "F"


def make_id_number(region6: str, born: date, sequence: int, sex: str) -> str:
    """Build a valid ID number; `sequence` 0-499 picks the order code with the parity of `sex`."""
    order = sequence * 2 + (1 if sex == "M" else 0)
    first17 = f"{region6}{born:%Y%m%d}{order % 1000:03d}"
    return first17 + id_check_char(first17)


# --- unified social credit codes (GB 32100) ------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
# GB 11714 organisation code (digits 9-17) has its own MOD 11 check character
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_problem(value: str) -> str | None:
    """Why `value` is not a valid unified social credit code, or None when it is."""
    if len(value) != 18:
        return "must be 18 characters"
    if not _USCC_SHAPE.match(value):
        return "characters must be digits or upper-case letters other than I, O, Z, S, V"
    if value[17] != uscc_check_char(value[:17]):
        return f"check character should be {uscc_check_char(value[:17])}"
    return None


def is_valid_uscc(value: str) -> bool:
    return uscc_problem(value) is None


def make_uscc(department: str, kind: str, region6: str, org_body8: str) -> str:
    """Build a valid credit code from its parts; the organisation code gets its own check."""
    org9 = org_body8 + org_code_check_char(org_body8)
    first17 = f"{department}{kind}{region6}{org9}"
    return first17 + uscc_check_char(first17)
