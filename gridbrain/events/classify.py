"""Adapters to what other capabilities provide: the text classifier (catalog) and the address
matcher (addresses).

Both are optional at run time. When `gridbrain.catalog.classifier` is not there (or does not
offer `classify(text, k)`), a small fallback classifier built from the catalog's names and
examples answers instead (character n-gram TF-IDF, cosine similarity as confidence). When
`gridbrain.addresses.matcher` is not there, address text places nothing and the event goes to
triage (reason `no_location`) — an explicit fallback, never a guess.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Engine

from gridbrain.catalog.model import Catalog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    matter_code: str
    confidence: float


class FallbackClassifier:
    """Nearest matter by character n-gram TF-IDF over name, class path and examples."""

    def __init__(self, catalog: Catalog) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.codes = catalog.codes
        docs = [" ".join((m.name, *m.class_path, *m.examples)) for m in catalog]
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform(docs)

    def classify(self, text: str, k: int = 3) -> list[Candidate]:
        sims = (self.matrix @ self.vectorizer.transform([text]).T).toarray().ravel()
        order = sims.argsort()[::-1][:k]
        return [Candidate(self.codes[i], round(float(sims[i]), 4)) for i in order]


_classifiers: dict[int, Any] = {}
_lock = threading.Lock()


def _catalog_classifier() -> Any | None:
    name = "gridbrain.catalog.classifier"
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except ModuleNotFoundError:
        return None
    mod = importlib.import_module(name)
    return mod if callable(getattr(mod, "classify", None)) else None


def default_threshold() -> float:
    """The confidence below which an event goes to triage, unless configured."""
    mod = _catalog_classifier()
    return float(getattr(mod, "DEFAULT_THRESHOLD", 0.5)) if mod is not None else 0.25


def _normalise(raw: Any) -> list[Candidate]:
    out = []
    for item in raw:
        if isinstance(item, tuple):
            code, conf = item[0], item[1]
        else:
            code = getattr(item, "matter_code", None) or getattr(item, "code", None)
            conf = getattr(item, "confidence", None)
            if conf is None:
                conf = getattr(item, "score", 0.0)
        out.append(Candidate(str(code), float(conf)))
    return out


def classify(catalog: Catalog, text: str, k: int = 3) -> list[Candidate]:
    """The top `k` matters for a text, best first, with confidences in [0, 1]."""
    return classify_many(catalog, [text], k)[0]


def classify_many(catalog: Catalog, texts: list[str], k: int = 3) -> list[list[Candidate]]:
    """`classify` for several texts at once (a batch of reports): one pass of the model."""
    if not texts:
        return []
    found: list[list[Candidate]] = [[] for _ in texts]
    mod = _catalog_classifier()
    if mod is not None:
        try:
            many = getattr(mod, "classify_many", None)
            raw = many(texts, k=k) if many is not None else [mod.classify(t, k=k) for t in texts]
            found = [[c for c in _normalise(r) if c.matter_code in catalog][:k] for r in raw]
        except Exception:  # the catalog's model may be untrained; fall back, loudly
            log.exception("catalog classifier failed; using the fallback classifier")
    if all(found):
        return found
    key = id(catalog)
    clf = _classifiers.get(key)
    if clf is None:
        with _lock:
            clf = _classifiers.get(key) or FallbackClassifier(catalog)
            _classifiers[key] = clf
    return [f or clf.classify(t, k) for f, t in zip(found, texts, strict=True)]


# --- addresses ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    grid_code: str | None
    lat: float | None
    lng: float | None
    address_code: str | None
    address_text: str


def address_matcher_available() -> bool:
    try:
        return importlib.util.find_spec("gridbrain.addresses.matcher") is not None
    except ModuleNotFoundError:
        return False


def match_address(engine: Engine, text: str, conn: Connection | None = None) -> Place | None:
    """The place of an address text through the address library; None when it is not resolved
    or the matcher does not exist (the caller then sends the event to triage)."""
    if not address_matcher_available():
        return None
    matcher_mod = importlib.import_module("gridbrain.addresses.matcher")
    # through the caller's connection: on SQLite a second one would wait for our own write lock
    hit = matcher_mod.matcher_for(engine, conn).match(text)
    if hit is None or not getattr(hit, "resolved", False):
        return None
    return Place(
        grid_code=getattr(hit, "grid_code", None),
        lat=getattr(hit, "lat", None),
        lng=getattr(hit, "lng", None),
        address_code=getattr(hit, "code", None),
        address_text=getattr(hit, "text", None) or text,
    )
