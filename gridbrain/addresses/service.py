"""Use cases of the standard address library: match, list, reverse, import."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

import h3
import sqlalchemy as sa

from gridbrain.addresses import matcher as matchers
from gridbrain.addresses.model import (
    PARENT_LEVELS,
    PARTS,
    AliasKind,
    Level,
    MatchResult,
    check_row,
    compose_text,
)
from gridbrain.addresses.tables import address_aliases, addresses
from gridbrain.areas import locator
from gridbrain.areas.model import Crs
from gridbrain.areas.service import check_point
from gridbrain.areas.tables import areas
from gridbrain.core import audit
from gridbrain.core.auth import Actor
from gridbrain.core.codes import AreaLevel, CodeError, area_level
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid, NotFound
from gridbrain.core.scoping import Scope

MAX_BATCH = 1000
MAX_LIST = 500


def _scope_prefix(actor: Actor) -> str | None:
    return actor.scope.prefix


# --- matching -----------------------------------------------------------------------------------


def match(uow: UnitOfWork, actor: Actor, text: str) -> MatchResult:
    """The standard address a free text stands for, among the addresses the user may see."""
    if not text or not text.strip():
        raise Invalid("text", "must not be empty")
    if len(text) > 500:
        raise Invalid("text", "at most 500 characters")
    return matchers.matcher_for(uow.engine, uow.conn).match(text, _scope_prefix(actor))


def match_batch(uow: UnitOfWork, actor: Actor, texts: list[str]) -> list[MatchResult]:
    """Match many texts at once (at most MAX_BATCH)."""
    if len(texts) > MAX_BATCH:
        raise Invalid("texts", f"at most {MAX_BATCH} texts per call")
    for n, t in enumerate(texts):
        if len(t) > 500:
            raise Invalid(f"texts.{n}", "at most 500 characters")
    return matchers.matcher_for(uow.engine, uow.conn).match_many(texts, _scope_prefix(actor))


# --- browsing -----------------------------------------------------------------------------------


def list_addresses(
    uow: UnitOfWork,
    actor: Actor,
    *,
    area: str | None = None,
    q: str | None = None,
    level: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Standard addresses inside the user's area (and `area`), whose text contains `q`."""
    if not 1 <= limit <= MAX_LIST:
        raise Invalid("limit", f"between 1 and {MAX_LIST}")
    a = addresses.c
    query = sa.select(addresses).where(actor.scope.where(a.grid_code)).order_by(a.code).limit(limit)
    if area:
        try:
            area_level(area)
        except CodeError as e:
            raise Invalid("area", str(e)) from e
        actor.scope.require(area, "area")
        query = query.where(Scope.of_area(area).where(a.grid_code))
    if level:
        try:
            query = query.where(a.level == Level(level).value)
        except ValueError as e:
            raise Invalid("level", f"one of {', '.join(Level)}") from e
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(a.full_text.like(f"%{escaped}%", escape="\\"))
    return [dict(r._mapping) for r in uow.execute(query)]


def get_address(uow: UnitOfWork, actor: Actor, code: str) -> dict[str, Any]:
    """One standard address with its aliases; 404 outside the user's area."""
    row = uow.execute(sa.select(addresses).where(addresses.c.code == code)).first()
    if row is None or not actor.scope.covers(row.grid_code):
        raise NotFound(f"address {code} not found")
    out = dict(row._mapping)
    out["aliases"] = [
        {"alias": r.alias, "kind": r.kind}
        for r in uow.execute(sa.select(address_aliases).where(address_aliases.c.address_code == code))
    ]
    return out


@dataclass(frozen=True)
class Nearby:
    code: str
    text: str
    level: str
    grid_code: str
    lat: float
    lng: float
    distance_m: float


def reverse(
    uow: UnitOfWork, actor: Actor, lat: float, lng: float, crs: str = Crs.WGS84, limit: int = 5
) -> tuple[str | None, list[Nearby]]:
    """From a point to its grid and the nearest door / compound / building addresses."""
    if not 1 <= limit <= 50:
        raise Invalid("limit", "between 1 and 50")
    wlat, wlng = check_point(lat, lng, crs)
    hit = locator.locator_for(uow.engine, uow.conn).locate(wlat, wlng)
    grid = hit.grid_code if hit is not None and actor.scope.covers(hit.grid_code) else None
    m = matchers.matcher_for(uow.engine, uow.conn)
    near = [
        Nearby(m.code(i), m.text(i), m.level_of(i).value, m.grid_code(i), m.lat[i], m.lng[i], round(d, 1))
        for i, d in m.nearest(wlat, wlng, limit, _scope_prefix(actor))
    ]
    return grid, near


# --- loading ------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    aliases: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # {"line", "code", "field", "rule"}
    error_count: int = 0

    def add_error(self, line: int, code: str | None, fld: str, rule: str) -> None:
        self.error_count += 1
        if len(self.errors) < 200:
            self.errors.append({"line": line, "code": code, "field": fld, "rule": rule})


