"""Per-account quotas on the prediction routes: requests and products per minute, 429."""

from __future__ import annotations

import time

import pytest

from tests.api.conftest import FakeWorker, api_settings, bearer, token_for
from tests.waiting import wait_for


@pytest.fixture
def limited(tmp_path, redis_server, redis_client):
    from api.app import create_app
    from api.services.accounts import create_user

    settings = api_settings(
        tmp_path, redis_server.url, predict_requests_per_minute=3, predict_products_per_minute=5
    )
    app = create_app(settings, record_predictions=False)
    svc = app.extensions["shelfwise"]
    worker = FakeWorker(settings)
    worker.thread.start()

    def account(name: str) -> dict[str, str]:
        return bearer(token_for(app, create_user(svc.sessions, name, "Correct-Horse-42")))

    # Quotas count in calendar minutes: start far from the next one.
    wait_for(lambda: time.time() % 60 < 45, 20, "the start of a minute")
    yield app.test_client(), account
    worker.stop.set()


def batch(n: int) -> dict:
    return {"products": [{"designation": f"livre {i}"} for i in range(n)]}


def test_requests_per_minute(limited):
    client, account = limited
    alice, bob = account("alice"), account("bob")
    for _ in range(3):
        assert client.post("/predict", json={"designation": "x"}, headers=alice).status_code == 200
    refused = client.post("/predict", json={"designation": "x"}, headers=alice)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "quota_exceeded"
    assert "3 prediction requests per minute" in refused.get_json()["error"]["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    # Another account has its own quota; the refused request counted for nothing.
    assert client.post("/predict", json={"designation": "x"}, headers=bob).status_code == 200
    assert client.post("/predict/batch", json=batch(1), headers=alice).status_code == 429


def test_products_per_minute_count_batches(limited):
    client, account = limited
    carol = account("carol")
    assert client.post("/predict/batch", json=batch(4), headers=carol).status_code == 200
    refused = client.post("/predict/batch", json=batch(2), headers=carol)
    assert refused.status_code == 429
    assert "5 prediction products per minute" in refused.get_json()["error"]["message"]
    assert int(refused.headers["Retry-After"]) >= 1
    assert client.post("/predict/batch", json=batch(1), headers=carol).status_code == 200
    assert client.post("/predict", json={"designation": "x"}, headers=carol).status_code == 429


def test_zero_means_no_limit(tmp_path, redis_server, redis_client):
    from api.app import create_app
    from api.services.accounts import create_user

    settings = api_settings(
        tmp_path, redis_server.url, predict_requests_per_minute=0, predict_products_per_minute=0
    )
    app = create_app(settings, record_predictions=False)
    svc = app.extensions["shelfwise"]
    dave = bearer(token_for(app, create_user(svc.sessions, "dave", "Correct-Horse-42")))
    client = app.test_client()
    for _ in range(5):  # no worker: each is queued and answered 202
        response = client.post("/predict?wait=false", json={"designation": "x"}, headers=dave)
        assert response.status_code == 202
