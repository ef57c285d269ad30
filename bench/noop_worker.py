"""``python -m bench.noop_worker``: the real model worker serving a model that does nothing.

Everything but the forward pass is real (stream reads, image decoding and
resizing, answers, acknowledgements), so a served request's latency with this
worker is the cost of the service around the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import redis

from common.logs import configure_logging
from common.settings import Settings


@dataclass
class _Params:
    image_size: int = 224
    image_framing: str = "product"  # photos are prepared as a new version's are
    num_classes: int = 27


@dataclass
class _Version:
    params: _Params


class NoopPredictor:
    """Same interface as model_service.fusion.FusedPredictor; uniform probabilities, no work."""

    name = "noop"
    runtime = "noop"

    def __init__(self) -> None:
        self.version = _Version(_Params())

    def predict(self, items: Sequence[object]) -> np.ndarray:
        n = self.version.params.num_classes
        return np.full((len(items), n), 1.0 / n, dtype=np.float32)


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format, service="model")
    from model_service.worker import ModelWorker

    client = redis.Redis.from_url(settings.redis_url, health_check_interval=30)
    worker = ModelWorker(settings, client, lambda _version: NoopPredictor())  # type: ignore[arg-type, return-value]
    # The stand-in serves whether or not a version is in production (none is, in bench.scaling).
    worker.predictor = NoopPredictor()  # type: ignore[assignment]
    worker.install_signal_handlers()
    worker.run()


if __name__ == "__main__":
    main()
