"""``/health`` (the process is alive) and ``/ready`` (it can classify products)."""

from __future__ import annotations

from typing import Any

import redis
from flask import Blueprint

from api.schemas import Health, Readiness
from api.services import services
from api.spec import responses, spec
from common.schemas import NO_MODEL_MESSAGE

bp = Blueprint("health", __name__)


@bp.get("/health")
@spec.validate(resp=responses({200: Health}), tags=["ops"])
def health() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@bp.get("/ready")
@spec.validate(resp=responses({200: Readiness, 503: Readiness}), tags=["ops"])
def ready() -> tuple[dict[str, Any], int]:
    """Redis reachable, at least one live worker, a trained model loaded; 503 says which not."""
    svc = services()
    checks: dict[str, dict[str, Any]] = {}
    try:
        svc.redis.ping()
        checks["redis"] = {"ok": True}
        workers = svc.broker.workers()
    except redis.RedisError as exc:
        checks["redis"] = {"ok": False, "detail": f"Redis unreachable: {exc}"}
        return {"ready": False, "checks": checks}, 503

    checks["workers"] = {
        "ok": bool(workers.live),
        "live": len(workers.live),
        "names": [w["name"] for w in workers.live],
    }
    if not workers.live:
        checks["workers"]["detail"] = "No model worker is alive: start `python -m model_service`."
    # Informative, never failing: how many predict jobs wait for a worker.
    checks["queue"] = {"ok": True, "depth": svc.broker.backlog()}
    versions = workers.trained_versions
    checks["model"] = {"ok": bool(versions), "versions": versions}
    if workers.live and not versions:
        checks["model"]["detail"] = f"{NO_MODEL_MESSAGE} DATA_DIR is {svc.settings.data_dir}."
    ok = all(check["ok"] for check in checks.values())
    return {"ready": ok, "checks": checks}, 200 if ok else 503
