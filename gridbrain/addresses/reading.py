"""Reading the residents' forms of names (forms.py) against the index: a compound's popular
name, names that sound like the text, and what a substituted character costs. The matcher
(matching.py) builds on this; with `robust` off it reads as it did before these forms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gridbrain.addresses.forms import lookalikes
from gridbrain.addresses.index import AREA, ROAD_NAME, AddressIndex

TYPO_FACTOR = 0.85  # a name found with one character wrong
HOMOPHONE_FACTOR = 0.93  # a name written with a character of the same sound (同音字)
MORE_HOMOPHONES_FACTOR = 0.88  # per homophone after the first: two are rarer than one, or a gap
SIMILAR_FACTOR = 0.92  # one character of a name replaced by a look-alike or a homophone (形近字)
SUFFIX_FACTOR = 0.8  # on top of TYPO_FACTOR: the last character of a road name (路, 街) replaced


@dataclass
class Hit:
    """A name found in the text: where, what (kind, ident) and how sure (factor)."""

    start: int
    end: int
    kind: int
    ident: int
    factor: float


class FormsReader(AddressIndex):
    """The residents' forms of names, read against the index (the matcher's base)."""

    robust = True  # False: the matcher as it was before the residents' kinds (for the bench's "before")

    def _scan_forms(self, s: str, exact: list[Hit]) -> list[Hit]:
        """Names in the residents' forms (forms.py): a compound's popular name, and names that
        sound the same as the text (any number of homophones in them), each found longest
        first, left to right; none inside a name found exactly (柳营新苑 is not 柳营新)."""
        spans = [(h.start, h.end) for h in exact if h.kind != AREA]
        out: list[Hit] = []
        for at, ln in _longest_first(s, self._popular, self._popular_first):
            if s[max(0, at - 2) : at] in self._brands:
                continue  # 德信彩虹苑 is not 大家彩虹苑 by its popular name
            if not any(a <= at and at + ln <= b for a, b in spans):
                out += [Hit(at, at + ln, k, ident, f) for k, ident, f in self._popular[s[at : at + ln]]]
        sounded = s.translate(self._sound)
        for at, ln in _longest_first(sounded, self._sound_names, self._sound_first):
            written = s[at : at + ln]
            if any(a <= at and at + ln <= b for a, b in spans):
                continue
            for name in self._sound_names[sounded[at : at + ln]]:
                if name == written:
                    continue  # found exactly by _scan
                wrong = sum(a != b for a, b in zip(name, written, strict=True))
                factor = HOMOPHONE_FACTOR * MORE_HOMOPHONES_FACTOR ** (wrong - 1)
                out += [Hit(at, at + ln, k, ident, f * factor) for k, ident, f in self.names[name] if k != AREA]
        return out

    def _substitution(self, typed: str, name: str, j: int) -> float:
        """What reading `name` costs when the text has `typed` in place of its j-th character: a
        homophone or a look-alike little, any other character more, and more again at the end
        of a road name (路 -> 城 is not how a road is mistyped)."""
        if not self.robust:
            return TYPO_FACTOR
        meant = name[j]
        if (typed, meant) in lookalikes() or typed.translate(self._sound) == meant.translate(self._sound):
            return SIMILAR_FACTOR
        if j == len(name) - 1 and any(k == ROAD_NAME for k, _, _ in self.names[name]):
            return TYPO_FACTOR * SUFFIX_FACTOR
        return TYPO_FACTOR


def _longest_first(s: str, names: Mapping[str, object], first: Mapping[str, tuple[int, ...]]) -> list[tuple[int, int]]:
    """(start, length) of the names of `names` in `s`, the longest at each place, left to right."""
    found: list[tuple[int, int]] = []
    i, n = 0, len(s)
    while i < n - 1:
        step = 1
        for ln in first.get(s[i : i + 2], ()):
            if i + ln <= n and s[i : i + ln] in names:
                found.append((i, ln))
                step = ln
                break
        i += step
    return found


def inside(h: Hit, o: Hit) -> bool:
    return o.start <= h.start and h.end <= o.end and o.end - o.start > h.end - h.start
