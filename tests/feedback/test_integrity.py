"""Feedback carries only what was classified, once it is recorded; accepting stays consistent."""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from api.services import Services
from common.image_store import ImageStore
from common.orm import Feedback, PredictionRecord, Product, User
from tests.api.conftest import FakeWorker, bearer, token_for
from tests.factories import image_bytes
from tests.feedback.conftest import add_predictions


def _drain(svc: Services) -> None:
    while svc.recorder.drain_once():
        pass


def _products(svc: Services) -> int:
    with svc.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Product)) or 0)


def test_feedback_on_a_photo_only_prediction_takes_no_text(
    client: FlaskClient, svc: Services, fake_worker: FakeWorker, alice: dict[str, str]
) -> None:
    photo = image_bytes("PNG", size=(40, 30))
    answer = client.post(
        "/predict", data={"image": (io.BytesIO(photo), "p.png")}, headers=alice
    ).get_json()
    pid = answer["prediction_id"]
    _drain(svc)
    verdict = {"prediction_id": pid, "is_correct": False, "correct_category": 2583}

    for field in ("designation", "description"):
        made_up = client.post("/feedback", json=verdict | {field: "Made-up text"}, headers=alice)
        assert made_up.status_code == 422, made_up.get_json()
        assert made_up.get_json()["error"]["code"] == "input_mismatch"
    with svc.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Feedback)) == 0

    plain = client.post("/feedback", json=verdict | {"designation": ""}, headers=alice)
    assert plain.status_code == 201, plain.get_json()
    with svc.sessions() as session:
        row = session.get(Feedback, plain.get_json()["id"])
        assert row is not None and row.image_sha256 == hashlib.sha256(photo).hexdigest()
        assert row.designation == ""


def test_feedback_waits_for_the_prediction_record(
    client: FlaskClient, svc: Services, fake_worker: FakeWorker, alice: dict[str, str]
) -> None:
    text = "Bouee gonflable rayee"
    answer = client.post("/predict", json={"designation": text}, headers=alice).get_json()
    verdict = {"prediction_id": answer["prediction_id"], "is_correct": True, "designation": text}

    early = client.post("/feedback", json=verdict, headers=alice)  # the recorder has not run
    assert early.status_code == 409
    assert early.get_json()["error"]["code"] == "not_recorded"
    assert "retry in a moment" in early.get_json()["error"]["message"]
    assert early.headers["Retry-After"] == "1"

    _drain(svc)
    later = client.post("/feedback", json=verdict, headers=alice)
    assert later.status_code == 201, later.get_json()
    with svc.sessions() as session:
        row = session.get(Feedback, later.get_json()["id"])
        assert row is not None and row.designation == text
        assert row.designation_sha256 == hashlib.sha256(text.encode()).hexdigest()


def test_accept_refuses_text_that_was_not_classified(
    client: FlaskClient,
    svc: Services,
    make_user: Callable[..., User],
    admin: dict[str, str],
) -> None:
    user, other = make_user("grace"), make_user("heidi")
    store = ImageStore(svc.settings.images_path)
    photo = store.put(image_bytes("PNG", size=(20, 20)))
    (photo_only,) = add_predictions(
        svc.sessions, user.id, 1, designation_sha256=None, image_sha256=photo, photo_hash=photo
    )
    (with_text,) = add_predictions(svc.sessions, user.id, 1)  # classified 'product 0'
    rows = [  # as rows written before feedback checked text against a photo-only prediction
        Feedback(prediction_id=photo_only, user_id=user.id, designation="Made-up text",
                 image_sha256=photo),
        Feedback(prediction_id=with_text, user_id=user.id, description="Never classified"),
        Feedback(prediction_id=with_text, user_id=other.id, designation="product 1"),
    ]  # fmt: skip
    with svc.sessions.begin() as session:
        for row in rows:
            row.is_correct, row.correct_category = False, 2583
        session.add_all(rows)
        session.flush()
        ids = [row.id for row in rows]

    for fid in ids:
        refused = client.post(f"/admin/feedback/{fid}/accept", headers=admin)
        assert refused.status_code == 409, refused.get_json()
        assert refused.get_json()["error"]["code"] == "input_mismatch"
    assert _products(svc) == 0
    with svc.sessions() as session:
        assert {session.get(Feedback, fid).status for fid in ids} == {"new"}  # type: ignore[union-attr]


def test_two_admins_accepting_one_prediction_at_once_make_one_product(
    app: Flask, svc: Services, make_user: Callable[..., User]
) -> None:
    owner = make_user("ivan")
    judy, ken = make_user("judy", "admin"), make_user("ken", "admin")
    admins = [bearer(token_for(app, judy)), bearer(token_for(app, ken))]
    rounds = 8
    pids = add_predictions(svc.sessions, owner.id, rounds)
    pairs: list[list[int]] = []
    with svc.sessions.begin() as session:
        for i, pid in enumerate(pids):
            rows = [
                Feedback(prediction_id=pid, user_id=uid, is_correct=False, correct_category=code,
                         designation=f"product {i}")
                for uid, code in ((owner.id, 2583), (judy.id, 40))
            ]  # fmt: skip
            session.add_all(rows)
            session.flush()
            pairs.append([row.id for row in rows])

    def accept_both(ids: list[int]) -> list[tuple[int, Any]]:
        start = threading.Barrier(2)
        results: list[tuple[int, Any]] = [(0, None), (0, None)]

        def one(k: int) -> None:
            client = app.test_client()
            start.wait()
            response = client.post(f"/admin/feedback/{ids[k]}/accept", headers=admins[k])
            results[k] = (response.status_code, response.get_json())

        threads = [threading.Thread(target=one, args=(k,)) for k in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        return results

    for i, ids in enumerate(pairs):
        results = accept_both(ids)
        statuses = sorted(status for status, _ in results)
        assert statuses in ([200, 200], [200, 409]), results
        for status, body in results:
            if status == 409:
                assert body["error"]["code"] == "conflict"
                assert "retry" in body["error"]["message"]
        with svc.sessions() as session:
            products = session.scalars(
                select(Product).where(Product.productid == f"feedback-{pids[i]}")
            ).all()
            assert len(products) == 1 and products[0].designation == f"product {i}"
            accepted = session.scalars(
                select(Feedback).where(Feedback.prediction_id == pids[i])
            ).all()
            assert {row.product_id for row in accepted if row.status == "accepted"} == {
                products[0].id
            }
    assert _products(svc) == rounds


def test_a_record_written_late_keeps_what_the_request_sent(svc: Services) -> None:
    request = {
        "id": "p-late",
        "user_id": None,
        "image_sha256": "a" * 64,
        "designation_sha256": "b" * 64,
        "photo_hash": "a" * 64,
        "photo_bytes": 9,
    }
    answer = {"status": "done", "model_version": "v7", "category": 10, "confidence": 0.5}
    # The answer's record before the request's timeout record, in one batch.
    svc.recorder.write([request | answer, request | {"status": "timeout"}])
    # A record without the request's fields for a row that has them.
    svc.recorder.write([{"id": "p-late", "status": "done", "photo_hash": None}])
    svc.recorder.write([{"id": "p-bare", "status": "timeout"}])
    svc.recorder.write([request | {"id": "p-bare"} | answer])
    with svc.sessions() as session:
        for pid in ("p-late", "p-bare"):
            record = session.get(PredictionRecord, pid)
            assert record is not None
            assert (record.status, record.category) == ("done", 10), pid
            assert (record.photo_hash, record.photo_bytes) == ("a" * 64, 9), pid
            assert record.designation_sha256 == "b" * 64, pid
