"""A running serving stack (module-scoped) with a tiny model version in production."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.stack import Stack
from tests.factories import make_tiny_version


def start_stack(workdir: Path, workers: int = 2, **env: str) -> Stack:
    # These tests are about the predict path, not accounts: no token needed.
    stack = Stack(workdir, {"PREDICT_ANONYMOUS": "true", **env})
    make_tiny_version(stack.models_dir)
    try:
        return stack.start(workers)
    except BaseException:
        stack.stop()
        raise


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """API under gunicorn + two model workers on a private redis-server."""
    running = start_stack(tmp_path_factory.mktemp("stack"))
    yield running
    running.stop()


@pytest.fixture
def fresh_stack(tmp_path: Path) -> Iterator[Stack]:
    """A stack of one's own, for tests that kill its parts."""
    running = start_stack(tmp_path, workers=1)
    yield running
    running.stop()
