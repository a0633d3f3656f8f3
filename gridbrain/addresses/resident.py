"""The labelled set of addresses as residents type them: a homophone or a look-alike character in
a road or compound name, a character left out or added, traditional characters, spoken forms of
building / unit / room, the compound's popular name, a landmark next to the address.

Written apart from the matcher: this module imports nothing of its normalisation or index (a
test checks it) and carries its own tables (`resident_tables.py`) and its own writers of numbers
and spoken forms. It reads the library straight from the tables. The label of a text is the
library row it was written from, at its level.

Kinds (`RESIDENT_KINDS`):
- homophone: one character of the road or compound name replaced by one that sounds the same.
- lookalike: one character of the name replaced by one that looks alike.
- missing_char: one character of a name of 4 or more left out (not the first or last).
- extra_char: one character of the name written twice, or one more inside it.
- traditional: the whole text in traditional characters (the upper levels dropped or kept).
- spoken: building / unit / room as said: 三号楼二单元五零一, 3-2-501, 3栋2单元501, 3号楼2单元.
- popular_name: the compound by its popular name: the developer's prefix or the generic suffix
  (花园, 小区, ...) left out, or a stored compound alias.
- landmark: the compound, door or a well-known place (POI) with a place word after it: 东门对面,
  北门旁边, 附近.
A draw whose changed name is another name of the library, holds one the original did not,
lies inside one, or is one character (replaced, added or left out) from one is withheld: the
text names that address as well, and "unresolved" is the right answer to it. Their count is in
`ResidentSet.withheld`, their texts (labelled with the row drawn) in `ResidentSet.ambiguous`.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gridbrain.addresses.resident_tables import HOMOPHONES, LOOKALIKES, TRADITIONAL
from gridbrain.addresses.tables import address_aliases, addresses

RESIDENT_KINDS = (
    "homophone",
    "lookalike",
    "missing_char",
    "extra_char",
    "traditional",
    "spoken",
    "popular_name",
    "landmark",
)
AMBIGUOUS = "ambiguous"  # a withheld draw: the text names another address as well
PARTS = ("road", "number", "compound", "building", "unit", "room")
DEVELOPERS = (
    "绿城", "万科", "金都", "融创", "滨江", "中海", "保利", "龙湖", "旭辉", "华润",
    "新城", "德信", "中天", "宋都", "越秀", "招商", "金地", "祥生", "大家", "蓝城",
)  # fmt: skip
GENERIC = ("花园", "小区", "家园", "公寓", "新村", "嘉园", "雅苑", "名苑", "锦苑", "佳苑", "新苑", "华庭", "公馆")
LANDMARKS = ("东门对面", "南门旁边", "西门口", "北门斜对面", "大门口", "旁边", "附近", "对面", "后门")
EXTRA_POOL = "家新大花园小"
_DIGITS_CN = "零一二三四五六七八九"


@dataclass(frozen=True)
class Labelled:
    kind: str
    text: str
    code: str
    level: str
    grid_code: str


@dataclass
class ResidentSet:
    variants: list[Labelled] = field(default_factory=list)
    withheld: int = 0  # draws left out because the text would name another address as well
    ambiguous: list[Labelled] = field(default_factory=list)  # those texts, labelled with the row drawn


def say_number(n: int) -> str:
    """How a number up to 99 is said: 3 -> 三, 12 -> 十二, 20 -> 二十, 35 -> 三十五."""
    if n < 10:
        return _DIGITS_CN[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _DIGITS_CN[tens]
    return head + "十" + (_DIGITS_CN[ones] if ones else "")


def say_digits(digits: str) -> str:
    """A room said digit by digit: 501 -> 五零一."""
    return "".join(_DIGITS_CN[int(c)] for c in digits)


def _number(label: str | None) -> str | None:
    found = re.search(r"\d+", label or "")
    return found.group(0) if found else None


class Library:
    """What the generator knows of the library: its names and how often each stands."""

    def __init__(self, conn: Connection) -> None:
        a = addresses.c
        self.compounds: Counter[str] = Counter(
            c for (c,) in conn.execute(sa.select(a.compound).where(a.level == "compound"))
        )
        self.roads = {r for (r,) in conn.execute(sa.select(a.road).where(a.level == "road"))}
        self.doors: Counter[tuple[str, str]] = Counter(
            (r, n) for r, n in conn.execute(sa.select(a.road, a.number).where(a.level == "door"))
        )
        self.aliases: list[tuple[str, str, str]] = [
            (code, alias, kind)
            for code, alias, kind in conn.execute(
                sa.select(address_aliases.c.address_code, address_aliases.c.alias, address_aliases.c.kind).order_by(
                    address_aliases.c.address_code, address_aliases.c.alias
                )
            )
        ]
        self.names = {n for n in set(self.compounds) | self.roads | {x for _, x, _ in self.aliases} if n}
        self.pois = Counter(alias for _, alias, kind in self.aliases if kind == "poi")
        self._near: dict[str, set[str]] = {}  # a name and each name less one character -> names
        for name in self.names:
            for key in _less_one(name):
                self._near.setdefault(key, set()).add(name)

    def unique_compound(self, name: str | None) -> bool:
        return bool(name) and self.compounds[name or ""] == 1 and not self.pois[name or ""]

    def unique_door(self, road: str | None, number: str | None) -> bool:
        return bool(road and number) and self.doors[(road or "", number or "")] == 1

    def near_other(self, text: str, own: str) -> bool:
        """True when `text` is one character (replaced, added or left out) from another library
        name than `own`: 新城永福园 is 新城永福嘉园 less a character, or 新城永福府 mistyped."""
        return any(n != own for key in _less_one(text) for n in self._near.get(key, ()))

    def inside_other(self, text: str, own: str) -> bool:
        """True when `text` holds another library name that `own` does not hold already (the
        change made it), or is part of another library name."""
        return any(n != own and ((n in text and n not in own) or text in n) for n in self.names)


def load_sample(conn: Connection, per_level: int, seed: int) -> list[dict[str, str | None]]:
    """A seeded sample of door, compound, building, unit and room rows."""
    rng = random.Random(seed)
    a = addresses.c
    rows: list[dict[str, str | None]] = []
    for level in ("door", "compound", "building", "unit", "room"):
        codes = [c for (c,) in conn.execute(sa.select(a.code).where(a.level == level).order_by(a.code))]
        pick = sorted(rng.sample(codes, min(per_level, len(codes))))
        for i in range(0, len(pick), 500):
            query = sa.select(addresses).where(a.code.in_(pick[i : i + 500])).order_by(a.code)
            rows += [{k: v if v is None else str(v) for k, v in r._mapping.items()} for r in conn.execute(query)]
    return rows


class ResidentGenerator:
    def __init__(self, lib: Library, seed: int) -> None:
        self.lib = lib
        self.rng = random.Random(seed)
        self.withheld = 0
        self.ambiguous: list[str] = []  # the withheld texts of the current row
        self._homophones = _groups(HOMOPHONES)
        self._lookalikes = _groups(LOOKALIKES)

    # --- how a row is written without its upper levels --------------------------------------

    def _written(self, r: dict[str, str | None], **over: str | None) -> str:
        return "".join((over[p] if p in over else r.get(p)) or "" for p in PARTS)

    def _name_target(self, r: dict[str, str | None]) -> tuple[str, str] | None:
        """Which name of the row a name mistake goes into: the compound (written without road
        and door) or, for a door, the road."""
        if r["level"] != "door" and self.lib.unique_compound(r.get("compound")):
            return "compound", str(r["compound"])
        if r["level"] == "door" and self.lib.unique_door(r.get("road"), r.get("number")):
            return "road", str(r["road"])
        return None

    def _with_name(self, r: dict[str, str | None], part: str, name: str) -> str:
        if part == "compound":
            return self._written(r, road=None, number=None, compound=name)
        return self._written(r, road=name)

    def _changed_name(self, r: dict[str, str | None], change: Callable[[str], str | None]) -> str | None:
        target = self._name_target(r)
        if target is None:
            return None
        part, name = target
        changed = change(name)
        if changed is None or name in changed:
            return None
        if changed in self.lib.names or self.lib.inside_other(changed, name) or self.lib.near_other(changed, name):
            self.withheld += 1
            self.ambiguous.append(self._with_name(r, part, changed))
            return None
        return self._with_name(r, part, changed)

    # --- kinds -------------------------------------------------------------------------------

    def homophone(self, r: dict[str, str | None]) -> str | None:
        return self._changed_name(r, lambda n: self._swap(n, self._homophones))

    def lookalike(self, r: dict[str, str | None]) -> str | None:
        return self._changed_name(r, lambda n: self._swap(n, self._lookalikes))

    def missing_char(self, r: dict[str, str | None]) -> str | None:
        def drop(n: str) -> str | None:
            if len(n) < 4:
                return None
            j = self.rng.randrange(1, len(n) - 1)
            return n[:j] + n[j + 1 :]

        return self._changed_name(r, drop)

    def extra_char(self, r: dict[str, str | None]) -> str | None:
        def add(n: str) -> str | None:
            j = self.rng.randrange(1, len(n))  # inside the name: 星河苑苑 still holds 星河苑 whole
            c = n[j - 1] if j > 1 and self.rng.random() < 0.5 else self.rng.choice(EXTRA_POOL)
            return n[:j] + c + n[j:]

        return self._changed_name(r, add)

    def traditional(self, r: dict[str, str | None]) -> str | None:
        target = self._name_target(r)
        if target is None:
            return None
        text = self._with_name(r, *target)
        if self.rng.random() < 0.3:
            text = str(r["full_text"])
        out = "".join(TRADITIONAL.get(c, c) for c in text)
        return out if out != text else None

    def spoken(self, r: dict[str, str | None]) -> str | None:
        if r["level"] not in ("building", "unit", "room") or not self.lib.unique_compound(r.get("compound")):
            return None
        b, u, room = _number(r.get("building")), _number(r.get("unit")), _number(r.get("room"))
        if b is None:
            return None
        form = self.rng.randrange(4)
        if form == 0:  # 三号楼二单元五零一
            tail = say_number(int(b)) + "号楼" + (say_number(int(u)) + "单元" if u else "")
            tail += say_digits(room) if room else ""
        elif form == 1 and u and room:  # 3-2-501
            tail = f"{b}-{u}-{room}"
        elif form == 2:  # 3栋2单元501
            tail = f"{b}栋" + (f"{u}单元" if u else "") + (room or "")
        else:  # 3号楼2单元501室
            tail = f"{b}号楼" + (f"{u}单元" if u else "") + (f"{room}室" if room else "")
        return str(r["compound"]) + tail

    def popular_name(self, r: dict[str, str | None]) -> str | None:
        if r["level"] not in ("compound", "building") or not self.lib.unique_compound(r.get("compound")):
            return None
        name = str(r["compound"])
        shorter = [name[len(d) :] for d in DEVELOPERS if name.startswith(d)]
        shorter += [name[: -len(g)] for g in GENERIC if name.endswith(g)]
        shorter = [s for s in shorter if len(s) >= 2]
        if not shorter:
            return None
        popular = self.rng.choice(shorter)
        if popular in self.lib.names or self.lib.inside_other(popular, name):
            self.withheld += 1
            self.ambiguous.append(self._written(r, road=None, number=None, compound=popular))
            return None
        return self._written(r, road=None, number=None, compound=popular)

    def landmark(self, r: dict[str, str | None]) -> str | None:
        if r["level"] == "compound" and self.lib.unique_compound(r.get("compound")):
            return str(r["compound"]) + self.rng.choice(LANDMARKS)
        if r["level"] == "door" and self.lib.unique_door(r.get("road"), r.get("number")):
            return f"{r['road']}{r['number']}" + self.rng.choice(LANDMARKS[4:])
        if r["level"] == "building" and self.lib.unique_compound(r.get("compound")):
            return f"{r['compound']}{r['building']}" + self.rng.choice(("旁边", "楼下", "后面"))
        return None

    def _swap(self, name: str, groups: dict[str, str]) -> str | None:
        places = [j for j, c in enumerate(name) if c in groups]
        if not places:
            return None
        j = self.rng.choice(places)
        others = [c for c in groups[name[j]] if c != name[j]]
        return name[:j] + self.rng.choice(others) + name[j + 1 :] if others else None


def _less_one(name: str) -> set[str]:
    return {name} | {name[:j] + name[j + 1 :] for j in range(len(name))}


def _groups(table: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for group in table:
        for c in group:
            out[c] = out.get(c, "") + group
    return out


def generate_resident(
    conn: Connection, *, per_kind: int = 250, seed: int = 20261204, sample: int | None = None
) -> ResidentSet:
    """`per_kind` labelled texts of each resident kind (fewer when too few rows fit)."""
    lib = Library(conn)
    rows = load_sample(conn, sample or per_kind * 3, seed)
    g = ResidentGenerator(lib, seed)
    out = ResidentSet()
    for kind in RESIDENT_KINDS:
        order = list(rows)
        g.rng.shuffle(order)
        made = 0
        for r in order:
            if made >= per_kind:
                break
            text = getattr(g, kind)(r)
            out.ambiguous += [
                Labelled(AMBIGUOUS, t, str(r["code"]), str(r["level"]), str(r["grid_code"])) for t in g.ambiguous
            ]
            g.ambiguous = []
            if text:
                out.variants.append(Labelled(kind, text, str(r["code"]), str(r["level"]), str(r["grid_code"])))
                made += 1
        if kind == "landmark":
            out.variants += _poi_landmarks(g, lib, conn, per_kind - made)
    out.withheld = g.withheld
    return out


def _poi_landmarks(g: ResidentGenerator, lib: Library, conn: Connection, room: int) -> list[Labelled]:
    """Well-known places (POI aliases) with a place word: 良睦小学旁边, for the door it stands for."""
    pois = [x for x in lib.aliases if x[2] == "poi" and lib.pois[x[1]] == 1 and x[1] not in lib.compounds]
    g.rng.shuffle(pois)
    out: list[Labelled] = []
    a = addresses.c
    for code, alias, _ in pois[: max(0, min(room, len(pois), 40))]:
        row = conn.execute(sa.select(a.level, a.grid_code).where(a.code == code)).one()
        out.append(Labelled("landmark", alias + g.rng.choice(("旁边", "对面", "门口", "附近")), code, *row))
    return out
