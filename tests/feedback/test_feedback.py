"""POST /feedback, the CSV export, /admin/feedback and accepting feedback as a product."""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from api.services import Services
from common import feedback_csv
from common.orm import Feedback, IngestionBatch, Product, User
from tests.api.conftest import bearer, token_for
from tests.feedback.conftest import add_predictions


def _user(app: Flask, make_user: Callable[..., User], name: str) -> tuple[User, dict[str, str]]:
    user = make_user(name)
    return user, bearer(token_for(app, user))


def _csv_rows(svc: Services) -> list[dict[str, str]]:
    with open(svc.settings.feedback_dir / feedback_csv.FILENAME, newline="") as f:
        return list(csv.DictReader(f))


def test_second_feedback_updates_the_first(
    app: Flask, client: FlaskClient, svc: Services, make_user: Callable[..., User]
) -> None:
    user, headers = _user(app, make_user, "carol")
    (pid,) = add_predictions(svc.sessions, user.id, 1)
    first = client.post(
        "/feedback", json={"prediction_id": pid, "is_correct": True}, headers=headers
    )
    assert first.status_code == 201, first.json
    again = client.post(
        "/feedback",
        json={"prediction_id": pid, "is_correct": False, "correct_category": 2583},
        headers=headers,
    )
    assert again.status_code == 200
    assert again.json["id"] == first.json["id"]
    assert again.json["correct_category"] == 2583
    with svc.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Feedback)) == 1
    rows = _csv_rows(svc)
    assert [r["is_correct"] for r in rows] == ["True", "False"]
    assert rows[1]["correct_code"] == "2583" and rows[1]["predicted_code"] == "10"


def test_feedback_is_checked(
    app: Flask, client: FlaskClient, svc: Services, make_user: Callable[..., User]
) -> None:
    owner, owner_h = _user(app, make_user, "dave")
    _, other_h = _user(app, make_user, "erin")
    (pid,) = add_predictions(svc.sessions, owner.id, 1)
    cases: list[tuple[dict[str, Any], dict[str, str], int]] = [
        ({"prediction_id": pid, "is_correct": "yes"}, owner_h, 400),
        ({"prediction_id": pid, "is_correct": False, "correct_category": 11}, owner_h, 422),
        ({"prediction_id": "nope", "is_correct": True}, owner_h, 404),
        ({"prediction_id": pid, "is_correct": True}, other_h, 403),
        ({"prediction_id": pid, "is_correct": True, "designation": "other text"}, owner_h, 422),
    ]
    for body, headers, status in cases:
        assert client.post("/feedback", json=body, headers=headers).status_code == status, body
    assert (
        client.post("/feedback", json={"prediction_id": pid, "is_correct": True}).status_code == 401
    )


def test_formula_injection_is_neutralised(
    app: Flask, client: FlaskClient, svc: Services, make_user: Callable[..., User]
) -> None:
    user, headers = _user(app, make_user, "mallory")
    pids = add_predictions(svc.sessions, user.id, 4)
    comments = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"]
    for pid, comment in zip(pids, comments, strict=True):
        body = {"prediction_id": pid, "is_correct": True, "comment": comment}
        assert client.post("/feedback", json=body, headers=headers).status_code == 201
    rows = _csv_rows(svc)
    assert [r["comment"] for r in rows] == ["'" + c for c in comments]
    assert all(r["user"] == "mallory" for r in rows)
    assert feedback_csv.neutralise("plain") == "plain"
    assert feedback_csv.neutralise(-1.5) == "-1.5"  # numbers stay numbers


def test_accept_makes_a_labelled_product(
    app: Flask,
    client: FlaskClient,
    svc: Services,
    make_user: Callable[..., User],
    admin: dict[str, str],
) -> None:
    user, headers = _user(app, make_user, "frank")
    pids = add_predictions(svc.sessions, user.id, 2)
    body = {
        "prediction_id": pids[0],
        "is_correct": False,
        "correct_category": 2583,
        "designation": "product 0",
    }
    fid = client.post("/feedback", json=body, headers=headers).json["id"]
    no_text = client.post(
        "/feedback",
        json={"prediction_id": pids[1], "is_correct": False, "correct_category": 40},
        headers=headers,
    ).json["id"]

    listed = client.get("/admin/feedback?is_correct=false&correct_category=2583", headers=admin)
    assert [f["id"] for f in listed.json["items"]] == [fid]
    assert client.get("/admin/feedback", headers=headers).status_code == 403

    accepted = client.post(f"/admin/feedback/{fid}/accept", headers=admin)
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["status"] == "accepted"
    with svc.sessions() as session:
        product = session.get(Product, accepted.json["product_id"])
        assert product is not None
        assert (product.designation, product.prdtypecode) == ("product 0", 2583)
        batch = session.get(IngestionBatch, product.batch_id)
        assert batch is not None and batch.source == "feedback"
    assert client.post(f"/admin/feedback/{fid}/accept", headers=admin).status_code == 409
    missing = client.post(f"/admin/feedback/{no_text}/accept", headers=admin)
    assert missing.status_code == 409 and missing.json["error"]["code"] == "no_product_data"
    assert client.post("/admin/feedback/999999/accept", headers=admin).status_code == 404


def test_an_export_with_older_columns_is_moved_aside(tmp_path) -> None:  # type: ignore[no-untyped-def]
    old = "time,prediction_id,user,comment\n2026-01-01,p0,ann,kept as it was\n"
    (tmp_path / feedback_csv.FILENAME).write_text(old)
    feedback_csv.append(tmp_path, [{"prediction_id": "p1", "image_path": "ab/cd/abcd"}])
    feedback_csv.append(tmp_path, [{"prediction_id": "p2"}])
    (aside,) = tmp_path.glob("feedback-until-*.csv")
    assert aside.read_text() == old
    with open(tmp_path / feedback_csv.FILENAME, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["prediction_id"], r["image_path"]) for r in rows] == [
        ("p1", "ab/cd/abcd"),
        ("p2", ""),
    ]
