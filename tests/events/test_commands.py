"""`gridbrain open311 key create NAME` prints a key an Open311 client can post with."""

from __future__ import annotations

from typer.testing import CliRunner

from gridbrain.config import get_settings
from tests.conftest import database_url_of


def test_the_printed_key_lets_a_client_post_a_request(engine, district, client, monkeypatch):
    from gridbrain.cli import app

    monkeypatch.setenv("GRIDBRAIN_DATABASE_URL", database_url_of(engine))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["open311", "key", "create", "city-app", "--channel", "app"])
        again = CliRunner().invoke(app, ["open311", "key", "create", "city-app"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    key = result.output.strip()
    assert key.startswith("o311_")
    lat, lng = district.centre(district.grids[0])
    r = client.post(
        "/open311/v2/requests.json", data={"api_key": key, "service_code": "C010301", "lat": str(lat), "long": str(lng)}
    )
    assert r.status_code == 201, r.text
    assert again.exit_code != 0  # the name is taken
