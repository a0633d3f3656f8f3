"""The text classifier behind 定性定责 when the reporter did not choose a matter.

Features are jieba words (with the governance dictionary, so 占道经营 and 垃圾堆放 stay whole)
plus character 1-3-grams (robust to typos and to words jieba has never seen), both TF-IDF
weighted; the model is a linear SVM (one-vs-rest), whose scores become probabilities through a
softmax with a temperature fitted on a held-back fifth of the training set (temperature
scaling). On our labelled set it beat logistic regression on top-1 at a tenth of the training
time. Below a configured threshold the event goes to a person
(the triage queue); triage corrections and returns (退单) come back as training samples.
"""

from __future__ import annotations

import logging
import os
import pickle
import random
import tempfile
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from gridbrain.catalog import models
from gridbrain.catalog.features import transform as _transform
from gridbrain.catalog.loader import load_labelled_texts, load_out_of_catalog
from gridbrain.catalog.model import Catalog
from gridbrain.catalog.reading import OUT_LABELS
from gridbrain.catalog.text import chars, tokenizer, words
from gridbrain.core.errors import Invalid

MODEL_FORMAT = 1
DEFAULT_TEMPERATURE = 0.1
# Top-1 confidence below this sends the event to the triage queue. On the held-out split, 0.5
# lets about four in five reports through automatically at about 94 % top-1 accuracy.
DEFAULT_THRESHOLD = 0.5
_lock = threading.RLock()
log = logging.getLogger(__name__)


def _features() -> FeatureUnion:
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer=words, sublinear_tf=True, min_df=1)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", preprocessor=chars, ngram_range=(1, 3), sublinear_tf=True, min_df=1
                ),
            ),
        ]
    )


def _model() -> LinearSVC:
    return LinearSVC(C=1.0, random_state=0)  # liblinear shuffles; fixed so figures repeat


# Weights this small never change a ranking on our data (measured: same top-1/top-3 with
# pruning at 0.01), and dropping them shrinks a saved model from ~100 MB to a few MB.
PRUNE_BELOW = 0.01


def _pruned(model: LinearSVC) -> LinearSVC:
    coef = np.asarray(model.coef_)
    coef[np.abs(coef) < PRUNE_BELOW] = 0.0
    model.coef_ = coef
    model.sparsify()
    return model


def _scores(pipe: Pipeline, texts: Sequence[str]) -> np.ndarray:
    model = pipe.named_steps["model"]
    coef = getattr(model, "coef_", None)
    if coef is None or not sparse.issparse(coef):
        scores = np.asarray(pipe.decision_function(list(texts)), dtype=float)
    else:
        # decision_function re-transposes the sparse weights on every call; keep them transposed
        coef_t = getattr(model, "_gridbrain_coef_t", None)
        if coef_t is None or coef_t.shape[::-1] != coef.shape:
            coef_t = sparse.csr_matrix(coef.T)
            model._gridbrain_coef_t = coef_t
        features = _transform(pipe.named_steps["features"], list(texts))
        scores = np.asarray((features @ coef_t).toarray(), dtype=float) + model.intercept_
    if scores.ndim == 1 or scores.shape[1] == 1:  # two classes: sklearn returns one column
        scores = scores.ravel()
        scores = np.column_stack([-scores, scores])
    return scores


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return out


def _fit_temperature(features: Any, labels: list[str], seed: int = 7) -> float:
    """Temperature that minimises log-loss on a held-back fifth (Guo et al., 2017).

    `features` is the already vectorised training set: the vocabulary then includes the held-back
    fifth, which barely moves a single scale factor and saves a second pass of segmentation.
    """
    idx = list(range(len(labels)))
    random.Random(seed).shuffle(idx)
    cut = len(idx) // 5
    held, kept = idx[:cut], idx[cut:]
    kept_labels = [labels[i] for i in kept]
    if len(set(kept_labels)) < 2:
        return DEFAULT_TEMPERATURE
    model = _model().fit(features[kept], kept_labels)
    column = {c: j for j, c in enumerate(model.classes_)}
    rows = [(i, column[labels[i]]) for i in held if labels[i] in column]
    if len(rows) < 20:
        return DEFAULT_TEMPERATURE
    scores = np.asarray(model.decision_function(features[[i for i, _ in rows]]), dtype=float)
    if scores.ndim == 1:
        scores = np.column_stack([-scores, scores])
    truth = np.array([j for _, j in rows])
    best, best_loss = DEFAULT_TEMPERATURE, float("inf")
    for t in np.geomspace(0.02, 2.0, 40):
        p = _softmax(scores, float(t))[np.arange(len(truth)), truth]
        loss = float(-np.log(np.clip(p, 1e-12, None)).mean())
        if loss < best_loss:
            best, best_loss = float(t), loss
    return best


