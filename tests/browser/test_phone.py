"""The grid worker's phone pages on a 375 px screen: verification confirmed, a patrol report
typed without network kept on the phone and sent when the network is back, and the page weight."""

from __future__ import annotations

import pytest
from shapely.geometry import shape

from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 812}
WEIGHT_LIMIT = 300 * 1024


def _a_grid_with_people(browser, base: str) -> tuple[str, float, float]:  # type: ignore[no-untyped-def]
    page = browser.new_context().new_page()
    login(page, base, "district")
    grid = page.request.get(f"{base}/api/v1/people?limit=1").json()[0]["grid_code"]
    grids = page.request.get(f"{base}/api/v1/grids.geojson?area={grid}").json()["features"]
    p = shape(next(g for g in grids if g["properties"]["code"] == grid)["geometry"]).representative_point()
    page.context.close()
    return grid, p.y, p.x


@pytest.fixture
def phone(browser, live_server):  # type: ignore[no-untyped-def]
    grid, lat, lng = _a_grid_with_people(browser, live_server)
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        geolocation={"latitude": lat, "longitude": lng},
        permissions=["geolocation"],
    )
    page = context.new_page()
    login(page, live_server, f"gw{grid}")
    yield page, grid
    context.close()


def test_a_grid_worker_confirms_a_verification_task_on_a_phone(phone, live_server):
    page, _grid = phone
    made = page.request.post(
        f"{live_server}/api/v1/verification/tasks/generate", data={"kind": "person", "every_days": 1}
    )
    assert made.ok
    page.goto(f"{live_server}/m/")
    assert int(page.locator("#task-count").inner_text()) > 0
    shot(page, "phone-home")
    page.click("text=核实任务")
    task = page.locator("form.m-task").first
    held = task.locator("input[data-held]").count()
    assert held > 0, "the task shows the values held"
    task.locator("button[data-answer=confirm]").click()
    page.wait_for_selector("form.m-task[data-done='confirmed']")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "phone-verify")


def test_a_report_typed_without_network_is_sent_when_the_network_is_back(phone, live_server):
    page, grid = phone
    page.goto(f"{live_server}/m/report")
    page.fill("#text", "路边有一堆建筑垃圾，占了半条人行道")
    page.select_option("#matter", "E010111")
    page.wait_for_selector("#params input, #params select")
    page.click("#locate")
    # a function: an expression string would need eval, which the pages' CSP refuses
    page.wait_for_function("() => document.getElementById('lat').value !== ''")
    shot(page, "phone-report")
    page.context.set_offline(True)
    page.click("#m-report button[type=submit]")
    page.wait_for_selector("#kept:not([hidden])")
    assert page.evaluate("window.gbOutbox.count()") == 1
    page.context.set_offline(False)
    page.wait_for_selector("#kept[data-flushed='1']", timeout=15_000)
    assert page.evaluate("window.gbOutbox.count()") == 0
    sent = page.request.get(f"{live_server}/api/v1/events?area={grid}&channel=patrol&per_page=50").json()["items"]
    assert any(e["text"].startswith("路边有一堆建筑垃圾") for e in sent)
    shot(page, "phone-report-sent")
    page.goto(f"{live_server}/m/patrol")  # my patrol record (巡查记录) holds it, with its status
    mine = page.locator("#patrol li[data-id]")
    assert any(t.split(" ", 1)[-1].startswith("路边有一堆建筑垃圾") for t in mine.all_inner_texts())
    assert int(page.locator("#patrol-total b").inner_text()) == mine.count()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "phone-patrol")


def test_the_phone_pages_weigh_under_300_kb(browser, live_server):
    grid, _lat, _lng = _a_grid_with_people(browser, live_server)
    for path in ("/m/", "/m/report", "/m/verify"):
        # a fresh context per page: nothing comes from the browser's cache
        context = browser.new_context(viewport=PHONE, is_mobile=True, locale="zh-CN")
        login_form = {"username": f"gw{grid}", "password": "demo12345", "next": "/healthz"}
        assert context.request.post(f"{live_server}/login", form=login_form).ok
        page = context.new_page()
        sizes: list[int] = []
        page.on("requestfinished", lambda r, sizes=sizes: sizes.append(r.sizes()["responseBodySize"]))
        page.goto(f"{live_server}{path}", wait_until="networkidle")
        total = sum(sizes)
        print(f"page weight {path}: {total / 1024:.1f} KB in {len(sizes)} responses")
        assert page.url.endswith(path)
        assert 0 < total < WEIGHT_LIMIT, f"{path} weighs {total} bytes"
        context.close()
