"""Accounts: login, tokens, signup, deactivation, rate limits, secrets, the first admin."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from api.__main__ import create_admin
from api.app import create_app
from api.services.accounts import create_user
from api.services.passwords import WeakPassword, check_strength
from common.orm import User
from common.signing_keys import ConfigError
from tests.api.conftest import PASSWORD, api_settings, bearer, token_for


def login(client: FlaskClient, username: str, password: str = PASSWORD, addr: str = "10.0.0.1"):
    return client.post(
        "/auth/login",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": addr},
    )


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_login_gives_a_token_with_role_and_expiry(client, make_user):
    make_user("carol", "admin")
    response = login(client, "carol")
    assert response.status_code == 200
    body = response.get_json()
    assert body["role"] == "admin" and body["token_type"] == "Bearer"
    decoded = claims(body["access_token"])
    assert decoded["role"] == "admin" and decoded["exp"] > decoded["iat"]
    me = client.get("/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.get_json()["username"] == "carol" and me.get_json()["last_login_at"]


def test_unknown_user_wrong_password_and_deactivated_get_the_same_answer(client, make_user, admin):
    make_user("dave")
    make_user("erin")
    assert client.post("/admin/users/erin/deactivate", headers=admin).status_code == 200
    answers = [
        login(client, "nobody"),
        login(client, "dave", "Wrong-Password-99"),
        login(client, "erin"),
    ]
    assert {a.status_code for a in answers} == {401}
    assert len({a.get_data() for a in answers}) == 1
    assert answers[0].get_json()["error"]["code"] == "invalid_credentials"


def test_me_needs_a_valid_token(app, client, make_user):
    user = make_user("frank")
    assert client.get("/auth/me").get_json()["error"]["code"] == "missing_token"
    expired = token_for(app, user, expires_s=-10)
    response = client.get("/auth/me", headers=bearer(expired))
    assert (response.status_code, response.get_json()["error"]["code"]) == (401, "token_expired")
    good = token_for(app, user)
    head, payload, signature = good.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged["role"] = "admin"
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    for bad in (f"{head}.{forged_payload}.{signature}", good[:-4] + "AAAA", "not-a-jwt"):
        response = client.get("/auth/me", headers=bearer(bad))
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "invalid_token"


def test_a_deactivated_users_token_stops_working(app, client, make_user, admin):
    token = token_for(app, make_user("gina"))
    assert client.get("/auth/me", headers=bearer(token)).status_code == 200
    client.post("/admin/users/gina/deactivate", headers=admin)
    response = client.get("/auth/me", headers=bearer(token))
    assert (response.status_code, response.get_json()["error"]["code"]) == (
        401,
        "account_disabled",
    )
    client.post("/admin/users/gina/activate", headers=admin)
    assert client.get("/auth/me", headers=bearer(token)).status_code == 200


def test_signup_is_for_admins_and_refuses_weak_passwords(client, admin, alice):
    new = {"username": "henry", "password": "Another-Good-Pass7", "role": "admin"}
    assert client.post("/auth/signup", json=new).status_code == 401
    assert client.post("/auth/signup", json=new, headers=alice).status_code == 403
    created = client.post("/auth/signup", json=new, headers=admin)
    assert created.status_code == 201 and created.get_json()["role"] == "admin"
    assert client.post("/auth/signup", json=new, headers=admin).status_code == 409
    for password in ("short1A!", "password123456", "ivan-Is-Great-99", "aaaaaaaaaaaaaaaa"):
        weak = {"username": "ivan", "password": password}
        response = client.post("/auth/signup", json=weak, headers=admin)
        assert (response.status_code, response.get_json()["error"]["code"]) == (
            422,
            "weak_password",
        ), password
    bad_role = {"username": "ivan", "password": "Another-Good-Pass7", "role": "root"}
    assert client.post("/auth/signup", json=bad_role, headers=admin).status_code == 422
    assert client.post("/auth/signup", data="x", headers=admin).status_code == 415
    assert login(client, "henry", "Another-Good-Pass7").status_code == 200


def test_password_rule():
    check_strength("correct horse battery staple", "kim")  # a passphrase
    check_strength("Tr0ub4dor&3xyz", "kim")
    with pytest.raises(WeakPassword):
        check_strength("kimberly-Rocks-2024", "kim")


def test_login_is_limited_per_username(client, make_user, svc):
    make_user("jack")
    limit = svc.settings.login_max_failures_per_user
    for i in range(limit):
        assert login(client, "jack", "Wrong-Password-99", addr=f"10.1.0.{i}").status_code == 401
    blocked = login(client, "jack", addr="10.2.0.1")  # right password, other address
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "too_many_attempts"
    assert int(blocked.headers["Retry-After"]) > 0
    make_user("kate")
    assert login(client, "kate", addr="10.2.0.1").status_code == 200


def test_login_is_limited_per_address(tmp_path, redis_server, redis_client):
    settings = api_settings(tmp_path, redis_server.url, login_max_attempts_per_address=4)
    app = create_app(settings, record_predictions=False)
    client = app.test_client()
    create_user(app.extensions["shelfwise"].sessions, "liam", PASSWORD)
    for i in range(4):
        assert login(client, f"user{i}", addr="10.9.9.9").status_code == 401
    assert login(client, "liam", addr="10.9.9.9").status_code == 429
    assert login(client, "liam", addr="10.9.9.10").status_code == 200


def test_login_validates_its_body(client):
    assert client.post("/auth/login", data="a=b").status_code == 415
    assert client.post("/auth/login", json=["x"]).status_code == 400
    assert client.post("/auth/login", json={"username": "x"}).status_code == 400


def test_production_refuses_to_start_without_a_strong_secret(tmp_path, redis_server):
    with pytest.raises(ConfigError, match="JWT_SECRET_KEY"):
        create_app(api_settings(tmp_path, redis_server.url, jwt_secret_key=""))
    with pytest.raises(ConfigError, match="32"):
        create_app(api_settings(tmp_path, redis_server.url, jwt_secret_key="short"))


def test_development_makes_and_keeps_a_local_secret(tmp_path, redis_server):
    settings = api_settings(
        tmp_path, redis_server.url, environment="development", jwt_secret_key=""
    )
    first = create_app(settings, record_predictions=False)
    second = create_app(settings, record_predictions=False)
    key = first.config["JWT_SECRET_KEY"]
    assert len(key) >= 32 and key == second.config["JWT_SECRET_KEY"]
    assert (Path(settings.var_dir) / "jwt-dev-secret").stat().st_mode & 0o077 == 0


def test_first_admin_from_settings_once(tmp_path, redis_server):
    settings = api_settings(
        tmp_path, redis_server.url, admin_username="boss", admin_password="Chief-Password-2024"
    )
    app = create_app(settings, record_predictions=False)
    create_app(settings, record_predictions=False)  # a second process: no second admin
    svc = app.extensions["shelfwise"]
    with svc.sessions() as session:
        users = session.query(User).all()
    assert [(u.username, u.role) for u in users] == [("boss", "admin")]


def test_first_admin_with_a_weak_password_stops_the_start(tmp_path, redis_server):
    settings = api_settings(
        tmp_path, redis_server.url, admin_username="boss", admin_password="boss"
    )
    with pytest.raises(Exception, match="characters"):
        create_app(settings, record_predictions=False)


def test_create_admin_command(tmp_path, redis_server, capsys, monkeypatch):
    settings = api_settings(
        tmp_path, redis_server.url, admin_username="root2", admin_password="Root-Password-2024"
    )
    assert create_admin(settings) == 0
    assert "admin root2 created" in capsys.readouterr().out
    weak = api_settings(tmp_path, redis_server.url, admin_username="root3", admin_password="weak")
    assert create_admin(weak) == 2
    asked = api_settings(tmp_path, redis_server.url)
    answers = iter(["Asked-Password-2024", "Asked-Password-2024"])
    monkeypatch.setattr("builtins.input", lambda prompt: "root4")
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert create_admin(asked) == 0
    assert "admin root4 created" in capsys.readouterr().out


def test_behind_a_trusted_proxy_the_forwarded_address_is_limited(
    tmp_path, redis_server, redis_client
):
    settings = api_settings(
        tmp_path, redis_server.url, login_max_attempts_per_address=2, trusted_proxies=1
    )
    client = create_app(settings, record_predictions=False).test_client()

    def attempt(forwarded: str) -> int:
        return client.post(
            "/auth/login",
            json={"username": "x", "password": "y"},
            headers={"X-Forwarded-For": forwarded},
        ).status_code

    assert [attempt("203.0.113.7") for _ in range(3)] == [401, 401, 429]
    assert attempt("203.0.113.8") == 401  # another client behind the same proxy
