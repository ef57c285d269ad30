"""``POST /predict/batch``: order kept, one bad product fails alone, caps, named errors."""

from __future__ import annotations

import base64

import pytest

from common import keys
from tests.api.conftest import FakeWorker, api_settings, bearer, token_for
from tests.api.test_predictions import drain, record
from tests.factories import image_bytes
from tests.waiting import wait_for

PHOTO = base64.b64encode(image_bytes()).decode()


def products(n: int) -> list[dict[str, str]]:
    return [{"ref": f"sku-{i}", "designation": f"piscine {i}"} for i in range(n)]


def test_results_come_in_the_request_order(client, svc, fake_worker, alice):
    sent = products(5)
    sent[2] |= {"image_base64": PHOTO}
    response = client.post("/predict/batch", json={"products": sent}, headers=alice)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "done" and body["counts"] == {"done": 5, "failed": 0, "queued": 0}
    results = body["results"]
    assert [r["ref"] for r in results] == [f"sku-{i}" for i in range(5)]
    assert [r["index"] for r in results] == list(range(5))
    assert {r["status"] for r in results} == {"done"}
    ids = [r["prediction_id"] for r in results]
    assert len(set(ids)) == 5
    assert all(r["model_version"] == "v7" and r["top5"] for r in results)
    # Each product is a prediction of its own, recorded and readable by its owner.
    one = client.get(f"/predictions/{ids[2]}", headers=alice).get_json()
    assert one["prediction_id"] == ids[2] and one["status"] == "done"
    drain(svc)
    assert record(svc, ids[2]).image_sha256 is not None
    assert record(svc, ids[0]).image_sha256 is None


def test_one_bad_product_fails_alone(client, fake_worker, alice):
    sent = products(6)
    sent[1] = {"ref": "no-input"}
    sent[3] |= {"image_base64": "@@not base64@@"}
    sent[4] |= {"image_base64": base64.b64encode(b"%PDF-1.4 no image").decode()}
    sent[5] |= {"designation": "x" * 20_001}
    response = client.post("/predict/batch", json={"products": sent}, headers=alice)
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["results"]
    statuses = [r["status"] for r in results]
    assert statuses == ["done", "failed", "done", "failed", "failed", "failed"]
    codes = [r.get("error", {}).get("code") for r in results]
    assert codes == [None, "missing_input", None, "invalid_base64", "unsupported_media_type",
                     "text_too_long"]  # fmt: skip
    assert "products[3].image_base64" in results[3]["error"]["message"]
    assert results[1]["prediction_id"] is None and results[1]["ref"] == "no-input"
    assert response.get_json()["counts"] == {"done": 2, "failed": 4, "queued": 0}


def test_caps_on_products(client, svc, alice):
    too_many = svc.settings.max_batch_products + 1
    response = client.post("/predict/batch", json={"products": products(too_many)}, headers=alice)
    assert (response.status_code, response.get_json()["error"]["code"]) == (
        413,
        "too_many_products",
    )
    assert svc.redis.xlen(keys.PREDICT_STREAM) == 0  # nothing was queued
    empty = client.post("/predict/batch", json={"products": []}, headers=alice)
    assert (empty.status_code, empty.get_json()["error"]["field"]) == (400, "products")
    ref = client.post(
        "/predict/batch", json={"products": [{"designation": "x", "ref": "r" * 201}]}, headers=alice
    )
    assert (ref.status_code, ref.get_json()["error"]["field"]) == (400, "products[0].ref")


@pytest.mark.parametrize(
    ("product", "field", "code"),
    [
        ({"designation": "x", "image": PHOTO}, "products[2].image", "unknown_field"),
        ({"designation": 3}, "products[2].designation", "invalid_field"),
        ({"designation": "x", "ref": 7}, "products[2].ref", "invalid_field"),
    ],
)
def test_validation_errors_name_the_product(client, svc, alice, product, field, code):
    sent = products(4)
    sent[2] = product
    response = client.post("/predict/batch", json={"products": sent}, headers=alice)
    error = response.get_json()["error"]
    assert (response.status_code, error["code"], error["field"]) == (400, code, field)
    assert field in error["message"]
    assert svc.redis.xlen(keys.PREDICT_STREAM) == 0


def test_the_batch_status_route(client, fake_worker, alice, bob, admin):
    body = client.post("/predict/batch", json={"products": products(3)}, headers=alice).get_json()
    again = client.get(body["status_url"], headers=alice)
    assert again.status_code == 200

    def essentials(results):
        keep = ("index", "ref", "prediction_id", "status", "category", "top5")
        return [{k: r.get(k) for k in keep} for r in results]

    assert essentials(again.get_json()["results"]) == essentials(body["results"])
    assert client.get(body["status_url"], headers=admin).status_code == 200
    assert client.get(body["status_url"], headers=bob).status_code == 403
    assert client.get(body["status_url"]).status_code == 401
    assert client.get("/predictions/batch/nope", headers=alice).status_code == 404


def test_products_without_an_answer_in_time_are_queued(tmp_path, redis_server, redis_client):
    from api.app import create_app
    from api.services.accounts import create_user

    settings = api_settings(tmp_path, redis_server.url, predict_timeout_s=0.3)
    app = create_app(settings, record_predictions=False)
    svc = app.extensions["shelfwise"]
    alice = bearer(token_for(app, create_user(svc.sessions, "alice3", "Correct-Horse-42")))
    client = app.test_client()
    body = client.post("/predict/batch", json={"products": products(3)}, headers=alice).get_json()
    assert body["status"] == "queued" and body["counts"]["queued"] == 3
    assert all(r["status_url"] == f"/predictions/{r['prediction_id']}" for r in body["results"])
    assert client.get(body["status_url"], headers=alice).status_code == 202
    worker = FakeWorker(settings)
    worker.thread.start()
    try:
        done = wait_for(
            lambda: (r := client.get(body["status_url"], headers=alice)).status_code == 200 and r
        )
    finally:
        worker.stop.set()
    assert done.get_json()["counts"] == {"done": 3, "failed": 0, "queued": 0}
    collected = [0]  # the answer collector records the answers that came late

    def all_collected() -> bool:
        collected[0] += svc.collector.collect_once(block_ms=100)
        return collected[0] == 3

    wait_for(all_collected, what="the late answers")
    drain(svc)
    assert {record(svc, r["prediction_id"]).status for r in body["results"]} == {"done"}
