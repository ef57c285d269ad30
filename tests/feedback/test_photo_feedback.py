"""A flagged photo becomes a training photo: predict with a photo, flag it, accept it, retrain.

The API runs on Flask's test client with a real Redis, a real SQLite file and a
fake model worker; the retrain is the real pipeline on tiny synthetic products.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from api.app import create_app
from api.services import Services
from api.services.accounts import create_user
from common import feedback_csv
from common.image_store import ImageStore
from common.orm import (
    PRODUCTION,
    Feedback,
    IngestionBatch,
    ModelVersionRecord,
    PredictionRecord,
    Product,
)
from tests.api.conftest import PASSWORD, FakeWorker, api_settings, bearer, token_for
from tests.conftest import VGG16_WEIGHTS
from tests.factories import make_tiny_version
from tests.trainer import synthetic
from trainer import dataset, pipeline
from trainer.context import build_context
from trainer.importer import import_directory
from trainer.retention import remove_expired_photos

TEXT = "Pompe filtre pour piscine hors sol"
TINY_RECIPE = replace(synthetic.TINY_RECIPE, epochs=4, batch_size=16, learning_rate=1e-2,
                      patience=4, image_epochs=4, image_batch_size=8,
                      image_learning_rate=1e-3, image_patience=4)  # fmt: skip


def drain(svc: Services) -> None:
    while svc.recorder.drain_once():
        pass


def predict(client: FlaskClient, headers: dict[str, str], photo: bytes) -> str:
    response = client.post(
        "/predict",
        data={"designation": TEXT, "image": (io.BytesIO(photo), "pool.jpg")},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    prediction_id: str = response.get_json()["prediction_id"]
    return prediction_id


def flag(client: FlaskClient, headers: dict[str, str], prediction_id: str) -> int:
    body = {
        "prediction_id": prediction_id,
        "is_correct": False,
        "correct_category": 2583,
        "designation": TEXT,
    }
    response = client.post("/feedback", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    feedback_id: int = response.get_json()["id"]
    return feedback_id


def csv_rows(svc: Services) -> list[dict[str, str]]:
    with open(svc.settings.feedback_dir / feedback_csv.FILENAME, newline="") as f:
        return list(csv.DictReader(f))


def test_a_flagged_photo_becomes_a_product_and_the_next_retrain_learns_it(
    client: FlaskClient,
    svc: Services,
    fake_worker: Any,
    alice: dict[str, str],
    admin: dict[str, str],
    tmp_path: Path,
) -> None:
    settings = svc.settings.model_copy(
        update={"vgg16_weights": str(VGG16_WEIGHTS) if VGG16_WEIGHTS.is_file() else "random"}
    )
    items = synthetic.products(per_class=12, seed=5)
    import_directory(settings, svc.sessions, synthetic.write_shared(tmp_path / "src", items))
    make_tiny_version(settings.models_path, "v1")  # production, trained before the feedback
    with svc.sessions.begin() as session:
        session.add(ModelVersionRecord(name="v1", status=PRODUCTION))

    photo = synthetic.jpeg(2583, seed=424242, size=48)
    digest = hashlib.sha256(photo).hexdigest()
    # The fixed evaluation and validation sets are never trained on: flag a prediction
    # whose product lands in the training split.
    for _ in range(30):
        prediction_id = predict(client, alice, photo)
        if dataset.split_of(f"feedback-{prediction_id}") == dataset.TRAIN:
            break
    drain(svc)
    store = ImageStore(settings.images_path)
    assert store.get(digest) == photo
    usage = client.get("/admin/monitoring", headers=admin).get_json()["prediction_photos"]
    assert usage == {"retention_days": 30, "photos": 1, "bytes": len(photo)}  # stored once

    feedback_id = flag(client, alice, prediction_id)
    assert csv_rows(svc)[-1]["image_path"] == f"{digest[:2]}/{digest[2:4]}/{digest}"
    (listed,) = client.get("/admin/feedback", headers=admin).get_json()["items"]
    assert (listed["image_hash"], listed["image_kept"]) == (digest, True)
    served = client.get(f"/admin/images/{digest}", headers=admin)
    assert served.status_code == 200 and served.data == photo
    assert client.get(f"/admin/images/{digest}", headers=alice).status_code == 403

    accepted = client.post(f"/admin/feedback/{feedback_id}/accept", headers=admin)
    assert accepted.status_code == 200, accepted.get_json()
    with svc.sessions() as session:
        product = session.get(Product, accepted.get_json()["product_id"])
        assert product is not None
        assert (product.designation, product.prdtypecode) == (TEXT, 2583)
        assert product.image_hash == digest
        productid = product.productid
    assert store.get(digest) == photo  # the same bytes

    result = pipeline.train(
        build_context(settings), TINY_RECIPE, synthetic.TINY_PARAMS,
        pipeline.TrainingRequest(promote="never", data="recent", replay=20),
    )  # fmt: skip
    provenance = json.loads((result.path / "provenance.json").read_text())
    assert provenance["training_data"]["mode"] == "recent"
    assert provenance["training_data"]["recent"] == 1  # the accepted photo and text, alone
    assert productid.startswith("feedback-")
    assert any(settings.features_path.rglob(f"{digest}.npy"))  # its photo went through VGG16


def test_an_expired_photo_cannot_be_accepted(
    client: FlaskClient,
    svc: Services,
    fake_worker: Any,
    alice: dict[str, str],
    admin: dict[str, str],
) -> None:
    photo = synthetic.jpeg(2583, seed=7, size=48)
    digest = hashlib.sha256(photo).hexdigest()
    prediction_id = predict(client, alice, photo)
    drain(svc)
    later = datetime.now(UTC) + timedelta(days=31)
    assert remove_expired_photos(svc.settings, svc.sessions, later) == {"unlinked": 1, "removed": 1}
    assert digest not in ImageStore(svc.settings.images_path)

    feedback_id = flag(client, alice, prediction_id)  # flagged after the photo expired
    assert csv_rows(svc)[-1]["image_path"] == ""
    (listed,) = client.get("/admin/feedback", headers=admin).get_json()["items"]
    assert (listed["image_hash"], listed["image_kept"]) == (digest, False)
    refused = client.post(f"/admin/feedback/{feedback_id}/accept", headers=admin)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "photo_expired"
    assert "30 days" in refused.get_json()["error"]["message"]
    with svc.sessions() as session:  # nothing half-made
        assert session.scalar(select(func.count()).select_from(Product)) == 0
        assert session.scalar(select(func.count()).select_from(IngestionBatch)) == 0
        row = session.get(Feedback, feedback_id)
        assert row is not None and (row.status, row.product_id) == ("new", None)


def test_no_photo_is_kept_when_retention_is_zero(
    tmp_path: Path, redis_server: Any, redis_client: Any
) -> None:
    settings = api_settings(tmp_path, redis_server.url, prediction_photo_retention_days=0)
    app = create_app(settings, record_predictions=False)
    svc: Services = app.extensions["shelfwise"]
    worker = FakeWorker(settings)
    worker.thread.start()
    try:
        headers = bearer(token_for(app, create_user(svc.sessions, "nora", PASSWORD)))
        photo = synthetic.jpeg(10, seed=8, size=48)
        prediction_id = predict(app.test_client(), headers, photo)
        drain(svc)
    finally:
        worker.stop.set()
        worker.thread.join(timeout=5)
    with svc.sessions() as session:
        record = session.get(PredictionRecord, prediction_id)
        assert record is not None and record.image_sha256 == hashlib.sha256(photo).hexdigest()
        assert (record.photo_hash, record.photo_bytes) == (None, None)
    assert not any(p.is_file() for p in settings.images_path.rglob("*"))


def test_a_dismissed_flag_lets_its_photo_expire_and_a_new_verdict_reopens_it(
    client: FlaskClient,
    svc: Services,
    fake_worker: Any,
    alice: dict[str, str],
    admin: dict[str, str],
) -> None:
    photo = synthetic.jpeg(2583, seed=9, size=48)
    digest = hashlib.sha256(photo).hexdigest()
    prediction_id = predict(client, alice, photo)
    drain(svc)
    feedback_id = flag(client, alice, prediction_id)
    later = datetime.now(UTC) + timedelta(days=31)
    assert remove_expired_photos(svc.settings, svc.sessions, later) == {"unlinked": 0, "removed": 0}

    dismissed = client.post(f"/admin/feedback/{feedback_id}/dismiss", headers=admin)
    assert dismissed.status_code == 200 and dismissed.get_json()["status"] == "dismissed"
    listed = client.get("/admin/feedback?status=dismissed", headers=admin).get_json()["items"]
    assert [row["id"] for row in listed] == [feedback_id]
    assert remove_expired_photos(svc.settings, svc.sessions, later) == {"unlinked": 1, "removed": 1}
    assert digest not in ImageStore(svc.settings.images_path)

    again = client.post(
        "/feedback",
        json={"prediction_id": prediction_id, "is_correct": False, "correct_category": 2582},
        headers=alice,
    )
    assert again.status_code == 200 and again.get_json()["status"] == "new"


def test_an_accepted_flag_cannot_be_dismissed(
    client: FlaskClient,
    svc: Services,
    fake_worker: Any,
    alice: dict[str, str],
    admin: dict[str, str],
) -> None:
    prediction_id = predict(client, alice, synthetic.jpeg(2583, seed=10, size=48))
    drain(svc)
    feedback_id = flag(client, alice, prediction_id)
    assert client.post(f"/admin/feedback/{feedback_id}/accept", headers=admin).status_code == 200
    refused = client.post(f"/admin/feedback/{feedback_id}/dismiss", headers=admin)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "already_accepted"
    assert client.post("/admin/feedback/12345/dismiss", headers=admin).status_code == 404
    assert client.post(f"/admin/feedback/{feedback_id}/dismiss", headers=alice).status_code == 403
