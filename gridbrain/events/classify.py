"""The hub's view of the catalog's text classifier (定性): top matters of a report text that
are in the catalog in force, with confidences in [0, 1]."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gridbrain.catalog import classifier
from gridbrain.catalog.model import Catalog


@dataclass(frozen=True)
class Candidate:
    matter_code: str
    confidence: float


def default_threshold() -> float:
    """The confidence below which an event goes to triage, unless configured."""
    return float(classifier.DEFAULT_THRESHOLD)


def classify(catalog: Catalog, text: str, k: int = 3) -> list[Candidate]:
    """The top `k` matters for a text, best first."""
    return classify_many(catalog, [text], k)[0]


def classify_many(catalog: Catalog, texts: Sequence[str], k: int = 3) -> list[list[Candidate]]:
    """`classify` for several texts at once (a batch of reports): one pass of the model. Matters
    the catalog in force does not hold (a model trained on another version) are left out."""
    if not texts:
        return []
    raw = classifier.classify_many(list(texts), k=k)
    return [[Candidate(code, float(conf)) for code, conf in found if code in catalog][:k] for found in raw]
