"""A model worker's Prometheus metrics: batch sizes, preprocessing and inference time, version."""

from __future__ import annotations

from prometheus_client import Gauge, Histogram, start_http_server

BATCH_SIZE = Histogram(
    "shelfwise_worker_batch_size",
    "Jobs per forward pass",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
)
PREPROCESS_SECONDS = Histogram(
    "shelfwise_worker_preprocess_seconds",
    "Preprocessing time of one job",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
)
INFERENCE_SECONDS = Histogram(
    "shelfwise_worker_inference_seconds",
    "Forward-pass time of one batch",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
MODEL_VERSION = Gauge("shelfwise_worker_model_info", "Model version served (1)", ["version"])


def observe_batch(size: int, preprocess_ms: list[float], inference_ms: float, version: str) -> None:
    BATCH_SIZE.observe(size)
    for ms in preprocess_ms:
        PREPROCESS_SECONDS.observe(ms / 1000)
    INFERENCE_SECONDS.observe(inference_ms / 1000)
    MODEL_VERSION.clear()
    MODEL_VERSION.labels(version).set(1)


def serve(port: int) -> None:
    """Expose the metrics on ``port`` (0: not at all)."""
    if port:
        start_http_server(port)
