"""Input a first-time client sends by mistake: every one answers a clear 4xx, never a 500."""

from __future__ import annotations

import pytest

from api.routes.admin_monitoring import MAX_WINDOW_S

LONE_SURROGATE = '"a\\ud800b"'  # valid JSON syntax, but no Unicode text


@pytest.mark.parametrize(
    ("method", "path", "template", "who"),
    [
        ("POST", "/predict", '{"designation": %s}', "alice"),
        ("POST", "/auth/login", '{"username": %s, "password": "x"}', None),
        ("POST", "/feedback", '{"prediction_id": %s, "is_correct": true}', "alice"),
        ("PUT", "/admin/maintenance", '{"enabled": true, "message": %s}', "admin"),
        ("POST", "/auth/signup", '{"username": "zed", "password": %s}', "admin"),
        ("POST", "/predict", '{%s: "key"}', "alice"),
    ],
)
def test_a_lone_surrogate_is_a_400_in_the_error_shape(
    request, client, fake_worker, method, path, template, who
):
    headers = request.getfixturevalue(who) if who else {}
    response = client.open(
        path,
        method=method,
        data=template % LONE_SURROGATE,
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_json" and "surrogate" in error["message"]


def test_a_malformed_json_body_names_the_problem(client, alice):
    response = client.post(
        "/predict", data='{"designation": ', content_type="application/json", headers=alice
    )
    assert (response.status_code, response.get_json()["error"]["code"]) == (400, "invalid_json")


@pytest.mark.parametrize(
    "query",
    [
        f"window_s={MAX_WINDOW_S + 1}",
        "window_s=99999999999999",
        "window_s=9223372036854775807",
        "bucket_s=99999999999999",
        "window_s=0",
    ],
)
def test_monitoring_windows_are_bounded(client, admin, query):
    response = client.get(f"/admin/monitoring?{query}", headers=admin)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_query" and query.split("=")[0] in error["message"]


def test_the_longest_monitoring_window_is_served(client, admin):
    response = client.get(
        f"/admin/monitoring?window_s={MAX_WINDOW_S}&bucket_s={MAX_WINDOW_S // 10}", headers=admin
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["window_s"] == MAX_WINDOW_S


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/admin/feedback", "admin"),
        ("/admin/logs", "admin"),
        ("/admin/products", "admin"),
        ("/predictions", "alice"),
    ],
)
def test_every_listing_clamps_a_large_page_and_says_so(request, client, path, who):
    headers = request.getfixturevalue(who)
    response = client.get(f"{path}?per_page=1000", headers=headers)
    assert response.status_code == 200, response.get_json()
    page = response.get_json()
    assert (page["per_page"], page["max_per_page"], page["page"]) == (500, 500, 1)
    for bad in ("per_page=0", "per_page=-3", "page=0", "per_page=many"):
        refused = client.get(f"{path}?{bad}", headers=headers)
        assert (refused.status_code, refused.get_json()["error"]["code"]) == (
            400,
            "invalid_query",
        ), bad
