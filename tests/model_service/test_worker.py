"""One worker's batch handling against a real Redis: bad jobs fail alone."""

from __future__ import annotations

import io
import json

import numpy as np
import redis
from PIL import Image

from common import keys
from common.schemas import PredictJob
from common.settings import Settings
from model_service.preprocessing import load_image
from tests.factories import image_bytes, noisy_jpeg


def answer_of(client: redis.Redis, job_id: str) -> dict:
    raw = client.get(keys.prediction(job_id))
    assert raw is not None, f"no answer for {job_id}"
    return json.loads(raw)


def test_a_bad_job_fails_alone_in_its_batch(worker, redis_client: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    jobs = [
        PredictJob("good-1", "Piscine", image=image_bytes()),
        PredictJob("bad-image", "Livre", image=noisy_jpeg()[:20_000]),
        PredictJob("good-2", "Console"),
    ]
    for job in jobs:
        redis_client.xadd(keys.PREDICT_STREAM, job.to_fields())
    redis_client.xadd(keys.PREDICT_STREAM, {b"v": b"1", b"id": b"broken"})  # no timestamp

    batch = worker.consumer.read(count=10, block_ms=100)
    assert len(batch) == 4  # one batch holds them all
    worker.process(batch)

    assert answer_of(redis_client, "good-1")["modalities"] == ["image", "text"]
    assert answer_of(redis_client, "good-2")["status"] == "done"
    assert answer_of(redis_client, "bad-image")["error"]["code"] == "invalid_image"
    assert answer_of(redis_client, "broken")["error"]["code"] == "malformed_job"
    for job_id in ("good-1", "good-2", "bad-image", "broken"):
        assert redis_client.llen(keys.reply(job_id)) == 1
        assert redis_client.ttl(keys.reply(job_id)) > 0
    assert redis_client.xlen(keys.PREDICT_STREAM) == 0  # acknowledged and deleted
    assert redis_client.xpending(keys.PREDICT_STREAM, keys.WORKER_GROUP)["pending"] == 0


def test_photos_are_framed_as_the_served_version_was_trained(
    worker, redis_client: redis.Redis
) -> None:  # type: ignore[no-untyped-def]
    page = np.full((200, 200, 3), 255, np.uint8)
    page[80:120, 90:110] = (30, 120, 200)  # a small product on a white page
    out = io.BytesIO()
    Image.fromarray(page).save(out, format="PNG")
    photo = out.getvalue()
    seen = []
    real_predict = worker.predictor.predict
    worker.predictor.predict = lambda items: seen.extend(items) or real_predict(items)

    redis_client.xadd(keys.PREDICT_STREAM, PredictJob("framed", "Piscine", image=photo).to_fields())
    worker.process(worker.consumer.read(count=10, block_ms=100))

    params = worker.predictor.version.params
    assert params.image_framing == "product"
    framed = load_image(photo, size=params.image_size, framing="product")
    np.testing.assert_array_equal(seen[0].image, framed)
    assert not np.array_equal(framed, load_image(photo, size=params.image_size))
    assert answer_of(redis_client, "framed")["status"] == "done"


def test_a_failing_forward_pass_is_retried_job_by_job(
    poisoned_worker, redis_client: redis.Redis
) -> None:  # type: ignore[no-untyped-def]
    """If one product breaks the model, only that product's answer is an error."""
    worker = poisoned_worker
    for job in [
        PredictJob("fine", "Piscine"),
        PredictJob("toxic", "poison"),
        PredictJob("also-fine", "Livre"),
    ]:
        redis_client.xadd(keys.PREDICT_STREAM, job.to_fields())
    worker.process(worker.consumer.read(count=10, block_ms=100))
    assert answer_of(redis_client, "fine")["status"] == "done"
    assert answer_of(redis_client, "also-fine")["status"] == "done"
    assert answer_of(redis_client, "toxic")["error"]["code"] == "inference_failed"


def test_heartbeat_describes_the_worker(worker) -> None:  # type: ignore[no-untyped-def]
    described = worker.describe()
    assert described["name"] == "solo"
    assert described["model_version"] == "v1" and described["trained"] is True


def test_the_worker_of_the_latest_batch_leads(
    worker,
    settings: Settings,  # type: ignore[no-untyped-def]
    redis_client: redis.Redis,
) -> None:
    """Only the leader blocks on the stream; a dead leader's key expires."""
    from model_service.worker import ModelWorker

    other = ModelWorker(
        settings.model_copy(update={"vgg16_weights": "random", "worker_name": "other"}),
        redis_client,
        lambda version: worker.predictor,
    )
    assert worker._is_leader() and other._is_leader()  # nobody leads yet: all block
    redis_client.xadd(keys.PREDICT_STREAM, PredictJob("j1", "Piscine").to_fields())
    worker.process(worker.consumer.read(count=10, block_ms=100))
    worker._lead()
    assert worker._is_leader() and not other._is_leader()
    assert 0 < redis_client.pttl(keys.WORKER_LEADER) <= worker._leader_ttl_ms
    redis_client.delete(keys.WORKER_LEADER)  # as when the leader's key expires
    assert other._is_leader()


def test_with_nothing_trained_every_job_answers_no_model(
    settings: Settings, redis_client: redis.Redis
) -> None:
    """No production version: no model is loaded, and no random answer passes for one."""
    from model_service.worker import ModelWorker, model_loader

    settings = settings.model_copy(update={"vgg16_weights": "random", "worker_name": "bare"})
    worker = ModelWorker(settings, redis_client, model_loader(settings))
    worker.consumer.ensure_group()
    assert worker.describe()["trained"] is False and worker.describe()["model_version"] is None

    redis_client.xadd(keys.PREDICT_STREAM, PredictJob("first", "Piscine").to_fields())
    worker.process(worker.consumer.read(count=10, block_ms=100))

    answer = answer_of(redis_client, "first")
    assert answer["status"] == "failed" and answer["error"]["code"] == "no_model"
    assert "python -m trainer bootstrap" in answer["error"]["message"]
    assert redis_client.xpending(keys.PREDICT_STREAM, keys.WORKER_GROUP)["pending"] == 0


def test_a_version_without_onnx_files_is_named_and_never_replaces_a_served_one(
    worker, settings: Settings, caplog
) -> None:  # type: ignore[no-untyped-def]
    """A version trained before the export: the worker says which command exports it
    and keeps serving what it has; with nothing else, it serves no model at all."""
    from common.model_store import set_production
    from model_service.worker import ModelWorker, model_loader
    from tests.factories import make_tiny_version

    make_tiny_version(worker.settings.models_path, "v2", promote=False, export=False)
    set_production(worker.settings.models_path, "v2")
    with caplog.at_level("ERROR"):
        worker.load_if_promoted()
        worker._swap_if_ready()
    assert worker.describe()["model_version"] == "v1"
    assert "python -m trainer export v2" in caplog.text

    fresh = ModelWorker(
        worker.settings.model_copy(update={"worker_name": "fresh"}),
        worker.client,
        model_loader(worker.settings),
    )
    assert fresh.predictor is None and fresh.describe()["trained"] is False


def test_answers_name_the_runtime_and_a_failed_gate_serves_fp32(
    settings: Settings, redis_client: redis.Redis
) -> None:
    from model_service.runtime import SERVING_FILE
    from model_service.worker import ModelWorker, model_loader
    from tests.factories import make_tiny_version

    settings = settings.model_copy(update={"worker_name": "gated"})
    path = make_tiny_version(settings.models_path)
    record = json.loads((path / SERVING_FILE).read_text())
    record["int8"]["servable"] = False
    (path / SERVING_FILE).write_text(json.dumps(record))
    worker = ModelWorker(settings, redis_client, model_loader(settings))
    worker.consumer.ensure_group()
    assert worker.describe()["runtime"] == "fp32"
    redis_client.xadd(keys.PREDICT_STREAM, PredictJob("gated", "Piscine").to_fields())
    worker.process(worker.consumer.read(count=10, block_ms=100))
    assert answer_of(redis_client, "gated")["timing"]["runtime"] == "fp32"
