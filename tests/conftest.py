"""Fixtures that start the real parts: a redis-server on a free port, settings in a tmp dir."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common.local_redis import RedisServer  # noqa: E402
from common.settings import Settings, load_settings  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
VGG16_WEIGHTS = SHARED / "weights" / "vgg16_notop.h5"
RAKUTEN_DIR = SHARED / "data" / "rakuten"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--docker",
        action="store_true",
        help="also run the tests marked docker: the compose fleet, built and run (make test-fleet)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked docker build images and run containers for many minutes: asked for only."""
    if config.getoption("--docker"):
        return
    fleet = [item for item in items if item.get_closest_marker("docker")]
    if fleet:
        config.hook.pytest_deselected(items=fleet)
        items[:] = [item for item in items if not item.get_closest_marker("docker")]


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server for the whole session."""
    with RedisServer() as server:
        yield server


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    """A client on a flushed database; flushed again after the test."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    yield client
    try:
        client.flushall()
    except redis.ConnectionError:
        pass  # a test stopped the server; the next test's fixture will tell
    client.close()


@pytest.fixture
def settings(tmp_path: Path, redis_server: RedisServer) -> Settings:
    """Settings whose state lives in this test's tmp dir and whose Redis is the fixture's."""
    return load_settings(
        redis_url=redis_server.url,
        var_dir=tmp_path / "var",
        feedback_dir=tmp_path / "feedback",
        data_dir=tmp_path / "data",
        heartbeat_s=0.2,
        claim_idle_ms=1000,
    )


def require_vgg16_weights() -> Path:
    if not VGG16_WEIGHTS.is_file():
        pytest.skip(f"ImageNet VGG16 weights not found at {VGG16_WEIGHTS}")
    return VGG16_WEIGHTS


def require_rakuten() -> Path:
    if not (RAKUTEN_DIR / "products.csv").is_file():
        pytest.skip(f"Rakuten data not found at {RAKUTEN_DIR}")
    return RAKUTEN_DIR
