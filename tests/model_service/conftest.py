"""A model worker on the test Redis with a tiny production version."""

from __future__ import annotations

import pytest
import redis

from common.settings import Settings
from tests.factories import make_tiny_version


@pytest.fixture
def worker(settings: Settings, redis_client: redis.Redis):  # type: ignore[no-untyped-def]
    from model_service.worker import ModelWorker, model_loader

    settings = settings.model_copy(update={"vgg16_weights": "random", "worker_name": "solo"})
    make_tiny_version(settings.models_path)
    worker = ModelWorker(settings, redis_client, model_loader(settings))
    worker.consumer.ensure_group()
    return worker


@pytest.fixture
def poisoned_worker(worker):  # type: ignore[no-untyped-def]
    """The worker, with a forward pass that fails for any batch holding a "poison" text."""
    real_predict = worker.predictor.predict

    def predict_unless_poisoned(items):  # type: ignore[no-untyped-def]
        if any("poison" in item.text for item in items):
            raise RuntimeError("the model choked")
        return real_predict(items)

    worker.predictor.predict = predict_unless_poisoned
    return worker
