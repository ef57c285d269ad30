"""Redis clients with explicit time-outs and retry policy, built from settings."""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from common.settings import Settings


def connect(settings: Settings, blocking_s: float = 0.0) -> redis.Redis:
    """A client for ``settings.redis_url``.

    ``blocking_s`` is the longest blocking command (``BLPOP``, ``XREADGROUP
    BLOCK``) the client will issue; its socket waits that much longer. One
    immediate retry lets a pooled connection broken by a Redis restart heal
    itself; beyond that, errors surface at once rather than after back-offs.
    """
    return redis.Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=settings.redis_timeout_s,
        socket_timeout=settings.redis_timeout_s + blocking_s,
        retry=Retry(NoBackoff(), 1),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        health_check_interval=30,
    )


def ensure_group(client: redis.Redis, stream: str, group: str) -> None:
    """Create ``stream`` and its consumer ``group`` if absent (idempotent; after a Redis
    restart too)."""
    try:
        client.xgroup_create(stream, group, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
