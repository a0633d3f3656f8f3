"""Learning from the centre's own history: closed work orders, returns (退单) and re-classifications.

Closed work orders (`gridbrain catalog learn FILE`) name the department that finally handled
them; they are mapped onto the catalog (the matter given, else the best matter of that
department by the model in force) and kept, masked, in `<var_dir>/models/learned.csv`. Returns
and re-classifications come from the event hub's `event_training` rows, read through
`samples_from_rows`. `retrain` trains a candidate on all of it, scores it and the model in force
on the evaluation set, and publishes the candidate only when it is not worse.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from gridbrain.catalog import classifier as text_classifier
from gridbrain.catalog import evaluation, models
from gridbrain.catalog.model import Catalog, Matter
from gridbrain.catalog.reading import OUT_LABELS, Suggest
from gridbrain.catalog.text import mask_personal
from gridbrain.core.errors import Invalid

TEXT_COLUMNS = ("text", "内容", "诉求内容", "content")
DEPARTMENT_COLUMNS = ("department", "final_department", "承办单位", "处理部门")
MATTER_COLUMNS = ("matter", "matter_code", "事项")
RANK_LIMIT = 10
# How a centre's records name departments, beside the type names (城管执法, 市场监管, …).
ALIASES = {
    "市场监督管理": "market_supervision",
    "城市管理": "city_management",
    "综合执法": "city_management",
    "派出所": "public_security",
    "公安": "public_security",
    "交通警察": "traffic_police",
    "住房和城乡建设": "housing",
    "房管": "housing",
    "自来水": "water_supply",
    "人力资源和社会保障": "human_resources",
    "卫生健康": "health",
    "卫健": "health",
    "文化和旅游": "culture_tourism",
    "环境卫生": "sanitation",
    "绿化": "landscaping",
    "园林": "landscaping",
    "消防": "fire_rescue",
    "居委会": "community_office",
    "物业": "property_management",
    "街道": "street_office",
}  # a work order whose department's best matter ranks lower is not mapped


class TrainingRow(Protocol):
    """What the event hub stores for a return or re-classification (its `event_training` rows)."""

    text: str
    matter_code: str | None


@dataclass(frozen=True)
class WorkOrder:
    line: int
    text: str
    department: str
    matter: str


@dataclass
class LearnReport:
    read: int = 0
    mapped: list[tuple[str, str]] = field(default_factory=list)  # (masked text, matter code)
    unmapped: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def samples_from_rows(rows: Iterable[TrainingRow]) -> list[tuple[str, str]]:
    """(masked text, matter code) from the event hub's training rows; rows without either dropped."""
    return [(mask_personal(r.text), r.matter_code) for r in rows if r.text and r.text.strip() and r.matter_code]


def _column(header: Sequence[str], names: Sequence[str], *, required: bool) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    if required:
        raise Invalid(names[0], "column", f"the file needs a column {' / '.join(names)}")
    return None


def _rows(path: Path) -> list[list[str]]:
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).active
        if sheet is None:
            raise Invalid("file", "sheet", f"{path} has no sheet")
        return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    if path.suffix.lower() != ".csv":
        raise Invalid("file", "format", f"{path}: a CSV or XLSX file")
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def read_work_orders(path: str | Path) -> list[WorkOrder]:
    """Closed work orders from a CSV or XLSX file: text, final department, optionally matter."""
    rows = _rows(Path(path))
    if not rows:
        return []
    header = rows[0]
    t = _column(header, TEXT_COLUMNS, required=True)
    d = _column(header, DEPARTMENT_COLUMNS, required=True)
    m = _column(header, MATTER_COLUMNS, required=False)
    return [WorkOrder(i, _cell(row, t), _cell(row, d), _cell(row, m)) for i, row in enumerate(rows[1:], start=2)]


def _cell(row: Sequence[str], j: int | None) -> str:
    return row[j].strip() if j is not None and j < len(row) else ""


def department_code(raw: str, names: Mapping[str, str]) -> str | None:
    """A department type from a code (city_management, D01:city_management) or a name that
    contains a type's name (区城管执法局 → city_management; the longest name wins)."""
    code = raw.strip().split(":")[-1]
    if code in names:
        return code
    hits = [(len(n), c) for c, n in names.items() if n and n in raw]
    hits += [(len(a), c) for a, c in ALIASES.items() if a in raw and c in names]
    return max(hits)[1] if hits else None


