"""`gridbrain bench import`: import a seed-scale people file (3.28 M records, about 2 % dirty).

The file is generated deterministically and streamed to disk (never held in memory), then
imported into GRIDBRAIN_DATABASE_URL through the same service as `gridbrain import people`.
Prints records/s, peak memory and the balance read = accepted + fixed + quarantined.
"""

from __future__ import annotations

import csv
import os
import random
import resource
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer

from gridbrain.bench.measure import peak_rss_mib, timed
from gridbrain.config import get_settings
from gridbrain.core.auth import Actor
from gridbrain.core.codes import make_id_number
from gridbrain.core.db import UnitOfWork, make_engine
from gridbrain.migrate import upgrade

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强淑珍玉兰丹萍红"
ROADS = ["星河路", "临平大道", "文一西路", "五常大道", "荆长路", "良睦路", "余杭塘路", "高教路"]
TAGS = ["独居老人", "残疾人", "低保", "重点人员", "退役军人"]
HEADER = ["身份证号", "姓名", "性别", "出生日期", "联系电话", "户籍地址", "实际居住地址", "标签"]
_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def write_people_file(path: Path, records: int, dirty: float, seed: int = 20200331) -> dict[str, int]:
    """Write `records` people; a `dirty` share has one defect (3 of 4 fixable). Returns the plan.

    People come household by household, as a household register lists them: 1.77 M addresses
    for 3.28 M people (the seeds' ratio of coded addresses to people records)."""
    rng = random.Random(seed)
    plan = {"clean": 0, "fixable": 0, "broken": 0}
    path.parent.mkdir(parents=True, exist_ok=True)
    start = date(1935, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(records):
            born = start + timedelta(days=i // 1000)
            sex = "M" if i % 2 else "F"
            pid = make_id_number("330110", born, (i % 1000) // 2, sex)
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
            if i == 0 or rng.random() < 0.54:  # a new household: 1.77 M addresses for 3.28 M people
                road = rng.choice(ROADS)
                home = (
                    f"杭州市余杭区{road}{rng.randrange(1, 400)}号{rng.randrange(1, 30)}幢"
                    f"{rng.randrange(1, 6)}单元{rng.randrange(1, 30)}{rng.randrange(1, 5):02d}室"
                )
            tags = rng.choice(TAGS) if rng.random() < 0.05 else ""
            row = [pid, name, "男" if sex == "M" else "女", born.isoformat(), phone, home, home, tags]
            if rng.random() < dirty:
                defect = rng.randrange(8)
                if defect < 6:
                    plan["fixable"] += 1
                    if defect == 0:
                        row[4] = f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"
                    elif defect == 1:
                        row[3] = f"{born.year}/{born.month}/{born.day}"
                    elif defect == 2:
                        row[1] = f" {name} "
                    elif defect == 3:
                        row[6] = home.translate(_FULL)
                    elif defect == 4:
                        row[2], row[3] = "", ""
                    else:
                        row[0] = pid.lower() if pid.endswith("X") else " " + pid
                else:
                    plan["broken"] += 1
                    if defect == 6:
                        row[0] = pid[:17] + ("0" if pid[17] != "0" else "1")
                    else:
                        row[4] = phone[:6]
            else:
                plan["clean"] += 1
            w.writerow(row)
    return plan


class _Quiet:
    def digest(self, subject: str, body: str) -> None:
        typer.echo(f"steward digest: {subject}")


def register(bench: typer.Typer) -> None:
    @bench.command("import")
    def bench_import(
        records: Annotated[int, typer.Option(help="people in the file (seed scale: 3,280,000)")] = 3_280_000,
        dirty: Annotated[float, typer.Option(help="share of records with a defect")] = 0.02,
        file: Annotated[Path, typer.Option(help="where to write the generated file")] = Path("var/bench/people.csv"),
        regenerate: Annotated[bool, typer.Option(help="write the file even if it exists")] = False,
        batch: Annotated[int, typer.Option(help="records per committed batch")] = 5000,
        fresh: Annotated[bool, typer.Option(help="empty the people and import tables first")] = True,
        matcher: Annotated[bool, typer.Option(help="match addresses with the address library if installed")] = True,
    ) -> None:
        """Import the seed-scale people file; print records/s, peak memory and the balance."""
        from gridbrain.registry import importer
        from gridbrain.registry.tables import import_runs, people, quarantine, record_fixes, record_versions

        if regenerate or not file.exists():
            with timed() as t:
                plan = write_people_file(file, records, dirty)
            typer.echo(f"generated {records:,} records in {t.seconds:.1f} s: {plan}")
        engine = make_engine(get_settings().database_url)
        upgrade(engine)
        if fresh:
            with engine.begin() as conn:
                for table in (people, record_versions, record_fixes, quarantine, import_runs):
                    conn.execute(sa.delete(table))
        load_before = os.getloadavg()[0]
        actor = Actor(username="bench", role="admin", area_code=get_settings().district_code)
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        with UnitOfWork(engine) as uow, timed() as t:
            result = importer.import_file(
                uow, actor, "person", file, batch_size=batch, notifier=_Quiet(), matcher="default" if matcher else None
            )
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        rate = result.read / t.seconds if t.seconds else float("nan")
        typer.echo(f"database: {engine.dialect.name}; address matcher: {'yes' if result.matcher else 'none'}")
        typer.echo(
            f"read {result.read:,} / accepted {result.accepted:,} / fixed {result.fixed:,} / "
            f"quarantined {result.quarantined:,} (new {result.new:,}, changed {result.changed:,})"
        )
        typer.echo(f"time {t.seconds:.1f} s, {rate:,.0f} records/s, peak memory {peak_rss_mib():.0f} MiB")
        typer.echo(
            f"CPU of this process {cpu:.1f} s ({result.read / cpu:,.0f} records per CPU second); "
            f"load average before/after: {load_before:.1f}/{os.getloadavg()[0]:.1f}"
        )
        typer.echo(f"balanced (accepted + fixed + quarantined = read): {result.balanced}")
        with engine.connect() as conn:
            held = conn.execute(sa.select(sa.func.count()).select_from(people)).scalar_one()
            queued = conn.execute(
                sa.select(sa.func.count()).select_from(quarantine).where(quarantine.c.run_id == result.run_id)
            ).scalar_one()
        typer.echo(f"people held {held:,}, quarantine rows of this run {queued:,}")
        if fresh:  # every record read is either held or queued for the steward
            typer.echo(f"lost: {result.read - held - queued:,}")
