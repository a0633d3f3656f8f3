"""Reading a text against the address index: the matcher.

A text is normalised (model.normalize), scanned for the names it holds (areas, roads, compounds,
aliases: longest first), each road read with the door number after it, names that confirm each
other merged (星河路88号 … 星河苑), then the building / unit / room written after the name followed
down the hierarchy. Every reading gets a score from what it had to forgive (a typo, an alias, a
level the library lacks, an area that does not fit); the best is the answer only when it clears
MATCH_THRESHOLD and beats every rival reading by AMBIGUOUS_MARGIN. Otherwise the answer is
"unresolved", with the readings as candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz, process

from gridbrain.addresses.index import (
    AREA,
    BUILDING,
    COMPOUND,
    DOOR,
    ROAD,
    ROAD_NAME,
    ROOM,
    UNIT,
)
from gridbrain.addresses.model import (
    MATCH_THRESHOLD,
    MAX_ALTERNATIVES,
    Candidate,
    MatchResult,
    Tail,
    door_number,
    normalize,
    parse_tail,
)
from gridbrain.addresses.reading import TYPO_FACTOR, FormsReader, Hit, inside
from gridbrain.core.codes import area_prefix

GAP_FACTOR = 0.78  # a name found with one character left out or added: rarer than a wrong one
MISSING_FACTOR = 0.85  # per level the text names but the library does not have
AREA_CONFLICT_FACTOR = 0.8  # the text names a street/community that neither the address nor its parents are in
AMBIGUOUS_MARGIN = 0.05
DEPTH_BONUS = 0.02  # between rival readings, the more specific one wins by a little


class Matcher(FormsReader):
    """Free text -> the standard address it stands for. Build with `IndexBuilder(Matcher())`."""

    def match_many(self, texts: Iterable[str], scope: str | None = None) -> list[MatchResult]:
        return [self.match(t, scope) for t in texts]

    def match(self, text: str, scope: str | None = None) -> MatchResult:
        """The best standard address for `text`; `scope` (an area prefix) keeps only addresses
        inside that area. Unresolved, with candidates, when the best is not clearly right."""
        if self.robust:
            text = text.translate(self._simplify)
        s = normalize(text)
        hits = self._scan(s)
        forms = self._scan_forms(s, hits) if self.robust else []
        for h in hits:  # 中田云会公寓: 中天云会公寓 as it sounds, or 云会公寓 after a stray word
            if any(inside(h, f) for f in forms):
                h.factor = min(h.factor, TYPO_FACTOR)
        if not any(h.kind != AREA for h in hits):  # forms alone do not rule out a typo (东桥弄: 星桥弄? 洞桥弄?)
            typos = _longest(self._scan_typos(s))
        else:
            hits += forms
            typos = self._typos_around(s, hits)
            hits = [h for h in hits if h not in forms]
        # a popular or sound-alike name inside a longer name read with a typo is part of it
        hits += [f for f in forms if not any(inside(f, t) for t in typos)] + typos
        areas = [self.area_codes[h.ident] for h in hits if h.kind == AREA]
        cands = self._candidates(s, [h for h in hits if h.kind != AREA])
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
        top = score + DEPTH_BONUS * self.level[best]
        tied = sum(top - (sc + DEPTH_BONUS * self.level[i]) < AMBIGUOUS_MARGIN for i, sc in rivals)
        if score >= MATCH_THRESHOLD and not tied:
            return self.result(best, score, alternatives)
        # with n readings equally good, the chance the best one is meant is about 1/n
        return MatchResult.unresolved(score / (tied + 1), [self.candidate(best, score), *alternatives])

    def _scan(self, s: str) -> list[Hit]:
        """Names found exactly, longest first at each place, left to right."""
        hits: list[Hit] = []
        i, n = 0, len(s)
        names, first = self.names, self._first
        while i < n - 1:
            lens = first.get(s[i : i + 2])
            if lens:
                for ln in lens:
                    found = names.get(s[i : i + ln]) if i + ln <= n else None
                    if found:
                        hits.extend(Hit(i, i + ln, k, ident, f) for k, ident, f in found)
                        i += ln
                        break
                else:
                    i += 1
            else:
                i += 1
        return hits

    def _typos_around(self, s: str, hits: list[Hit]) -> list[Hit]:
        """A name found exactly, next to other name characters, may be part of a longer name
        written with one character wrong (福科银杏苑: 银杏苑, or 万科银杏苑 mistyped; 祥生柳营新苑:
        柳营新苑, or 祥生柳营雅苑 mistyped). Such a longer reading is added, and the exact one then
        counts as no surer than it."""
        out: list[Hit] = []
        covered: set[int] = set()
        for h in hits:
            covered.update(range(h.start, h.end))
        longest = self._typo_lengths[0] if self._typo_lengths else 0
        for h in hits:
            if h.kind == AREA:
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
                            sub = self._substitution(piece[j], name, j)
                            out.extend(
                                Hit(i, i + ln, k, ident, f * sub) for k, ident, f in self.names[name] if k != AREA
                            )
            if len(out) > before:
                h.factor = min(h.factor, TYPO_FACTOR)
            if self.robust:  # 旭辉园北湖里: 北湖里, or 旭辉北湖里 with a character too many
                gaps = [g for g in self._scan_gaps(s, left, right) if inside(h, g)]
                if gaps:
                    out += gaps
                    h.factor = min(h.factor, GAP_FACTOR)
        return out

    def _scan_typos(self, s: str) -> list[Hit]:
        out: list[Hit] = []
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
                        sub = self._substitution(piece[j], name, j)
                        out.extend(Hit(i, i + ln, k, ident, f * sub) for k, ident, f in self.names[name] if k != AREA)
        return out + self._scan_gaps(s)

    def _scan_gaps(self, s: str, lo: int = 0, hi: int | None = None) -> list[Hit]:
        """Names written with one character left out (星河花园 for 星河湾花园) or one too many
        inside (星河苑苑 is not a name, 星河大苑 for 星河苑), within s[lo:hi]: the rarer typos,
        looked for only when nothing else was found, or (robust) around a name found exactly."""
        out: list[Hit] = []
        hi = len(s) if hi is None else hi
        run = 0  # name characters from i on, up to hi
        runs = [0] * (hi - lo + 1)
        for i in range(hi - 1, lo - 1, -1):
            run = run + 1 if _namechar(s[i]) else 0
            runs[i - lo] = run
        for i in range(lo, hi - 2):
            free = runs[i - lo]
            if free < 3:
                continue
            for ln in self._typo_lengths:
                for width, short in ((ln - 1, True), (ln + 1, False)):
                    if width < 3 or width > free:
                        continue
                    piece = s[i : i + width]
                    if short:
                        names = [x for x in self._dropped.get(piece, ()) if len(x) == ln]
                    else:
                        names = [x for j in range(1, width - 1) if (x := piece[:j] + piece[j + 1 :]) in self.names]
                    for name in names:
                        out.extend(
                            Hit(i, i + width, k, ident, f * GAP_FACTOR) for k, ident, f in self.names[name] if k != AREA
                        )
        return out

    def _candidates(self, s: str, hits: Sequence[Hit]) -> list[tuple[int, float, int]]:
        """(address index, score factor, where its tail starts) for every reading of the hits.
        A name that refines or confirms a reading already found (星河路88号 … 星河苑) merges
        with it, and then the other readings of both names are dropped."""
        cands: dict[int, list[float]] = {}  # index -> [factor, end, hit number]
        groups: dict[tuple[int, int], list[Hit]] = {}
        for h in hits:  # the readings of one name at one place compete with each other
            groups.setdefault((h.start, h.end), []).append(h)
        for n, group in enumerate(groups.values()):
            news: list[tuple[int, float, int]] = []
            for h in group:
                if h.kind == ROAD_NAME:
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
                nodes = self.road_nodes.get(ident, []) if kind == ROAD_NAME else [ident]
                for i in nodes[:2]:
                    if scope is None or self.grid_code(i).startswith(scope):
                        out.append(self.candidate(i, sc / 100 * 0.5))
            if len(out) >= MAX_ALTERNATIVES:
                break
        return out[:MAX_ALTERNATIVES]


def _namechar(c: str) -> bool:
    return c > "\u2e7f" and c != "号"  # CJK (names), not digits, letters, spaces, dashes or 号


def _longest(hits: list[Hit]) -> list[Hit]:
    """Drop readings lying inside a longer one (越山林家雅苑: 越秀林家雅苑 mistyped, not 严家雅苑)."""
    return [
        h
        for h in hits
        if not any(o.start <= h.start and h.end <= o.end and o.end - o.start > h.end - h.start for o in hits)
    ]
