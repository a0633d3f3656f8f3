"""The issue's "done when", in real chromium: a resident reports on /report → the street
operator's open cockpit shows it without reload → it is dispatched on the desk → the department
handler handles it and the operator closes it → the resident reads the answer and rates it."""

from __future__ import annotations

import pytest
from shapely.geometry import shape

from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser
MATTER = "E030201"  # 工地扬尘: a street matter of city management (the demo handler's department)


def _a_point_in_the_operators_street(page, base: str) -> tuple[str, float, float]:  # type: ignore[no-untyped-def]
    street = page.request.get(f"{base}/api/v1/areas").json()[0]["code"]
    grids = page.request.get(f"{base}/api/v1/grids.geojson?area={street}").json()["features"]
    p = shape(grids[len(grids) // 2]["geometry"]).representative_point()
    return street, p.y, p.x


def _click_on_the_map(page, lat: float, lng: float) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("#pick-map[data-ready='1']", timeout=20_000)
    page.evaluate("([lat, lng]) => window.gbReportMap.setView([lat, lng], 16)", [lat, lng])
    page.wait_for_timeout(300)
    xy = page.evaluate(
        "([lat, lng]) => { const p = window.gbReportMap.latLngToContainerPoint([lat, lng]); return [p.x, p.y]; }",
        [lat, lng],
    )
    box = page.locator("#pick-map").bounding_box()
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])


def _act(page, action: str, note: str | None = None) -> None:  # type: ignore[no-untyped-def]
    form = page.locator(f"form.action[data-action={action}]")
    if note is not None:
        form.locator("input").fill(note)
    with page.expect_navigation():
        form.locator("button").click()


def test_a_resident_report_goes_round_the_whole_loop(browser, live_server):
    operator = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    resident = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    handler = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    login(operator, live_server, "street")
    operator.wait_for_selector("#map[data-ready='1']", timeout=20_000)
    operator.wait_for_selector("#live-state[data-state='on']", timeout=10_000)
    operator.evaluate("window.__sameDocument = true")
    _street, lat, lng = _a_point_in_the_operators_street(operator, live_server)

    # the resident reports, with a bad first try that keeps what was typed
    resident.goto(f"{live_server}/report")
    resident.fill("#text", "工地")
    resident.fill("#phone", "12ab")
    resident.click("button[type=submit]")
    assert resident.locator("#text-error").inner_text() == "请用至少5个字描述问题"
    assert resident.locator("#location-error").is_visible()
    assert resident.locator("#phone-error").is_visible()
    assert resident.input_value("#text") == "工地"
    shot(resident, "report-errors")
    resident.fill("#text", "旁边工地这几天灰尘特别大，飘得到处都是，窗户都不敢开")
    resident.fill("#name", "王小明")
    resident.fill("#phone", "13900001111")
    _click_on_the_map(resident, lat, lng)
    assert resident.input_value("#lat") != ""
    resident.click("button[type=submit]")
    resident.wait_for_selector("#ticket-number")
    ticket = resident.locator("#ticket-number").inner_text()
    shot(resident, "report-ticket")

    # the operator's open cockpit shows it without a reload
    operator.wait_for_function("t => window.gridbrainMap.state.ids.includes(t)", arg=ticket, timeout=20_000)
    assert operator.evaluate("window.__sameDocument") is True
    shot(operator, "cockpit-live")

    # dispatched on the desk: from the triage queue with the matter picked, else re-routed to it
    operator.goto(f"{live_server}/desk")
    item = operator.locator(f"form.triage-item[data-event='{ticket}']")
    if item.count():
        item.locator("select[name=matter_code]").select_option(MATTER)
        item.locator(".decided [data-department]").wait_for()
        assert item.locator("[data-level]").inner_text() == "街道"
        shot(operator, "desk-triage")
        with operator.expect_navigation():
            item.locator("button[data-action=dispatch]").click()
    else:
        operator.goto(f"{live_server}/desk/events/{ticket}")
        operator.locator("form.action[data-action=reroute] select").select_option(MATTER)
        _act(operator, "reroute")
    operator.goto(f"{live_server}/desk/events/{ticket}")
    assert operator.locator("#event-status").get_attribute("data-status") == "dispatched"
    dept = operator.locator("#event-department")
    assert dept.get_attribute("data-code").endswith(":city_management")
    assert "城管" in dept.inner_text() and ":" not in dept.inner_text()  # its name, not its code
    # the reporter's details are masked for the command centre
    assert "13900001111" not in operator.content()

    # the department handler works it; a second tab's stale action is refused with the 409's message
    login(handler, live_server, "handler")
    handler.goto(f"{live_server}/desk/events/{ticket}")
    stale = handler.context.new_page()
    stale.goto(f"{live_server}/desk/events/{ticket}")
    _act(handler, "accept")
    stale.locator("form.action[data-action=accept] button").click()
    refusal = stale.locator("form.action[data-action=accept] .action-error")
    refusal.wait_for()
    assert refusal.get_attribute("data-status") == "409"
    assert "当前状态" in refusal.inner_text()  # worded in Chinese, the API's message as its tooltip
    assert "accepted" in refusal.get_attribute("title")
    shot(stale, "desk-refusal")
    _act(handler, "start")
    _act(handler, "handle", "已安排洒水降尘并要求工地覆盖裸土")
    shot(handler, "desk-event-handled")

    # the command centre verifies and closes with the answer to the resident
    operator.goto(f"{live_server}/desk/events/{ticket}")
    _act(operator, "verify")
    _act(operator, "close", "经核查，工地已落实降尘措施，感谢您的反映")
    assert operator.locator("#event-status").get_attribute("data-status") == "closed"
    shot(operator, "desk-event-closed")

    # the resident reads the answer and rates it
    resident.goto(f"{live_server}/report/{ticket}")
    # the answer is the handler's result (处置结果), as the outbox sent it, not the close note
    assert resident.locator("#answer").inner_text() == "已安排洒水降尘并要求工地覆盖裸土"
    assert resident.locator("#ticket-status").inner_text() == "已结案"
    resident.click("form.rate button[type=submit]")
    assert resident.locator(".field-error").inner_text() == "请选择1到5分"
    resident.check("input[name=rating][value='5']")
    resident.fill("#comment", "处理很及时")
    resident.click("form.rate button[type=submit]")
    assert "5 / 5" in resident.locator("#rated").inner_text()
    shot(resident, "report-rated")
    for p in (operator, resident, handler):
        p.context.close()


