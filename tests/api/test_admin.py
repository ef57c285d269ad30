"""Retraining requests and jobs, model versions and promotion, evaluation, logs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from api.routes.admin_jobs import retrain_params
from common import keys, model_store
from common.model_store import REQUIRED_FILES
from common.orm import ModelVersionRecord, PredictionRecord


def test_retrain_is_queued_and_one_at_a_time(client, svc, admin):
    first = client.post("/admin/retrain-model", json={"epochs": 2, "promote": True}, headers=admin)
    assert first.status_code == 202
    body = first.get_json()
    assert body["status_url"] == f"/admin/jobs/{body['job_id']}"
    assert body["status"] == body["state"] == "queued"  # state: the former name, kept a release
    job = client.get(body["status_url"], headers=admin).get_json()
    assert job["status"] == job["state"] == "queued" and job["kind"] == "retrain"
    assert job["params"] == {"epochs": 2, "promote": "always"}
    second = client.post("/admin/retrain-model", headers=admin)
    assert second.status_code == 409
    error = second.get_json()["error"]
    assert error["code"] == "training_in_progress" and error["job_id"] == body["job_id"]
    assert body["job_id"] in error["message"]

    canceled = client.post(f"/admin/jobs/{body['job_id']}/cancel", headers=admin)
    assert canceled.status_code == 202 and canceled.get_json()["status"] == "canceled"
    again = client.post(f"/admin/jobs/{body['job_id']}/cancel", headers=admin)
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "job_finished")
    assert client.post("/admin/retrain-model", headers=admin).status_code == 202


def test_model_params_take_numbers_strings_and_booleans():
    body = {"model_params": {"gru_units": 64, "embedding_init": "lsa", "image_flip": False}}
    assert retrain_params(body)["image_flip"] is False


def test_retrain_parameters_are_checked(client, svc, admin):
    for bad in (
        {"epochs": 0},
        {"learning_rate": 2},
        {"replay": -1},
        {"model_params": {"epochs": 3}},
    ):
        response = client.post("/admin/retrain-model", json=bad, headers=admin)
        assert (response.status_code, response.get_json()["error"]["code"]) == (
            422,
            "invalid_parameter",
        ), bad
    for bad, field, code in (
        ({"epochs": "3"}, "epochs", "invalid_field"),
        ({"promote": "maybe"}, "promote", "invalid_field"),
        ({"colour": "red"}, "colour", "unknown_field"),
        ({"data": "yesterday"}, "data", "invalid_field"),
        ({"model_params": {"gru_units": [64]}}, "model_params.gru_units", "invalid_field"),
    ):
        response = client.post("/admin/retrain-model", json=bad, headers=admin)
        error = response.get_json()["error"]
        assert (response.status_code, error["code"], error["field"]) == (400, code, field), bad
        assert field in error["message"]
    assert client.post("/admin/retrain-model", data="x", headers=admin).status_code == 415
    assert svc.redis.get(keys.TRAINING_LOCK) is None


def test_unknown_job(client, admin):
    assert client.get("/admin/jobs/nope", headers=admin).status_code == 404
    assert client.post("/admin/jobs/nope/cancel", headers=admin).status_code == 404


def fake_version(svc, name, per_class, promoted=False, production=False):
    path = svc.settings.models_path / name
    path.mkdir(parents=True)
    for file in REQUIRED_FILES:
        (path / file).write_text("{}")
    metrics = {
        "n": 100,
        "accuracy": 0.8,
        "f1_weighted": sum(per_class.values()) / len(per_class),
        "per_class_f1": per_class,
        "confusion_matrix": [[1, 0], [0, 1]],
        "by_modality": {"text": {"n": 50, "f1_weighted": 0.7}},
    }
    with svc.sessions.begin() as session:
        session.add(
            ModelVersionRecord(
                name=name,
                status="production" if production else "archived" if promoted else "candidate",
                params={"epochs": 1},
                metrics=metrics,
                provenance={"git": "abc"},
                f1_weighted=metrics["f1_weighted"],
                training_seconds=12.5,
                promoted_at=datetime.now(UTC) if promoted or production else None,
            )
        )
    if production:
        model_store.set_production(svc.settings.models_path, name)


def test_versions_promotion_gate_force_and_rollback(client, svc, admin):
    fake_version(svc, "v1", {"10": 0.9, "2583": 0.8}, production=True)
    fake_version(svc, "v2", {"10": 0.95, "2583": 0.6})
    listed = client.get("/admin/models", headers=admin).get_json()
    assert [v["version"] for v in listed["items"]] == ["v2", "v1"]
    assert listed["production"] == "v1" and listed["items"][1]["production"]
    assert abs(listed["items"][0]["metrics"]["f1_weighted"] - 0.775) < 1e-9
    assert listed["items"][0]["provenance"] == {"git": "abc"}

    refused = client.post("/admin/models/v2/promote", headers=admin)
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "promotion_refused" and list(error["drops"]) == ["2583"]
    assert model_store.production_version(svc.settings.models_path) == "v1"

    forced = client.post("/admin/models/v2/promote", json={"force": True}, headers=admin)
    assert forced.status_code == 200 and forced.get_json()["previous"] == "v1"
    assert model_store.production_version(svc.settings.models_path) == "v2"
    # v1 served before: rolling back to it needs no force.
    back = client.post("/admin/models/v1/promote", headers=admin)
    assert back.status_code == 200 and back.get_json()["reason"].startswith("rollback")
    assert model_store.production_version(svc.settings.models_path) == "v1"
    again = client.post("/admin/models/v1/promote", headers=admin)
    assert again.status_code == 200
    same = again.get_json()
    assert (same["reason"], same["changed"]) == ("already production", False)
    assert again.get_json()["production"] and back.get_json()["changed"]
    promotions = client.get("/admin/logs?kind=promotion", headers=admin).get_json()["items"]
    assert sum("v1 promoted" in e["message"] for e in promotions) == 1  # nothing happened again
    assert client.post("/admin/models/v9/promote", headers=admin).status_code == 404
    assert client.post("/admin/models/..%2Fx/promote", headers=admin).status_code == 404
    assert (
        client.post("/admin/models/v2/promote", json={"force": "yes"}, headers=admin).status_code
        == 400
    )
    logs = client.get("/admin/logs?kind=promotion", headers=admin).get_json()
    messages = [e["message"] for e in logs["items"]]
    assert any("v2 promoted" in m for m in messages) and any("refused" in m for m in messages)


def test_a_promotion_is_announced_to_workers(client, svc, admin):
    fake_version(svc, "v1", {"10": 0.9}, production=True)
    fake_version(svc, "v2", {"10": 0.95})
    pubsub = svc.redis.pubsub()
    pubsub.subscribe(keys.MODEL_EVENTS)
    pubsub.get_message(timeout=1)
    assert client.post("/admin/models/v2/promote", headers=admin).status_code == 200
    message = pubsub.get_message(timeout=5)
    assert json.loads(message["data"])["version"] == "v2"


def test_evaluate_model(client, svc, admin):
    assert client.get("/admin/evaluate-model", headers=admin).status_code == 404
    fake_version(svc, "v1", {"10": 0.9, "2583": 0.8}, production=True)
    with svc.sessions.begin() as session:
        for i in range(1, 101):
            session.add(
                PredictionRecord(
                    id=f"p{i}",
                    status="done",
                    model_version="v1",
                    latency_ms=float(i),
                    top5=[],
                    modalities=[],
                )
            )
        session.add(
            PredictionRecord(
                id="other",
                status="done",
                model_version="v0",
                latency_ms=5000.0,
                top5=[],
                modalities=[],
            )
        )
    body = client.get("/admin/evaluate-model", headers=admin).get_json()
    assert body["version"] == "v1" and body["training_seconds"] == 12.5
    assert body["evaluation_set"]["per_class_f1"] == {"10": 0.9, "2583": 0.8}
    assert body["evaluation_set"]["confusion_matrix"] == [[1, 0], [0, 1]]
    assert body["serving_latency_ms"] == {"predictions": 100, "p50": 50.0, "p95": 95.0}
    recent = client.get("/admin/evaluate-model?data=recent", headers=admin)
    assert recent.status_code == 202
    job = client.get(recent.get_json()["status_url"], headers=admin).get_json()
    assert job["kind"] == "evaluate_recent" and job["params"] == {"version": "v1"}
    assert client.get("/admin/evaluate-model?data=old", headers=admin).status_code == 400


def test_logs_filters_and_pages(client, svc, admin, make_user):
    from tests.api.test_auth import login

    make_user("zoe")
    login(client, "zoe")
    login(client, "zoe", "Wrong-Password-99")
    everything = client.get("/admin/logs?per_page=2", headers=admin).get_json()
    assert everything["total"] >= 4 and len(everything["items"]) == 2
    times = [e["time"] for e in everything["items"]]
    assert times == sorted(times, reverse=True)
    auth = client.get("/admin/logs?kind=auth", headers=admin).get_json()
    assert {e["kind"] for e in auth["items"]} == {"auth"} and auth["total"] == 2
    warnings = client.get("/admin/logs?kind=auth&level=warning", headers=admin).get_json()
    assert [e["subject"] for e in warnings["items"]] == ["zoe"]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert client.get(f"/admin/logs?since={future}", headers=admin).get_json()["total"] == 0
    assert (
        client.get(f"/admin/logs?until={future}&actor=zoe", headers=admin).get_json()["total"] == 1
    )
    for bad in ("kind=weather", "level=loud", "since=yesterday"):
        assert client.get(f"/admin/logs?{bad}", headers=admin).status_code == 400


def test_odd_ids_and_huge_numbers_are_client_errors(client, admin):
    assert client.post("/admin/jobs/0%C3%B1%08/cancel", headers=admin).status_code == 404
    huge = client.get("/admin/products?category=1214538036178876280864768", headers=admin)
    assert huge.status_code == 400
    assert client.get("/admin/products?page=778945817903313", headers=admin).status_code == 400


def test_unexpected_errors_answer_500_json_and_are_logged(app, client, admin):
    @app.get("/boom")
    def boom():
        raise RuntimeError("kaput")

    response = client.get("/boom")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert "kaput" not in response.get_data(as_text=True)
    errors = client.get("/admin/logs?kind=error", headers=admin).get_json()["items"]
    assert "RuntimeError: kaput" in errors[0]["message"]


def test_a_job_that_is_ending_is_not_taken_for_an_abandoned_one(
    client, svc, admin, monkeypatch, tmp_path
):
    # RQ runs the success callback before it marks the job finished: a status read
    # in between must still see the trainer alive, not fail a job that succeeded.
    from rq.job import Job, JobStatus
    from rq.registry import StartedJobRegistry

    from common import job_events

    monkeypatch.setenv("VAR_DIR", str(svc.settings.var_dir))  # the callback's own settings
    started = client.post("/admin/retrain-model", json={"epochs": 2}, headers=admin).get_json()
    job = Job.fetch(started["job_id"], connection=svc.queue.connection)
    job.started_at = datetime.now(UTC) - timedelta(seconds=10)  # older than the beat's TTL
    job.save()
    job.set_status(JobStatus.STARTED)
    registry = StartedJobRegistry(job.origin, connection=svc.queue.connection)
    svc.queue.connection.zadd(
        registry.key, {f"{job.id}:execution": datetime.now(UTC).timestamp() + 60}
    )
    svc.redis.set(keys.job_alive(job.id), "1", ex=svc.settings.job_alive_ttl_s)  # the last beat

    job_events.on_success(job, svc.queue.connection, {"version": "v2", "promoted": True})

    body = client.get(f"/admin/jobs/{job.id}", headers=admin).get_json()
    assert body["state"] == "started", body
