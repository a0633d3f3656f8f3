"""The in-memory address index (no storage: `matcher.py` loads it, `matching.py` reads texts
against it).

Memory is kept flat for the 1.77 M rows of a district: codes and texts live in two byte blobs
with offset arrays, numbers in `array`s, and the hierarchy below a door in one dict keyed by a
single integer (parent, kind, label) -> child. A text is stored as the suffix it adds to its
parent's text when it has that shape (…星河苑 + 3幢), so a room costs a few bytes of text.

Names (roads, compounds, aliases, areas) are kept normalised, with an index of their first two
characters for the longest-match scan, and wildcard keys (星?路) and one-character-short keys
for typos.
"""

from __future__ import annotations

from array import array
from typing import Generic, TypeVar

import h3

from gridbrain.addresses.forms import brands, popular_names, simplify_table, sound_table
from gridbrain.addresses.model import LEVELS, MAX_ALTERNATIVES, Candidate, Level, MatchResult, label_token, normalize
from gridbrain.areas.model import haversine_m
from gridbrain.core.codes import AreaLevel

ROAD, DOOR, COMPOUND, BUILDING, UNIT, ROOM = range(1, 7)  # depths, as Level.depth
_LEVEL_OF_DEPTH = {lv.depth: lv for lv in LEVELS}
_TOK = 1 << 22  # label ids stay below this
AREA, ROAD_NAME, NODE = 0, 1, 2  # kinds of a name found in text

ALIAS_FACTOR = 0.95  # a former name or a well-known place rather than the standard name
POPULAR_FACTOR = 0.92  # a compound by its popular name (its brand or generic word left out)
REVERSE_RES = 9


IndexT = TypeVar("IndexT", bound="AddressIndex")


class IndexBuilder(Generic[IndexT]):
    """Fills an index with areas, rows (parents before children) and aliases; `finish()` gives it
    back ready: `IndexBuilder(Matcher()).…finish()`."""

    def __init__(self, index: IndexT) -> None:
        self.m = index
        self._idx: dict[str, int] = {}
        self._text_of: dict[int, str] = {}  # full texts of road/door/compound rows, to cut children's suffixes

    def add_area(self, code: str, name: str, level: int) -> None:
        m = self.m
        m.area_codes.append(code)
        m.area_names[code] = name
        if level >= AreaLevel.DISTRICT:
            m._add_name(normalize(name), AREA, len(m.area_codes) - 1)

    def add_row(
        self,
        code: str,
        parent_code: str | None,
        level: str,
        full_text: str,
        road: str | None,
        number: str | None,
        compound: str | None,
        building: str | None,
        unit: str | None,
        room: str | None,
        grid_code: str,
        lat: float,
        lng: float,
    ) -> None:
        m = self.m
        depth = Level(level).depth
        i = len(m.level)
        self._idx[code] = i
        parent = self._idx.get(parent_code, -1) if parent_code else -1
        m.level.append(depth)
        m.parent.append(parent)
        m.lat.append(lat)
        m.lng.append(lng)
        g = m._grid_ids.get(grid_code)
        if g is None:
            g = m._grid_ids[grid_code] = len(m.grid_codes)
            m.grid_codes.append(grid_code)
        m.grid.append(g)
        m._append_code(code)
        parent_text = self._text_of.get(parent) if parent >= 0 else None
        if parent_text is not None and full_text.startswith(parent_text):
            m._append_text(full_text[len(parent_text) :], True)
        else:
            m._append_text(full_text, False)
        if depth <= COMPOUND:
            self._text_of[i] = full_text
        if depth in (DOOR, COMPOUND, BUILDING):
            m._reverse_add(i, lat, lng)
        if depth == ROAD and road:
            rid = m._road_id(normalize(road))
            m.road_nodes.setdefault(rid, []).append(i)
            m.node_road[i] = rid
        elif depth == DOOR:
            door_road = m._road_id(normalize(road)) if road else m.node_road.get(parent)
            number_token = label_token(number)
            if door_road is not None and number_token:
                m.node_road[i] = door_road
                m.doors.setdefault((door_road, number_token), []).append(i)
        elif depth == COMPOUND:
            if compound:
                m._add_name(normalize(compound), NODE, i)
            if parent >= 0 and m.level[parent] == DOOR:
                m.door_compounds.setdefault(parent, []).append(i)
        elif depth in (BUILDING, UNIT, ROOM) and parent >= 0:
            label = {BUILDING: building, UNIT: unit, ROOM: room}[depth]
            label_id = m._tok(label)
            if label_id is not None:
                m.children[m._key(parent, depth, label_id)] = i

    def add_alias(self, code: str, alias: str, kind: str) -> None:
        i = self._idx.get(code)
        if i is None:
            return
        m = self.m
        name = normalize(alias)
        if m.level[i] == ROAD and i in m.node_road:
            m._add_name(name, ROAD_NAME, m.node_road[i], alias=True)
        else:
            m._add_name(name, NODE, i, alias=kind != "compound")

    def finish(self) -> IndexT:
        self.m._finish()
        self._idx.clear()
        self._text_of.clear()
        return self.m


