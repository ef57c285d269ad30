"""``python -m model_service``: one model worker."""

from __future__ import annotations

import logging
import os

import redis

from common.logs import configure_logging
from common.settings import Settings


def configure_tensorflow(settings: Settings) -> None:
    """Thread pools must be sized before TensorFlow runs its first op."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    if settings.tf_intra_threads:
        tf.config.threading.set_intra_op_parallelism_threads(settings.tf_intra_threads)
    if settings.tf_inter_threads:
        tf.config.threading.set_inter_op_parallelism_threads(settings.tf_inter_threads)


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format, service="model")
    configure_tensorflow(settings)
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
