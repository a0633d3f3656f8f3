"""Field checks of the governance library: normalise what can be fixed mechanically, name the
field and rule of what cannot. Pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from gridbrain.core.codes import CodeError, area_level, id_number_problem, uscc_problem


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    FIXED = "fixed"
    QUARANTINED = "quarantined"


@dataclass(frozen=True)
class Fix:
    field: str
    rule: str  # trim | halfwidth | date_format | phone_format | id_check_case | derived_from_id ...
    before: Any
    after: Any

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "rule": self.rule,
            "before": plain(self.before),
            "after": plain(self.after),
        }


@dataclass(frozen=True)
class Problem:
    field: str
    rule: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule}


@dataclass
class Checked:
    """One record after checking: clean values, the fixes made, the problems left."""

    values: dict[str, Any]
    fixes: list[Fix] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def outcome(self) -> Outcome:
        if self.problems:
            return Outcome.QUARANTINED
        return Outcome.FIXED if self.fixes else Outcome.ACCEPTED


def plain(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date | datetime) else v


# --- text normalisation ------------------------------------------------------------------------

# full-width ASCII (！..～) and the ideographic space → their half-width forms
_HALFWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SPACES = re.compile(r"\s+")


def halfwidth(text: str) -> str:
    return text.translate(_HALFWIDTH)


# a value needs cleaning when it holds full-width characters or stray whitespace
_NEEDS_CLEANING = re.compile(r"[\uff01-\uff5e\u3000]|^\s|\s$|\s\s|[\t\r\n]")
_NEEDS_CLEANING_NO_SPACE = re.compile(r"[\uff01-\uff5e\s]")


def _clean_text(name: str, raw: str, fixes: list[Fix], *, squeeze: str = " ") -> str:
    """Trim, half-width, collapse inner whitespace (to `squeeze`); each change is a listed fix."""
    if (_NEEDS_CLEANING_NO_SPACE if squeeze == "" else _NEEDS_CLEANING).search(raw) is None:
        return raw  # the common case: nothing to do
    value = raw
    half = halfwidth(value)
    if half != value:
        fixes.append(Fix(name, "halfwidth", value, half))
        value = half
    stripped = _SPACES.sub(squeeze, value.strip())
    if stripped != value:
        fixes.append(Fix(name, "trim", value, stripped))
        value = stripped
    return value


# --- field kinds ---------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OTHER_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-\d{7,8}$")
_PHONE_JUNK = re.compile(r"[\s\-()]")
_TAG_SPLIT = re.compile(r"[,，、;；|/]")
_NAME_BAD = re.compile(r"[\d@#$%^&*_=+<>?/\\]")
_EXCEL_EPOCH = date(1899, 12, 30)


def check_date(name: str, raw: Any, fixes: list[Fix], problems: list[Problem]) -> date | None:  # noqa: PLR0911 - one answer per way a date is written
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float) and 1 <= raw < 80000:  # an Excel serial day number
        value = _EXCEL_EPOCH + timedelta(days=int(raw))
        fixes.append(Fix(name, "date_format", raw, value))
        return value
    text = str(raw).strip()
    if _ISO_DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            problems.append(Problem(name, "not a real date"))
            return None
    m = _OTHER_DATE.match(halfwidth(text)) or _COMPACT_DATE.match(halfwidth(text))
    if m:
        try:
            value = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            problems.append(Problem(name, "not a real date"))
            return None
        fixes.append(Fix(name, "date_format", raw, value))
        return value
    problems.append(Problem(name, "date must read YYYY-MM-DD"))
    return None


def check_phone(name: str, raw: Any, fixes: list[Fix], problems: list[Problem]) -> str | None:
    text = str(raw)
    if _MOBILE.match(text) or _LANDLINE.match(text):
        return text
    value = _PHONE_JUNK.sub("", halfwidth(text))
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    if _MOBILE.match(value):
        fixes.append(Fix(name, "phone_format", raw, value))
        return value
    if re.match(r"^0\d{9,11}$", value):  # landline without the dash: area code 3 or 4 digits
        area = 3 if value[1] in "12" else 4
        formatted = f"{value[:area]}-{value[area:]}"
        if _LANDLINE.match(formatted):
            fixes.append(Fix(name, "phone_format", raw, formatted))
            return formatted
    problems.append(Problem(name, "not a mobile (11 digits from 1) or landline (0xxx-xxxxxxx) number"))
    return None


def check_id_number(name: str, raw: Any, fixes: list[Fix], problems: list[Problem]) -> str | None:
    text = str(raw)
    value = _clean_text(name, text, fixes, squeeze="")
    if value.endswith("x"):
        fixes.append(Fix(name, "id_check_case", value, value.upper()))
        value = value.upper()
    problem = id_number_problem(value)
    if problem:
        problems.append(Problem(name, problem))
        return None
    return value


def check_uscc(name: str, raw: Any, fixes: list[Fix], problems: list[Problem]) -> str | None:
    value = _clean_text(name, str(raw), fixes, squeeze="")
    if value != value.upper():
        fixes.append(Fix(name, "upper_case", value, value.upper()))
        value = value.upper()
    problem = uscc_problem(value)
    if problem:
        problems.append(Problem(name, problem))
        return None
    return value


def check_tags(name: str, raw: Any, fixes: list[Fix], problems: list[Problem]) -> list[str] | None:
    items = raw if isinstance(raw, list | tuple) else _TAG_SPLIT.split(str(raw))
    tags = sorted({halfwidth(str(t)).strip() for t in items if str(t).strip()})
    return tags or None


def check_area_code(name: str, raw: Any, fixes: list[Fix], problems: list[Problem]) -> str | None:
    value = _clean_text(name, str(raw), fixes, squeeze="")
    try:
        area_level(value)
    except CodeError:
        problems.append(Problem(name, "must be a 12-digit division code"))
        return None
    return value


def check_number(name: str, raw: Any, fixes: list[Fix], problems: list[Problem]) -> float | None:
    try:
        return float(halfwidth(str(raw)).strip()) if not isinstance(raw, int | float) else float(raw)
    except ValueError:
        problems.append(Problem(name, "must be a number"))
        return None


def check_count(name: str, raw: Any, fixes: list[Fix], problems: list[Problem]) -> int | None:
    try:
        value = int(raw) if isinstance(raw, int) else int(halfwidth(str(raw)).strip())
    except ValueError:
        problems.append(Problem(name, "must be a whole number"))
        return None
    if value < 0:
        problems.append(Problem(name, "must not be negative"))
        return None
    return value


@dataclass(frozen=True)
class FieldSpec:
    name: str
    # text | name | address | date | phone | id_number | uscc | tags | choice | area_code | number | count
    type: str = "text"
    required: bool = False
    max_len: int = 200
    choices: Mapping[str, str] | None = None  # accepted spelling → stored value
    headings: tuple[str, ...] = ()  # other column headings that mean this field (Chinese)


_CHECKERS: dict[str, Callable[[str, Any, list[Fix], list[Problem]], Any]] = {
    "date": check_date,
    "phone": check_phone,
    "id_number": check_id_number,
    "uscc": check_uscc,
    "tags": check_tags,
    "area_code": check_area_code,
    "number": check_number,
    "count": check_count,
}


def check_field(spec: FieldSpec, raw: Any, fixes: list[Fix], problems: list[Problem]) -> Any:
    checker = _CHECKERS.get(spec.type)
    if checker is not None:
        return checker(spec.name, raw, fixes, problems)
    text = str(raw)
    if spec.type == "choice":
        value = halfwidth(text).strip()
        assert spec.choices is not None
        if value not in spec.choices:
            problems.append(Problem(spec.name, f"must be one of {'、'.join(dict.fromkeys(spec.choices.values()))}"))
            return None
        return spec.choices[value]
    value = _clean_text(spec.name, text, fixes, squeeze="" if spec.type == "name" else " ")
    if spec.type == "name" and _NAME_BAD.search(value):
        problems.append(Problem(spec.name, "a name holds no digits or symbols"))
        return None
    if len(value) > spec.max_len:
        problems.append(Problem(spec.name, f"at most {spec.max_len} characters"))
        return None
    return value
