"""Speed of the classifier, measured in a fresh process pinned to one core:
`python -m gridbrain.catalog.speed MODEL` prints JSON (what `gridbrain catalog bench` shows).

Load is from the start of loading to the first answer (jieba's dictionary included); batched is
one `predict_many` call over the evaluation texts, repeated; one text is `predict` and the full
decision (`read`: the text and its clauses) per call, p50 and p99; memory is the peak RSS.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

import numpy as np


def measure(path: str, repeats: int = 3, singles: int = 400) -> dict[str, float]:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    started = time.perf_counter()
    from gridbrain.catalog.classifier import Classifier

    clf = Classifier.load(path)
    clf.predict("路灯不亮", 3)
    load_s = time.perf_counter() - started
    from gridbrain.catalog import evaluation, reading
    from gridbrain.catalog.loader import shipped_catalog

    texts = [c.text for c in evaluation.load_cases()]
    started = time.perf_counter()
    for _ in range(repeats):
        clf.predict_many(texts, 3)
    batched = repeats * len(texts) / (time.perf_counter() - started)
    one, full = [], []
    catalog = shipped_catalog()
    for i in range(singles):
        text = texts[i % len(texts)]
        t0 = time.perf_counter()
        clf.predict(text, 3)
        t1 = time.perf_counter()
        reading.read(catalog, text, clf.predict_many)
        one.append(t1 - t0)
        full.append(time.perf_counter() - t1)
    ms = 1000.0
    return {
        "load_s": round(load_s, 3),
        "batched_texts_per_s": round(batched, 1),
        "one_text_p50_ms": round(float(np.percentile(one, 50)) * ms, 2),
        "one_text_p99_ms": round(float(np.percentile(one, 99)) * ms, 2),
        "decision_p50_ms": round(float(np.percentile(full, 50)) * ms, 2),
        "decision_p99_ms": round(float(np.percentile(full, 99)) * ms, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
