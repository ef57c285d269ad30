"""With LOG_FORMAT=json, a model worker's log lines name the jobs they are about."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import redis

from common import keys
from common.logs import ContextFilter, JsonFormatter
from common.schemas import PredictJob
from tests.factories import noisy_jpeg


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The worker's records as configure_logging(fmt="json") writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("model"))
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("model_service")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_every_line_about_a_job_carries_its_id(  # type: ignore[no-untyped-def]
    poisoned_worker, redis_client: redis.Redis, json_lines: io.StringIO
) -> None:
    worker = poisoned_worker
    for job in [
        PredictJob("fine", "Piscine"),
        PredictJob("toxic", "poison"),
        PredictJob("bad-image", "Livre", image=noisy_jpeg()[:20_000]),
    ]:
        redis_client.xadd(keys.PREDICT_STREAM, job.to_fields())
    redis_client.xadd(keys.PREDICT_STREAM, {b"v": b"1", b"id": b"broken"})  # no timestamp
    worker.process(worker.consumer.read(count=10, block_ms=100))

    records = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    batch = ["fine", "toxic", "bad-image", "broken"]
    assert records, "the batch logged nothing"
    for record in records:
        assert record["service"] == "model"
        assert record["job_ids"] == batch, record
    about = {r.get("job_id") for r in records if "job_id" in r}
    assert {"toxic", "bad-image", "broken"} <= about
    failed = next(r for r in records if r["message"].startswith("inference failed"))
    assert failed["job_id"] == "toxic" and "exc_info" in failed
    assert any(r["message"].startswith("batch of 2 failed") for r in records)
    assert any(r["message"] == "answered batch of 4 jobs" for r in records)
