"""A fitted TF-IDF feature union applied to texts directly.

`union.transform(texts)` without the machinery FeatureUnion and TfidfVectorizer run on every call
(joblib, parameter and array validation: milliseconds, whatever the number of texts): the same
matrix, built by `tfidf`. Intake classifies one report at a time, so this is most of its cost.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion


def transform(union: FeatureUnion, texts: list[str]) -> Any:
    """`union.transform(texts)` without the machinery FeatureUnion and TfidfVectorizer run on
    every call (joblib, parameter and array validation: milliseconds, whatever the number of
    texts): the same matrix, built by `_tfidf`."""
    if union.transformer_weights:
        return union.transform(texts)
    parts = [
        tfidf(t, texts) if isinstance(t, TfidfVectorizer) else t.transform(texts)
        for _, t in union.transformer_list
        if t not in ("drop", None)
    ]
    return sparse.hstack(parts, format="csr")


_analyzers: weakref.WeakKeyDictionary[TfidfVectorizer, Any] = weakref.WeakKeyDictionary()  # built once per model


def tfidf(v: TfidfVectorizer, texts: Sequence[str]) -> sparse.csr_matrix:  # noqa: C901 - the hot path, kept whole (BENCHMARKS.md)
    """A fitted `TfidfVectorizer.transform(texts)`, computed directly: count the analyzer's terms
    that are in the vocabulary, (1 + log) them when `sublinear_tf`, weight by idf, normalise each
    row. Anything else (binary counts, another norm) goes through sklearn."""
    if v.binary or v.norm not in ("l2", None) or not v.use_idf:
        return v.transform(texts)
    analyze = _analyzers.get(v)
    if analyze is None:
        analyze = _analyzers[v] = v.build_analyzer()
    vocabulary, idf = v.vocabulary_, v.idf_
    indptr: list[int] = [0]
    indices: list[int] = []
    values: list[int] = []
    for text in texts:
        counts: dict[int, int] = {}
        for term in analyze(text):
            j = vocabulary.get(term)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        indices.extend(counts)
        values.extend(counts.values())
        indptr.append(len(indices))
    data = np.asarray(values, dtype=np.float64)
    cols = np.asarray(indices, dtype=np.int32)
    if v.sublinear_tf:
        np.log(data, out=data)
        data += 1.0
    data *= idf[cols]
    if v.norm == "l2":
        for a, b in pairwise(indptr):
            if b > a:
                norm = np.sqrt(np.dot(data[a:b], data[a:b]))
                if norm > 0:
                    data[a:b] /= norm
    return sparse.csr_matrix((data, cols, np.asarray(indptr, dtype=np.int32)), shape=(len(texts), len(idf)))
