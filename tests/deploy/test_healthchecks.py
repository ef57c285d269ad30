"""The trainer image's healthcheck: healthy exactly while this host's RQ worker is registered."""

from __future__ import annotations

import pytest
import redis
from rq import Queue, SimpleWorker

from common.local_redis import RedisServer
from trainer import healthcheck


def test_trainer_healthcheck_follows_the_worker_registration(
    redis_server: RedisServer, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    monkeypatch.setenv("TRAINING_QUEUE", "training")
    assert healthcheck.main() == 1
    other = SimpleWorker([Queue("other", connection=redis_client)], connection=redis_client)
    other.register_birth()
    assert healthcheck.main() == 1  # a worker on another queue does not count
    worker = SimpleWorker([Queue("training", connection=redis_client)], connection=redis_client)
    worker.register_birth()
    assert healthcheck.main() == 0
    worker.register_death()
    assert healthcheck.main() == 1
