"""The home page in real chromium: log in, see the district's streets and grids."""

import pytest

from tests.browser.conftest import login, shot

pytestmark = pytest.mark.browser


def test_a_wrong_password_is_refused_in_chinese(page, live_server):
    login(page, live_server, "district", "wrong-password")
    assert page.locator(".error").inner_text() == "用户名或密码错误"


def test_the_district_operator_sees_all_streets_and_grids_on_the_map(page, live_server):
    login(page, live_server, "district")
    page.wait_for_selector("#map[data-ready='1']", timeout=20_000)
    assert page.locator("#area-name").inner_text() == "余杭区"
    assert page.locator("#streets li").count() == 18
    assert page.locator("#children-title").inner_text() == "街道"
    assert page.evaluate("window.gridbrainMap.gridCount") == 1476
    assert "18 个下级区域 · 1476 个网格" in page.locator("#area-stats").inner_text()
    # the grids are drawn: Leaflet renders them on a canvas or as SVG paths inside the map
    assert page.locator("#map .leaflet-overlay-pane canvas, #map .leaflet-overlay-pane path").count() >= 1
    shot(page, "district-map")


def test_a_street_operator_sees_only_their_street(page, live_server):
    login(page, live_server, "street")
    page.wait_for_selector("#map[data-ready='1']", timeout=20_000)
    name = page.locator("#area-name").inner_text()
    assert name.endswith(("街道", "镇"))
    grids = page.evaluate("window.gridbrainMap.gridCount")
    assert 0 < grids < 1476
    assert page.locator("#children-title").inner_text() == "社区"
    shot(page, "street-map")


def test_pages_need_a_login(page, live_server):
    page.goto(live_server + "/")
    assert page.url.startswith(live_server + "/login")
