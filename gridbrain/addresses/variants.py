"""The labelled set of messy address texts: generated from library rows by one documented
mutation per kind, with a seed, so the set is reproducible and per-kind accuracy is honest.
Nothing here looks at how the matcher works; it only knows the library.

Kinds (each applied to a row of the levels it fits; the label is that row, at its level):
- full: the standard full text as stored.
- no_upper: province and city (and half the time the district) left out.
- numerals_cn: door, building and unit numbers in Chinese (八十八号, 三幢, 二单元), room digit by
  digit (五零一室).
- fullwidth: every digit full-width (３幢).
- building_word: 幢 written 号楼, 栋, 座 or # (3号楼, 3栋, 3座, 3#).
- unit_word: 2单元 written 2单, or the word left out with a dash (3幢2-501, 3-2-501).
- room_form: 501室 written 501 or 5楼01.
- typo_road: one character of the road name replaced (never the last); upper levels dropped.
- typo_compound: one character of the compound name replaced, compound written without its
  road and door; upper levels dropped.
  A typo is withheld (and counted in `Generator.withheld`) when the mistyped text would name
  another address as well: it is another library name, holds one (江城星桥花园 ⊃ 星桥花园), or
  is one character from another name (a road: one that has the same door number).
- extra_words: 门口 / 旁边 / 对面 / 附近 / 路口 after the address, sometimes 在 before it.
- compound_only: the compound name instead of road and door number.
- embedded: the address inside a complaint sentence.
- mixed: three of numerals_cn, fullwidth, building_word, unit_word, room_form, extra_words
  together on the address without upper levels.
- alias: a well-known place (POI) or another compound name in place of the standard name.

Texts that cannot name one address whatever the matcher does (a road + number or compound name
the library holds twice, for kinds that drop the street and community) are not generated: the
right answer to those is "unresolved", which the unit tests check instead.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from gridbrain.addresses.index import AddressIndex
from gridbrain.addresses.model import PARTS, Level, label_token, normalize
from gridbrain.addresses.tables import address_aliases, addresses

KINDS = (
    "full",
    "no_upper",
    "numerals_cn",
    "fullwidth",
    "building_word",
    "unit_word",
    "room_form",
    "typo_road",
    "typo_compound",
    "extra_words",
    "compound_only",
    "embedded",
    "mixed",
    "alias",
)
AMBIGUOUS = "typo_ambiguous"  # withheld typos: not in the accuracy figures; a confident answer there is a guess
TYPO_POOL = "华新东西南北中兴建明光阳安平和金银丰盛宏福康美德春秋江海山林"
EXTRA = ("门口", "旁边", "对面", "附近", "路口")
COMPLAINTS = (
    "{a}楼下有人乱扔垃圾",
    "反映{a}附近晚上噪音扰民，请尽快处理",
    "我家住{a}，楼道里堆满杂物存在消防隐患",
    "{a}门口的井盖坏了，很危险",
    "投诉：{a}有人占道经营",
    "您好，{a}这边路灯不亮已经一周了",
)
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_CN = "零一二三四五六七八九"


@dataclass(frozen=True)
class Variant:
    kind: str
    text: str
    code: str
    level: str
    grid_code: str


def cn_positional(n: int) -> str:
    """88 -> 八十八, 10 -> 十, 501 -> 五百零一 (below 1000)."""
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n % 10] if n % 10 else "")
    if n < 100:
        return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = (
            ""
            if rest == 0
            else ("零" + _CN[rest] if rest < 10 else ("一" + cn_positional(rest) if rest < 20 else cn_positional(rest)))
        )
        return _CN[n // 100] + "百" + tail
    return "".join(_CN[int(d)] for d in str(n))


def _digits(label: str, convert: Callable[[str], str]) -> str:
    return re.sub(r"\d+", lambda m: convert(m.group(0)), label)


class Generator:
    def __init__(
        self, m: AddressIndex, rows: Sequence[dict[str, Any]], aliases: Sequence[tuple[str, str, str, str]], seed: int
    ) -> None:
        self.m = m
        self.rng = random.Random(seed)
        self.rows = list(rows)
        self.by_code = {r["code"]: r for r in self.rows}
        self.aliases = list(aliases)
        self.withheld = 0  # typo draws left out because the text would name another address too
        self.ambiguous: list[Variant] = []  # those texts, for the "refuses to guess" figure
        self._withheld_name: str | None = None
        self._by_length: dict[int, list[str]] | None = None

    # --- library facts ------------------------------------------------------------------------

    def _unique_name(self, name: str | None) -> bool:
        return bool(name) and len(self.m.names.get(normalize(name or "").replace(" ", ""), ())) == 1

    def _unique_door(self, r: dict[str, Any]) -> bool:
        if not r.get("road") or not r.get("number"):
            return False
        rid = self.m._road_ids.get(normalize(r["road"]))
        return rid is not None and len(self.m.doors.get((rid, label_token(r["number"]) or ""), ())) == 1

    def _known(self, name: str) -> bool:
        return normalize(name) in self.m.names

    # --- pieces -------------------------------------------------------------------------------

    def upper(self, r: dict[str, Any]) -> list[str]:
        g = r["grid_code"]
        return [self.m.area_names.get(g[:n].ljust(12, "0"), "") for n in (2, 4, 6, 9, 12)]

    def core(self, r: dict[str, Any], **over: str | None) -> str:
        return "".join((over[p] if p in over else r.get(p)) or "" for p in PARTS)

    def _typo(self, name: str, number: str | None = None) -> str | None:
        """`name` with one character replaced, unless that makes the text name something else
        too: another name of the library, a name inside it (江城星桥花园 ⊃ 星桥花园), or another
        name one character away (that has the same door number, for a road)."""
        for _ in range(20):
            j = self.rng.randrange(len(name) - 1)  # never the last character (路, 苑, ...)
            c = self.rng.choice(TYPO_POOL)
            out = name[:j] + c + name[j + 1 :]
            if c == name[j] or self._known(out):
                continue
            if self._ambiguous(out, name, number):
                self.withheld += 1
                self._withheld_name = out
                return None
            return out
        return None

    def _ambiguous(self, typo: str, original: str, number: str | None) -> bool:
        t = normalize(typo)
        inside = any(
            t[i : i + n] in self.m.names and t[i : i + n] != normalize(original)
            for n in range(3, len(t))
            for i in range(len(t) - n + 1)
        )
        if inside:
            return True
        for other in self._names_of_length(len(t)):
            if other != normalize(original) and sum(a != b for a, b in zip(t, other, strict=True)) <= 1:
                if number is None:
                    return True
                rid = self.m._road_ids.get(other)
                if rid is not None and (rid, label_token(number) or "") in self.m.doors:
                    return True
        return False

    def _names_of_length(self, n: int) -> list[str]:
        if self._by_length is None:
            self._by_length = {}
            for name, entries in self.m.names.items():
                if any(kind != 0 for kind, _, _ in entries):  # 0: an area name
                    self._by_length.setdefault(len(name), []).append(name)
        return self._by_length.get(n, [])

    # --- kinds: each returns a text or None when the row does not fit ---------------------------

    def full(self, r: dict[str, Any]) -> str | None:
        return str(r["full_text"])

    def no_upper(self, r: dict[str, Any]) -> str | None:
        up = self.upper(r)
        keep = up[3:] if self.rng.random() < 0.5 else up[2:]
        return "".join(keep) + self.core(r)

    def _bare(self, r: dict[str, Any]) -> str | None:
        """The address without any area name, if that still names one address."""
        if r["level"] in ("road",):
            return None
        if r.get("road") and r.get("number") and self._unique_door(r):
            return self.core(r)
        if r.get("compound") and self._unique_name(r["compound"]):
            return self.core(r, road=None, number=None)
        return None

    def numerals_cn(self, r: dict[str, Any]) -> str | None:
        if self._bare(r) is None:
            return None
        over = {}
        for p in ("number", "building", "unit"):
            if r.get(p):
                over[p] = _digits(r[p], lambda d: cn_positional(int(d)))
        if r.get("room"):
            over["room"] = _digits(r["room"], lambda d: "".join(_CN[int(c)] for c in d))
        return self._bare({**r, **over})

    def fullwidth(self, r: dict[str, Any]) -> str | None:
        bare = self._bare(r)
        return bare.translate(_FULLWIDTH) if bare else None

    def building_word(self, r: dict[str, Any]) -> str | None:
        if not r.get("building") or "幢" not in r["building"]:
            return None
        word = self.rng.choice(("号楼", "栋", "座", "#"))
        return self._bare({**r, "building": r["building"].replace("幢", word)})

    def unit_word(self, r: dict[str, Any]) -> str | None:
        if not r.get("unit") or "单元" not in r["unit"]:
            return None
        if r.get("room") and self.rng.random() < 0.6:
            b, u, m = (re.sub(r"\D", "", r[p]) for p in ("building", "unit", "room"))
            form = f"{r['building']}{u}-{m}" if self.rng.random() < 0.5 else f"{b}-{u}-{m}"
            return self._bare({**r, "building": form, "unit": None, "room": None})
        return self._bare({**r, "unit": r["unit"].replace("单元", "单")})

    def room_form(self, r: dict[str, Any]) -> str | None:
        if not r.get("room") or not re.fullmatch(r"\d{3,4}室", r["room"]):
            return None
        digits = r["room"][:-1]
        form = digits if self.rng.random() < 0.5 else f"{digits[:-2]}楼{digits[-2:]}"
        return self._bare({**r, "room": form})

    def typo_road(self, r: dict[str, Any]) -> str | None:
        if not r.get("road") or len(r["road"]) < 3 or r["level"] not in ("door",) or not self._unique_door(r):
            return None
        typo = self._typo(r["road"], r["number"])
        if typo is None and self._withheld_name:
            self._keep_ambiguous(self.core(r, road=self._withheld_name), r)
        return self.core(r, road=typo) if typo else None

    def typo_compound(self, r: dict[str, Any]) -> str | None:
        if not r.get("compound") or len(r["compound"]) < 3 or not self._unique_name(r["compound"]):
            return None
        typo = self._typo(r["compound"])
        if typo is None and self._withheld_name:
            self._keep_ambiguous(self.core(r, road=None, number=None, compound=self._withheld_name), r)
        return self.core(r, road=None, number=None, compound=typo) if typo else None

    def _keep_ambiguous(self, text: str, r: dict[str, Any]) -> None:
        self._withheld_name = None
        self.ambiguous.append(Variant(AMBIGUOUS, text, r["code"], r["level"], r["grid_code"]))

    def extra_words(self, r: dict[str, Any]) -> str | None:
        bare = self._bare(r)
        if bare is None:
            return None
        return ("在" if self.rng.random() < 0.3 else "") + bare + self.rng.choice(EXTRA)

    def compound_only(self, r: dict[str, Any]) -> str | None:
        if not r.get("compound") or not self._unique_name(r["compound"]):
            return None
        return self.core(r, road=None, number=None)

    def embedded(self, r: dict[str, Any]) -> str | None:
        bare = self._bare(r)
        return self.rng.choice(COMPLAINTS).format(a=bare) if bare else None

    def mixed(self, r: dict[str, Any]) -> str | None:
        steps = self.rng.sample(("numerals_cn", "building_word", "unit_word", "room_form", "fullwidth"), 2)
        text = None
        row = dict(r)
        for step in steps:
            if step == "numerals_cn" and self._bare(row):
                row = {
                    **row,
                    **{
                        p: _digits(row[p], lambda d: cn_positional(int(d)))
                        for p in ("number", "building")
                        if row.get(p)
                    },
                }
            elif step == "building_word" and row.get("building") and "幢" in row["building"]:
                row["building"] = row["building"].replace("幢", self.rng.choice(("号楼", "栋", "座")))
            elif step == "unit_word" and row.get("unit"):
                row["unit"] = row["unit"].replace("单元", "单")
            elif step == "room_form" and row.get("room") and re.fullmatch(r"\d{3,4}室", row["room"]):
                row["room"] = row["room"][:-1]
        text = self._bare(row)
        if text is None:
            return None
        if "fullwidth" in steps:
            text = text.translate(_FULLWIDTH)
        return text + self.rng.choice(EXTRA)

    def alias(self, r: dict[str, Any]) -> str | None:
        return None  # produced from the alias table in `generate`


def load_rows(
    conn: Connection, per_level: int, seed: int
) -> tuple[list[dict[str, Any]], list[tuple[str, str, str, str]]]:
    """A seeded sample of library rows of every level, with the parts inherited from their
    parents filled in, and every alias as (code, alias, level and grid of the address)."""
    rng = random.Random(seed)
    a = addresses.c
    rows: list[dict[str, Any]] = []
    for level in Level:
        codes = [c for (c,) in conn.execute(sa.select(a.code).where(a.level == level.value).order_by(a.code))]
        pick = rng.sample(codes, min(per_level, len(codes)))
        for i in range(0, len(pick), 500):
            rows += [dict(r._mapping) for r in conn.execute(sa.select(addresses).where(a.code.in_(pick[i : i + 500])))]
    rows.sort(key=lambda r: r["code"])
    _inherit(conn, rows)
    # an alias that is the standard name itself (the compound's own name) adds no variant
    aliases = [
        (r.address_code, r.alias, r.level, r.grid_code)
        for r in conn.execute(
            sa.select(address_aliases.c.address_code, address_aliases.c.alias, a.level, a.grid_code)
            .join(addresses, a.code == address_aliases.c.address_code)
            .where(sa.or_(a.compound.is_(None), a.compound != address_aliases.c.alias))
            .order_by(address_aliases.c.id)
        )
    ]
    return rows, aliases


def _inherit(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Fill a row's empty road / number / compound / ... from its ancestors."""
    cache: dict[str, dict[str, Any]] = {}
    todo = {r["parent_code"] for r in rows if r["parent_code"]}
    for _ in range(6):
        todo -= cache.keys()
        if not todo:
            break
        found = [dict(r._mapping) for r in conn.execute(sa.select(addresses).where(addresses.c.code.in_(todo)))]
        cache.update({f["code"]: f for f in found})
        todo = {f["parent_code"] for f in found if f["parent_code"]}
    for r in rows:
        p = r["parent_code"]
        while p and p in cache:
            for part in PARTS:
                if not r.get(part) and cache[p].get(part):
                    r[part] = cache[p][part]
            p = cache[p]["parent_code"]


