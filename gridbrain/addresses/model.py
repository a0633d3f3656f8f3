"""Address text as people write it: normalisation, the levels of the library, the parts of a
written address. Pure: no storage, no web.

Both sides of a match go through the same `normalize()`: the library's names and labels when
the index is built, and the resident's text when it is matched. So "文一路" in the library and
"文1路" in a message meet as the same key, and so do 三幢 / 3号楼 / ３栋.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Level(StrEnum):
    """Levels of the standard address hierarchy, shallow to deep.

    road > door (门牌: road + number) | compound (小区) > building (幢) > unit (单元) > room (室)
    """

    ROAD = "road"
    DOOR = "door"
    COMPOUND = "compound"
    BUILDING = "building"
    UNIT = "unit"
    ROOM = "room"

    @property
    def depth(self) -> int:
        return LEVELS.index(self) + 1


LEVELS: tuple[Level, ...] = tuple(Level)


class AliasKind(StrEnum):
    FORMER = "former"  # a former name (曾用名)
    COMPOUND = "compound"  # another name of a compound (小区别名)
    POI = "poi"  # a well-known place standing for an address (兴趣点)


# --- normalisation ------------------------------------------------------------------------------

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_RUN = re.compile(r"[零〇一二两三四五六七八九十百]+")
_SPACES = re.compile(r"\s+")
_DROP = re.compile(r"[，,。.、；;：:！!？?（）()\[\]【】“”\"'‘’《》<>·~～…]+")
_DASHES = re.compile(r"[‐‑‒–—―−]+")
_SHARP = re.compile(r"(?<=[0-9A-Z])#(?:楼|幢|栋)?")  # 3#楼, 3# -> 3幢
_BUILDING_WORD = re.compile(r"(?<=[0-9A-Z])(?:号楼|号幢|号栋|栋|座|幢)")
_UNIT_WORD = re.compile(r"(?<=\d)单(?!元)")
_HAS_CN_DIGIT = re.compile(r"[零〇一二两三四五六七八九十百]")
_HAS_BUILDING_WORD = re.compile(r"[楼幢栋座]")
_FLOOR_ROOM = re.compile(r"(?<=\d)[楼层](\d{2})(?:室|号|房)?")  # 5楼01 -> 501室


def cn_number(run: str) -> str | None:
    """Arabic digits for a run of Chinese numerals: 八十八 -> 88, 五零一 -> 501, 五百零一 -> 501."""
    if "十" not in run and "百" not in run:
        return "".join(str(_CN_DIGITS[c]) for c in run)
    if (
        run[0] == "百"
        or run.count("百") > 1
        or run.count("十") > 1
        or ("百" in run and "十" in run and run.index("百") > run.index("十"))
    ):
        return None  # 百合, 十十...: a word, not a number
    value = current = 0
    for c in run:
        if c == "十":
            value += (current or 1) * 10
            current = 0
        elif c == "百":
            value += current * 100
            current = 0
        else:
            current = _CN_DIGITS[c]
    return str(value + current)


def _arabic(m: re.Match[str]) -> str:
    converted = cn_number(m.group(0))
    return m.group(0) if converted is None else converted


def normalize(text: str) -> str:
    """The comparable form of address text (see module docstring). Spaces become one space,
    which later separates numbers written as "2 501"."""
    s = unicodedata.normalize("NFKC", text).upper()
    if not s.isalnum():  # only what is there to change is looked at: this runs per match
        s = _DASHES.sub("-", s)
        s = _DROP.sub(" ", s)
        s = _SPACES.sub(" ", s).strip()
    if _HAS_CN_DIGIT.search(s):
        s = _CN_RUN.sub(_arabic, s)
    if "#" in s:
        s = _SHARP.sub("幢", s)
    if _HAS_BUILDING_WORD.search(s):
        s = _BUILDING_WORD.sub("幢", s)
    if "单" in s:
        s = _UNIT_WORD.sub("单元", s)
    if "楼" in s or "层" in s:
        s = _FLOOR_ROOM.sub(lambda m: m.group(1) + "室", s)
    return s


_LABEL = re.compile(r"([0-9A-Z]+(?:-[0-9A-Z]+)?)")


def label_token(label: str | None) -> str | None:
    """The key of a number-like label: "88号" -> "88", "3幢" -> "3", "2单元" -> "2", "501室" -> "501"."""
    if not label:
        return None
    s = normalize(label).replace(" ", "")
    m = _LABEL.search(s)
    return m.group(1) if m else s


# --- the parts after a road, compound or place name ----------------------------------------------

_SEP = r"[ \-的]*"
_DOOR = re.compile(r"[ \-]*(\d+(?:-\d+)?)(?:号|幢)|[ \-]*(\d+)(?![\d\-幢单室])")
_B_U_R_DASH = re.compile(_SEP + r"(\d+)-(\d+)-(\d+)(?:室|号|房)?")
_BUILDING = re.compile(_SEP + r"([0-9A-Z]+)幢")
_UNIT = re.compile(_SEP + r"(\d+)单元")
_U_R_DASH = re.compile(_SEP + r"(\d+)[ \-](\d+)(?:室|号|房)?")
_ROOM = re.compile(_SEP + r"(\d+)(?:室|号|房)?")
_ROOM_MARKED = re.compile(_SEP + r"(\d+)(?:室|房)")
_TAIL_START = re.compile(r"\d+-\d+-\d+|[0-9A-Z]+幢|\d+单元|\d+室")
TAIL_WINDOW = 12  # how far after a name a building may start (a mistyped compound name, "小区")


def door_number(s: str, pos: int) -> tuple[str, int] | None:
    """A door number (门牌号) right after a road name at `pos`: ("88", end)."""
    m = _DOOR.match(s, pos)
    if m is None:
        return None
    return (m.group(1) or m.group(2)), m.end()


@dataclass(frozen=True)
class Tail:
    """Building, unit and room written after a door, compound or place."""

    building: str | None = None
    unit: str | None = None
    room: str | None = None
    unit_written: bool = False  # False when the text gave a room without its unit

    @property
    def empty(self) -> bool:
        return self.building is None and self.unit is None and self.room is None


def parse_tail(s: str, pos: int) -> Tail:
    """Read building / unit / room from `pos`, skipping at most TAIL_WINDOW characters of
    other words first. Tolerates 3-2-501, 3幢2-501, 3幢2 501, 3幢2单元501, 3幢501."""
    start = _TAIL_START.search(s, pos, pos + TAIL_WINDOW + 12)
    if start is None or start.start() - pos > TAIL_WINDOW:
        return Tail()
    p = start.start()
    m = _B_U_R_DASH.match(s, p)
    if m:
        return Tail(m.group(1), m.group(2), m.group(3), True)
    building = unit = room = None
    m = _BUILDING.match(s, p)
    if m:
        building, p = m.group(1), m.end()
    m = _UNIT.match(s, p)
    if m:
        unit, p = m.group(1), m.end()
        m = _ROOM.match(s, p)
        if m:
            room = m.group(1)
        return Tail(building, unit, room, True)
    if building is None:
        m = _ROOM_MARKED.match(s, p)
        return Tail(room=m.group(1)) if m else Tail()
    m = _U_R_DASH.match(s, p)
    if m:
        return Tail(building, m.group(1), m.group(2), True)
    m = _ROOM.match(s, p)
    if m and len(m.group(1)) >= 3:  # "3幢501": a room with its unit left out
        room = m.group(1)
    return Tail(building, None, room, False)


# --- results ------------------------------------------------------------------------------------

MATCH_THRESHOLD = 0.7  # below this the matcher answers "unresolved" and lists candidates
MAX_ALTERNATIVES = 5


@dataclass(frozen=True)
class Candidate:
    code: str
    text: str
    level: str
    score: float
    grid_code: str


@dataclass(frozen=True)
class MatchResult:
    """The standard address a text stands for, at the deepest level the text supports."""

    resolved: bool
    score: float
    code: str | None = None
    text: str | None = None
    level: str | None = None
    grid_code: str | None = None
    lat: float | None = None
    lng: float | None = None
    h3: str | None = None
    alternatives: list[Candidate] = field(default_factory=list)

    @classmethod
    def unresolved(cls, score: float, candidates: list[Candidate]) -> MatchResult:
        return cls(resolved=False, score=round(score, 3), alternatives=candidates[:MAX_ALTERNATIVES])


# --- rows of the library -------------------------------------------------------------------------

# which level a row's parent may have (None: no parent needed)
PARENT_LEVELS: dict[Level, tuple[Level | None, ...]] = {
    Level.ROAD: (None,),
    Level.DOOR: (None, Level.ROAD),
    Level.COMPOUND: (None, Level.DOOR, Level.ROAD),
    Level.BUILDING: (Level.COMPOUND, Level.DOOR),
    Level.UNIT: (Level.BUILDING,),
    Level.ROOM: (Level.UNIT, Level.BUILDING),
}
# the fields a row of each level must carry
REQUIRED: dict[Level, tuple[str, ...]] = {
    Level.ROAD: ("road",),
    Level.DOOR: ("road", "number"),
    Level.COMPOUND: ("compound",),
    Level.BUILDING: ("building",),
    Level.UNIT: ("unit",),
    Level.ROOM: ("room",),
}
PARTS = ("road", "number", "compound", "building", "unit", "room")
_CODE = re.compile(r"^[0-9A-Za-z_\-]{1,24}$")
_GRID = re.compile(r"^\d{15}$")
MAX_LENGTHS = {"road": 40, "number": 16, "compound": 40, "building": 16, "unit": 16, "room": 16, "full_text": 200}


def check_row(row: dict[str, str | None]) -> list[tuple[str, str]]:
    """The (field, rule) pairs a library row breaks; empty when it is fine. Storage-free checks
    only: whether the parent and the grid exist is the service's to check."""
    problems: list[tuple[str, str]] = []
    code = row.get("code") or ""
    if not _CODE.match(code):
        problems.append(("code", "1-24 letters, digits, '-' or '_'"))
    try:
        level = Level(row.get("level") or "")
    except ValueError:
        return [*problems, ("level", f"must be one of {', '.join(LEVELS)}")]
    for f in REQUIRED[level]:
        if not (row.get(f) or "").strip():
            problems.append((f, f"required for level {level.value}"))
    for f, n in MAX_LENGTHS.items():
        if len(row.get(f) or "") > n:
            problems.append((f, f"at most {n} characters"))
    if not row.get("parent_code") and None not in PARENT_LEVELS[level]:
        problems.append(("parent_code", f"required for level {level.value}"))
    for f, lo, hi in (("lat", -90.0, 90.0), ("lng", -180.0, 180.0)):
        try:
            v = float(row.get(f) or "")
            if not lo <= v <= hi:
                problems.append((f, f"between {lo:g} and {hi:g}"))
        except ValueError:
            problems.append((f, "a decimal number (WGS-84)"))
    grid = row.get("grid_code")
    if grid and not _GRID.match(grid):
        problems.append(("grid_code", "15 digits"))
    return problems


def compose_text(area_names: Sequence[str], row: dict[str, str | None]) -> str:
    """The standard full text, composed as
    {province}{city}{district}{street}{community}{road}{number}{compound}{building}{unit}{room}."""
    return "".join(area_names) + "".join(row.get(p) or "" for p in PARTS)
