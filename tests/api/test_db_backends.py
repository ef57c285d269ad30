"""What the API stores and queries, on SQLite and (when reachable) PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.app import create_app
from api.services.accounts import create_user
from api.services.recorder import Recorder
from common.orm import Event, IngestionBatch, PredictionRecord, Product
from tests.api.conftest import api_settings, bearer, token_for


def test_records_queries_and_filters(tmp_path, redis_server, redis_client, db_url):
    settings = api_settings(tmp_path, redis_server.url, database_url=db_url)
    app = create_app(settings, record_predictions=False)
    svc = app.extensions["shelfwise"]
    user = create_user(svc.sessions, "root", "Correct-Horse-42", "admin")
    admin = bearer(token_for(app, user))
    client = app.test_client()

    recorder = Recorder(svc.recorder.client, svc.sessions, name="r")
    now = datetime.now(UTC).timestamp()
    for i in range(3):
        svc.predictions.append({"id": f"p{i}", "user_id": user.id, "created_at": now,
                                "status": "timeout" if i == 0 else "done", "top5": [],
                                "modalities": ["text"], "latency_ms": 10.0 * i})  # fmt: skip
    assert recorder.drain_once() == 3
    svc.predictions.append({"id": "p0", "status": "done", "model_version": "v1", "category": 10})
    svc.predictions.append({"id": "p1", "status": "done", "model_version": "other"})
    assert recorder.drain_once() == 2
    with svc.sessions() as session:
        p0, p1 = session.get(PredictionRecord, "p0"), session.get(PredictionRecord, "p1")
        assert (p0.status, p0.model_version, p0.category) == ("done", "v1", 10)
        assert p1.model_version is None  # a final record is never overwritten

    with svc.sessions.begin() as session:
        batch = IngestionBatch(source="s", kind="products_csv", rejected_rows=[])
        session.add(batch)
        session.flush()
        session.add_all([
            Product(productid="a", designation="Piscine 50% off", prdtypecode=2583,
                    batch_id=batch.id),
            Product(productid="b", designation="Piscine 50 cm", prdtypecode=2583,
                    batch_id=batch.id, image_hash="cd" * 32),
            Product(productid="c", designation="PISCINE_XL", prdtypecode=10, batch_id=batch.id),
        ])  # fmt: skip
        session.add(Event(kind="alert", level="warning", message="old", details={},
                          created_at=datetime.now(UTC) - timedelta(days=2)))  # fmt: skip
    found = client.get("/admin/products?q=piscine&category=2583", headers=admin).get_json()
    assert sorted(p["productid"] for p in found["items"]) == ["a", "b"]
    assert [
        p["productid"]
        for p in client.get("/admin/products?q=50%25", headers=admin).get_json()["items"]
    ] == ["a"]
    assert [
        p["productid"]
        for p in client.get("/admin/products?q=e_x", headers=admin).get_json()["items"]
    ] == ["c"]
    assert client.get("/admin/products?has_image=false", headers=admin).get_json()["total"] == 2
    day_ago = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    recent = client.get("/admin/logs", query_string={"since": day_ago}, headers=admin).get_json()
    assert "old" not in [e["message"] for e in recent["items"]] and recent["total"] >= 1
    old = client.get("/admin/logs", query_string={"until": day_ago}, headers=admin).get_json()
    assert [e["message"] for e in old["items"]] == ["old"]