def generate(
    m: AddressIndex,
    rows: Sequence[dict[str, Any]],
    aliases: Sequence[tuple[str, str, str, str]],
    *,
    per_kind: int = 250,
    seed: int = 20261124,
    stats: dict[str, int] | None = None,
) -> list[Variant]:
    """`per_kind` variants of each kind (fewer when too few rows fit), in a reproducible order,
    then the withheld typos as kind AMBIGUOUS (labelled with the row they were drawn from)."""
    g = Generator(m, rows, aliases, seed)
    out: list[Variant] = []
    for kind in KINDS:
        if kind == "alias":
            out += _alias_variants(g, per_kind)
            continue
        fn = getattr(g, kind)
        order = list(g.rows)
        g.rng.shuffle(order)
        made = 0
        for r in order:
            if made >= per_kind:
                break
            text = fn(r)
            if text:
                out.append(Variant(kind, text, r["code"], r["level"], r["grid_code"]))
                made += 1
    if stats is not None:
        stats["withheld_typos"] = g.withheld
    return out + g.ambiguous


def _alias_variants(g: Generator, per_kind: int) -> list[Variant]:
    out: list[Variant] = []
    usable = [x for x in g.aliases if g._unique_name(x[1])]
    g.rng.shuffle(usable)
    for code, alias, level, grid in usable[:per_kind]:
        out.append(Variant("alias", alias + g.rng.choice(("", "门口", "附近")), code, level, grid))
    return out
