"""The supervision board and the steward's desk in real chromium."""

from __future__ import annotations

import pytest

from gridbrain.core.codes import make_id_number
from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser
HEADER = "身份证号,姓名,性别,出生日期,联系电话,户籍地址,实际居住地址,标签"


def test_the_supervision_board_shows_cards_orders_whistles_and_the_ranking(page, live_server):
    login(page, live_server, "district")
    page.goto(f"{live_server}/supervision")
    assert page.locator("h1").inner_text().startswith("督办")
    for table in ("#cards-by-department", "#cards-by-street", "#ranking", "#orders"):
        assert page.locator(table).is_visible()
    assert page.locator("#export").get_attribute("href").startswith("/api/v1/supervision/assessment.xlsx")
    export = page.request.get(live_server + page.locator("#export").get_attribute("href"))
    assert export.ok and export.body()[:2] == b"PK"  # an XLSX file is a zip
    shot(page, "supervision")


def test_a_steward_fixes_a_quarantined_record(page, live_server):
    login(page, live_server, "steward")
    assert page.locator(".topbar .nav a").all_inner_texts() == ["数据治理台"]
    person = make_id_number("330110", __import__("datetime").date(1961, 5, 7), 77, "F")
    csv = f"{HEADER}\n{person},钱八妹,女,1961-05-07,123,,,\n".encode()
    made = page.request.post(
        f"{live_server}/api/v1/imports/person",
        multipart={"file": {"name": "people.csv", "mimeType": "text/csv", "buffer": csv}},
    )
    assert made.ok and made.json()["quarantined"] == 1
    page.goto(f"{live_server}/steward")
    run = page.locator(f"#runs tr[data-run='{made.json()['run_id']}'] td").all_inner_texts()
    assert run[1:] == ["人口", "people.csv", "1", "0", "0", "1"], run  # the import with its counts
    item = page.locator("form.q-item", has=page.locator("input[value='钱八妹']"))
    assert item.locator(".reasons [data-field=phone]").is_visible()
    # the rule in words: Chinese, not the library's English rule
    rule = "联系电话：不是手机号（1开头的11位数字）或座机号（0xxx-xxxxxxx）"
    assert item.locator(".reasons [data-field=phone]").inner_text() == rule
    shot(page, "steward-queue")
    # a wrong fix is refused next to the record, and what was typed stays
    item.locator("input[name=phone]").fill("12")
    item.locator("button[data-do=fix]").click()
    item.locator(".action-error:not(:empty)").wait_for()
    assert item.locator("input[name=phone]").input_value() == "12"
    item.locator("input[name=phone]").fill("13900007777")
    item.locator("button[data-do=fix]").click()
    page.wait_for_selector("form.q-item[data-status='fixed']")
    shot(page, "steward-fixed")
    held = page.request.get(f"{live_server}/api/v1/people/{person}").json()
    assert held["name"] == "钱八妹" and held["phone"] == "13900007777"


def test_an_operator_filters_the_event_list_and_keeps_the_view(page, live_server):
    login(page, live_server, "district")
    page.goto(f"{live_server}/desk")
    page.select_option("select[name=status]", "dispatched")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    statuses = set(page.locator("#events tbody td:nth-child(5)").all_inner_texts())
    assert statuses <= {"已派单", "没有符合条件的事件。"}
    page.click("#save-view")
    page.goto(f"{live_server}/desk")
    view = page.locator("#saved-views a.view")
    assert view.count() == 1 and "已派单" in view.inner_text()
    with page.expect_navigation():
        view.click()
    assert "status=dispatched" in page.url
    page.fill("input[name=since]", "not-a-date")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert page.locator("#since-error").is_visible()
    assert page.input_value("input[name=since]") == "not-a-date"
    first = page.locator("#events tbody a").first
    if first.count():
        with page.expect_navigation():
            first.click()
        page.wait_for_selector("#similar[data-ready='1']")
    shot(page, "desk-list")


def test_an_operator_triages_a_vague_report_seeing_where_it_goes_before_confirming(browser, live_server):
    resident = browser.new_context(locale="zh-CN").new_page()
    resident.goto(f"{live_server}/report")
    resident.fill("#text", "这里有点问题，麻烦来看看")
    resident.fill("#address", "五常街道天目社区")
    resident.wait_for_selector("#pick-map[data-ready='1']", timeout=20_000)
    box = resident.locator("#pick-map").bounding_box()
    resident.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    resident.click("button[type=submit]")
    ticket = resident.locator("#ticket-number").inner_text()
    assert resident.locator("#ticket-status").get_attribute("data-status") == "triage"
    resident.context.close()

    operator = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    login(operator, live_server, "district")
    operator.goto(f"{live_server}/desk")
    item = operator.locator(f"form.triage-item[data-event='{ticket}']")
    item.locator("select[name=matter_code]").select_option("E030201")  # 工地扬尘
    item.locator(".decided [data-department]").wait_for()
    assert item.locator("[data-level]").inner_text() == "街道"
    assert item.locator("[data-department]").inner_text() == "城管执法"
    shot(operator, "desk-triage")
    with operator.expect_navigation():
        item.locator("button[data-action=dispatch]").click()
    operator.goto(f"{live_server}/desk/events/{ticket}")
    assert operator.locator("#event-status").get_attribute("data-status") == "dispatched"
    assert operator.locator("#event-department").get_attribute("data-code").endswith(":city_management")
    operator.context.close()


def test_the_cockpit_shows_the_devices_alarming_or_offline_as_a_map_layer(page, live_server):
    login(page, live_server, "district")
    page.goto(f"{live_server}/cockpit")
    page.wait_for_selector("#map[data-ready='1']", timeout=20_000)
    area = page.locator("#map").get_attribute("data-area")
    api = page.request.get(f"{live_server}/api/v1/perception/map?alarmed=true&area={area}")
    assert api.ok
    wanted = sorted(f["properties"]["code"] for f in api.json()["features"])
    assert wanted, "the demo district has offline devices"
    drawn = page.evaluate("window.gridbrainMap.state.devices")
    assert sorted(drawn) == wanted
    assert page.locator(".leaflet-control-layers").inner_text().count("感知设备") == 1
    shot(page, "cockpit-devices")
