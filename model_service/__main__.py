"""``python -m model_service``: one model worker.

The worker serves ONNX files through ONNX Runtime and imports no TensorFlow: it
starts in about a second and holds a fraction of the memory.
"""

from __future__ import annotations

import logging

import redis

from common.logs import configure_logging
from common.settings import Settings


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format, service="model")
    from model_service.observability import serve
    from model_service.worker import ModelWorker, model_loader

    serve(settings.metrics_port)

    client = redis.Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=settings.redis_timeout_s,
        health_check_interval=30,
    )
    worker = ModelWorker(settings, client, model_loader(settings))
    worker.install_signal_handlers()
    logging.getLogger(__name__).info("model worker %s ready", worker.name)
    worker.run()


if __name__ == "__main__":
    main()
