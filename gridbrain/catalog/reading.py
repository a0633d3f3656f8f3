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
Ranked = Sequence[tuple[str, float]]


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


def _problems(
    catalog: Catalog,
    found: Classification,
    parts: Sequence[str],
    tops: Sequence[Sequence[tuple[str, float]]],
    threshold: float,
) -> tuple[Problem, ...]:
    """The lead reading, then each other matter a clause of the text raises with confidence."""
    lead = found.readings[0]
    out = [Problem(lead, True, parts[0][:60] if parts else "")]
    seen = {lead.matter.code}
    for part, top in zip(parts, tops, strict=True):
        if not top:
            continue
        code, conf = top[0]
        if code in catalog and code not in seen and conf >= threshold:
            seen.add(code)
            out.append(Problem(_reading(catalog, code, conf, part), False, part[:60]))
        if len(out) >= MAX_PROBLEMS:
            break
    return tuple(out)


def _first_leads(
    found: Classification, tops: Sequence[Sequence[tuple[str, float]]], threshold: float
) -> Classification:
    """A resident names the main problem first: when the first clause is sure of a matter that the
    whole text also ranks in its top three, that matter leads."""
    if not tops or not tops[0] or tops[0][0][1] < threshold:
        return found
    first = tops[0][0][0]
    order = [r.matter.code for r in found.readings]
    if first not in order[:3] or first == order[0]:
        return found
    readings = (found.readings[order.index(first)], *(r for r in found.readings if r.matter.code != first))
    triage = readings[0].confidence < threshold
    return replace(
        found, readings=readings, needs_triage=triage, handling=Handling.TRIAGE if triage else Handling.ROUTE
    )


FIRST_CLAUSE_LEADS = True


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


def read_many(
    catalog: Catalog, texts: Sequence[str], suggest: Suggest, *, k: int = 3, threshold: float = 0.5
) -> list[Classification]:
    """Classify texts against `catalog` with `suggest` (the classifier's ranked labels): each
    decision with the problems its clauses raise. Two passes of the model, whatever the count."""
    found = [
        decide_text(catalog, t, r, k=k, threshold=threshold) for t, r in zip(texts, suggest(texts, k + 5), strict=True)
    ]
    parts = [clauses(t) if f.out_of_catalog is None and f.readings else [] for t, f in zip(texts, found, strict=True)]
    parts = [p if len(p) >= 2 else [] for p in parts]
    flat = [p for ps in parts for p in ps]
    tops = iter(suggest(flat, 1) if flat else [])
    out = []
    for f, ps in zip(found, parts, strict=True):
        mine = [next(tops) for _ in ps]
        if FIRST_CLAUSE_LEADS:
            f = _first_leads(f, mine, threshold)
        out.append(
            replace(f, problems=_problems(catalog, f, ps, mine, threshold))
            if f.readings and f.out_of_catalog is None
            else f
        )
    return out


def read(catalog: Catalog, text: str, suggest: Suggest, *, k: int = 3, threshold: float = 0.5) -> Classification:
    """`read_many` for one text."""
    return read_many(catalog, [text], suggest, k=k, threshold=threshold)[0]