def _departments_of(m: Matter) -> set[str]:
    r = m.responsible
    return {r.lead.code, *(c.code for c in r.co), *(x.lead.code for x in r.rules), *m.departments.values()}


def map_work_orders(
    orders: Sequence[WorkOrder], catalog: Catalog, predict: Suggest, names: Mapping[str, str]
) -> LearnReport:
    """Each work order onto a matter: the one it names, else the model's best matter among those
    of its final department. What cannot be mapped is reported with the reason."""
    report = LearnReport(read=len(orders))
    by_name = {m.name: m.code for m in catalog}
    pending: list[tuple[WorkOrder, str]] = []
    for o in orders:
        if not o.text:
            report.unmapped.append((o.line, "no text"))
        elif o.matter:
            code = o.matter if o.matter in catalog else by_name.get(o.matter)
            if code is None:
                report.unmapped.append((o.line, f"no matter {o.matter!r} in catalog {catalog.version}"))
            else:
                report.mapped.append((mask_personal(o.text), code))
        else:
            dept = department_code(o.department, names)
            if dept is None:
                report.unmapped.append((o.line, f"no department type fits {o.department!r}"))
            else:
                pending.append((o, dept))
    ranked = predict([o.text for o, _ in pending], len(catalog) + len(OUT_LABELS)) if pending else []
    for (o, dept), labels in zip(pending, ranked, strict=True):
        fits = [c for c, _ in labels[:RANK_LIMIT] if c in catalog and dept in _departments_of(catalog.get(c))]
        if fits:
            report.mapped.append((mask_personal(o.text), fits[0]))
        else:
            report.unmapped.append((o.line, f"the text reads like no matter of {names.get(dept, dept)}"))
    return report


def learned_path(root: Path | None = None) -> Path:
    return (root or models.models_dir()) / "learned.csv"


def keep_learned(samples: Iterable[tuple[str, str]], source: str, root: Path | None = None) -> int:
    """Append mapped samples to the learned store (masked again, in case a caller did not)."""
    path = learned_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    n = 0
    with open(path, "a", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        if new:
            w.writerow(["text", "matter_code", "source"])
        for text, code in samples:
            w.writerow([mask_personal(text), code, source])
            n += 1
    return n


def learned_samples(root: Path | None = None) -> list[tuple[str, str]]:
    path = learned_path(root)
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        return [(r["text"], r["matter_code"]) for r in csv.DictReader(f) if r.get("text") and r.get("matter_code")]


@dataclass(frozen=True)
class RetrainResult:
    candidate: models.ModelInfo
    in_force: models.ModelInfo | None  # the model in force before, scored now
    published: bool


def _score(clf: text_classifier.Classifier, catalog: Catalog) -> evaluation.Report:
    cases = evaluation.load_cases()
    return evaluation.evaluate(clf.predict_many, catalog, cases, threshold=text_classifier.DEFAULT_THRESHOLD)


def _info(version: str, clf: text_classifier.Classifier, report: evaluation.Report, note: str) -> models.ModelInfo:
    figures = {
        "top3": round(report.top3, 4),
        "ece": round(report.ece, 4),
        "triage_share": round(report.triage_share, 4),
        "auto_accuracy": round(report.auto_accuracy, 4),
        "out_recognised": round(report.out_recognised, 4),
    }
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return models.ModelInfo(
        version, stamp, clf.trained_on, round(report.top1, 4), round(report.responsible, 4), note, figures
    )


def retrain(
    catalog: Catalog,
    extra: Iterable[tuple[str, str]] = (),
    *,
    root: Path | None = None,
    calibrate: bool = True,
    note: str = "",
) -> RetrainResult:
    """Train a candidate on the shipped data, the learned store and `extra`; publish it when it
    is not worse than the model in force on the evaluation set (matter and responsible top-1)."""
    root = root or models.models_dir()
    candidate = text_classifier.train_from_catalog(catalog, [*learned_samples(root), *extra], calibrate=calibrate)
    version = models.new_version(root)
    info = _info(version, candidate, _score(candidate, catalog), note)
    candidate.save(models.model_file(version, root))
    models.register(info, root)
    current = models.active_version(root)
    in_force = None
    if current is not None and models.model_file(current, root).exists():
        old = text_classifier.Classifier.load(models.model_file(current, root))
        in_force = _info(current, old, _score(old, catalog), "")
    better = in_force is None or (info.top1 >= in_force.top1 and info.responsible >= in_force.responsible)
    if better:
        models.activate(version, root)
    return RetrainResult(info, in_force, better)
