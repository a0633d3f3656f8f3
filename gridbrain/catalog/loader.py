"""Read the shipped catalog, district overrides and the labelled texts from files.

The catalog ships as `data/matters.yaml`. A district can load its own full catalog from a path,
or keep the shipped one and apply a small override file (FixMyStreet-style: differences are
data, not branches) that replaces fields of matters by code, adds matters, or removes them
(`remove: true`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from gridbrain.catalog.building import catalog_from_dict
from gridbrain.catalog.model import Catalog
from gridbrain.core.errors import Invalid

DATA = Path(str(resources.files("gridbrain.catalog") / "data"))
MATTERS_YAML = DATA / "matters.yaml"
LABELLED_CSV = DATA / "labelled_texts.csv"
GOVERNANCE_DICT = DATA / "governance_dict.txt"
OUT_OF_CATALOG_CSV = DATA / "out_of_catalog.csv"

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    """YAML, or JSON (a subset of YAML) read by the much faster json parser when the name says so."""
    with open(path, encoding="utf-8") as f:
        if path.suffix == ".json":
            return json.load(f)
        return yaml.load(f, Loader=_Loader)  # noqa: S506 - a SafeLoader (C or Python)


def read_document(path: str | Path | None = None) -> dict[str, Any]:
    """The catalog file as plain data (the shipped one by default), unchecked."""
    doc = _read_yaml(Path(path) if path else MATTERS_YAML)
    if not isinstance(doc, dict):
        raise Invalid("catalog", "mapping", "a catalog file holds a mapping with version and matters")
    return doc


def _department_type_rows() -> list[dict[str, Any]]:
    path = Path(str(resources.files("gridbrain.areas") / "data" / "department_types.yaml"))
    rows: list[dict[str, Any]] = _read_yaml(path)
    return rows


@cache
def department_types() -> dict[str, frozenset[str]]:
    """Kinds of department and the levels each exists at (areas/data/department_types.yaml)."""
    return {str(row["code"]): frozenset(row.get("levels") or ()) for row in _department_type_rows()}


@cache
def department_names() -> dict[str, str]:
    """Kinds of department by code → name (城管执法, 供水, …)."""
    return {str(row["code"]): str(row.get("name") or row["code"]) for row in _department_type_rows()}


def apply_overrides(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Merge an override document into a catalog document, matter by matter (by code)."""
    by_code: dict[str, dict[str, Any]] = {str(m["code"]): dict(m) for m in base.get("matters") or ()}
    for i, patch in enumerate(overrides.get("matters") or ()):
        code = patch.get("code") if isinstance(patch, Mapping) else None
        if not code:
            raise Invalid(f"overrides.matters[{i}].code", "required", "every override names a matter code")
        code = str(code)
        if patch.get("remove"):
            by_code.pop(code, None)
        elif code in by_code:
            by_code[code].update({k: v for k, v in patch.items() if k != "remove"})
        else:
            by_code[code] = dict(patch)
    version = overrides.get("version") or base.get("version")
    return {"version": version, "matters": list(by_code.values())}


def load_catalog(
    path: str | Path | None = None,
    *,
    overrides: str | Path | Mapping[str, Any] | None = None,
    types: Mapping[str, Iterable[str]] | None = None,
) -> Catalog:
    """Load and check a catalog: the shipped one, or one at `path`, optionally overridden."""
    doc = _read_yaml(Path(path) if path else MATTERS_YAML)
    if overrides is not None:
        patch = overrides if isinstance(overrides, Mapping) else _read_yaml(Path(overrides))
        doc = apply_overrides(doc, patch)
    return catalog_from_dict(
        doc, department_types=types if types is not None else department_types(), department_names=department_names()
    )


@cache
def shipped_catalog() -> Catalog:
    """The catalog shipped with the package, loaded once per process."""
    return load_catalog()


def load_labelled_texts(path: str | Path | None = None) -> list[tuple[str, str, str]]:
    """Labelled complaint texts as (text, matter_code, group); the group keeps paraphrases together."""
    with open(Path(path) if path else LABELLED_CSV, encoding="utf-8", newline="") as f:
        return [
            (row["text"], row["matter_code"], row.get("group") or row["text"])
            for row in csv.DictReader(f)
            if row.get("text") and row.get("matter_code")
        ]


def load_out_of_catalog(path: str | Path | None = None) -> list[tuple[str, str]]:
    """Training texts outside the catalog as (text, label): a pseudo-matter (_consultation,
    _other_level) or the catalog's 感谢表扬 matter. Written apart from the evaluation set."""
    with open(Path(path) if path else OUT_OF_CATALOG_CSV, encoding="utf-8", newline="") as f:
        return [(row["text"], row["label"]) for row in csv.DictReader(f) if row.get("text") and row.get("label")]
