"""Whistle and report-in, supervision orders and the assessment, through the services."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from gridbrain.core import clock
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Conflict, Forbidden, Invalid
from gridbrain.core.tables import audit_log
from gridbrain.events import service as events
from gridbrain.supervision import sweeper
from gridbrain.supervision.assessment import excel
from gridbrain.supervision.assessment import service as assessment
from gridbrain.supervision.model import CHINA
from gridbrain.supervision.orders import service as orders
from gridbrain.supervision.orders import whistles
from gridbrain.supervision.orders.model import BlowWhistle, OpenOrder, ReplyOrder, ReportIn, ReportResult


def cn(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA)  # type: ignore[misc]


def test_a_department_that_never_reports_in_shows_as_such_in_the_assessment(report, wired, people, district):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 9, 0))
    s1 = district.streets[0][:9]
    clock.set_now(cn(2026, 11, 23, 9, 30))
    with UnitOfWork(wired) as uow:
        w = whistles.blow_whistle(
            uow,
            people["community1_staff"],
            BlowWhistle(
                event_id,
                (
                    f"{s1}:city_management",
                    f"{s1}:market_supervision",
                ),
                "占道经营反复发生，需联合执法",
            ),
        )
        uow.commit()
    assert w.blown_level == "community"
    by_dept = {s.department_code: s for s in w.summons}
    cm, market = by_dept[f"{s1}:city_management"], by_dept[f"{s1}:market_supervision"]
    assert cm.report_in_due_at == cn(2026, 11, 23, 11, 30)  # 2 working hours

    clock.set_now(cn(2026, 11, 23, 10, 0))
    with UnitOfWork(wired) as uow:
        whistles.report_in(uow, people["s1_cm"], ReportIn(cm.id, "王队长等3人"))
        whistles.arrive(uow, people["s1_cm"], cm.id)
        whistles.report_result(uow, people["s1_cm"], ReportResult(cm.id, "已联合劝离，设置隔离栏"))
        with pytest.raises(Forbidden):  # nobody reports in for another department
            whistles.report_in(uow, people["s1_cm"], ReportIn(market.id, "冒名"))
        uow.commit()

    res = sweeper.sweep(wired, cn(2026, 11, 23, 14, 0))
    assert res.no_report_in == 1
    assert sweeper.sweep(wired, cn(2026, 11, 23, 15, 0)).no_report_in == 0  # recorded once

    clock.set_now(cn(2026, 11, 24, 9, 0))
    with UnitOfWork(wired) as uow:
        view = whistles.get_whistle(uow, people["street1_op"], w.id)
        rows = {
            r.key: r
            for r in assessment.assess(uow, people["district_op"], since=cn(2026, 11, 1), until=cn(2026, 12, 1))
        }
        flagged = (
            uow.execute(sa.select(audit_log.c.subject_id).where(audit_log.c.tag == "supervision:summons:no_report_in"))
            .scalars()
            .all()
        )
    flags = {s.department_code: s.flags for s in view.summons}
    assert flags == {f"{s1}:city_management": [], f"{s1}:market_supervision": ["no_report_in"]}
    assert flagged == [event_id]  # in the event's timeline
    m, c = rows[f"{s1}:market_supervision"], rows[f"{s1}:city_management"]
    assert (
        m.value("summoned"),
        m.value("no_report_in"),
        m.value("reported_in_on_time"),
        m.value("report_in_rate"),
    ) == (1, 1, 0, 0.0)
    assert (
        c.value("summoned"),
        c.value("no_report_in"),
        c.value("reported_in_on_time"),
        c.value("report_in_rate"),
    ) == (1, 0, 1, 1.0)
    assert c.rank < m.rank


def test_report_in_late_and_without_result_are_recorded(report, wired, people, district):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 9, 0))
    s1 = district.streets[0][:9]
    with UnitOfWork(wired) as uow:
        w = whistles.blow_whistle(
            uow, people["street1_op"], BlowWhistle(event_id, (f"{s1}:city_management",), "需城管到场")
        )
        uow.commit()
    sid = w.summons[0].id
    clock.set_now(cn(2026, 11, 23, 14, 0))  # due 11:00
    with UnitOfWork(wired) as uow:
        whistles.report_in(uow, people["s1_cm"], ReportIn(sid, "李四"))
        with pytest.raises(Conflict):
            whistles.report_result(uow, people["s1_cm"], ReportResult(sid, "先报结果"))  # arrival first
        uow.commit()
    res = sweeper.sweep(wired, cn(2026, 11, 26, 9, 0))  # result due 25th 17:30
    assert (res.no_report_in, res.no_result) == (0, 1)
    clock.set_now(cn(2026, 11, 26, 9, 0))
    with UnitOfWork(wired) as uow:
        flags = whistles.get_whistle(uow, people["street1_op"], w.id).summons[0].flags
        row = {
            r.key: r for r in assessment.assess(uow, people["street1_op"], since=cn(2026, 11, 1), until=cn(2026, 12, 1))
        }[f"{s1}:city_management"]
    assert flags == ["late_report_in", "no_result"]
    assert (row.value("reported_in_late"), row.value("no_result"), row.value("report_in_rate")) == (1, 1, 0.0)


def test_only_grids_communities_and_streets_blow_whistles_and_departments_must_exist(report, wired, people):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 9, 0))
    with UnitOfWork(wired) as uow:
        with pytest.raises(Forbidden):
            whistles.blow_whistle(uow, people["district_op"], BlowWhistle(event_id, ("330110:water",), "x"))
        with pytest.raises(Invalid) as e:
            whistles.blow_whistle(uow, people["grid1_worker"], BlowWhistle(event_id, ("330110:nope",), "x"))
        assert e.value.field == "departments[0]"
        with pytest.raises(Invalid) as e:
            whistles.blow_whistle(
                uow,
                people["grid1_worker"],
                BlowWhistle(
                    event_id,
                    (
                        "330110:water",
                        "330110:water",
                    ),
                    "x",
                ),
            )
        assert e.value.field == "departments"
        w = whistles.blow_whistle(uow, people["grid1_worker"], BlowWhistle(event_id, ("330110:water",), "积水"))
        assert w.blown_level == "grid"


def test_a_supervision_order_is_tracked_until_replied_and_a_late_reply_stays_marked(report, wired, people):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 9, 0))
    with UnitOfWork(wired) as uow:
        with pytest.raises(Invalid) as e:
            orders.open_order(uow, people["street1_op"], OpenOrder(event_id, cn(2026, 11, 22, 9, 0), "x"))
        assert e.value.field == "due_at"
        with pytest.raises(Forbidden):
            orders.open_order(uow, people["c1_office"], OpenOrder(event_id, cn(2026, 11, 24), "x"))
        o = orders.open_order(
            uow, people["street1_op"], OpenOrder(event_id, cn(2026, 11, 23, 17, 0), "请于今日17时前回复处置进展")
        )
        uow.commit()
    assert o.status == "open" and o.department_code.endswith(":community_office")
    assert sweeper.sweep(wired, cn(2026, 11, 23, 18, 0)).orders_overdue == 1
    assert sweeper.sweep(wired, cn(2026, 11, 23, 19, 0)).orders_overdue == 0
    clock.set_now(cn(2026, 11, 23, 19, 0))
    with UnitOfWork(wired) as uow:
        assert [x.id for x in orders.list_orders(uow, people["street1_op"], overdue=True)] == [o.id]
        with pytest.raises(Conflict):
            orders.close_order(uow, people["street1_op"], o.id)  # not replied yet
        replied = orders.reply_order(uow, people["c1_office"], ReplyOrder(o.id, "已安排清理，明早完成"))
        closed = orders.close_order(uow, people["street1_op"], o.id)
        uow.commit()
    assert replied.status == "replied" and replied.overdue is True
    assert closed.status == "closed"
    with UnitOfWork(wired) as uow:
        tags = [e["action"] for e in events.get_event(uow, people["admin"], event_id)["timeline"]]
    assert {
        "supervision:order:opened",
        "supervision:order:overdue",
        "supervision:order:replied",
        "supervision:order:closed",
    } <= set(tags)


def test_assessment_counts_on_time_acceptance_returns_cards_and_satisfaction_per_department(
    report, wired, people, district
):  # type: ignore[no-untyped-def]
    c1 = district.communities[0]
    a = report(cn(2026, 11, 23, 9, 0), n=1)
    b = report(cn(2026, 11, 23, 9, 0), n=2)
    clock.set_now(cn(2026, 11, 23, 9, 30))
    with UnitOfWork(wired) as uow:
        events.act(uow, people["c1_office"], a, "accept")
        uow.commit()
    sweeper.sweep(wired, cn(2026, 11, 23, 9, 50))  # b: yellow on its response clock
    clock.set_now(cn(2026, 11, 23, 9, 55))
    with UnitOfWork(wired) as uow:
        events.act(uow, people["c1_office"], b, "return", note="非本社区")
        uow.commit()
    clock.set_now(cn(2026, 11, 24, 9, 0))
    with UnitOfWork(wired) as uow:
        rows = assessment.assess(uow, people["district_op"], since=cn(2026, 11, 23), until=cn(2026, 11, 24))
        streets = assessment.assess(
            uow, people["district_op"], since=cn(2026, 11, 23), until=cn(2026, 11, 24), by="street"
        )
        other = assessment.assess(uow, people["street2_op"], since=cn(2026, 11, 23), until=cn(2026, 11, 24))
        with pytest.raises(Invalid) as e:
            assessment.assess(uow, people["district_op"], since=cn(2026, 11, 24), until=cn(2026, 11, 23))
        assert e.value.field == "until"
    row = {r.key: r for r in rows}[f"{c1}:community_office"]
    assert (row.value("received"), row.value("accepted_on_time"), row.value("response_due"), row.value("returned")) == (
        2,
        1,
        1,
        1,
    )
    assert row.value("return_rate") == 0.5 and row.value("yellow_cards") == 1 and row.value("red_cards") == 0
    assert row.name.endswith("社区")
    assert [r.key for r in streets] == [district.streets[0]]
    assert other == []  # street 2 sees nothing of street 1


def test_the_excel_export_has_a_title_a_header_and_one_row_per_department(report, wired, people):  # type: ignore[no-untyped-def]
    import io

    from openpyxl import load_workbook

    report(cn(2026, 11, 23, 9, 0))
    clock.set_now(cn(2026, 11, 24, 9, 0))
    with UnitOfWork(wired) as uow:
        rows = assessment.assess(uow, people["district_op"], since=cn(2026, 11, 1), until=cn(2026, 12, 1))
    data = excel.to_excel(rows, since=cn(2026, 11, 1), until=cn(2026, 12, 1), by="department", title="考核")
    ws = load_workbook(io.BytesIO(data))["考核排名"]
    assert ws["A1"].value == "考核（按部门）"
    assert [c.value for c in ws[3]][:4] == ["排名", "单位", "编码", "得分"]
    assert ws.max_row == 3 + len(rows) and rows
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$3:$3"
