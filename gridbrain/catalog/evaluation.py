"""Honest evaluation of 定性定责 on texts written apart from the training texts.

`data/evaluation.csv` holds hand-written complaints in another style and length mix than the
training texts (colloquial and dialect words, typos, 12345 operator summaries, letters, addresses,
shop and person names, several problems in one text) and texts outside the catalog (咨询, 表扬感谢,
非本级事项). It is never trained on; a test refuses near-duplicates of training texts.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import numpy as np

from gridbrain.catalog.loader import DATA
from gridbrain.catalog.model import Catalog, Handling, decide
from gridbrain.catalog.reading import OutOfCatalog, Suggest, read_many

EVALUATION_CSV = DATA / "evaluation.csv"
CALIBRATION_BINS = 10


@dataclass(frozen=True)
class Case:
    text: str
    matter_code: str | None  # None: outside the catalog
    out_of_catalog: OutOfCatalog | None
    kind: str  # single | multi (two problems) | noise (irrelevant detail) | out


def load_cases(path: str | Path | None = None) -> list[Case]:
    with open(Path(path) if path else EVALUATION_CSV, encoding="utf-8", newline="") as f:
        return [
            Case(
                row["text"],
                row["matter_code"] or None,
                OutOfCatalog(row["out_of_catalog"]) if row["out_of_catalog"] else None,
                row["kind"],
            )
            for row in csv.DictReader(f)
        ]


def subset(cases: Sequence[Case], every: int) -> list[Case]:
    """Every `every`-th case: a fast, fixed subset for the test suite's floor."""
    return [c for i, c in enumerate(cases) if i % every == 0]


NEAR_DUPLICATE = 0.7


