"""What a record of each kind holds, and the check of a whole record against its spec. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from gridbrain.core.codes import id_birth_date, id_sex
from gridbrain.registry.model.checks import Checked, FieldSpec, Fix, Problem, check_field, plain


class Kind(StrEnum):
    PERSON = "person"
    ENTERPRISE = "enterprise"
    HOUSE = "house"
    PLACE = "place"


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
        value = check_field(f, raw_value, fixes, problems)
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
            problems.append(Problem(name, f"does not match the ID number ({plain(derived)})"))
            del values[name]
