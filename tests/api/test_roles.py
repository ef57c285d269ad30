"""Every admin route: 401 without a token, 403 for a user, allowed for an admin."""

from __future__ import annotations

import re

import pytest

ADMIN_ONLY = ("/admin/", "/auth/signup")


def admin_routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(ADMIN_ONLY):
            path = re.sub(r"<(?:\w+:)?(\w+)>", "x", rule.rule)
            routes += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def test_the_admin_surface_is_what_the_issue_names(app):
    paths = {path for _, path in admin_routes(app)}
    for expected in (
        "/admin/add-product-data",
        "/admin/retrain-model",
        "/admin/jobs/x",
        "/admin/jobs/x/cancel",
        "/admin/models",
        "/admin/models/x/promote",
        "/admin/evaluate-model",
        "/admin/products",
        "/admin/logs",
        "/admin/users/x/deactivate",
        "/auth/signup",
    ):
        assert expected in paths


@pytest.mark.parametrize("who", ["nobody", "user", "admin"])
def test_every_admin_route_checks_the_role(app, client, who, request):
    headers = (
        {} if who == "nobody" else request.getfixturevalue("alice" if who == "user" else "admin")
    )
    for method, path in admin_routes(app):
        response = client.open(path, method=method, headers=headers)
        status = response.status_code
        if who == "nobody":
            assert status == 401, (method, path)
            assert response.get_json()["error"]["code"] == "missing_token"
        elif who == "user":
            assert status == 403, (method, path)
            assert response.get_json()["error"]["code"] == "forbidden"
        else:
            assert status not in (401, 403, 500), (method, path, response.get_json())
            assert response.is_json


def test_user_routes_are_open_to_users(client, alice):
    assert client.get("/auth/me", headers=alice).status_code == 200
    assert client.get("/predictions/unknown", headers=alice).status_code == 404


def test_options_needs_no_token_and_never_fails(app, client):
    for _, path in admin_routes(app):
        response = client.options(path)
        assert response.status_code == 200 and "Allow" in response.headers, path
