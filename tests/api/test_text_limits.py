"""Text no database column accepts (NUL) and JSON too deep to parse: each a 400 in the error
shape from the input check, on every way text comes in (the test DB, SQLite, would accept NUL,
so these answers come from the check, not from the database)."""

from __future__ import annotations

import pytest

DEEP = "[" * 100_000 + "]" * 100_000


def test_deeply_nested_json_is_a_400_not_a_500(client):
    response = client.post("/auth/login", data=DEEP, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == "invalid_json" and "deeply" in error["message"]


def test_deeply_nested_json_inside_an_object_is_a_400(client, alice):
    response = client.post(
        "/predict",
        data='{"designation": ' + DEEP + "}",
        content_type="application/json",
        headers=alice,
    )
    assert (response.status_code, response.get_json()["error"]["code"]) == (400, "invalid_json")


@pytest.mark.parametrize(
    ("path", "body", "who"),
    [
        ("/auth/login", '{"username": "a\\u0000", "password": "x"}', None),
        ("/auth/login", '{"username": "a", "password": "\\u0000"}', None),
        (
            "/feedback",
            '{"prediction_id": "p1", "is_correct": true, "comment": "a\\u0000"}',
            "alice",
        ),
        ("/predict", '{"designation": "ok", "a\\u0000": 1}', "alice"),
        ("/predict", '{"designation": ["x", {"y": "\\u0000"}]}', "alice"),
    ],
)
def test_nul_in_a_json_string_is_a_400(request, client, path, body, who):
    headers = request.getfixturevalue(who) if who else {}
    response = client.post(path, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_json" and "NUL" in error["message"]


def test_nul_in_a_path_value_is_a_400(client, alice):
    response = client.get("/predictions/%00", headers=alice)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_path" and "prediction_id" in error["message"]
    # the same route still answers a plain unknown id
    assert client.get("/predictions/nope", headers=alice).status_code == 404


def test_nul_in_a_query_value_is_a_400(client, admin):
    response = client.get("/admin/feedback?user=a%00", headers=admin)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_field" and "'user'" in error["message"]
    assert client.get("/admin/feedback?user=a", headers=admin).status_code == 200


def test_nul_in_a_form_field_is_a_400(client, alice):
    response = client.post(
        "/predict",
        data={"designation": "piscine\x00"},
        content_type="multipart/form-data",
        headers=alice,
    )
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_field" and "'designation'" in error["message"]
