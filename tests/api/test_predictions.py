"""/predict needs a token; every prediction is recorded; only its owner and admins may read it."""

from __future__ import annotations

import hashlib
import io

from common import keys
from common.orm import PredictionRecord
from tests.api.conftest import api_settings, bearer
from tests.factories import image_bytes
from tests.waiting import wait_for


def record(svc, prediction_id):
    with svc.sessions() as session:
        return session.get(PredictionRecord, prediction_id)


def drain(svc):
    while svc.recorder.drain_once():
        pass


def test_predict_needs_a_token(client):
    response = client.post("/predict", json={"designation": "piscine"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "missing_token"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_prediction_is_recorded_and_shown_to_its_owner_and_admins(
    client, svc, fake_worker, alice, bob, admin
):
    image = image_bytes()
    response = client.post(
        "/predict",
        data={
            "designation": "Piscine ronde",
            "description": "",
            "image": (io.BytesIO(image), "p.jpg"),
        },
        headers=alice,
    )
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    pid = answer["prediction_id"]
    drain(svc)
    stored = record(svc, pid)
    assert stored is not None and stored.status == "done"
    assert stored.model_version == "v7" and stored.category == answer["category"]["code"]
    assert stored.top5 == answer["top5"] and stored.latency_ms == answer["latency_ms"]
    assert stored.image_sha256 == hashlib.sha256(image).hexdigest()
    assert stored.designation_sha256 == hashlib.sha256(b"Piscine ronde").hexdigest()
    assert stored.description_sha256 is None
    assert stored.user_id is not None

    assert client.get(f"/predictions/{pid}", headers=alice).status_code == 200
    assert client.get(f"/predictions/{pid}", headers=admin).status_code == 200
    assert client.get(f"/predictions/{pid}", headers=bob).status_code == 403
    assert client.get(f"/predictions/{pid}").status_code == 401

    # Once Redis forgot it, the answer comes from the database, with the same rules.
    svc.redis.delete(keys.prediction(pid), keys.prediction_owner(pid))
    late = client.get(f"/predictions/{pid}", headers=alice)
    assert late.status_code == 200
    assert late.get_json()["top5"] == answer["top5"]
    assert client.get(f"/predictions/{pid}", headers=bob).status_code == 403


def test_a_late_answer_completes_its_record(tmp_path, redis_server, redis_client, make_user):
    from api.app import create_app
    from tests.api.conftest import FakeWorker, token_for

    settings = api_settings(tmp_path / "late", redis_server.url, predict_timeout_s=0.3)
    app = create_app(settings, record_predictions=False)
    svc = app.extensions["shelfwise"]
    from api.services.accounts import create_user

    alice = bearer(token_for(app, create_user(svc.sessions, "alice2", "Correct-Horse-42")))
    client = app.test_client()
    response = client.post("/predict", json={"designation": "livre"}, headers=alice)
    assert response.status_code == 504
    pid = response.get_json()["error"]["prediction_id"]
    drain(svc)
    assert record(svc, pid).status == "timeout"
    assert client.get(f"/predictions/{pid}", headers=alice).status_code == 202
    worker = FakeWorker(settings)
    worker.thread.start()
    try:  # nobody asks for it: the answer collector records it when it comes
        wait_for(lambda: svc.collector.collect_once(block_ms=100) == 1, what="the late answer")
    finally:
        worker.stop.set()
    drain(svc)
    stored = record(svc, pid)
    assert stored.status == "done" and stored.model_version == "v7"
    assert stored.designation_sha256 == hashlib.sha256(b"livre").hexdigest()
    assert client.get(f"/predictions/{pid}", headers=alice).status_code == 200


def test_anonymous_predictions_when_the_setting_allows(tmp_path, redis_server, redis_client):
    from api.app import create_app
    from tests.api.conftest import FakeWorker

    settings = api_settings(tmp_path, redis_server.url, predict_anonymous=True)
    app = create_app(settings, record_predictions=False)
    worker = FakeWorker(settings)
    worker.thread.start()
    try:
        client = app.test_client()
        response = client.post("/predict", json={"designation": "console"})
        assert response.status_code == 200
        pid = response.get_json()["prediction_id"]
        assert client.get(f"/predictions/{pid}").status_code == 200
        svc = app.extensions["shelfwise"]
        drain(svc)
        assert record(svc, pid).user_id is None
        bad = client.post("/predict", json={"designation": "x"}, headers=bearer("garbage"))
        assert bad.status_code == 401  # a bad token is an error even when none is needed
        spec = client.get("/openapi.json").get_json()
        assert {} in spec["paths"]["/predict"]["post"]["security"]
    finally:
        worker.stop.set()


def test_records_survive_a_recorder_that_dies_mid_batch(client, svc, fake_worker, alice):
    from api.services.recorder import Recorder

    ids = [
        client.post("/predict", json={"designation": f"jeu {i}"}, headers=alice).get_json()[
            "prediction_id"
        ]
        for i in range(3)
    ]
    dying = Recorder(svc.recorder.client, svc.sessions, name="dying")
    dying._ensure_group()
    # It reads the entries (they become its pending ones), then dies before writing them.
    taken = svc.redis.xreadgroup(keys.RECORDER_GROUP, "dying", {keys.PREDICTION_LOG: ">"})
    assert sum(len(batch) for _, batch in taken) == 3
    assert svc.recorder.drain_once() == 0 or all(record(svc, i) is None for i in ids)
    survivor = Recorder(svc.recorder.client, svc.sessions, name="survivor", claim_idle_ms=0)
    assert survivor.drain_once() == 3
    assert all(record(svc, i).status == "done" for i in ids)
    assert survivor.drain_once() == 0  # acknowledged and removed
    survivor.write([{"id": ids[0], "status": "done", "model_version": "other"}])
    assert record(svc, ids[0]).model_version == "v7"  # writing twice changes nothing


def test_the_recorder_thread_drains_by_itself(tmp_path, redis_server, redis_client):
    from api.app import create_app
    from tests.api.conftest import FakeWorker

    settings = api_settings(tmp_path, redis_server.url, predict_anonymous=True)
    app = create_app(settings)
    worker = FakeWorker(settings)
    worker.thread.start()
    try:
        pid = (
            app.test_client()
            .post("/predict", json={"designation": "x"})
            .get_json()["prediction_id"]
        )
        svc = app.extensions["shelfwise"]
        wait_for(lambda: record(svc, pid), what="the recorder thread")
    finally:
        worker.stop.set()
        app.extensions["shelfwise"].recorder.stop()
        app.extensions["shelfwise"].collector.stop()
        app.extensions["shelfwise"].callbacks.stop()


def test_a_user_lists_his_own_predictions_with_his_verdicts(client, svc, fake_worker, alice, bob):
    ids = [
        client.post("/predict", json={"designation": f"jeu {i}"}, headers=alice).get_json()[
            "prediction_id"
        ]
        for i in range(3)
    ]
    client.post("/predict", json={"designation": "livre"}, headers=bob)
    drain(svc)
    verdict = {"prediction_id": ids[0], "is_correct": False, "correct_category": 10}
    assert client.post("/feedback", json=verdict, headers=alice).status_code == 201

    page = client.get("/predictions?per_page=2", headers=alice).get_json()
    assert (page["total"], page["pages"]) == (3, 2)
    listed = (
        page["items"]
        + client.get("/predictions?page=2&per_page=2", headers=alice).get_json()["items"]
    )
    assert sorted(p["prediction_id"] for p in listed) == sorted(ids)
    assert [p["created_at"] for p in listed] == sorted(
        (p["created_at"] for p in listed), reverse=True
    )
    flagged = next(p for p in listed if p["prediction_id"] == ids[0])
    assert flagged["feedback"]["is_correct"] is False
    assert flagged["feedback"]["correct_category"] == 10
    assert all(p["feedback"] is None for p in listed if p["prediction_id"] != ids[0])
    assert flagged["status"] == "done" and flagged["model_version"] == "v7"
    assert client.get("/predictions", headers=bob).get_json()["total"] == 1
    assert client.get("/predictions").status_code == 401
