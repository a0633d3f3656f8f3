"""Source precedence and merging: a unique key decides whether a record is new or overwrites the
current one; a source that owns a field beats any other for it, otherwise the newest value wins.
Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
        if same_value(old, value):
            continue
        holder = sources.get(name, current_source)
        if field_rank(holder, name) > field_rank(source, name):
            kept.append(name)
            continue
        values[name] = value
        sources[name] = source
        changed.append(name)
    return Merged(values, sources, tuple(changed), tuple(kept))


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return sorted(a) == sorted(b)
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) < 1e-9
    return bool(a == b)
