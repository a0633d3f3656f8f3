"""The handling levels of the area tree below the district, one home for every capability.

"Small things stay in the grid, minor matters in the community, big matters in the street"
(麻烦不出网格、小事不出村社、大事不出镇街): the level decides who handles an event, where a red
card escalates it, and which area code answers for it.
"""

from __future__ import annotations

from enum import StrEnum

from gridbrain.core.errors import Invalid


class Level(StrEnum):
    """Handling level (处置层级), lowest first."""

    GRID = "grid"
    COMMUNITY = "community"
    STREET = "street"
    DISTRICT = "district"

    @property
    def rank(self) -> int:
        """0 for the grid up to 3 for the district."""
        return _ORDER.index(self)

    def above(self) -> Level | None:
        """The next level up (grid → community → street → district), None above the district."""
        i = self.rank
        return _ORDER[i + 1] if i + 1 < len(_ORDER) else None

    @classmethod
    def parse(cls, raw: object, *, field: str = "level") -> Level:
        """A level from its name, or Invalid naming the field and the allowed names."""
        try:
            return cls(str(raw))
        except ValueError:
            raise Invalid(field, f"must be one of {', '.join(LEVELS)}") from None


_ORDER: tuple[Level, ...] = tuple(Level)
LEVELS: tuple[str, ...] = tuple(lv.value for lv in _ORDER)


def area_at_level(grid_code: str, level: Level | str) -> str:
    """The area code that answers for an event of a grid at `level` (15-digit grid code)."""
    if len(grid_code) != 15:
        raise Invalid("grid_code", "15 digits")
    lv = Level.parse(level)
    return {
        Level.GRID: grid_code,
        Level.COMMUNITY: grid_code[:12],
        Level.STREET: grid_code[:9] + "000",
        Level.DISTRICT: grid_code[:6] + "000000",
    }[lv]
