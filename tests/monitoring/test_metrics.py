"""``/metrics`` after traffic, and request ids on responses."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.api.conftest import FakeWorker


def test_metrics_after_traffic(
    client: FlaskClient, alice: dict[str, str], fake_worker: FakeWorker
) -> None:
    before = _predicted(client.get("/metrics").get_data(as_text=True))
    for _ in range(3):
        assert client.post("/predict", json={"designation": "x"}, headers=alice).status_code == 200
    assert client.get("/nowhere").status_code == 404
    sent = client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert sent.headers["X-Request-ID"] == "abc-123"
    assert len(client.get("/health").headers["X-Request-ID"]) == 32
    text = client.get("/metrics").get_data(as_text=True)
    assert _predicted(text) == before + 3  # the registry is per process: compare counts
    assert 'route="unmatched",status="404"' in text
    assert 'shelfwise_api_request_seconds_bucket{le="+Inf",method="POST",route="/predict"}' in text
    assert "shelfwise_queue_depth 0.0" in text
    assert "shelfwise_live_workers " in text


def _predicted(text: str) -> float:
    found = re.search(
        r'shelfwise_api_requests_total\{method="POST",route="/predict",status="200"\} (\S+)', text
    )
    return float(found.group(1)) if found else 0.0
