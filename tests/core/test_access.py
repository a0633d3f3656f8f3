"""Sessions and tokens that end, throttled login, a password policy (issue 14, item 3)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner

from gridbrain.config import DEV_SECRET
from gridbrain.core import auth, clock
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid, TooManyAttempts, Unauthenticated
from gridbrain.core.passwords import check_password
from tests.factories import PASSWORD


def _login(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password}, follow_redirects=False)


def _cookie(client) -> str:
    return client.cookies.get("gridbrain_session")


def test_a_cookie_kept_from_before_logout_opens_nothing(client, district):
    assert _login(client, "street1_op").status_code == 303
    stolen = _cookie(client)
    assert client.get("/api/v1/areas").status_code == 200
    client.post("/logout", follow_redirects=False)
    client.cookies.set("gridbrain_session", stolen)
    assert client.get("/api/v1/areas").status_code == 401


def test_a_cookie_signed_with_the_development_secret_for_user_one_is_not_a_session(client, district):
    forged = TimestampSigner(DEV_SECRET).sign(base64.b64encode(json.dumps({"user_id": 1}).encode())).decode()
    client.cookies.set("gridbrain_session", forged)
    assert client.get("/api/v1/areas").status_code == 401


def test_a_session_ends_when_idle_too_long_and_when_the_user_is_deactivated(client, engine, district):
    clock.set_now(clock.now())
    _login(client, "street1_op")
    clock.advance(timedelta(hours=1))
    assert client.get("/api/v1/areas").status_code == 200
    clock.advance(timedelta(hours=2, minutes=1))
    assert client.get("/api/v1/areas").status_code == 401  # idle past GRIDBRAIN_SESSION_IDLE_S
    _login(client, "street1_op")
    token_headers = district.headers("street1_op")
    assert client.get("/api/v1/areas", headers=token_headers).status_code == 200
    with UnitOfWork(engine) as uow:
        auth.set_active(uow, "street1_op", False)
        uow.commit()
    assert client.get("/api/v1/areas").status_code == 401
    assert client.get("/api/v1/areas", headers=token_headers).status_code == 401


def test_a_token_expires_after_its_days(client, engine, district):
    clock.set_now(clock.now())
    with UnitOfWork(engine) as uow:
        token = auth.issue_token(uow, "street2_op", "script", days=2)
        uow.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/areas", headers=headers).status_code == 200
    auth.forget_tokens()
    clock.advance(timedelta(days=2, seconds=1))
    r = client.get("/api/v1/areas", headers=headers)
    assert r.status_code == 401 and "expired" in r.json()["error"]["message"]


def test_tokens_are_listed_without_their_secret_and_revoked_one_by_one(client, engine, district):
    with UnitOfWork(engine) as uow:
        keep = auth.issue_token(uow, "steward", "keep")
        drop = auth.issue_token(uow, "steward", "drop")
        uow.commit()
        views = auth.list_tokens(uow, "steward")
    assert [v.name for v in views][:2] == ["drop", "keep"]
    assert all(v.live and v.expires_at is not None for v in views)
    assert not any(keep in repr(v) or drop in repr(v) for v in views)
    with UnitOfWork(engine) as uow:
        assert auth.revoke_tokens(uow, "steward", token_id=views[0].id) == 1
        uow.commit()
    assert client.get("/api/v1/areas", headers={"Authorization": f"Bearer {drop}"}).status_code == 401
    assert client.get("/api/v1/areas", headers={"Authorization": f"Bearer {keep}"}).status_code == 200
    with UnitOfWork(engine) as uow, pytest.raises(Exception, match="no token"):
        auth.revoke_tokens(uow, "steward", token_id=999_999)


def test_sixty_wrong_passwords_lock_the_account_so_the_right_one_then_fails_with_retry_after(client, district):
    for _ in range(60):
        r = _login(client, "district_op", "wrong-password")
        assert r.status_code in (401, 429)
    r = _login(client, "district_op")
    assert r.status_code == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 15 * 60
    assert "登录失败次数过多" in r.text


def test_the_lock_lifts_when_the_window_has_passed(client, district):
    clock.set_now(clock.now())
    for _ in range(5):
        assert _login(client, "district_op", "wrong-password").status_code == 401
    assert _login(client, "district_op").status_code == 429
    clock.advance(timedelta(minutes=15, seconds=1))
    assert _login(client, "district_op").status_code == 303


def test_one_address_trying_many_accounts_is_locked_too(engine, district):
    with UnitOfWork(engine) as uow:
        for i in range(20):
            with pytest.raises(Unauthenticated):
                auth.authenticate_password(uow, f"nobody{i}", "wrong-password", address="203.0.113.9")
        with pytest.raises(TooManyAttempts):
            auth.authenticate_password(uow, "street1_op", PASSWORD, address="203.0.113.9")
        assert auth.authenticate_password(uow, "street1_op", PASSWORD, address="198.51.100.1").username == "street1_op"


class _CountingHasher:
    """The real argon2 hasher, counting how often a password is checked."""

    def __init__(self, inner):
        self.inner, self.verified = inner, 0

    def hash(self, password):
        return self.inner.hash(password)

    def verify(self, stored, password):
        self.verified += 1
        return self.inner.verify(stored, password)


def test_an_unknown_user_costs_the_same_password_check_as_a_wrong_password(engine, district, monkeypatch):
    counting = _CountingHasher(auth._hasher)
    monkeypatch.setattr(auth, "_hasher", counting)
    with UnitOfWork(engine) as uow:
        for name in ("street1_op", "no_such_user"):
            with pytest.raises(Unauthenticated, match="用户名或密码错误"):
                auth.authenticate_password(uow, name, "wrong-password")
    assert counting.verified == 2


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short1", "at least 8"),
        ("12345678", "most common"),
        ("Password123", "most common"),
        ("woaini1314", "most common"),
        ("aaaaaaaaaaaa", "two different"),
        ("wang2026-wang", "login name"),
    ],
)
def test_the_password_policy_names_the_rule_a_password_breaks(password, rule):
    with pytest.raises(Invalid, match=rule):
        check_password(password, username="wang")


def test_a_strong_password_passes_the_policy():
    check_password("网格-晨跑-2026!", username="wang")


def test_a_user_lists_and_revokes_their_own_tokens_through_the_api_but_not_anothers(client, district):
    own = district.headers("street1_op")
    listed = client.get("/api/v1/tokens", headers=own)
    assert listed.status_code == 200
    [mine] = listed.json()
    assert mine["username"] == "street1_op" and mine["live"] and "token" not in mine
    assert client.get("/api/v1/tokens?user=admin", headers=own).status_code == 403
    assert client.delete(f"/api/v1/tokens/{mine['id']}?user=admin", headers=own).status_code in (403, 404)
    r = client.delete(f"/api/v1/tokens/{mine['id']}", headers=own)
    assert r.status_code == 200 and r.json() == {"revoked": 1}
    assert client.get("/api/v1/tokens", headers=own).status_code == 401
    others = client.get("/api/v1/tokens?user=street1_op", headers=district.headers("admin")).json()
    assert others[0]["revoked_at"] is not None and not others[0]["live"]