COLUMNS = ("code", "parent_code", "level", "full_text", *PARTS, "grid_code", "lat", "lng", "aliases")
_IMPORT_BATCH = 5000


def _clean(row: dict[str, Any]) -> dict[str, str | None]:
    return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in row.items() if k is not None}


def import_csv(
    uow: UnitOfWork,
    actor: Actor,
    stream: TextIO | Iterable[str],
    *,
    skip_invalid: bool = False,
    reopen: Any = None,
) -> ImportReport:
    """Import a library from CSV (columns: COLUMNS; `aliases` is "kind:alias|kind:alias").

    Parents come before their children (in the file or already in the library). The file is
    read twice, streaming: first every row is checked, then rows are inserted in batches. With
    any error nothing is imported, unless `skip_invalid` (then bad rows and their descendants
    are left out). `reopen()` gives the second pass a fresh stream; without it the rows of the
    first pass are kept in memory."""
    report = ImportReport()
    check = _Check(uow, keep=not reopen)
    for chunk in _chunks(_rows(stream), _IMPORT_BATCH):
        check.chunk(uow, chunk, report)
    if report.error_count and not skip_invalid:
        return report
    second = check.kept if check.kept is not None else (r for _, r in _rows(reopen()))
    _insert(uow, check, second, report)
    audit.record(
        uow,
        "addresses:library:imported",
        actor=actor,
        detail={
            "rows": report.rows,
            "imported": report.imported,
            "aliases": report.aliases,
            "errors": report.error_count,
        },
    )
    uow.commit()
    matchers.invalidate(uow.engine)
    return report


class _Check:
    """The first pass of an import: every row checked, the good ones remembered."""

    def __init__(self, uow: UnitOfWork, *, keep: bool) -> None:
        self.grids = {r.code for r in uow.execute(sa.select(areas.c.code).where(areas.c.level == int(AreaLevel.GRID)))}
        self.names = {r.code: r.name for r in uow.execute(sa.select(areas.c.code, areas.c.name))}
        self.seen: dict[str, str] = {}  # code -> level, for rows of this file that passed
        self.kept: list[dict[str, str | None]] | None = [] if keep else None
        self.bad: set[str] = set()
        self.loc = locator.locator_for(uow.engine, uow.conn)

    def chunk(self, uow: UnitOfWork, chunk: list[tuple[int, dict[str, str | None]]], report: ImportReport) -> None:
        outside = {r.get("parent_code") for _, r in chunk} | {r.get("code") for _, r in chunk}
        outside -= self.seen.keys()
        outside.discard(None)
        known: dict[str, str] = {}
        if outside:
            query = sa.select(addresses.c.code, addresses.c.level).where(addresses.c.code.in_(outside))
            known = {r.code: r.level for r in uow.execute(query)}
        for line, row in chunk:
            report.rows += 1
            problems = self.problems(row, known)
            code = row.get("code")
            if problems:
                self.bad.add(code or f"line {line}")
                for fld, rule in problems:
                    report.add_error(line, code, fld, rule)
                continue
            self.seen[code or ""] = row["level"] or ""
            if self.kept is not None:
                self.kept.append(row)

    def problems(self, row: dict[str, str | None], known: dict[str, str]) -> list[tuple[str, str]]:
        """The (field, rule) pairs the row breaks, the library and the file so far considered;
        fills in the grid of a row that has none from its point."""
        problems = check_row(row)
        code = row.get("code")
        if code in self.seen or code in known:
            problems.append(("code", "unique: already in the library or earlier in the file"))
        parent = row.get("parent_code")
        if parent and not problems:
            plevel = self.seen.get(parent) or known.get(parent)
            if plevel is None:
                problems.append(("parent_code", "must name an address earlier in the file or in the library"))
            elif Level(plevel) not in PARENT_LEVELS[Level(row["level"] or "")]:
                problems.append(("parent_code", f"a {row['level']} cannot be under a {plevel}"))
        if not problems and not row.get("grid_code"):
            hit = self.loc.locate(float(row["lat"] or 0), float(row["lng"] or 0))
            if hit is None:
                problems.append(("grid_code", "missing, and the point lies in no grid"))
            else:
                row["grid_code"] = hit.grid_code
        if not problems and row["grid_code"] not in self.grids:
            problems.append(("grid_code", "must be a grid of the area tree"))
        for alias in (row.get("aliases") or "").split("|"):
            if alias and (":" not in alias or alias.split(":", 1)[0] not in set(AliasKind)):
                problems.append(("aliases", "kind:alias separated by |, kind one of former, compound, poi"))
        return problems


