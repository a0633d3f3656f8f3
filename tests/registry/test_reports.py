"""Reports filled from the library (智减负): figures match a hand count, formatting is kept."""

import io
from datetime import date

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName

from gridbrain.core import auth
from gridbrain.core.errors import Invalid
from gridbrain.registry import reports, storage
from gridbrain.registry.model import ENTERPRISE, HOUSE, PERSON, RegisterTemplate
from tests.registry.helpers import credit_code, person_id


def template_bytes():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws["A1"] = "独居老人情况统计表"
    ws["A1"].font = Font(bold=True, size=16)
    ws["A2"], ws["A3"], ws["A4"] = "填报区域", "独居老人总数", "出租房屋数"
    ws["B3"].number_format = "0"
    ws["B3"].fill = PatternFill("solid", fgColor="FFFF00")
    wb.defined_names["rental_total"] = DefinedName("rental_total", attr_text="'汇总'!$B$4")
    ws["A6"], ws["B6"], ws["C6"] = "社区编码", "社区", "人数"
    ws["A7"].font = Font(italic=True)
    detail = wb.create_sheet("企业")
    detail["A1"], detail["B1"], detail["C1"] = "街道", "行业", "企业数"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


MAPPING = {
    "cells": {
        "B2": {"query": "area_name"},
        "B3": {"query": "people_count", "params": {"tag": "独居老人"}},
        "rental_total": {"query": "houses_count", "params": {"occupancy": "出租"}},
    },
    "tables": [
        {"start": "A7", "query": "people_by_community", "params": {"tag": "独居老人"},
         "columns": ["community_code", "community_name", "count"]},
        {"sheet": "企业", "start": "A2", "query": "enterprises_by_industry",
         "columns": ["street_name", "industry", "count"]},
    ],
}  # fmt: skip


def seed(district, uow):
    steward = auth.find_user(uow, "steward")
    g = district.grids  # g[0], g[1] in community 0; g[2], g[3] in community 1 (street 0); g[4..7] street 1
    tagged = [(g[0], ["独居老人"]), (g[1], ["独居老人", "低保"]), (g[1], ["低保"]), (g[2], ["独居老人"]),
              (g[4], ["独居老人"]), (g[0], None)]  # fmt: skip
    rows = [
        {"id_number": person_id(i), "name": "居民", "sex": "M", "birth_date": date(1950, 3, 1),
         "grid_code": grid, "area_code": grid, "tags": tags}
        for i, (grid, tags) in enumerate(tagged)
    ]  # fmt: skip
    storage.upsert_batch(uow, PERSON, rows, source="import", actor=steward)
    houses = [(g[0], "出租"), (g[1], "出租"), (g[1], "自住"), (g[4], "出租")]
    storage.upsert_batch(uow, HOUSE, [
        {"address_code": f"H{i}", "address": f"星河路{i}号", "occupancy": occ, "grid_code": grid, "area_code": grid}
        for i, (grid, occ) in enumerate(houses)
    ], source="import", actor=steward)  # fmt: skip
    firms = [(g[0], "零售业"), (g[2], "零售业"), (g[3], "餐饮业"), (g[5], "零售业")]
    storage.upsert_batch(uow, ENTERPRISE, [
        {"uscc": credit_code(i), "name": f"企业{i}", "industry": ind, "grid_code": grid, "area_code": grid}
        for i, (grid, ind) in enumerate(firms)
    ], source="import", actor=steward)  # fmt: skip
    uow.commit()
    return steward


def test_a_filled_report_matches_the_hand_count_and_keeps_the_formatting(district, uow):
    steward = seed(district, uow)
    reports.register_template(
        uow, steward, RegisterTemplate("elderly-alone", "独居老人统计", template_bytes(), MAPPING)
    )
    street = district.streets[0]
    wb = openpyxl.load_workbook(io.BytesIO(reports.fill(uow, steward, "elderly-alone", street)))
    ws = wb["汇总"]
    assert ws["B2"].value == "仓前街道"
    assert ws["B3"].value == 3  # g0, g1, g2 in street 1; g4 is in street 2
    assert ws["B4"].value == 2  # rentals in g0 and g1
    assert [[c.value for c in row] for row in ws["A7:C8"]] == [
        [district.communities[0], "仓前南社区", 2],
        [district.communities[1], "仓前北社区", 1],
    ]
    assert ws["A8"].font.italic  # rows take the style of the block's first row
    assert ws["A1"].font.bold and ws["A1"].font.size == 16
    assert ws["B3"].fill.fgColor.rgb.endswith("FFFF00")
    firms = [[c.value for c in row] for row in wb["企业"]["A2:C3"]]
    assert firms == [["仓前街道", "零售业", 2], ["仓前街道", "餐饮业", 1]]


def test_the_same_data_exports_as_csv_for_a_department_system(district, uow):
    steward = seed(district, uow)
    result = reports.run_query(uow, steward, "people_by_community", district.code, {"tag": "独居老人"})
    body, media = reports.export(result, "csv")
    assert media.startswith("text/csv")
    assert body.splitlines()[0] == "community_code,community_name,count"
    assert sum(int(line.rsplit(",", 1)[1]) for line in body.splitlines()[1:]) == 4


def test_a_mapping_that_names_an_unknown_query_or_cell_is_refused(district, uow):
    steward = auth.find_user(uow, "steward")
    bad = {"cells": {"B2": {"query": "nope"}}}
    with pytest.raises(Invalid, match="query"):
        reports.register_template(uow, steward, RegisterTemplate("x", "x", template_bytes(), bad))
    with pytest.raises(Invalid, match="defined name"):
        reports.register_template(
            uow, steward, RegisterTemplate("x", "x", template_bytes(), {"cells": {"no_such_name": {"query": "today"}}})
        )