class Classifier:
    """Top-k matters with confidence for a free-text report."""

    def __init__(
        self,
        pipeline: Pipeline | None = None,
        *,
        catalog_version: str | None = None,
        temperature: float = DEFAULT_TEMPERATURE,
    ) -> None:
        self._pipeline = pipeline
        self.temperature = temperature
        self.catalog_version = catalog_version
        self.trained_on = 0

    @property
    def trained(self) -> bool:
        return self._pipeline is not None

    @property
    def classes(self) -> list[str]:
        if self._pipeline is None:
            return []
        return [str(c) for c in self._pipeline.classes_]

    def train(self, samples: Iterable[tuple[str, str]], *, calibrate: bool = True) -> Classifier:
        """Fit on (text, matter_code) pairs; needs at least two matters."""
        texts, labels = [], []
        for text, code in samples:
            if text and text.strip() and code:
                texts.append(text)
                labels.append(code)
        if len(set(labels)) < 2:
            raise Invalid("samples", "two_matters", "training needs samples of at least two matters")
        tokenizer()
        features = _features()
        matrix = features.fit_transform(texts)
        if calibrate and len(texts) >= 200:
            self.temperature = _fit_temperature(matrix, labels)
        self._pipeline = Pipeline([("features", features), ("model", _pruned(_model().fit(matrix, labels)))])
        self.trained_on = len(texts)
        return self

    def predict(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The k most likely matter codes, best first, with probabilities."""
        return self.predict_many([text], k)[0]

    def predict_many(self, texts: Sequence[str], k: int = 3) -> list[list[tuple[str, float]]]:
        if self._pipeline is None:
            raise Invalid("classifier", "trained", "the classifier has not been trained")
        if k < 1:
            raise Invalid("k", "positive", "k must be at least 1")
        proba = _softmax(_scores(self._pipeline, texts), self.temperature)
        classes = self._pipeline.classes_
        top = np.argsort(-proba, axis=1)[:, :k]
        return [[(str(classes[j]), float(row[j])) for j in idx] for row, idx in zip(proba, top, strict=True)]

    def save(self, path: str | Path) -> None:
        data = {
            "format": MODEL_FORMAT,
            "pipeline": self._pipeline,
            "catalog_version": self.catalog_version,
            "temperature": self.temperature,
            "trained_on": self.trained_on,
        }
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        # written aside and moved into place: another server process loading the model (each
        # one warms up at start) never reads a half-written file
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path) -> Classifier:
        """Load a model this code saved. Only ever load files the brain wrote itself (pickle)."""
        with open(path, "rb") as f:
            data: dict[str, Any] = pickle.load(f)  # noqa: S301 - our own model file, never an upload
        if data.get("format") != MODEL_FORMAT:
            raise Invalid("model", "format", f"model file {path} has format {data.get('format')}")
        tokenizer()
        out = cls(
            data["pipeline"],
            catalog_version=data.get("catalog_version"),
            temperature=float(data.get("temperature") or DEFAULT_TEMPERATURE),
        )
        out.trained_on = int(data.get("trained_on") or 0)
        return out


def needs_triage(suggestions: Sequence[tuple[str, float]], threshold: float = DEFAULT_THRESHOLD) -> bool:
    """True when a person must choose the matter: no suggestion, or the best is not sure enough."""
    return not suggestions or suggestions[0][1] < threshold


def catalog_samples(catalog: Catalog) -> list[tuple[str, str]]:
    """Each matter's name, its class path and its example phrasings as training texts."""
    out: list[tuple[str, str]] = []
    for m in catalog:
        out.append((m.name, m.code))
        out.append(("".join(m.class_path), m.code))
        out.extend((e, m.code) for e in m.examples)
    return out


def training_samples(
    catalog: Catalog,
    extra_samples: Iterable[tuple[str, str]] = (),
    *,
    labelled: Iterable[tuple[str, str]] | None = None,
) -> list[tuple[str, str]]:
    """Every (text, label) the classifier trains on: the catalog's own phrasings, the shipped
    labelled texts and `extra_samples` (corrections, returns, closed work orders). Samples whose
    matter is no longer in the catalog are dropped, so a retired matter is never suggested again."""
    if labelled is None:
        labelled = [(t, c) for t, c, _ in load_labelled_texts()]
    samples = catalog_samples(catalog)
    samples += [(t, c) for t, c in labelled if c in catalog]
    samples += [(t, c) for t, c in load_out_of_catalog() if c in catalog or c in OUT_LABELS]
    samples += [(t, c) for t, c in extra_samples if c in catalog]
    return samples


def train_from_catalog(
    catalog: Catalog,
    extra_samples: Iterable[tuple[str, str]] = (),
    *,
    labelled: Iterable[tuple[str, str]] | None = None,
    calibrate: bool = True,
) -> Classifier:
    """Train on the catalog, the shipped labelled texts and corrections (triage, returns 退单)."""
    samples = training_samples(catalog, extra_samples, labelled=labelled)
    clf = Classifier(catalog_version=catalog.version)
    return clf.train(samples, calibrate=calibrate)


def held_out_split(
    rows: Sequence[tuple[str, str, str]], *, fraction: float = 0.2, seed: int = 20261124
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Split labelled (text, code, group) rows by group, so paraphrases of one report stay together."""
    groups = sorted({g for _, _, g in rows})
    rng = random.Random(seed)
    test_groups = set(rng.sample(groups, round(len(groups) * fraction)))
    train = [(t, c) for t, c, g in rows if g not in test_groups]
    test = [(t, c) for t, c, g in rows if g in test_groups]
    return train, test


# --- the process-wide model the event hub asks (`classify`) --------------------------------------

_default: Classifier | None = None
_pinned = False  # a model given by `use_classifier` (tests, a retrain in this process) is not replaced
_poller = models.Poller()


def model_path() -> Path:
    """The model of a first run (trained from the shipped data) when no model is published yet."""
    return models.models_dir() / "classifier.pkl"


def use_classifier(clf: Classifier | None) -> None:
    """Serve this model from `classify` (tests). None: the published model again, from disk."""
    global _default, _pinned
    with _lock:
        _default, _pinned = clf, clf is not None
        _poller.reset()


def _load_published() -> Classifier | None:
    version = models.active_version()
    if version is None:
        return None
    path = models.model_file(version)
    return Classifier.load(path) if path.exists() else None


def _follow_published() -> None:
    """Take a newly published model (another process ran `gridbrain catalog retrain`/`rollback`)."""
    global _default
    version = _poller.changed(models.models_dir())
    if version is not None:
        path = models.model_file(version)
        if path.exists():
            clf = Classifier.load(path)
            with _lock:
                if not _pinned:
                    _default = clf
                    log.info("classifier %s is in force", version)


def default_classifier() -> Classifier:
    """The published model; before any is published, the first run's model (trained from the
    shipped data and saved). Polls for a newly published one."""
    global _default
    if _default is not None:
        if not _pinned:
            _follow_published()
        return _default
    with _lock:
        if _default is None:
            _poller.changed(models.models_dir())  # remember what is in force now
            _default = _load_published()
        if _default is None:
            path = model_path()
            if path.exists():
                _default = Classifier.load(path)
            else:
                from gridbrain.catalog.loader import shipped_catalog

                log.info("no classifier at %s: training one from the shipped catalog", path)
                clf = train_from_catalog(shipped_catalog())
                try:
                    clf.save(path)
                except OSError:
                    log.warning("could not save the classifier to %s; it lives in memory only", path)
                _default = clf
    return _default


def _matters_only(ranked: list[tuple[str, float]], k: int) -> list[tuple[str, float]]:
    return [(c, p) for c, p in ranked if c not in OUT_LABELS][:k]


def classify(text: str, k: int = 3) -> list[tuple[str, float]]:
    """The top `k` matters for a report text, best first, with confidences (定性 suggestions).
    Matters only: the pseudo-matters of texts outside the catalog are for `reading.read`."""
    return classify_many([text], k)[0]


def classify_many(texts: Sequence[str], k: int = 3) -> list[list[tuple[str, float]]]:
    """`classify` for several texts in one pass (a batch of reports): the same answers, at a
    fraction of the cost per text."""
    if not texts:
        return []
    ranked = default_classifier().predict_many(texts, k + len(OUT_LABELS))
    return [_matters_only(r, k) for r in ranked]


def rank_many(texts: Sequence[str], k: int = 3) -> list[list[tuple[str, float]]]:
    """The model's top `k` labels, pseudo-matters of texts outside the catalog included (what
    `reading.read` needs to recognise 清单外)."""
    return default_classifier().predict_many(texts, k) if texts else []
