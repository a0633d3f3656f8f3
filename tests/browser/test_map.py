"""The frame and the cockpit's map in real chromium: log in, land on the own page, drill down."""

import pytest

from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser


def test_a_wrong_password_is_refused_in_chinese(page, live_server):
    login(page, live_server, "district", "wrong-password")
    assert page.locator(".error").inner_text() == "用户名或密码错误"


def test_the_district_operator_sees_all_streets_and_grids_on_the_cockpit(page, live_server):
    login(page, live_server, "district")
    page.wait_for_selector("#map[data-ready='1']", timeout=20_000)
    assert page.url.startswith(live_server + "/cockpit")
    assert page.locator("#area-name").inner_text() == "余杭区"
    assert page.locator("#streets li").count() == 18
    assert page.locator("#children-title").inner_text() == "街道"
    assert page.evaluate("window.gridbrainMap.gridCount") == 1476
    assert "18 个下级区域 · 1476 个网格" in page.locator("#area-stats").inner_text()
    # the grids are drawn: Leaflet renders them on a canvas or as SVG paths inside the map
    assert page.locator("#map .leaflet-overlay-pane canvas, #map .leaflet-overlay-pane path").count() >= 1
    # the charts are drawn by ECharts, and the KPI tiles are there
    assert page.locator("#trend-chart canvas").count() == 1
    assert page.locator("[data-kpi]").count() == 6
    # the heat map of the last 30 days is one click away
    assert page.evaluate("window.gridbrainMap.state.heatCells") > 0
    page.locator(".leaflet-control-layers label", has_text="热力图").locator("input").check()
    shot(page, "cockpit-district")


def test_the_navigation_shows_each_role_only_its_own_pages(page, live_server):
    login(page, live_server, "district")
    page.wait_for_selector(".topbar .nav")
    assert page.locator(".topbar .nav a").all_inner_texts() == ["驾驶舱", "事件工作台", "督办"]
    page.click("text=退出")
    login(page, live_server, "steward")
    # a page of another role's work does not exist for this one
    assert page.goto(live_server + "/cockpit").status == 404


def test_a_street_operator_sees_only_their_street_and_drills_into_a_community(page, live_server):
    login(page, live_server, "street")
    page.wait_for_selector("#map[data-ready='1']", timeout=20_000)
    name = page.locator("#area-name").inner_text()
    assert name.endswith(("街道", "镇"))
    grids = page.evaluate("window.gridbrainMap.gridCount")
    assert 0 < grids < 1476
    assert page.locator("#children-title").inner_text() == "社区"
    shot(page, "cockpit-street")
    community = page.locator("#streets li a").first
    community_name = community.inner_text()
    community.click()
    page.wait_for_selector("#map[data-ready='1']", timeout=20_000)
    assert page.locator("#area-name").inner_text() == community_name
    assert page.locator("#children-title").inner_text() == "网格"
    assert name in page.locator(".crumbs").inner_text()
    # a themed view (1+8+X) of the same area keeps the area and narrows the figures
    theme = page.locator("#theme option").nth(1).get_attribute("value")
    with page.expect_navigation():
        page.select_option("#theme", theme)
    page.wait_for_selector("#map[data-ready='1']", timeout=20_000)
    assert page.locator("#area-name").inner_text() == community_name
    assert page.locator("#map").get_attribute("data-theme") == theme
    shot(page, "cockpit-community-theme")


def test_the_english_switch_translates_the_pages(page, live_server):
    login(page, live_server, "district")
    page.wait_for_selector("#map[data-ready='1']", timeout=20_000)
    page.click("a.lang")
    page.wait_for_selector("#map[data-ready='1']", timeout=20_000)
    assert page.locator(".topbar .nav a").first.inner_text() == "Cockpit"
    assert "Today's events" in page.locator("#kpis").inner_text()
    page.click("a.lang")
    assert page.locator(".topbar .nav a").first.inner_text() == "驾驶舱"


def test_pages_need_a_login(page, live_server):
    page.goto(live_server + "/cockpit")
    assert page.url.startswith(live_server + "/login")
