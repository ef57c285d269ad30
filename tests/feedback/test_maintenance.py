"""Maintenance mode: /predict answers 503 with the admins' message; admin routes keep working."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.api.conftest import FakeWorker


def test_maintenance_mode(
    client: FlaskClient, admin: dict[str, str], alice: dict[str, str], fake_worker: FakeWorker
) -> None:
    product = {"designation": "Piscine tubulaire"}
    assert client.post("/predict", json=product, headers=alice).status_code == 200
    on = client.put(
        "/admin/maintenance", json={"enabled": True, "message": "Back at noon."}, headers=admin
    )
    assert on.status_code == 200 and on.json["enabled"] is True
    refused = client.post("/predict", json=product, headers=alice)
    assert refused.status_code == 503
    assert refused.json["error"] == {"code": "maintenance", "message": "Back at noon."}
    assert client.get("/admin/users", headers=admin).status_code == 200
    assert client.get("/admin/monitoring", headers=admin).json["maintenance"]["enabled"] is True
    assert (
        client.put("/admin/maintenance", json={"enabled": True}, headers=alice).status_code == 403
    )
    off = client.put("/admin/maintenance", json={"enabled": False}, headers=admin)
    assert off.json == {"enabled": False}
    assert client.post("/predict", json=product, headers=alice).status_code == 200
