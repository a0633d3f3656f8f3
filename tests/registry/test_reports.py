"""Reports filled from the library (智减负): figures match a hand count, formatting is kept."""

import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import yaml
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName

from gridbrain.core import auth, clock
from gridbrain.core.errors import Invalid
from gridbrain.registry import reports, storage, templates
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
    templates.register_template(
        uow, steward, RegisterTemplate("elderly-alone", "独居老人统计", template_bytes(), MAPPING)
    )
    street = district.streets[0]
    wb = openpyxl.load_workbook(io.BytesIO(templates.fill(uow, steward, "elderly-alone", street)))
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
        templates.register_template(uow, steward, RegisterTemplate("x", "x", template_bytes(), bad))
    with pytest.raises(Invalid, match="defined name"):
        templates.register_template(
            uow, steward, RegisterTemplate("x", "x", template_bytes(), {"cells": {"no_such_name": {"query": "today"}}})
        )


README = Path(__file__).resolve().parents[2] / "README.md"


def readme_mapping() -> dict:
    text = README.read_text("utf-8")
    block = text.split("<!-- report-mapping-example -->")[1].split("<!-- /report-mapping-example -->")[0]
    return yaml.safe_load(block.split("```yaml")[1].split("```")[0])


def readme_template() -> bytes:
    """The template the README's worked example describes, cell by cell."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws["A1"] = "独居老人情况统计表"
    ws["A2"], ws["A3"] = "填报区域", "独居老人总数"
    ws["A6"], ws["B6"], ws["C6"] = "社区编码", "社区", "人数"
    ws["A7"].font = Font(italic=True)
    ws["A9"], ws["C9"] = "合计", "=SUM(C7:C8)"
    ws["A11"] = "填表人："
    ws.merge_cells("A11:B11")
    ws.row_dimensions[11].height = 30
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_readme_worked_example_fills_and_moves_the_total_and_the_signature_down(district, uow):
    steward = seed(district, uow)
    clock.set_now(datetime(2026, 6, 1, 9, 0))
    registered = templates.register_template(
        uow, steward, RegisterTemplate("readme", "独居老人统计", readme_template(), readme_mapping())
    )
    assert registered["mapping"] == readme_mapping()
    ws = openpyxl.load_workbook(io.BytesIO(templates.fill(uow, steward, "readme", district.code)))["汇总"]
    rows = [[c.value for c in row] for row in ws["A7:C9"]]
    assert [r[2] for r in rows] == [2, 1, 1]  # three communities, 4 people in all (hand count in seed)
    assert ws["A8"].font.italic and ws["A9"].font.italic
    assert (ws["A10"].value, ws["C10"].value) == ("合计", "=SUM(C7:C9)")
    assert ws["A11"].value is None and ws["A12"].value == "填表人："
    assert ws["D12"].value is not None and ws["D11"].value is None  # the date moved with its line
    assert "A12:B12" in {str(m) for m in ws.merged_cells.ranges} and ws.row_dimensions[12].height == 30
    assert ws["B3"].value == 4


def test_a_block_set_to_refuse_names_the_rows_it_would_overwrite(district, uow):
    steward = seed(district, uow)
    mapping = readme_mapping()
    mapping["tables"][0]["overflow"] = "refuse"
    templates.register_template(uow, steward, RegisterTemplate("strict", "独居老人统计", readme_template(), mapping))
    with pytest.raises(Invalid) as e:
        templates.fill(uow, steward, "strict", district.code)
    assert "第9行（合计）" in str(e.value) and "room for 2" in str(e.value)


def test_a_block_that_fits_its_room_inserts_nothing(district, uow):
    steward = seed(district, uow)
    templates.register_template(uow, steward, RegisterTemplate("fits", "独居老人统计", readme_template(),
                                                               readme_mapping()))  # fmt: skip
    street = district.streets[0]  # two communities: the room of two rows is enough
    ws = openpyxl.load_workbook(io.BytesIO(templates.fill(uow, steward, "fits", street)))["汇总"]
    assert (ws["A9"].value, ws["C9"].value) == ("合计", "=SUM(C7:C8)") and ws["A11"].value == "填表人："


def test_a_total_in_another_sheet_follows_the_rows_it_counts():
    from gridbrain.registry.workbook import Insertion, shift_formula

    moved = Insertion("汇总", at=9, amount=2, grow_from=6)
    assert shift_formula("='汇总'!C9*2", False, moved) == "='汇总'!C11*2"
    assert shift_formula("=SUM(C7:C8)", True, moved) == "=SUM(C7:C10)"
    assert shift_formula("=SUM(企业!C7:C8)", True, moved) == "=SUM(企业!C7:C8)"
    assert shift_formula("=B3+SUM(A:A)", True, moved) == "=B3+SUM(A:A)"
