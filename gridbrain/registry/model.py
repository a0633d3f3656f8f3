"""Data rules of the governance library (治理库). Pure: no storage, no web, no files.

A record arriving from a file or a form is checked field by field against its kind's spec:
- it meets the standard → **accepted** as is;
- it can be corrected mechanically (trim, full-width → half-width, date and phone formats, the
  case of an ID number's check character, a sex or birth date derived from the ID number) →
  **fixed**, every fix listed;
- otherwise → **quarantined** with every reason (field and rule), for a data steward.

A unique key decides whether a record is new or overwrites the current one (`merge`); when two
sources disagree, a source that owns a field (an authoritative department) beats any other for
that field, and otherwise the newest value wins (`SOURCE_OWNS`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from gridbrain.core.codes import (
    CodeError,
    area_level,
    id_birth_date,
    id_number_problem,
    id_sex,
    uscc_problem,
)


class Kind(StrEnum):
    PERSON = "person"
    ENTERPRISE = "enterprise"
    HOUSE = "house"
    PLACE = "place"


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
            "before": _plain(self.before),
            "after": _plain(self.after),
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


def _plain(v: Any) -> Any:
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


def check_date(name: str, raw: Any, fixes: list[Fix], problems: list[Problem]) -> date | None:
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


def _check_field(spec: FieldSpec, raw: Any, fixes: list[Fix], problems: list[Problem]) -> Any:
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


@dataclass(frozen=True)
class RecordSpec:
    kind: Kind
    key: str
    fields: tuple[FieldSpec, ...]
    # the address whose match gives the record its address code and grid
    address_field: str | None = None
    address_code_field: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def heading_map(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f in self.fields:
            out[f.name] = f.name
            for h in f.headings:
                out[h] = f.name
        return out


_SEX = {"M": "M", "F": "F", "m": "M", "f": "F", "男": "M", "女": "F", "1": "M", "2": "F"}

PERSON = RecordSpec(
    Kind.PERSON,
    key="id_number",
    fields=(
        FieldSpec("id_number", "id_number", required=True, headings=("身份证号", "公民身份号码", "证件号码")),
        FieldSpec("name", "name", required=True, max_len=32, headings=("姓名",)),
        FieldSpec("sex", "choice", choices=_SEX, headings=("性别",)),
        FieldSpec("birth_date", "date", headings=("出生日期",)),
        FieldSpec("phone", "phone", headings=("联系电话", "手机号", "电话")),
        FieldSpec("registered_address", "address", headings=("户籍地址",)),
        FieldSpec("residence_address", "address", headings=("实际居住地址", "居住地址", "现住址")),
        FieldSpec("tags", "tags", headings=("标签", "人员类别")),
    ),
    address_field="residence_address",
    address_code_field="residence_address_code",
)

ENTERPRISE_STATUS = {s: s for s in ("存续", "在业", "吊销", "注销", "迁入", "迁出", "停业", "清算")}

ENTERPRISE = RecordSpec(
    Kind.ENTERPRISE,
    key="uscc",
    fields=(
        FieldSpec("uscc", "uscc", required=True, headings=("统一社会信用代码", "信用代码")),
        FieldSpec("name", "text", required=True, max_len=100, headings=("企业名称", "名称")),
        FieldSpec("legal_representative", "name", max_len=32, headings=("法定代表人", "法人")),
        FieldSpec("registered_address", "address", headings=("注册地址", "住所")),
        FieldSpec("operating_address", "address", headings=("经营地址", "生产经营地址")),
        FieldSpec("industry", "text", max_len=40, headings=("行业", "所属行业")),
        FieldSpec("status", "choice", choices=ENTERPRISE_STATUS, headings=("经营状态", "登记状态")),
        FieldSpec("tax_location", "area_code", headings=("税收属地", "纳税地")),
        FieldSpec("established_on", "date", headings=("成立日期",)),
    ),
    address_field="operating_address",
    address_code_field="operating_address_code",
)

HOUSE_USE = {s: s for s in ("住宅", "商铺", "办公", "厂房", "其他")}
HOUSE_OCCUPANCY = {"自住": "自住", "出租": "出租", "空置": "空置", "出租房": "出租"}

HOUSE = RecordSpec(
    Kind.HOUSE,
    key="address_code",
    fields=(
        FieldSpec("address_code", "text", max_len=24, headings=("地址编码", "标准地址编码")),
        FieldSpec("address", "address", headings=("地址", "标准地址")),
        FieldSpec("use", "choice", choices=HOUSE_USE, headings=("用途", "房屋用途")),
        FieldSpec("occupancy", "choice", choices=HOUSE_OCCUPANCY, headings=("居住类型", "自住出租")),
        FieldSpec("owner_id_number", "id_number", headings=("产权人身份证号", "房主身份证号")),
        FieldSpec("residents", "count", headings=("居住人数",)),
    ),
    address_field="address",
    address_code_field="address_code",
)

PLACE = RecordSpec(
    Kind.PLACE,
    key="id",
    fields=(
        FieldSpec("id", "text", required=True, max_len=40, headings=("编号",)),
        FieldSpec("layer", "text", required=True, max_len=32, headings=("图层", "类别")),
        FieldSpec("name", "text", required=True, max_len=100, headings=("名称",)),
        FieldSpec("address", "address", headings=("地址",)),
        FieldSpec("uscc", "uscc", headings=("统一社会信用代码",)),
        FieldSpec("lat", "number", headings=("纬度",)),
        FieldSpec("lng", "number", headings=("经度",)),
    ),
    address_field="address",
    address_code_field="address_code",
)

SPECS = {s.kind: s for s in (PERSON, ENTERPRISE, HOUSE, PLACE)}


def spec_for(kind: str) -> RecordSpec:
    try:
        return SPECS[Kind(kind)]
    except ValueError:
        raise ValueError(f"unknown record kind {kind!r}; one of {', '.join(Kind)}") from None


def check_record(spec: RecordSpec, raw: Mapping[str, Any], *, layers: Iterable[str] | None = None) -> Checked:
    """Check one raw record (keys are field names; empty strings mean "not given")."""
    values: dict[str, Any] = {}
    fixes: list[Fix] = []
    problems: list[Problem] = []
    for f in spec.fields:
        raw_value = raw.get(f.name)
        if raw_value is None or (isinstance(raw_value, str) and not raw_value.strip()):
            if f.required:
                problems.append(Problem(f.name, "required"))
            continue
        value = _check_field(f, raw_value, fixes, problems)
        if value is not None:
            values[f.name] = value
    if spec.kind is Kind.PERSON:
        _check_person(values, fixes, problems)
    elif spec.kind is Kind.PLACE and layers is not None and "layer" in values and values["layer"] not in set(layers):
        problems.append(Problem("layer", "not a known map layer"))
        del values["layer"]
    elif spec.kind is Kind.HOUSE and "address_code" not in values and "address" not in values:
        problems.append(Problem("address", "a house needs its standard address or address code"))
    return Checked(values, fixes, problems)


def _check_person(values: dict[str, Any], fixes: list[Fix], problems: list[Problem]) -> None:
    """Sex and birth date follow from a valid ID number: fill them in, or refuse a contradiction."""
    id_number = values.get("id_number")
    if id_number is None:
        for name in ("sex", "birth_date"):
            if name not in values and not any(p.field == name for p in problems):
                problems.append(Problem(name, "required (and no valid ID number to derive it from)"))
        return
    for name, derived in (("sex", id_sex(id_number)), ("birth_date", id_birth_date(id_number))):
        if any(p.field == name for p in problems):
            continue
        given = values.get(name)
        if given is None:
            values[name] = derived
            fixes.append(Fix(name, "derived_from_id", None, derived))
        elif given != derived:
            problems.append(Problem(name, f"does not match the ID number ({_plain(derived)})"))
            del values[name]


# --- source precedence and merging ------------------------------------------------------------

# Sources that own fields: for those fields they beat every other source; elsewhere (and among
# sources that do not own a field) the newest value wins. Configuration, not code paths.
SOURCE_OWNS: dict[str, frozenset[str]] = {
    "public_security": frozenset({"name", "sex", "birth_date", "registered_address"}),  # 公安户籍
    "civil_affairs": frozenset({"tags"}),  # 民政: 低保, 残疾人, 独居老人
    "market_supervision": frozenset(  # 市场监管: the business register
        {"name", "legal_representative", "registered_address", "industry", "status", "established_on"}
    ),
    "tax": frozenset({"tax_location"}),  # 税务
    "housing": frozenset({"use", "owner_id_number"}),  # 住建 / 不动产登记
}
KNOWN_SOURCES = frozenset({"import", "grid_worker", "steward", *SOURCE_OWNS})


def field_rank(source: str | None, field_name: str) -> int:
    return 2 if source is not None and field_name in SOURCE_OWNS.get(source, ()) else 1


@dataclass(frozen=True)
class Merged:
    values: dict[str, Any]
    sources: dict[str, str]
    changed: tuple[str, ...]  # fields whose value changed
    kept: tuple[str, ...]  # fields where a stronger source's value was kept


def merge(
    current: Mapping[str, Any],
    current_sources: Mapping[str, str] | None,
    current_source: str,
    incoming: Mapping[str, Any],
    source: str,
) -> Merged:
    """The new current values when `incoming` from `source` meets the `current` record.

    A field not given (missing or None) keeps its value: a file that leaves the phone empty does
    not erase a known phone. A field owned by the source that set it is kept against others.
    """
    values = dict(current)
    held = current_sources or {}
    sources = {n: held.get(n, current_source) for n, v in current.items() if v is not None}
    changed: list[str] = []
    kept: list[str] = []
    for name, value in incoming.items():
        if value is None:
            continue
        old = current.get(name)
        if _same(old, value):
            continue
        holder = sources.get(name, current_source)
        if field_rank(holder, name) > field_rank(source, name):
            kept.append(name)
            continue
        values[name] = value
        sources[name] = source
        changed.append(name)
    return Merged(values, sources, tuple(changed), tuple(kept))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return sorted(a) == sorted(b)
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) < 1e-9
    return bool(a == b)


# --- verification (以核代采) -------------------------------------------------------------------

DEFAULT_VERIFY_EVERY_DAYS = 180


def verification_due(verified_at: datetime | None, now: datetime, every_days: int = DEFAULT_VERIFY_EVERY_DAYS) -> bool:
    """A record is due when never verified, or last verified `every_days` ago or more."""
    return verified_at is None or now - verified_at >= timedelta(days=every_days)


def coverage(verified: int, total: int) -> float:
    """Share of records verified within policy (1.0 for an empty grid: nothing is overdue)."""
    return 1.0 if total == 0 else round(verified / total, 4)
