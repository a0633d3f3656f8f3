"""Shared test helpers of the registry tests: valid codes, small files, a fake address matcher."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from gridbrain.core.codes import make_id_number, make_uscc

HEADER = ["身份证号", "姓名", "性别", "出生日期", "联系电话", "户籍地址", "实际居住地址", "标签"]


def person_id(n: int, born: date = date(1950, 3, 1), sex: str = "M") -> str:
    return make_id_number("330110", born, n, sex)


def credit_code(n: int) -> str:
    return make_uscc("9", "1", "330110", f"{n:08d}")


def write_csv(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_jsonl(path: Path, records: list[dict[str, Any] | str]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n")
    return path


@dataclass(frozen=True)
class FakeMatch:
    resolved: bool
    code: str | None = None
    text: str | None = None
    level: str | None = None
    grid_code: str | None = None
    lat: float | None = None
    lng: float | None = None
    score: float = 0.0


class FakeMatcher:
    """Knows a handful of addresses by their exact normalised text; counts the questions asked."""

    def __init__(self, known: dict[str, tuple[str, str]]) -> None:
        self.known = known  # text -> (address code, grid code)
        self.asked: list[str] = []

    def match(self, text: str) -> FakeMatch:
        self.asked.append(text)
        if text in self.known:
            code, grid = self.known[text]
            return FakeMatch(True, code, text, "room", grid, 30.4, 120.0, 1.0)
        return FakeMatch(False, text=text)
