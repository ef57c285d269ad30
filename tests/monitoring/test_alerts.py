"""Alerts end to end: a real SMTP server and a webhook receiver get one alert per incident;
AUTO_RETRAIN enqueues one retrain; /admin/monitoring shows the numbers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import redis
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from flask.testing import FlaskClient
from rq import Queue

from api.services import Services
from api.services.accounts import create_user
from common import keys
from common.alerts import Alerter
from common.job_queue import enqueue_retrain
from common.local_redis import free_port
from common.orm import PRODUCTION, Feedback, ModelVersionRecord
from tests.api.conftest import PASSWORD
from tests.feedback.conftest import add_predictions


class Inbox(Message):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.mails: list[Any] = []

    def handle_message(self, message: Any) -> None:
        self.mails.append(message)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[list[dict[str, Any]], str]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield received, f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def _production(svc: Services) -> None:
    with svc.sessions.begin() as session:
        session.add(
            ModelVersionRecord(
                name="v1",
                status=PRODUCTION,
                metrics={},
                provenance={"class_counts": {"10": 50, "40": 50}},
                created_at=datetime(2020, 1, 1, tzinfo=UTC),
            )
        )


def _feedback(svc: Services, user_id: int, right: int, wrong: int) -> None:
    """``right`` confirmed and ``wrong`` corrected verdicts on predictions of class 10."""
    pids = add_predictions(svc.sessions, user_id, right + wrong)
    with svc.sessions.begin() as session:
        for i, pid in enumerate(pids):
            ok = i < right
            session.add(
                Feedback(
                    prediction_id=pid,
                    user_id=user_id,
                    is_correct=ok,
                    correct_category=None if ok else 40,
                    model_version="v1",
                    predicted_category=10,
                    confidence=0.9,
                )
            )


def test_one_alert_per_incident_by_mail_and_webhook_and_one_retrain(
    svc: Services,
    client: FlaskClient,
    admin: dict[str, str],
    redis_client: redis.Redis,
    smtp: tuple[Inbox, int],
    webhook: tuple[list[dict[str, Any]], str],
) -> None:
    inbox, port = smtp
    received, url = webhook
    settings = svc.settings.model_copy(
        update=dict(
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_tls="none",
            alert_webhook_url=url,
            auto_retrain=True,
            monitor_min_feedback=10,
            monitor_min_predictions=10,
        )
    )
    ops = create_user(svc.sessions, "ops", PASSWORD, "admin", email="ops@example.com")
    create_user(svc.sessions, "ada@example.com", PASSWORD, "admin")
    _production(svc)
    _feedback(svc, ops.id, right=6, wrong=4)  # accuracy 0.6; every prediction says 10: drift
    alerter = Alerter(
        settings,
        redis_client,
        svc.sessions,
        lambda r: enqueue_retrain(settings, redis_client, svc.sessions, r),
    )

    assert sorted(alerter.check_live()) == ["drift", "live_f1"]
    assert alerter.check_live() == []  # the same incidents: cooling down
    assert alerter.check_evaluated("v1", 0.9, 100) is False

    assert len(inbox.mails) == 2
    assert {m["Subject"] for m in inbox.mails} == {
        "[Shelfwise] alert: live_f1",
        "[Shelfwise] alert: drift",
    }
    assert set(inbox.mails[0]["To"].split(", ")) == {"ops@example.com", "ada@example.com"}
    assert sorted(r["kind"] for r in received) == ["drift", "live_f1"]
    assert Queue(settings.training_queue, connection=redis_client).count == 1
    assert redis_client.get(keys.TRAINING_LOCK) is not None

    body = client.get("/admin/monitoring?window_s=86400&bucket_s=3600", headers=admin).json
    live = body["quality"]["v1"]["current"]
    assert live["n"] == 10 and live["accuracy"] == pytest.approx(0.6)
    # class 10: tp 6, fp 4 -> F1 0.75 (support 6); class 40: F1 0 (support 4) -> 0.45
    assert live["f1_weighted"] == pytest.approx(0.45)
    assert body["drift"]["reference"] == "training_set"
    assert body["drift"]["n"] == 10
    assert body["drift"]["psi_total"] > settings.drift_psi_threshold
    assert len(body["drift"]["series"]) == 24
    assert body["drift"]["series"][-1]["mean_confidence"] == pytest.approx(0.9)
    assert body["drift"]["series"][-1]["low_confidence_share"] == 0
    assert {a["subject"] for a in body["alerts"]} == {"drift", "live_f1"}