def _first_index(names: dict[str, list[str]] | dict[str, list[tuple[int, int, float]]]) -> dict[str, tuple[int, ...]]:
    first: dict[str, set[int]] = {}
    for name in names:
        first.setdefault(name[:2], set()).add(len(name))
    return {c: tuple(sorted(ls, reverse=True)) for c, ls in first.items()}


class AddressIndex:
    """The library in flat arrays; `matching.Matcher` adds the reading of texts."""

    def __init__(self) -> None:
        self.level = bytearray()
        self.parent = array("i")
        self.lat = array("d")
        self.lng = array("d")
        self.grid = array("I")
        self.grid_codes: list[str] = []
        self._grid_ids: dict[str, int] = {}
        self._code_blob = bytearray()
        self._code_off = array("Q", [0])
        self._text_blob = bytearray()
        self._text_off = array("Q", [0])
        self._text_chained = bytearray()  # 1: text = parent's text + own suffix
        self.area_codes: list[str] = []
        self.area_names: dict[str, str] = {}
        self.road_names: list[str] = []
        self._road_ids: dict[str, int] = {}
        self.road_nodes: dict[int, list[int]] = {}
        self.node_road: dict[int, int] = {}
        self.doors: dict[tuple[int, str], list[int]] = {}
        self.door_compounds: dict[int, list[int]] = {}
        self.children: dict[int, int] = {}
        self._toks: dict[str, int] = {}
        self._tok_cache: dict[str, int | None] = {}
        self.names: dict[str, list[tuple[int, int, float]]] = {}
        self._first: dict[str, tuple[int, ...]] = {}
        self._typo: dict[str, list[str]] = {}
        self._typo_first: dict[str, tuple[int, ...]] = {}
        self._typo_second: dict[str, tuple[int, ...]] = {}
        self._typo_lengths: tuple[int, ...] = ()
        self._dropped: dict[str, list[str]] = {}  # a name with one character left out -> names
        self._cells: dict[str, list[int]] = {}
        self._structural: list[str] = []
        # residents' forms (forms.py): read only when the matcher is `robust`
        self._simplify: dict[int, str] = {}
        self._sound: dict[int, str] = {}
        self._sound_names: dict[str, list[str]] = {}  # sound key -> names
        self._sound_first: dict[str, tuple[int, ...]] = {}
        self._popular: dict[str, list[tuple[int, int, float]]] = {}  # popular name -> entries of the compound
        self._popular_first: dict[str, tuple[int, ...]] = {}
        self._brands: set[str] = set()

    # --- building ---------------------------------------------------------------------------

    def _append_code(self, code: str) -> None:
        self._code_blob += code.encode()
        self._code_off.append(len(self._code_blob))

    def _append_text(self, text: str, chained: bool) -> None:
        self._text_blob += text.encode()
        self._text_off.append(len(self._text_blob))
        self._text_chained.append(1 if chained else 0)

    def _road_id(self, name: str) -> int:
        rid = self._road_ids.get(name)
        if rid is None:
            rid = self._road_ids[name] = len(self.road_names)
            self.road_names.append(name)
            self._add_name(name, ROAD_NAME, rid)
        return rid

    def _add_name(self, name: str, kind: int, ident: int, *, alias: bool = False) -> None:
        name = name.replace(" ", "")
        if len(name) < 2:
            return
        entries = self.names.setdefault(name, [])
        entry = (kind, ident, ALIAS_FACTOR if alias else 1.0)
        if entry not in entries:
            entries.append(entry)

    def _tok(self, label: str | None) -> int | None:
        if label is None:
            return None
        if label in self._tok_cache:
            return self._tok_cache[label]
        token = label_token(label)
        tid = None
        if token is not None:
            tid = self._toks.get(token)
            if tid is None:
                tid = self._toks[token] = len(self._toks)
        self._tok_cache[label] = tid
        return tid

    def _token_id(self, token: str | None) -> int | None:
        return None if token is None else self._toks.get(token)

    @staticmethod
    def _key(parent: int, depth: int, tok: int) -> int:
        return ((parent << 3) | depth) * _TOK + tok

    def _reverse_add(self, i: int, lat: float, lng: float) -> None:
        self._cells.setdefault(h3.latlng_to_cell(lat, lng, REVERSE_RES), []).append(i)

    def _finish(self) -> None:
        first: dict[str, set[int]] = {}
        for name in self.names:
            first.setdefault(name[:2], set()).add(len(name))
        self._first = {c: tuple(sorted(ls, reverse=True)) for c, ls in first.items()}
        typo_first: dict[str, set[int]] = {}
        typo_second: dict[str, set[int]] = {}
        for name, entries in self.names.items():
            if len(name) < 3 or all(kind == AREA for kind, _, _ in entries):
                continue
            self._structural.append(name)
            typo_first.setdefault(name[0], set()).add(len(name))
            typo_second.setdefault(name[1], set()).add(len(name))
            for j in range(len(name)):
                self._typo.setdefault(name[:j] + "\0" + name[j + 1 :], []).append(name)
                if len(name) >= 4:
                    self._dropped.setdefault(name[:j] + name[j + 1 :], []).append(name)
        self._typo_first = {c: tuple(ls) for c, ls in typo_first.items()}
        self._typo_lengths = tuple(sorted({len(n) for n in self._structural}, reverse=True))
        self._typo_second = {c: tuple(ls) for c, ls in typo_second.items()}
        self._tok_cache.clear()
        self._finish_forms()

    def _finish_forms(self) -> None:
        """Keys for the residents' forms: sound keys of the names, popular names of compounds."""
        self._simplify = simplify_table({c for name in self.names for c in name})
        self._sound = sound_table()
        for name in self._structural:
            self._sound_names.setdefault(name.translate(self._sound), []).append(name)
        compounds = [
            n for n, es in self.names.items() if any(k == NODE and self.level[i] == COMPOUND for k, i, _ in es)
        ]
        self._brands = brands(compounds)
        others = [n for n, es in self.names.items() if any(k != AREA for k, _, _ in es)]
        for short, owner in popular_names(compounds, others).items():
            entries = [(k, i, POPULAR_FACTOR) for k, i, _ in self.names[owner] if k == NODE]
            self._popular[short] = entries
        self._sound_first = _first_index(self._sound_names)
        self._popular_first = _first_index(self._popular)

    # --- reading ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.level)

    def code(self, i: int) -> str:
        return self._code_blob[self._code_off[i] : self._code_off[i + 1]].decode()

    def text(self, i: int) -> str:
        parts = []
        while True:
            parts.append(self._text_blob[self._text_off[i] : self._text_off[i + 1]].decode())
            if not self._text_chained[i]:
                break
            i = self.parent[i]
        return "".join(reversed(parts))

    def level_of(self, i: int) -> Level:
        return _LEVEL_OF_DEPTH[self.level[i]]

    def grid_code(self, i: int) -> str:
        return self.grid_codes[self.grid[i]]

    def candidate(self, i: int, score: float) -> Candidate:
        return Candidate(self.code(i), self.text(i), self.level_of(i).value, round(score, 3), self.grid_code(i))

    def result(self, i: int, score: float, alternatives: list[Candidate]) -> MatchResult:
        lat, lng = self.lat[i], self.lng[i]
        return MatchResult(
            resolved=True,
            score=round(score, 3),
            code=self.code(i),
            text=self.text(i),
            level=self.level_of(i).value,
            grid_code=self.grid_code(i),
            lat=lat,
            lng=lng,
            h3=h3.latlng_to_cell(lat, lng, 11),
            alternatives=alternatives[:MAX_ALTERNATIVES],
        )

    def admin_names(self, grid_code: str) -> tuple[str | None, str | None, str | None]:
        """Province, city and district names of a grid (for comparisons with cpca)."""

        def name(n: int) -> str | None:
            return self.area_names.get(grid_code[:n].ljust(12, "0"))

        return name(2), name(4), name(6)

    def _is_ancestor(self, a: int, b: int) -> bool:
        p = self.parent[b]
        while p >= 0:
            if p == a:
                return True
            p = self.parent[p]
        return False

    def _child(self, parent: int, depth: int, token: str | None) -> int | None:
        tid = self._token_id(token)
        if tid is None:
            return None
        return self.children.get(self._key(parent, depth, tid))

    # --- reverse ----------------------------------------------------------------------------

    def nearest(self, lat: float, lng: float, limit: int = 5, scope: str | None = None) -> list[tuple[int, float]]:
        """The `limit` door / compound / building addresses nearest to a point: (index, metres)."""
        cell = h3.latlng_to_cell(lat, lng, REVERSE_RES)
        found: list[int] = []
        for k in (1, 2, 4, 8):
            found = [
                i
                for c in h3.grid_disk(cell, k)
                for i in self._cells.get(c, ())
                if scope is None or self.grid_code(i).startswith(scope)
            ]
            if len(found) >= limit:
                break
        ranked = sorted((haversine_m(lat, lng, self.lat[i], self.lng[i]), i) for i in found)
        return [(i, d) for d, i in ranked[:limit]]
