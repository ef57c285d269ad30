"""Request ids and request metrics for the API; the registries ``GET /metrics`` reads
(``api/routes/metrics.py``).

Every request gets an id (the client's ``X-Request-ID`` when it is sane, else
a new one), returned as ``X-Request-ID`` and carried by every log line of the
request. Request counts and latencies are Prometheus metrics; under gunicorn
the processes share them through PROMETHEUS_MULTIPROC_DIR (set by
``api/gunicorn_conf.py``). Queue depth, oldest job age and live workers are
read from Redis at scrape time.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterator

import redis
from flask import Flask, Response, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from api.services import Services
from common import keys
from common.logs import reset_context, set_context

logger = logging.getLogger(__name__)

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
REQUESTS = Counter(
    "shelfwise_api_requests_total",
    "API requests by route and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "shelfwise_api_request_seconds",
    "API request latency by route",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def init_observability(app: Flask, services: Services) -> None:
    """Request ids and metrics on every request of ``app``."""

    @app.before_request
    def _start() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        g.log_token = set_context(request_id=g.request_id)
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        if "started" in g:
            LATENCY.labels(route, request.method).observe(time.perf_counter() - g.started)
        REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        return response

    @app.teardown_request
    def _clear(_exc: BaseException | None) -> None:
        token = g.pop("log_token", None)
        if token is not None:
            reset_context(token)

    broker = CollectorRegistry()
    broker.register(BrokerCollector(services))
    registries = [broker]
    if services.settings.prometheus_multiproc_dir:
        shared = CollectorRegistry()
        MultiProcessCollector(shared, str(services.settings.prometheus_multiproc_dir))
        registries.insert(0, shared)
    else:
        registries.insert(0, REGISTRY)
    app.extensions["shelfwise_metrics"] = registries


class BrokerCollector(Collector):
    """Queue depth, oldest queued job's age and live workers, read from Redis per scrape."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[GaugeMetricFamily]:
        client = self.services.redis
        try:
            depth = int(client.xlen(keys.PREDICT_STREAM))
            oldest = client.xrange(keys.PREDICT_STREAM, count=1)
            live = len(self.services.broker.workers().live)
            training = int(client.llen(f"rq:queue:{self.services.settings.training_queue}"))
        except redis.RedisError:
            return
        age = 0.0
        if oldest:
            entry_id = oldest[0][0]
            if isinstance(entry_id, bytes):
                entry_id = entry_id.decode()
            millis = int(str(entry_id).split("-")[0])
            age = max(0.0, time.time() - millis / 1000)
        yield GaugeMetricFamily("shelfwise_queue_depth", "Predict jobs in the stream", depth)
        yield GaugeMetricFamily(
            "shelfwise_queue_oldest_job_age_seconds", "Age of the oldest queued predict job", age
        )
        yield GaugeMetricFamily("shelfwise_live_workers", "Model workers with a heartbeat", live)
        yield GaugeMetricFamily(
            "shelfwise_training_queue_depth", "Jobs waiting on the training queue", training
        )
