from __future__ import annotations

import pytest

from common.categories import CATEGORIES, CODES
from common.schemas import (
    MalformedJob,
    PredictJob,
    Timing,
    dumps,
    error_answer,
    loads,
    success_answer,
)


def test_job_round_trips_through_stream_fields() -> None:
    job = PredictJob("abc", "Piscine é", "<b>bleue</b>", b"\xff\xd8binary\x00", 12.5)
    assert PredictJob.from_fields(job.to_fields()) == job


def test_job_without_image_has_no_image_field() -> None:
    fields = PredictJob("abc", "titre").to_fields()
    assert b"image" not in fields
    assert PredictJob.from_fields(fields).image is None


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {b"v": b"2", b"id": b"x", b"enqueued_at": b"1"},
        {b"v": b"1", b"enqueued_at": b"1"},
        {b"v": b"1", b"id": b"x", b"enqueued_at": b"soon"},
        {b"v": b"1", b"id": b"\xff\xfe", b"enqueued_at": b"1"},
    ],
)
def test_malformed_jobs_are_rejected(fields: dict[bytes, bytes]) -> None:
    with pytest.raises(MalformedJob):
        PredictJob.from_fields(fields)


def test_success_answer_ranks_the_top_five() -> None:
    probs = [0.0] * len(CODES)
    for rank, index in enumerate([3, 7, 1, 20, 11, 5]):
        probs[index] = 0.5 / (rank + 1)
    answer = success_answer("id1", probs, ["text"], "v2", Timing(1.0, 2.0, 3.0, "int8"))
    assert [e["code"] for e in answer["top5"]] == [CODES[i] for i in [3, 7, 1, 20, 11]]
    assert answer["category"] == {"code": CODES[3], "name": CATEGORIES[CODES[3]]}
    assert answer["confidence"] == 0.5
    assert answer["timing"] == {
        "queue_ms": 1.0,
        "preprocess_ms": 2.0,
        "inference_ms": 3.0,
        "runtime": "int8",
    }


def test_success_answer_needs_every_class() -> None:
    with pytest.raises(ValueError):
        success_answer("id1", [1.0, 0.0], ["text"], "v1", Timing(0, 0, 0, "fp32"))


def test_documents_survive_json() -> None:
    document = error_answer("id9", "invalid_image", "Cassée — é")
    assert loads(dumps(document)) == document
    with pytest.raises(ValueError):
        loads(b"[1, 2]")


def test_there_are_27_categories_in_a_stable_order() -> None:
    assert len(CODES) == 27 and list(CODES) == sorted(CATEGORIES)
