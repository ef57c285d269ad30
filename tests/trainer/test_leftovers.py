"""What killed processes left half-written goes once it is surely abandoned; nothing else."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from common.settings import Settings
from trainer.leftovers import STORE_GRACE_S, remove_leftovers


def _aged(path: Path, age_s: float) -> Path:
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_abandoned_leftovers_go_and_live_work_stays(settings: Settings) -> None:
    models, images = settings.models_path, settings.images_path
    training_s = settings.retrain_timeout_s + 3600
    version = models / "v1"
    version.mkdir(parents=True)
    (version / "params.json").write_text("{}")
    _aged(version, 10 * training_s)  # a real version, however old, is never touched
    killed = []
    for name in (".staging-abc", ".tmp-v2-xyz", ".export-v2-q"):
        (models / name).mkdir()
        (models / name / "weights.h5").write_bytes(b"half")
        killed.append(_aged(models / name, training_s + 60))
    running = models / ".staging-now"
    running.mkdir()  # a training run writing its version right now
    fan_out = images / "ab" / "cd"
    fan_out.mkdir(parents=True)
    photo = fan_out / ("abcd" + "0" * 60)
    photo.write_bytes(b"jpeg")
    _aged(photo, 10 * STORE_GRACE_S)
    for name in (".tmp-1", ".gone-2"):  # a put and a delete, killed half-way
        (fan_out / name).write_bytes(b"x")
        killed.append(_aged(fan_out / name, STORE_GRACE_S + 60))
    writing = fan_out / ".tmp-3"
    writing.write_bytes(b"x")

    assert remove_leftovers(settings) == {"model_volume": 3, "image_store": 2}
    assert not any(path.exists() for path in killed)
    assert (version / "params.json").exists() and running.exists()
    assert photo.exists() and writing.exists()
    assert remove_leftovers(settings) == {"model_volume": 0, "image_store": 0}


def test_the_schedule_removes_leftovers_hourly(settings: Settings, redis_client: Any) -> None:
    from common.db import init_db, session_factory
    from trainer.context import TrainerContext
    from trainer.scheduler import Scheduler

    settings.models_path.mkdir(parents=True, exist_ok=True)
    _aged(Path(tempfile.mkdtemp(dir=settings.models_path, prefix=".staging-")), 30 * 24 * 3600)
    sessions = session_factory(init_db(settings))
    scheduler = Scheduler(TrainerContext(settings, sessions, redis_client))
    assert scheduler.tick()["leftovers"] == {"model_volume": 1, "image_store": 0}
    assert "leftovers" not in scheduler.tick()
