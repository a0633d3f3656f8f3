"""`gridbrain bench addresses`: index build time and memory, matches per second, and accuracy
per variant kind on the labelled set generated from the library (side by side with cpca for
province / city / district), against the database in GRIDBRAIN_DATABASE_URL."""

from __future__ import annotations

import gc
import os
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from gridbrain.bench.measure import peak_rss_mib

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from gridbrain.addresses.matching import Matcher
    from gridbrain.addresses.resident import Labelled
    from gridbrain.addresses.variants import Variant


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def register(bench: typer.Typer) -> None:
    bench.command("addresses")(addresses)


def addresses(
    per_kind: Annotated[int, typer.Option(help="labelled variants of each kind")] = 250,
    seed: Annotated[int, typer.Option(help="seed of the labelled set")] = 20261124,
    matches: Annotated[int, typer.Option(help="matches to time for throughput")] = 50_000,
    cpca: Annotated[bool, typer.Option(help="compare province/city/district with cpca")] = True,
    resident_seed: Annotated[int, typer.Option(help="seed of the residents' set (resident.py)")] = 20261204,
) -> None:
    """Measure the address matcher on the library in GRIDBRAIN_DATABASE_URL: "before" is the
    matcher with the residents' forms off (Matcher.robust = False), "after" with them on."""
    from gridbrain.addresses.matcher import reader
    from gridbrain.addresses.resident import generate_resident
    from gridbrain.addresses.variants import AMBIGUOUS, generate, load_rows
    from gridbrain.config import get_settings
    from gridbrain.core.db import make_engine

    engine = make_engine(get_settings().database_url)
    _fill_h3(engine)
    m = _build(engine)
    with reader(engine) as conn:
        rows, aliases = load_rows(conn, per_kind * 4, seed)
        residents = generate_resident(conn, per_kind=per_kind, seed=resident_seed)
    stats: dict[str, int] = {}
    everything = generate(m, rows, aliases, per_kind=per_kind, seed=seed, stats=stats)
    variants = [v for v in everything if v.kind != AMBIGUOUS]
    typer.echo(
        f"labelled set: {len(variants):,} variants (seed {seed}, {per_kind} per kind); "
        f"{stats['withheld_typos']} typo draws withheld as naming another address too"
    )
    typer.echo(
        f"residents' set: {len(residents.variants):,} texts (seed {resident_seed}, up to {per_kind} per kind); "
        f"{residents.withheld} draws withheld as naming another address too"
    )
    texts = [v.text for v in variants] + [v.text for v in residents.variants]
    for robust in (False, True):
        m.robust = robust
        _throughput(m, texts, matches, "after" if robust else "before")
    m.robust = True
    _labelled_table(m, variants, cpca)
    _withheld(m, [v for v in everything if v.kind == AMBIGUOUS])
    _resident_table(m, residents.variants)
    for robust in (False, True):
        m.robust = robust
        _withheld(m, residents.ambiguous, f"withheld residents' draws, {'after' if robust else 'before'}")


def _fill_h3(engine: Engine) -> None:
    import sqlalchemy as sa

    from gridbrain.addresses import service, tables
    from gridbrain.addresses.matcher import reader
    from gridbrain.core.auth import Actor
    from gridbrain.core.db import UnitOfWork

    a = tables.addresses.c
    with reader(engine) as conn:
        missing = conn.execute(sa.select(sa.func.count()).where(sa.or_(a.h3_9.is_(None), a.h3_11.is_(None)))).scalar()
    if missing:
        with UnitOfWork(engine) as uow:
            t = time.perf_counter()
            filled = service.fill_missing_h3(uow, Actor.system("bench"))
            typer.echo(f"filled H3 cells of {filled} addresses in {time.perf_counter() - t:.1f} s")


