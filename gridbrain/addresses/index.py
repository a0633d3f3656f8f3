"""The in-memory address index and the matcher over it (no storage: `matcher.py` loads it).

Memory is kept flat for the 1.77 M rows of a district: codes and texts live in two byte blobs
with offset arrays, numbers in `array`s, and the hierarchy below a door in one dict keyed by a
single integer (parent, kind, label) -> child. A text is stored as the suffix it adds to its
parent's text when it has that shape (…星河苑 + 3幢), so a room costs a few bytes of text.

Finding names (roads, compounds, aliases, areas) in a text is a longest-match scan keyed by
first character; a one-character typo is found through wildcard keys (星?路) built for every
name, tried only when no name is found exactly.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import h3
from rapidfuzz import fuzz, process

from gridbrain.addresses.model import (
    LEVELS,
    MATCH_THRESHOLD,
    MAX_ALTERNATIVES,
    Candidate,
    Level,
    MatchResult,
    Tail,
    door_number,
    label_token,
    normalize,
    parse_tail,
)
from gridbrain.core.codes import AreaLevel, area_prefix

ROAD, DOOR, COMPOUND, BUILDING, UNIT, ROOM = range(1, 7)  # depths, as Level.depth
_LEVEL_OF_DEPTH = {lv.depth: lv for lv in LEVELS}
_TOK = 1 << 22  # label ids stay below this
_AREA, _ROAD_NAME, _NODE = 0, 1, 2  # kinds of a name found in text

TYPO_FACTOR = 0.85  # a name found with one character wrong
GAP_FACTOR = 0.78  # a name found with one character left out or added: rarer than a wrong one
ALIAS_FACTOR = 0.95  # a former name or a well-known place rather than the standard name
MISSING_FACTOR = 0.85  # per level the text names but the library does not have
AREA_CONFLICT_FACTOR = 0.8  # the text names a street/community that neither the address nor its parents are in
AMBIGUOUS_MARGIN = 0.05
DEPTH_BONUS = 0.02  # between rival readings, the more specific one wins by a little
REVERSE_RES = 9


@dataclass
class _Hit:
    start: int
    end: int
    kind: int
    ident: int
    factor: float


class IndexBuilder:
    """Collects areas, rows (parents before children) and aliases, then `finish()`es a Matcher."""

    def __init__(self) -> None:
        self.m = Matcher()
        self._idx: dict[str, int] = {}
        self._texts: list[str] = []  # full texts of road/door/compound rows, to cut children's suffixes
        self._text_of: dict[int, str] = {}

    def add_area(self, code: str, name: str, level: int) -> None:
        m = self.m
        m.area_codes.append(code)
        m.area_names[code] = name
        if level >= AreaLevel.DISTRICT:
            m._add_name(normalize(name), _AREA, len(m.area_codes) - 1)

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
                m._add_name(normalize(compound), _NODE, i)
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
            m._add_name(name, _ROAD_NAME, m.node_road[i], alias=True)
        else:
            m._add_name(name, _NODE, i, alias=kind != "compound")

    def finish(self) -> Matcher:
        self.m._finish()
        self._idx.clear()
        self._text_of.clear()
        return self.m


class Matcher:
    """Free text -> the standard address it stands for. Build with `IndexBuilder`."""

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
            self._add_name(name, _ROAD_NAME, rid)
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
            if len(name) < 3 or all(kind == _AREA for kind, _, _ in entries):
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

    # --- matching ---------------------------------------------------------------------------

    def match_many(self, texts: Iterable[str], scope: str | None = None) -> list[MatchResult]:
        return [self.match(t, scope) for t in texts]

    def match(self, text: str, scope: str | None = None) -> MatchResult:
        """The best standard address for `text`; `scope` (an area prefix) keeps only addresses
        inside that area. Unresolved, with candidates, when the best is not clearly right."""
        s = normalize(text)
        hits = self._scan(s)
        if not any(h.kind != _AREA for h in hits):
            hits += _longest(self._scan_typos(s))
        else:
            hits += self._typos_around(s, hits)
        areas = [self.area_codes[h.ident] for h in hits if h.kind == _AREA]
        cands = self._candidates(s, [h for h in hits if h.kind != _AREA])
        scored: dict[int, tuple[float, list[int]]] = {}
        for i, factor, end in cands:
            grid = self.grid_code(i)
            if scope is not None and not grid.startswith(scope):
                continue
            node, f, extra = self._descend(i, parse_tail(s, end))
            f *= factor
            if areas and self._area_conflict(i, areas):
                f *= AREA_CONFLICT_FACTOR
            if node not in scored or scored[node][0] < f:
                scored[node] = (f, extra)
        if not scored:
            return MatchResult.unresolved(0.0, self._suggest(s, scope))
        ranked = sorted(scored.items(), key=lambda kv: kv[1][0] + DEPTH_BONUS * self.level[kv[0]], reverse=True)
        best, (score, extra) = ranked[0]
        rivals = [(i, sc) for i, (sc, _) in ranked[1:] if not self._is_ancestor(i, best)]
        alternatives = [self.candidate(i, sc) for i, sc in rivals[:MAX_ALTERNATIVES]]
        alternatives += [self.candidate(i, score * 0.9) for i in extra]
        clear = (
            not rivals
            or (score + DEPTH_BONUS * self.level[best]) - (rivals[0][1] + DEPTH_BONUS * self.level[rivals[0][0]])
            >= AMBIGUOUS_MARGIN
        )
        if score >= MATCH_THRESHOLD and clear:
            return self.result(best, score, alternatives)
        return MatchResult.unresolved(score, [self.candidate(best, score), *alternatives])

    def _scan(self, s: str) -> list[_Hit]:
        """Names found exactly, longest first at each place, left to right."""
        hits: list[_Hit] = []
        i, n = 0, len(s)
        names, first = self.names, self._first
        while i < n - 1:
            lens = first.get(s[i : i + 2])
            if lens:
                for ln in lens:
                    found = names.get(s[i : i + ln]) if i + ln <= n else None
                    if found:
                        hits.extend(_Hit(i, i + ln, k, ident, f) for k, ident, f in found)
                        i += ln
                        break
                else:
                    i += 1
            else:
                i += 1
        return hits

    def _typos_around(self, s: str, hits: list[_Hit]) -> list[_Hit]:
        """A name found exactly, next to other name characters, may be part of a longer name
        written with one character wrong (福科银杏苑: 银杏苑, or 万科银杏苑 mistyped; 祥生柳营新苑:
        柳营新苑, or 祥生柳营雅苑 mistyped). Such a longer reading is added, and the exact one then
        counts as no surer than it."""
        out: list[_Hit] = []
        covered: set[int] = set()
        for h in hits:
            covered.update(range(h.start, h.end))
        longest = self._typo_lengths[0] if self._typo_lengths else 0
        for h in hits:
            if h.kind == _AREA:
                continue
            width, before = h.end - h.start, len(out)
            left = h.start  # how far the longer name could reach: free name characters only
            while left > 0 and h.start - left < longest - width and left - 1 not in covered and _namechar(s[left - 1]):
                left -= 1
            right = h.end
            while right < len(s) and right - h.end < longest - width and right not in covered and _namechar(s[right]):
                right += 1
            if left == h.start and right == h.end:
                continue
            for ln in self._typo_lengths:
                if ln <= width or ln > right - left:
                    continue
                for i in range(max(left, h.end - ln), min(h.start, right - ln) + 1):
                    piece = s[i : i + ln]
                    for j in range(ln):  # the wrong character may be inside the exact name too
                        for name in self._typo.get(piece[:j] + "\0" + piece[j + 1 :], ()):
                            out.extend(
                                _Hit(i, i + ln, k, ident, f * TYPO_FACTOR)
                                for k, ident, f in self.names[name]
                                if k != _AREA
                            )
            if len(out) > before:
                h.factor = min(h.factor, TYPO_FACTOR)
        return out

    def _scan_typos(self, s: str) -> list[_Hit]:
        out: list[_Hit] = []
        seen: set[tuple[int, str]] = set()
        n = len(s)
        for i in range(n - 2):
            lens = set(self._typo_first.get(s[i], ())) | set(self._typo_second.get(s[i + 1], ()))
            for ln in lens:
                if i + ln > n:
                    continue
                piece = s[i : i + ln]
                for j in range(ln):
                    if piece[j] in " 0123456789":
                        continue
                    for name in self._typo.get(piece[:j] + "\0" + piece[j + 1 :], ()):
                        if (i, name) in seen:
                            continue
                        seen.add((i, name))
                        out.extend(
                            _Hit(i, i + ln, k, ident, f * TYPO_FACTOR) for k, ident, f in self.names[name] if k != _AREA
                        )
        return out + self._scan_gaps(s)

    def _scan_gaps(self, s: str) -> list[_Hit]:
        """Names written with one character left out (星河花园 for 星河湾花园) or one too many
        inside (星河苑苑 is not a name, 星河大苑 for 星河苑): the rarer typos, looked for only when
        nothing else was found."""
        out: list[_Hit] = []
        n = len(s)
        for i in range(n - 2):
            if not _namechar(s[i]):
                continue
            for ln in self._typo_lengths:
                for width, short in ((ln - 1, True), (ln + 1, False)):
                    piece = s[i : i + width]
                    if len(piece) != width or width < 3 or not all(map(_namechar, piece)):
                        continue
                    if short:
                        names = [x for x in self._dropped.get(piece, ()) if len(x) == ln]
                    else:
                        names = [x for j in range(1, width - 1) if (x := piece[:j] + piece[j + 1 :]) in self.names]
                    for name in names:
                        out.extend(
                            _Hit(i, i + width, k, ident, f * GAP_FACTOR)
                            for k, ident, f in self.names[name]
                            if k != _AREA
                        )
        return out

    def _candidates(self, s: str, hits: Sequence[_Hit]) -> list[tuple[int, float, int]]:
        """(address index, score factor, where its tail starts) for every reading of the hits.
        A name that refines or confirms a reading already found (星河路88号 … 星河苑) merges
        with it, and then the other readings of both names are dropped."""
        cands: dict[int, list[float]] = {}  # index -> [factor, end, hit number]
        groups: dict[tuple[int, int], list[_Hit]] = {}
        for h in hits:  # the readings of one name at one place compete with each other
            groups.setdefault((h.start, h.end), []).append(h)
        for n, group in enumerate(groups.values()):
            news: list[tuple[int, float, int]] = []
            for h in group:
                if h.kind == _ROAD_NAME:
                    door = door_number(s, h.end)
                    found = self.doors.get((h.ident, door[0])) if door else None
                    if door and found:
                        news += [(d, h.factor, door[1]) for d in found]
                    else:
                        f = h.factor * (MISSING_FACTOR if door else 1.0)
                        news += [(r, f, h.end) for r in self.road_nodes.get(h.ident, ())]
                else:
                    news.append((h.ident, h.factor, h.end))
            merged: dict[int, list[float]] = {}
            losers: set[float] = set()
            for i, f, end in news:
                for j in list(cands):
                    fj, endj, hj = cands[j]
                    if self._is_ancestor(j, i):  # the new name is deeper: it replaces the reading
                        merged[i] = [max(f, fj, merged.get(i, [0])[0]), max(end, endj), n]
                        losers.add(hj)
                        del cands[j]
                    elif self._is_ancestor(i, j) or i == j:  # it confirms a deeper reading
                        merged[j] = [max(fj, f), max(end, endj), n]
                        losers.add(hj)
                        del cands[j]
            if merged:
                for j in [j for j, c in cands.items() if c[2] in losers]:
                    del cands[j]
                cands.update(merged)
            else:
                for i, f, end in news:
                    if i not in cands or cands[i][0] < f:
                        cands[i] = [f, end, n]
        return [(i, f, int(end)) for i, (f, end, _n) in cands.items()]

    def _area_conflict(self, i: int, areas: list[str]) -> bool:
        """True when the text names a district / street / community that holds neither the
        address nor any of its parents (a compound's buildings may stand in the next grid)."""
        grids = set()
        while i >= 0:
            grids.add(self.grid_codes[self.grid[i]])
            i = self.parent[i]
        return any(not any(g.startswith(area_prefix(a)) for g in grids) for a in areas)

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

    def _descend(self, node: int, tail: Tail) -> tuple[int, float, list[int]]:
        """Go down from a door / compound / place as far as the building, unit and room written
        after it lead; a level the library lacks costs score and stops the descent."""
        factor = 1.0
        extra: list[int] = []
        if tail.empty or self.level[node] == ROAD:
            return node, factor, extra
        wanted = sum(x is not None for x in (tail.building, tail.unit, tail.room))
        got = 0
        if tail.building is not None and self.level[node] in (DOOR, COMPOUND):
            b = self._child(node, BUILDING, tail.building)
            if b is None and self.level[node] == DOOR:
                found = [x for c in self.door_compounds.get(node, ()) if (x := self._child(c, BUILDING, tail.building))]
                b = found[0] if len(found) == 1 else None
            if b is None:
                return node, MISSING_FACTOR**wanted, extra
            node, got = b, 1
        if tail.unit is not None and self.level[node] == BUILDING:
            u = self._child(node, UNIT, tail.unit)
            if u is None:
                return node, MISSING_FACTOR ** (wanted - got), extra
            node, got = u, got + 1
        if tail.room is not None and self.level[node] in (BUILDING, UNIT):
            r = self._child(node, ROOM, tail.room)
            if r is None and self.level[node] == BUILDING and not tail.unit_written:
                rooms = [
                    x
                    for k in range(1, 10)
                    if (u := self._child(node, UNIT, str(k))) and (x := self._child(u, ROOM, tail.room))
                ]
                if len(rooms) == 1:
                    r = rooms[0]
                elif rooms:  # the room is in several units: the text supports the building only
                    return node, 1.0, rooms
            if r is None:
                return node, MISSING_FACTOR ** (wanted - got), extra
            node, got = r, got + 1
        return node, factor * MISSING_FACTOR ** (wanted - got), extra

    def _suggest(self, s: str, scope: str | None) -> list[Candidate]:
        """Candidates for a text in which no name was found: the closest road / compound names."""
        if not self._structural or not s:
            return []
        out: list[Candidate] = []
        for name, sc, _ in process.extract(s, self._structural, scorer=fuzz.partial_ratio, limit=10):
            if sc < 60:
                break
            for kind, ident, _f in self.names[name]:
                nodes = self.road_nodes.get(ident, []) if kind == _ROAD_NAME else [ident]
                for i in nodes[:2]:
                    if scope is None or self.grid_code(i).startswith(scope):
                        out.append(self.candidate(i, sc / 100 * 0.5))
            if len(out) >= MAX_ALTERNATIVES:
                break
        return out[:MAX_ALTERNATIVES]

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
        ranked = sorted((_metres(lat, lng, self.lat[i], self.lng[i]), i) for i in found)
        return [(i, d) for d, i in ranked[:limit]]


def _namechar(c: str) -> bool:
    return c > "\u2e7f" and c != "号"  # CJK (names), not digits, letters, spaces, dashes or 号


def _longest(hits: list[_Hit]) -> list[_Hit]:
    """Drop readings lying inside a longer one (越山林家雅苑: 越秀林家雅苑 mistyped, not 严家雅苑)."""
    return [
        h
        for h in hits
        if not any(o.start <= h.start and h.end <= o.end and o.end - o.start > h.end - h.start for o in hits)
    ]


def _metres(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))
