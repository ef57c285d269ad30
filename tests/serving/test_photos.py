"""Photos sent to /predict through gunicorn are kept once, however many requests carry them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from common.db import make_engine, session_factory
from common.image_store import ImageStore
from common.orm import PredictionRecord
from scripts.stack import Stack
from tests.factories import noisy_jpeg
from tests.serving.conftest import start_stack
from tests.waiting import wait_for

SENDS = 16


@pytest.fixture(scope="module")
def two_api_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("photos"), workers=1, API_WORKERS="2")
    yield running
    running.stop()


def test_concurrent_predictions_of_one_photo_store_it_once(two_api_processes: Stack) -> None:
    stack = two_api_processes
    photo = noisy_jpeg(size=120, seed=31)
    digest = hashlib.sha256(photo).hexdigest()

    def send(i: int) -> str:
        response = requests.post(
            f"{stack.url}/predict",
            data={"designation": f"Lampe {i}"},
            files={"image": ("lamp.jpg", photo, "image/jpeg")},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        prediction_id: str = response.json()["prediction_id"]
        return prediction_id

    with ThreadPoolExecutor(SENDS) as pool:
        ids = list(pool.map(send, range(SENDS)))

    images = stack.workdir / "var" / "images"
    files = [p for p in images.rglob("*") if p.is_file()]
    assert [p.relative_to(images) for p in files] == [
        Path(ImageStore(images).relative(digest))
    ]  # one file, no temporary copy left behind
    assert files[0].read_bytes() == photo

    sessions = session_factory(make_engine(f"sqlite:///{stack.workdir / 'var' / 'shelfwise.db'}"))

    def recorded() -> list[str | None]:
        with sessions() as session:
            query = select(PredictionRecord.photo_hash).where(PredictionRecord.id.in_(ids))
            links = list(session.scalars(query))
        return links if len(links) == SENDS else []

    links = wait_for(recorded, 30, "every prediction recorded")
    assert links == [digest] * SENDS