def _build(engine: Engine) -> Matcher:
    from gridbrain.addresses.matcher import build_matcher, reader

    gc.collect()
    before = _rss_mib()
    t, cpu = time.perf_counter(), time.process_time()
    with reader(engine) as conn:
        m = build_matcher(conn)
    build_s, build_cpu = time.perf_counter() - t, time.process_time() - cpu
    gc.collect()
    index_mib = _rss_mib() - before
    typer.echo(f"library: {len(m):,} addresses on {engine.dialect.name}")
    typer.echo(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (other work shares them)")
    typer.echo(
        f"index build: {build_s:.1f} s wall, {build_cpu:.1f} s CPU; index memory {index_mib:,.0f} MiB (RSS growth), "
        f"process peak RSS {peak_rss_mib():,.0f} MiB"
    )
    return m


def _labelled_table(m: Matcher, variants: Sequence[Variant], cpca: bool) -> None:
    """The project's first labelled set (variants.py), with cpca beside for province / city / district."""
    from gridbrain.addresses.variants import KINDS

    m.robust = False
    before = _tally(m, variants)
    m.robust = True
    by_kind = _tally(m, variants)
    results = m.match_many(v.text for v in variants)
    ours_right: Counter[str] = Counter()
    theirs_right: Counter[str] = Counter()
    if cpca:
        import cpca as cpca_mod

        frame = cpca_mod.transform([v.text for v in variants])
        for n, (v, r) in enumerate(zip(variants, results, strict=True)):
            expected = m.admin_names(v.grid_code)
            got = m.admin_names(r.grid_code) if r.grid_code else (None, None, None)
            row = frame.iloc[n]
            theirs = tuple(x if isinstance(x, str) else None for x in (row["省"], row["市"], row["区"]))
            for kind in (v.kind, "all"):
                ours_right[kind] += got == expected
                theirs_right[kind] += theirs == expected
    typer.echo("")
    typer.echo(
        "| kind | variants | exact before | exact | unresolved | wrong (confident) | district right: ours | cpca |"
    )
    typer.echo("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind in (*KINDS, "all"):
        c = by_kind.get(kind)
        if not c:
            continue
        n = c["n"]
        cp = f"{ours_right[kind] / n:.1%} | {theirs_right[kind] / n:.1%}" if cpca else "- | -"
        name = f"**{kind}**" if kind == "all" else kind
        typer.echo(
            f"| {name} | {n} | {before[kind]['exact'] / n:.1%} | {c['exact'] / n:.1%} | {c['unresolved'] / n:.1%} | "
            f"{c['wrong'] / n:.2%} | {cp} |"
        )


def _withheld(
    m: Matcher,
    ambiguous: Sequence[Variant | Labelled],
    label: str = "withheld typos (the text fits another address too)",
) -> None:
    if not ambiguous:
        return
    rs = m.match_many(v.text for v in ambiguous)
    unresolved = sum(not r.resolved for r in rs)
    drawn = sum(r.resolved and r.code == v.code for v, r in zip(ambiguous, rs, strict=True))
    other = len(ambiguous) - unresolved - drawn
    typer.echo(
        f"\n{label}: {len(ambiguous)}; unresolved "
        f"{unresolved / len(ambiguous):.1%}, answered with the address the typo was drawn from "
        f"{drawn / len(ambiguous):.1%}, answered with another {other / len(ambiguous):.1%}"
    )


def _throughput(m: Matcher, texts: list[str], matches: int, label: str) -> None:
    reps = max(1, -(-matches // len(texts)))
    work = (texts * reps)[:matches]
    t, cpu = time.perf_counter(), time.process_time()
    for text in work:
        m.match(text)
    elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
    typer.echo(
        f"throughput {label}: {len(work) / elapsed:,.0f} matches/s wall, {len(work) / cpu:,.0f} matches/s of CPU "
        f"time ({len(work):,} matches of both labelled sets, one process, {cpu / len(work) * 1e6:.0f} µs CPU each)"
    )


def _tally(m: Matcher, variants: Sequence[Labelled | Variant]) -> dict[str, Counter[str]]:
    from gridbrain.addresses.model import MATCH_THRESHOLD

    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for v, r in zip(variants, m.match_many(v.text for v in variants), strict=True):
        for c in (by_kind[v.kind], by_kind["all"]):
            c["n"] += 1
            if r.resolved and r.code == v.code:
                c["exact"] += 1
            elif r.resolved and r.score >= MATCH_THRESHOLD:
                c["wrong"] += 1
            else:
                c["unresolved"] += 1
    return by_kind


def _resident_table(m: Matcher, variants: Sequence[Labelled]) -> None:
    """Per kind of the residents' set: the matcher before (m.robust off) and after, one run."""
    from gridbrain.addresses.resident import RESIDENT_KINDS

    m.robust = False
    before = _tally(m, variants)
    m.robust = True
    after = _tally(m, variants)
    typer.echo("\nresidents' set, before -> after (exact | unresolved | wrong with confidence):")
    typer.echo("| kind | texts | exact before | exact after | unresolved after | wrong before | wrong after |")
    typer.echo("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind in (*RESIDENT_KINDS, "all"):
        b, a = before.get(kind), after.get(kind)
        if not a or not b:
            continue
        n = a["n"]
        name = f"**{kind}**" if kind == "all" else kind
        typer.echo(
            f"| {name} | {n} | {b['exact'] / n:.1%} | {a['exact'] / n:.1%} | {a['unresolved'] / n:.1%} | "
            f"{b['wrong'] / n:.2%} | {a['wrong'] / n:.2%} |"
        )
