"""Masking of personal data for roles that do not need it."""

from __future__ import annotations

from gridbrain.core.auth import Actor


def mask_id_number(value: str | None) -> str | None:
    """330110199001011234 → 330110********1234 (region kept, birth date hidden)."""
    if not value or len(value) < 10:
        return value
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """13812345678 → 138****5678."""
    if not value or len(value) < 7:
        return value
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str | None:
    """张三丰 → 张**: the surname only."""
    if not value:
        return value
    return value[0] + "*" * (len(value) - 1)


def id_number_for(actor: Actor, value: str | None) -> str | None:
    return value if actor.sees_personal_data else mask_id_number(value)


def phone_for(actor: Actor, value: str | None) -> str | None:
    return value if actor.sees_personal_data else mask_phone(value)
