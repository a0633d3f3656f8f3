"""The password policy: long enough, not a common password, not the login name."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from gridbrain.core.errors import Invalid

MIN_LENGTH = 8


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Passwords people pick first (lower case); shipped in core/data/common_passwords.txt."""
    text = files("gridbrain.core").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def check_password(password: str, *, username: str = "") -> None:
    """Invalid naming the rule the password breaks, or nothing."""
    if len(password) < MIN_LENGTH:
        raise Invalid("password", f"at least {MIN_LENGTH} characters")
    if len(password) > 256:
        raise Invalid("password", "at most 256 characters")
    lowered = password.lower()
    if lowered in common_passwords():
        raise Invalid("password", "is one of the most common passwords; choose another")
    if len(set(password)) <= 2:
        raise Invalid("password", "needs more than two different characters")
    if username and username.lower() in lowered:
        raise Invalid("password", "must not contain the login name")