def near_duplicates(
    texts: Sequence[str], training: Sequence[str], *, threshold: float = NEAR_DUPLICATE
) -> list[tuple[str, str, float]]:
    """Pairs (evaluation text, training text, similarity) whose character 2-3-gram TF-IDF cosine
    similarity is at least `threshold`: a paraphrase this close would score training, not reading."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 3)).fit([*texts, *training])
    sims = (vec.transform(texts) @ vec.transform(training).T).tocsr()
    out = []
    for i in range(sims.shape[0]):
        row = sims.getrow(i)
        if row.nnz:
            j = int(row.indices[row.data.argmax()])
            if row.data.max() >= threshold:
                out.append((texts[i], training[j], float(row.data.max())))
    return out


@dataclass
class Report:
    n: int
    n_in: int
    top1: float
    top3: float
    responsible: float  # responsible department of the top-1 matter right
    ece: float
    triage_share: float  # of in-catalog texts sent to triage
    auto_accuracy: float  # matter right among in-catalog texts routed automatically
    auto_responsible: float  # responsible department right among them
    out_recognised: float  # out-of-catalog texts recognised as such, right kind
    false_out: float  # in-catalog texts taken for out-of-catalog
    by_kind: dict[str, float] = field(default_factory=dict)
    departments: list[tuple[str, float, float, int]] = field(default_factory=list)  # code, precision, recall, n
    confused: list[tuple[str, str, int, str]] = field(default_factory=list)  # truth, guess, count, example


def _ece(confidence: np.ndarray, correct: np.ndarray, bins: int = CALIBRATION_BINS) -> float:
    """Expected calibration error: the gap between confidence and accuracy, weighted per bin."""
    if not len(confidence):
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in pairwise(edges):
        inside = (confidence > lo) & (confidence <= hi)
        if inside.any():
            total += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return float(total)


def _departments(truth: list[str], guess: list[str]) -> list[tuple[str, float, float, int]]:
    out = []
    for dept in sorted(set(truth) | set(guess)):
        tp = sum(t == g == dept for t, g in zip(truth, guess, strict=True))
        predicted, actual = guess.count(dept), truth.count(dept)
        out.append((dept, tp / predicted if predicted else 0.0, tp / actual if actual else 0.0, actual))
    return sorted(out, key=lambda r: (-r[3], r[0]))


def evaluate(predict: Suggest, catalog: Catalog, cases: Sequence[Case], *, threshold: float, worst: int = 10) -> Report:
    """Score a model (`predict(texts, k)` → ranked (label, confidence) lists) on `cases`."""
    raw = predict([c.text for c in cases], 8)
    served = read_many(catalog, [c.text for c in cases], predict, threshold=threshold)
    lead = {m.code: decide(m, {}).responsible_department.code for m in catalog}
    inside = [(c, r) for c, r in zip(cases, raw, strict=True) if c.matter_code in catalog]
    outside = [(c, r) for c, r in zip(cases, raw, strict=True) if c.matter_code is None]
    decisions = [d for c, d in zip(cases, served, strict=True) if c.matter_code in catalog]
    best = [d.readings[0].matter.code if d.readings else "" for d in decisions]
    truth = [str(c.matter_code) for c, _ in inside]
    right = np.array([b == t for b, t in zip(best, truth, strict=True)])
    top3 = [t in {x.matter.code for x in d.readings[:3]} for t, d in zip(truth, decisions, strict=True)]
    dept_truth, dept_guess = [lead[t] for t in truth], [lead.get(b, "") for b in best]
    dept_right = np.array([a == b for a, b in zip(dept_truth, dept_guess, strict=True)])
    conf = np.array([d.readings[0].confidence if d.readings else 0.0 for d in decisions])
    auto = np.array([d.handling is Handling.ROUTE for d in decisions])
    out_found = [d.out_of_catalog for c, d in zip(cases, served, strict=True) if c.matter_code is None]
    kinds: dict[str, list[bool]] = defaultdict(list)
    for (c, _), ok in zip(inside, right, strict=True):
        kinds[c.kind].append(bool(ok))
    pairs = Counter((t, b) for t, b in zip(truth, best, strict=True) if t != b)
    example = {(t, b): c.text for (c, _), t, b in zip(inside, truth, best, strict=True) if t != b}
    return Report(
        n=len(cases),
        n_in=len(inside),
        top1=float(right.mean()) if len(right) else 0.0,
        top3=float(np.mean(top3)) if top3 else 0.0,
        responsible=float(dept_right.mean()) if len(dept_right) else 0.0,
        ece=_ece(conf, right.astype(float)),
        triage_share=float(np.mean([d.handling is Handling.TRIAGE for d in decisions])) if decisions else 0.0,
        auto_accuracy=float(right[auto].mean()) if auto.any() else 0.0,
        auto_responsible=float(dept_right[auto].mean()) if auto.any() else 0.0,
        out_recognised=float(np.mean([f == c.out_of_catalog for f, (c, _) in zip(out_found, outside, strict=True)]))
        if outside
        else 0.0,
        false_out=float(np.mean([d.out_of_catalog is not None for d in decisions])) if decisions else 0.0,
        by_kind={k: float(np.mean(v)) for k, v in sorted(kinds.items())},
        departments=_departments(dept_truth, dept_guess),
        confused=[(t, b, n, example[(t, b)]) for (t, b), n in pairs.most_common(worst)],
    )


def render(report: Report, catalog: Catalog) -> str:
    """The report as text for a terminal."""

    def name(code: str) -> str:
        return catalog.get(code).name if code in catalog else code or "—"

    lines = [
        f"evaluation set: {report.n} texts, {report.n_in} of catalog matters, {report.n - report.n_in} outside",
        f"matter top-1 {report.top1:.3f}   top-3 {report.top3:.3f}   responsible department {report.responsible:.3f}",
        "top-1 by kind: " + ", ".join(f"{k} {v:.3f}" for k, v in report.by_kind.items()),
        f"calibration: expected calibration error {report.ece:.3f}",
        f"triage: {report.triage_share:.1%} sent to a person; of the rest, matter right {report.auto_accuracy:.3f}, "
        f"responsible department right {report.auto_responsible:.3f}",
        f"outside the catalog recognised (right kind) {report.out_recognised:.3f}; "
        f"catalog texts taken for outside {report.false_out:.3f}",
        "",
        "responsible department        precision  recall    n",
    ]
    lines += [f"  {d:<28} {p:9.3f} {r:7.3f} {n:4d}" for d, p, r, n in report.departments]
    lines += ["", "worst confused pairs (truth → guess, count, example):"]
    lines += [f"  {name(t)} → {name(g)} ×{n}: {ex[:60]}" for t, g, n, ex in report.confused]
    return "\n".join(lines)
