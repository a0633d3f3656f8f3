"""What a text asks for, read as a 12345 call-taker reads it: the matters (one of them lead),
who is responsible, whether a person must choose (triage), and texts outside the catalog (清单外).

The decision is typed dataclasses that intake copies fields from: `Classification.handling`
says where the report goes — a department's work queue only when it is `ROUTE`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from gridbrain.catalog.model import Catalog, Decision, Handling, Matter, Nature, decide
from gridbrain.catalog.nature import guess as guess_nature

Suggest = Callable[[Sequence[str], int], list[list[tuple[str, float]]]]


class OutOfCatalog(StrEnum):
    """Texts that are not a matter of this catalog (清单外) and how each is met."""

    CONSULTATION = "咨询"  # answered (from the knowledge base or by the operator), no work order
    PRAISE = "表扬感谢"  # recorded and thanked
    OTHER_LEVEL = "非本级事项"  # another level of government's matter: forwarded


HANDLING = {
    OutOfCatalog.CONSULTATION: Handling.ANSWER,
    OutOfCatalog.PRAISE: Handling.THANK,
    OutOfCatalog.OTHER_LEVEL: Handling.FORWARD,
}
# Pseudo-matters the classifier learns beside the catalog's matters: texts outside the catalog.
HANDLED = {v: k for k, v in HANDLING.items()}
OUT_LABELS = {
    "_consultation": OutOfCatalog.CONSULTATION,
    "_praise": OutOfCatalog.PRAISE,
    "_other_level": OutOfCatalog.OTHER_LEVEL,
}


@dataclass(frozen=True)
class Reading:
    """One reading of a text: the matter, its decision with no parameters yet, the confidence."""

    matter: Matter
    decision: Decision
    confidence: float
    nature: Nature


@dataclass(frozen=True)
class Problem:
    """One of several problems in one text (a building site: noise, dust, road occupation)."""

    reading: Reading
    lead: bool
    excerpt: str


@dataclass(frozen=True)
class Classification:
    readings: tuple[Reading, ...]  # best first; empty for a text outside the catalog
    needs_triage: bool
    problems: tuple[Problem, ...]  # each matter the text raises, the lead first
    out_of_catalog: OutOfCatalog | None
    handling: Handling
    top: tuple[tuple[str, float], ...]  # the classifier's own top three (matter or 清单外 label)

    @property
    def routed(self) -> bool:
        """Whether the report belongs in a department's work queue."""
        return self.handling is Handling.ROUTE


_CLAUSES = re.compile(r"[。；;！!？?\n]+|[，,](?=另外|还有|同时|而且|并且|此外|再就是|再有)")
CLAUSE_MIN = 6
MAX_PROBLEMS = 4


def clauses(text: str) -> list[str]:
    """The text cut where a resident starts on another point (sentence ends, 另外, 还有 …)."""
    return [c.strip() for c in _CLAUSES.split(text) if len(c.strip()) >= CLAUSE_MIN]


def _reading(catalog: Catalog, code: str, confidence: float, text: str) -> Reading:
    matter = catalog.get(code)
    nature = guess_nature(text, matter) or Nature.REQUEST
    return Reading(matter, decide(matter, {}), round(confidence, 4), nature)


def _problems(catalog: Catalog, text: str, lead: Reading, suggest: Suggest, threshold: float) -> tuple[Problem, ...]:
    """The lead reading, then each other matter a clause of the text raises with confidence."""
    out = [Problem(lead, True, text[:60])]
    parts = clauses(text)
    if len(parts) < 2:
        return tuple(out)
    seen = {lead.matter.code}
    for part, top in zip(parts, suggest(parts, 1), strict=True):
        if not top:
            continue
        code, conf = top[0]
        if code in catalog and code not in seen and conf >= threshold:
            seen.add(code)
            out.append(Problem(_reading(catalog, code, conf, part), False, part[:60]))
        if len(out) >= MAX_PROBLEMS:
            break
    return tuple(out)


def out_of_catalog(
    text: str, raw: Sequence[tuple[str, float]], threshold: float, catalog: Catalog | None = None
) -> OutOfCatalog | None:
    """清单外: the classifier's best label is one of the pseudo-matters, or a matter whose handling
    is not a work queue (感谢表扬: thank), with some confidence; or the words praise (表扬, 锦旗)."""
    if raw and raw[0][1] >= threshold / 2:
        label = raw[0][0]
        if label in OUT_LABELS:
            return OUT_LABELS[label]
        if catalog is not None and label in catalog:
            handling = catalog.get(label).handling
            if handling is not None:
                return HANDLED[handling]
    if guess_nature(text) is Nature.THANKS:
        return OutOfCatalog.PRAISE
    return None


def decide_text(
    catalog: Catalog, text: str, raw: Sequence[tuple[str, float]], *, k: int = 3, threshold: float = 0.5
) -> Classification:
    """The decision for a text from the classifier's ranked labels `raw`, without splitting it into
    problems. A text outside the catalog still carries the nearest catalog readings, for the
    operator, but is not routed."""
    top = tuple(raw[:3])
    readings = tuple(_reading(catalog, c, p, text) for c, p in raw if c in catalog)[:k]
    out = out_of_catalog(text, raw, threshold, catalog)
    if out is not None:
        return Classification(readings, False, (), out, HANDLING[out], top)
    triage = not readings or readings[0].confidence < threshold
    return Classification(readings, triage, (), None, Handling.TRIAGE if triage else Handling.ROUTE, top)


def read(catalog: Catalog, text: str, suggest: Suggest, *, k: int = 3, threshold: float = 0.5) -> Classification:
    """Classify one text against `catalog` with `suggest` (the classifier's top-k), with each
    problem it raises."""
    found = decide_text(catalog, text, suggest([text], k + 5)[0], k=k, threshold=threshold)
    if found.out_of_catalog is not None or not found.readings:
        return found
    problems = _problems(catalog, text, found.readings[0], suggest, threshold)
    return replace(found, problems=problems)
