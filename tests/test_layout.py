"""The dependency direction of STYLE.md, checked on every import statement."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {"common", "api", "model_service", "trainer", "frontend", "scripts", "bench", "tests"}

# package -> what it must never import (project packages, or heavy libraries)
FORBIDDEN = {
    "common": PROJECT - {"common"} | {"tensorflow", "keras", "flask"},
    "api": {"model_service", "trainer", "frontend", "tensorflow", "keras"},
    "frontend": PROJECT - {"common", "frontend"} | {"tensorflow", "keras", "redis"},
    "model_service": {"api", "trainer", "frontend"},
    "trainer": {"api", "frontend", "model_service.worker", "model_service.consumer"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def violations(package: str) -> list[str]:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for module in imported_modules(path):
            for rule in FORBIDDEN[package]:
                if module == rule or module.startswith(rule + "."):
                    bad.append(f"{path.relative_to(ROOT)} imports {module}")
    return bad


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_import_direction(package: str) -> None:
    assert violations(package) == []


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from model_service.worker import ModelWorker\nimport keras\n")
    assert {"model_service.worker", "keras"} <= imported_modules(bad)


def test_layout_is_the_one_users_asked_for() -> None:
    for name in [
        "api",
        "model_service",
        "trainer",
        "frontend",
        "stress_test",
        "tests",
        "feedback",
        "docker-compose.yml",
        "Makefile",
        "README.md",
    ]:
        assert (ROOT / name).exists(), name


def test_api_rooms_routes_import_no_other_route() -> None:
    """api/routes holds blueprints only; a route reaches shared work through api/services,
    api/guards and the other rooms, never through another route module."""
    routes = sorted((ROOT / "api" / "routes").glob("*.py"))
    assert len(routes) > 10
    bad = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in routes
        for module in imported_modules(path)
        if module.startswith("api.routes")
    ]
    assert bad == []
    services = sorted((ROOT / "api" / "services").glob("*.py"))
    leaks = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in services
        for module in imported_modules(path)
        if module.startswith(("api.routes", "api.guards", "flask.Blueprint"))
    ]
    assert leaks == []
    assert {p.stem for p in (ROOT / "api").glob("*.py")} == {
        "__init__", "__main__", "app", "bodies", "errors", "guards", "gunicorn_conf",
        "observability", "queries", "schemas", "spec", "wsgi",
    }  # fmt: skip
