"""The trainer's Prometheus metrics: job durations and outcomes, last evaluated F1."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

JOB_SECONDS = Histogram(
    "shelfwise_trainer_job_seconds",
    "Duration of trainer jobs by kind",
    ["kind"],
    buckets=(1, 10, 60, 300, 900, 1800, 3600, 7200, 21600),
)
JOB_OUTCOMES = Counter(
    "shelfwise_trainer_jobs_total", "Trainer jobs by kind and outcome", ["kind", "outcome"]
)
LAST_EVALUATED_F1 = Gauge(
    "shelfwise_last_evaluated_f1", "Weighted F1 of the latest scheduled evaluation", ["version"]
)


def serve(port: int) -> None:
    """Expose the metrics on ``port`` (0: not at all)."""
    if port:
        start_http_server(port)
