"""The library's four kinds of record as types: 人 (Person), 企 (Enterprise), 房 (House),
物 (Place). Pure.

Storage and files speak in field names; these types are what the rest of the code holds once a
record is read, so callers never guess a key. `record_of` turns stored values into the type of
their kind; `fields_of` says which fields a type has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from gridbrain.registry.model.specs import Kind


@dataclass(frozen=True)
class Placed:
    """Where a record sits: its grid, or the coarser area when no grid is known, and how its
    address matched the standard address library (matched | unmatched)."""

    grid_code: str | None = None
    area_code: str | None = None
    address_match: str | None = None


@dataclass(frozen=True)
class Person(Placed):
    id_number: str = ""  # 公民身份号码, the key
    name: str = ""
    sex: str = ""  # M | F
    birth_date: date | None = None
    phone: str | None = None
    registered_address: str | None = None  # 户籍地址
    residence_address: str | None = None  # 实际居住地址
    residence_address_code: str | None = None
    tags: tuple[str, ...] = ()  # 独居老人, 低保, ...

    @property
    def key(self) -> str:
        return self.id_number


@dataclass(frozen=True)
class Enterprise(Placed):
    uscc: str = ""  # 统一社会信用代码, the key
    name: str = ""
    legal_representative: str | None = None
    registered_address: str | None = None
    operating_address: str | None = None
    operating_address_code: str | None = None
    industry: str | None = None
    status: str | None = None  # 存续, 吊销, 注销 ...
    tax_location: str | None = None
    established_on: date | None = None

    @property
    def key(self) -> str:
        return self.uscc


@dataclass(frozen=True)
class House(Placed):
    address_code: str = ""  # the standard address, the key
    address: str | None = None
    use: str | None = None  # 住宅 | 商铺 | 办公 | 厂房 | 其他
    occupancy: str | None = None  # 自住 | 出租 | 空置
    owner_id_number: str | None = None
    residents: int | None = None

    @property
    def key(self) -> str:
        return self.address_code


@dataclass(frozen=True)
class Place(Placed):
    id: str = ""  # the source's id, the key
    layer: str = ""  # one of the 26 map layers
    name: str = ""
    address: str | None = None
    address_code: str | None = None
    uscc: str | None = None
    lat: float | None = None
    lng: float | None = None

    @property
    def key(self) -> str:
        return self.id


Record = Person | Enterprise | House | Place
TYPES: dict[Kind, type[Person] | type[Enterprise] | type[House] | type[Place]] = {
    Kind.PERSON: Person,
    Kind.ENTERPRISE: Enterprise,
    Kind.HOUSE: House,
    Kind.PLACE: Place,
}


def fields_of(kind: Kind) -> tuple[str, ...]:
    """The field names the type of `kind` holds."""
    return tuple(f.name for f in fields(TYPES[kind]))


def record_of(kind: Kind, values: Mapping[str, Any]) -> Record:
    """The record of `kind` from stored values (unknown names are left out, lists become tuples)."""
    names = set(fields_of(kind))
    given: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in values.items() if k in names}
    if kind is Kind.PERSON and given.get("tags") is None:
        given.pop("tags", None)
    return TYPES[kind](**given)
