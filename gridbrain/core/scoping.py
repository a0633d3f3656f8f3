"""Area scoping in the data layer: every service filters through a `Scope`.

Division codes nest by prefix (330110 ⊃ 330110001 ⊃ 330110001001 ⊃ 330110001001001), so "inside
my area" is a string range on an indexed code column, which both SQLite and PostgreSQL answer
from a b-tree index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from gridbrain.core.codes import CodeError, area_prefix
from gridbrain.core.errors import Invalid, NotFound


@dataclass(frozen=True)
class Scope:
    """The part of the district a user may see. `prefix` None means everything."""

    prefix: str | None

    @classmethod
    def everything(cls) -> Scope:
        return cls(None)

    @classmethod
    def of_area(cls, area_code: str | None) -> Scope:
        return cls(area_prefix(area_code) if area_code else None)

    @property
    def unrestricted(self) -> bool:
        return self.prefix is None

    def covers(self, code: str | None) -> bool:
        if self.prefix is None:
            return True
        return code is not None and code.startswith(self.prefix)

    def covers_any(self, *codes: str | None) -> bool:
        """True when any of `codes` is inside the scope (an event's handling area or its grid)."""
        return any(self.covers(c) for c in codes)

    def overlaps(self, code: str) -> bool:
        """True when the area `code` is inside the scope or contains it (an ancestor)."""
        if self.prefix is None:
            return True
        other = area_prefix(code)
        return other.startswith(self.prefix) or self.prefix.startswith(other)

    def where(self, column: Any) -> Any:
        """A SQL condition: `column` lies inside the scope (true when unrestricted)."""
        if self.prefix is None:
            return sa.true()
        # ':' sorts right after '9', so [prefix, prefix + ':') holds every code starting with prefix
        return sa.and_(column >= self.prefix, column < self.prefix + ":")

    def require_overlap(self, code: str, what: str = "area") -> None:
        """Refuse a filter by an area outside the scope with 404, as `require` refuses an object: an
        ancestor of the scope (the district, for a street's operator) or a part of it is fine."""
        try:
            ok = self.overlaps(code)
        except (CodeError, ValueError) as e:
            raise Invalid(what, str(e)) from e
        if not ok:
            raise NotFound(f"{what} not found")

    def require(self, code: str | None, what: str = "area") -> None:
        """Refuse with 404 (not 403: out-of-scope things do not exist for this user)."""
        if not self.covers(code):
            raise NotFound(f"{what} not found")
