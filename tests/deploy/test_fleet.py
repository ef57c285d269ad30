"""The compose fleet for real: images built (or reused from the engine's cache), a first
model trained by the trainer container, `docker compose up --scale model=2`, predictions,
heartbeats, a model container crashed under load with nothing lost, then the fleet removed
with its volumes. `make test-fleet` runs it (marker `docker`, left out of `make test`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from common.local_redis import free_port
from scripts.fleet import (
    Fleet,
    crash,
    docker,
    engine_problem,
    first,
    read_env_file,
    restarts,
    wait_until,
    write_env_file,
)
from scripts.fleet_runs import Load, busy_container, heartbeat_since
from tests.factories import image_bytes
from tests.trainer import synthetic

pytestmark = [pytest.mark.docker, pytest.mark.timeout(2400)]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    problem = engine_problem()
    if problem is not None:
        pytest.skip(problem)
    work = tmp_path_factory.mktemp("fleet")
    data = synthetic.write_shared(work / "data", synthetic.products(per_class=20))
    env_file = work / ".env"
    ports = {"API_PORT": str(free_port()), "FRONTEND_PORT": str(free_port())}
    write_env_file(env_file, {**ports, "DATA_DIR": str(data), "LOG_LEVEL": "WARNING"})
    fleet = Fleet(project="shelfwise-fleet-test", env_file=env_file)
    fleet.prepare()
    try:
        fleet.build()
        fleet.bootstrap("--epochs", "1")
        fleet.up(2)
        yield fleet
    finally:
        fleet.down(volumes=True)
    project = "label=com.docker.compose.project=shelfwise-fleet-test"
    assert docker("volume", "ls", "--quiet", "--filter", project) == ""


@pytest.fixture(scope="module")
def token(fleet: Fleet) -> str:
    settings = read_env_file(fleet.env_file)
    return fleet.token(settings["ADMIN_USERNAME"], settings["ADMIN_PASSWORD"])


def predict(fleet: Fleet, token: str, **files: tuple[str, bytes, str]) -> dict:
    r = requests.post(
        f"{fleet.api_url}/predict",
        data={"designation": "Piscine tubulaire ronde avec pompe de filtration"},
        files=files or None,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_the_fleet_classifies_photo_and_text_and_text_alone(fleet: Fleet, token: str) -> None:
    both = predict(fleet, token, image=("p.jpg", image_bytes(size=(300, 300)), "image/jpeg"))
    assert sorted(both["modalities"]) == ["image", "text"]
    assert both["model_version"] == "v1"  # what the trainer container trained
    assert len(both["top5"]) == 5 and 0 < both["confidence"] <= 1
    text = predict(fleet, token)
    assert text["modalities"] == ["text"] and text["model_version"] == "v1"
    for _ in range(60):  # 409 not_recorded until the recorder has written the prediction
        flagged = requests.post(
            f"{fleet.api_url}/feedback",
            json={
                "prediction_id": text["prediction_id"],
                "is_correct": False,
                "correct_category": 2583,
            },
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        if flagged.status_code != 409:
            break
        time.sleep(0.5)
    assert flagged.status_code == 201, flagged.text  # written to the bind-mounted feedback/


def test_two_model_containers_heartbeat(fleet: Fleet) -> None:
    containers = fleet.containers("model")
    assert len(containers) == 2
    wait_until(lambda: len(fleet.live_workers()) == 2, 60, "two heartbeats")
    live = fleet.live_workers()
    # A worker is named after its host, the container: one each.
    assert sorted(name.rsplit("-", 1)[0] for name in live) == sorted(c[:12] for c in containers)


def test_a_crashed_model_container_loses_nothing_and_comes_back(fleet: Fleet, token: str) -> None:
    with Load(fleet.api_url, token, clients=4) as load:
        wait_until(lambda: sum(o.answered for o in load.outcomes) >= 10, 180, "load to build up")
        # The victim holds jobs it has read and not acknowledged: they must not be lost.
        victim, _ = first(lambda: busy_container(fleet), 60, "a worker holding jobs")
        before = restarts(victim)
        crashed_at, crashed_epoch = time.monotonic(), time.time()
        crash(victim)  # SIGKILL mid-batch: its jobs wait in Redis for another worker
        wait_until(lambda: restarts(victim) > before, 60, "the restart policy to start it")
        wait_until(
            lambda: heartbeat_since(fleet, victim, crashed_epoch), 180, "its new worker's heartbeat"
        )
        assert len(fleet.live_workers()) == 2
        back = time.monotonic()
        wait_until(
            lambda: any(o.answered and o.started > back for o in load.outcomes),
            120,
            "answers after the restart",
        )
    load.settle()
    report = load.report()
    assert report["lost"] == 0, report
    assert report["sent"] == report["answered"], report  # no 503, no error, no gap
    assert any(o.started > crashed_at and o.answered for o in load.outcomes)
    assert victim in fleet.containers("model")  # restarted in place, not replaced