def _insert(uow: UnitOfWork, check: _Check, rows: Iterable[dict[str, str | None]], report: ImportReport) -> None:
    """The second pass: the rows that passed, inserted in batches with their aliases."""
    batch: list[dict[str, Any]] = []
    alias_batch: list[dict[str, Any]] = []
    for row in rows:
        code = row.get("code")
        if code not in check.seen or code in check.bad:
            continue
        grid = row.get("grid_code") or ""
        if not grid:  # second pass from a fresh stream: locate again
            hit = check.loc.locate(float(row["lat"] or 0), float(row["lng"] or 0))
            grid = hit.grid_code if hit else ""
        lat, lng = float(row["lat"] or 0), float(row["lng"] or 0)
        area_names = [check.names.get(grid[:n].ljust(12, "0"), "") for n in (2, 4, 6, 9, 12)]
        batch.append(
            {
                "code": code,
                "parent_code": row.get("parent_code"),
                "level": row["level"],
                "full_text": row.get("full_text") or compose_text(area_names, row),
                **{p: row.get(p) for p in PARTS},
                "grid_code": grid,
                "lat": lat,
                "lng": lng,
                "h3_9": h3.latlng_to_cell(lat, lng, 9),
                "h3_11": h3.latlng_to_cell(lat, lng, 11),
            }
        )
        for alias in (row.get("aliases") or "").split("|"):
            if alias:
                kind, text = alias.split(":", 1)
                alias_batch.append({"address_code": code, "alias": text, "kind": kind})
        if len(batch) >= _IMPORT_BATCH:
            _flush(uow, batch, alias_batch, report)
    _flush(uow, batch, alias_batch, report)


def _flush(
    uow: UnitOfWork, batch: list[dict[str, Any]], alias_batch: list[dict[str, Any]], report: ImportReport
) -> None:
    if batch:
        uow.execute(addresses.insert(), batch)
        report.imported += len(batch)
        batch.clear()
    if alias_batch:
        uow.execute(address_aliases.insert(), alias_batch)
        report.aliases += len(alias_batch)
        alias_batch.clear()


def _rows(stream: TextIO | Iterable[str]) -> Iterator[tuple[int, dict[str, str | None]]]:
    reader = csv.DictReader(stream)
    missing = {"code", "level", "lat", "lng"} - set(reader.fieldnames or ())
    if missing:
        raise Invalid(
            "file", f"CSV header must have columns {', '.join(COLUMNS)}; missing {', '.join(sorted(missing))}"
        )
    for row in reader:
        yield reader.line_num, _clean(row)


def _chunks(
    rows: Iterator[tuple[int, dict[str, str | None]]], n: int
) -> Iterator[list[tuple[int, dict[str, str | None]]]]:
    chunk: list[tuple[int, dict[str, str | None]]] = []
    for r in rows:
        chunk.append(r)
        if len(chunk) >= n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def export_csv(conn: Any, out: TextIO, batch: int = 20_000) -> int:
    """Write the library as an import CSV (parents before children, aliases joined); returns rows."""
    aliases: dict[str, list[str]] = {}
    for r in conn.execute(sa.select(address_aliases.c.address_code, address_aliases.c.alias, address_aliases.c.kind)):
        aliases.setdefault(r.address_code, []).append(f"{r.kind}:{r.alias}")
    w = csv.writer(out)
    w.writerow(COLUMNS)
    n = 0
    cols = [addresses.c[c] for c in COLUMNS if c != "aliases"]
    for level in Level:
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(
            sa.select(*cols).where(addresses.c.level == level.value)
        )
        for row in result:
            w.writerow([*("" if v is None else v for v in row), "|".join(aliases.get(row.code, ()))])
            n += 1
    return n


def import_text(uow: UnitOfWork, actor: Actor, text: str, *, skip_invalid: bool = False) -> ImportReport:
    """Import a CSV held in a string (an upload)."""
    return import_csv(uow, actor, io.StringIO(text), skip_invalid=skip_invalid, reopen=lambda: io.StringIO(text))


def fill_missing_h3(uow: UnitOfWork, actor: Actor, batch: int = 20_000) -> int:
    """Compute the H3 cells (resolution 9 and 11) of rows that lack them; returns how many."""
    a = addresses.c
    total = 0
    while True:
        rows = uow.execute(
            sa.select(a.code, a.lat, a.lng).where(sa.or_(a.h3_9.is_(None), a.h3_11.is_(None))).limit(batch)
        ).all()
        if not rows:
            break
        uow.execute(
            addresses.update()
            .where(a.code == sa.bindparam("c"))
            .values(h3_9=sa.bindparam("h9"), h3_11=sa.bindparam("h11")),
            [
                {"c": r.code, "h9": h3.latlng_to_cell(r.lat, r.lng, 9), "h11": h3.latlng_to_cell(r.lat, r.lng, 11)}
                for r in rows
            ],
        )
        total += len(rows)
    if total:
        audit.record(uow, "addresses:cells:filled", actor=actor, detail={"rows": total})
    uow.commit()
    return total
