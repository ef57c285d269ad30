"""Asynchronous answers: 202 at once, the answer at its status URL, recorded without a waiter."""

from __future__ import annotations

import pytest

from api.services.collector import AnswerCollector, wants_async
from common import keys
from tests.api.conftest import FakeWorker
from tests.api.test_predictions import drain, record
from tests.waiting import wait_for


@pytest.fixture
def late_worker(settings_api):
    """A fake model worker started by the test once its requests are queued."""
    worker = FakeWorker(settings_api)
    yield worker
    worker.stop.set()
    if worker.thread.is_alive():
        worker.thread.join(timeout=5)


def collect_until(svc, done, collector=None, what="answers"):
    collector = collector or svc.collector

    def step():
        collector.collect_once(block_ms=50)
        return done()

    return wait_for(step, 20, what)


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({"Prefer": "respond-async"}, ""),
        ({"Prefer": "return=minimal, respond-async; wait=5"}, ""),
        ({}, "?wait=false"),
    ],
)
def test_a_prediction_answers_202_then_its_status_url(
    client, svc, late_worker, alice, headers, query
):
    response = client.post(
        f"/predict{query}", json={"designation": "piscine"}, headers=alice | headers
    )
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    pid = body["prediction_id"]
    assert body == {"prediction_id": pid, "status": "queued", "status_url": f"/predictions/{pid}"}
    assert response.headers["Location"] == body["status_url"]
    assert response.headers["Preference-Applied"] == "respond-async"
    assert client.get(body["status_url"], headers=alice).status_code == 202
    late_worker.thread.start()
    collect_until(svc, lambda: not svc.collector.pending and pid not in svc.collector.pending)
    answer = client.get(body["status_url"], headers=alice)
    assert answer.status_code == 200 and answer.get_json()["model_version"] == "v7"
    drain(svc)
    stored = record(svc, pid)
    assert stored.status == "done" and stored.latency_ms > 0 and stored.user_id is not None
    assert svc.redis.xlen(keys.ASYNC_STREAM) == 0  # acknowledged and removed


def test_a_batch_answers_202_then_its_status_url(client, svc, late_worker, alice):
    sent = [{"ref": "a", "designation": "livre"}, {"ref": "b"}, {"ref": "c", "designation": "x"}]
    response = client.post(
        "/predict/batch", json={"products": sent}, headers=alice | {"Prefer": "respond-async"}
    )
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert [r["status"] for r in body["results"]] == ["queued", "failed", "queued"]
    assert body["status"] == "queued" and response.headers["Location"] == body["status_url"]
    assert client.get(body["status_url"], headers=alice).status_code == 202
    late_worker.thread.start()
    collect_until(svc, lambda: not svc.collector.pending)
    done = client.get(body["status_url"], headers=alice)
    assert done.status_code == 200
    assert done.get_json()["counts"] == {"done": 2, "failed": 1, "queued": 0}
    drain(svc)
    assert record(svc, body["results"][2]["prediction_id"]).status == "done"


def test_a_collector_that_dies_leaves_its_predictions_to_another(client, svc, late_worker, alice):
    pid = client.post(
        "/predict?wait=false", json={"designation": "console"}, headers=alice
    ).get_json()["prediction_id"]
    dead = AnswerCollector(svc.redis, svc.predictions, name="dead")
    dead.collect_once(block_ms=50)
    assert pid in dead.pending  # it took the entry, then never came back
    late_worker.thread.start()
    wait_for(lambda: svc.broker.state(pid)["status"] == "done", 10, "the answer")
    heir = AnswerCollector(svc.redis, svc.predictions, name="heir", claim_idle_ms=100)
    collect_until(svc, lambda: not heir.pending and svc.redis.xlen(keys.ASYNC_STREAM) == 0, heir)
    drain(svc)
    assert record(svc, pid).status == "done"


def test_wait_must_be_a_boolean(client, alice):
    response = client.post("/predict?wait=maybe", json={"designation": "x"}, headers=alice)
    assert (response.status_code, response.get_json()["error"]["code"]) == (400, "invalid_query")


def test_preferences_are_read_as_rfc_7240_lists():
    assert wants_async("respond-async", True)
    assert wants_async("handling=lenient, Respond-Async", True)
    assert not wants_async("return=minimal", True)
    assert not wants_async("", True)
    assert wants_async("", False)