def test_another_browser_sees_a_ticket_without_its_text_or_anyone_s_details(browser, live_server):
    mine = browser.new_context(locale="zh-CN").new_page()
    other = browser.new_context(locale="zh-CN").new_page()
    mine.goto(f"{live_server}/report")
    mine.fill("#text", "路灯坏了好几天，晚上很黑，请尽快修理")
    mine.fill("#address", "文一西路88号")
    mine.fill("#phone", "13700002222")
    mine.click("button[type=submit]")
    ticket = mine.locator("#ticket-number").inner_text()
    assert "路灯坏了" in mine.locator("#ticket-text").inner_text()
    other.goto(f"{live_server}/report/{ticket}")
    assert other.locator("#ticket-status").is_visible()
    assert "路灯坏了" not in other.content()
    assert "13700002222" not in other.content()
    assert other.goto(f"{live_server}/report/NO-SUCH-TICKET").status == 404
    mine.context.close()
    other.context.close()


def test_a_street_operator_cannot_open_another_street_s_event(browser, live_server):
    district = browser.new_context(locale="zh-CN").new_page()
    login(district, live_server, "district")
    streets = district.request.get(
        f"{live_server}/api/v1/areas/{district.request.get(live_server + '/api/v1/areas').json()[0]['code']}"
    ).json()["children"]
    page = browser.new_context(locale="zh-CN").new_page()
    login(page, live_server, "street")
    own = page.request.get(f"{live_server}/api/v1/areas").json()[0]["code"]
    other = next(s["code"] for s in streets if s["code"] != own)
    events = district.request.get(f"{live_server}/api/v1/events?area={other}&per_page=1").json()["items"]
    assert events, "the demo district has events in another street"
    foreign = events[0]["id"]
    assert district.goto(f"{live_server}/desk/events/{foreign}").status == 200
    assert page.goto(f"{live_server}/desk/events/{foreign}").status == 404
    district.context.close()
    page.context.close()
