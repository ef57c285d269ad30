"""docker-compose.yml, checked without a Docker engine: the Compose Specification's schema,
`--scale model=N`, commands that exist, and an environment every service's code can run on."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest

from common.settings import Settings
from tests.deploy.conftest import (
    LOCAL_DEFAULTS,
    ROOT,
    RUNTIME_ENV,
    SECRETS,
    SERVICE_CODE,
    SERVICE_DIRS,
    SETTINGS,
    SHARED_STATE,
    command_exists,
    dockerfile,
    load_yaml,
    settings_read_by,
)

VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?::([?-])([^}]*))?\}")


def compose() -> dict[str, Any]:
    return load_yaml(ROOT / "docker-compose.yml")


def env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def interpolate(value: str, env: dict[str, str]) -> str:
    """What Compose substitutes for ``${VAR}``, ``${VAR:-default}``, ``${VAR:?error}``."""

    def one(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if env.get(name):
            return env[name]
        if kind == "?":
            raise KeyError(f"{name} is required: {rest}")
        return rest if kind == "-" else ""

    return VARIABLE.sub(one, value)


def filled_env() -> dict[str, str]:
    """.env.example with its required values filled, as a user's .env would be."""
    env = env_example()
    for name, value in env.items():
        env[name] = value or f"{name.lower()}-filled-with-a-long-enough-value"
    return env


def container_env(service: str) -> dict[str, str]:
    """The image's ENV overridden by the service's environment, interpolated."""
    env = dockerfile(service).env
    given = compose()["services"][service].get("environment", {})
    env.update({k: interpolate(str(v), filled_env()) for k, v in given.items()})
    return env


def test_the_file_follows_the_compose_specification() -> None:
    document = compose()
    schema = json.loads((ROOT / "tests/deploy/schemas/compose-spec.json").read_text())
    # `name` is newer than the vendored schema; the specification's rule for it:
    assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", document.pop("name"))
    jsonschema.Draft201909Validator(schema).validate(document)


def test_the_schema_check_would_catch_a_mistake() -> None:
    document = compose()
    document.pop("name")
    document["services"]["model"]["depends_on"]["redis"]["condition"] = "service_ready"
    schema = json.loads((ROOT / "tests/deploy/schemas/compose-spec.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft201909Validator(schema).validate(document)


def test_model_scales_with_compose_up_scale() -> None:
    model = compose()["services"]["model"]
    assert "container_name" not in model and "ports" not in model and "hostname" not in model
    assert all(not str(v).startswith("./") for v in model.get("volumes", []))  # no host files


def test_every_service_is_healthchecked_and_waits_for_healthy_dependencies() -> None:
    services = compose()["services"]
    for name, service in services.items():
        built = "build" in service
        assert "healthcheck" in service or (built and dockerfile(name).all("HEALTHCHECK")), name
        for dependency, how in service.get("depends_on", {}).items():
            assert how["condition"] == "service_healthy", (name, dependency)
            assert "healthcheck" in services[dependency], (name, dependency)
    assert set(services["api"]["depends_on"]) == {"redis", "db"}
    assert set(services["trainer"]["depends_on"]) == {"redis", "db"}
    assert set(services["frontend"]["depends_on"]) == {"api"}
    assert "--appendonly" in services["redis"]["command"]  # the broker survives a restart


@pytest.mark.parametrize("service", sorted(SERVICE_DIRS))
def test_every_command_a_service_runs_exists_in_the_code(service: str) -> None:
    spec = compose()["services"][service]
    assert spec["build"] == {
        "context": ".",
        "dockerfile": f"{SERVICE_DIRS[service]}/Dockerfile",
        "args": {"BASE_IMAGE": "${BASE_IMAGE:-python:3.11-slim-bookworm}"},
    }
    assert spec["image"] == f"shelfwise-{service}"  # one name whatever the project
    image = dockerfile(service)
    commands = [spec.get("command") or image.cmd, image.healthcheck]
    if "healthcheck" in spec:
        commands.append(spec["healthcheck"]["test"][1:])
    for argv in commands:
        assert command_exists(argv) is None, (service, argv, command_exists(argv))
    procfile = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert " ".join(image.cmd) == procfile[service]  # `make run` starts the same thing


def test_base_images_default_to_the_official_ones() -> None:
    services = compose()["services"]
    assert services["redis"]["image"] == "${REDIS_IMAGE:-redis:7-alpine}"
    assert services["db"]["image"] == "${POSTGRES_IMAGE:-postgres:16-alpine}"
    for service in SERVICE_DIRS:
        default = dockerfile(service).all("ARG")[0]
        args = services[service]["build"]["args"]
        assert default == f"BASE_IMAGE={interpolate(args['BASE_IMAGE'], {})}"
    assert {env_example()[name] for name in ("BASE_IMAGE", "REDIS_IMAGE", "POSTGRES_IMAGE")} == {""}


def test_published_ports_listen_on_loopback_only() -> None:
    published = [
        (name, port)
        for name, service in compose()["services"].items()
        for port in service.get("ports", [])
    ]
    assert {name for name, _ in published} >= {"api", "frontend"}
    for name, port in published:
        assert interpolate(port, filled_env()).startswith("127.0.0.1:"), (name, port)


def test_command_check_would_catch_a_missing_module() -> None:
    assert command_exists(["python", "-m", "model_service.nothing"]) is not None
    assert command_exists(["gunicorn", "-c", "api/gunicorn_conf.py", "api.wsgi:nope"]) is not None


@pytest.mark.parametrize("service", sorted(SERVICE_DIRS))
def test_every_variable_given_is_a_setting_and_parses(service: str) -> None:
    env = container_env(service)
    assert set(env) - SETTINGS - RUNTIME_ENV == set()
    # The values are valid settings, as the service will read them.
    Settings(**{k.lower(): v for k, v in env.items() if k in SETTINGS})


@pytest.mark.parametrize("service", sorted(SERVICE_DIRS))
def test_every_setting_the_code_reads_is_set_or_safely_defaulted(service: str) -> None:
    read = settings_read_by(*SERVICE_CODE[service])
    assert read, service  # the scan itself works
    env = container_env(service)
    given = compose()["services"][service].get("environment", {})
    unset = {name for name in read & LOCAL_DEFAULTS if name.upper() not in env}
    assert unset == set(), f"{service} would use its development default for {unset}"
    for secret in read & SECRETS:
        assert re.fullmatch(r"\$\{[A-Z_]+:\?.+\}", given[secret.upper()]), secret
        with pytest.raises(KeyError):  # compose refuses to start without it
            interpolate(given[secret.upper()], {})
    if "environment" in read:
        assert env["ENVIRONMENT"] == "production"


def test_shared_state_lives_on_the_same_volume_for_every_service() -> None:
    services = compose()["services"]
    sources: dict[str, set[str]] = {}
    for service, folder in SERVICE_DIRS.items():
        env = container_env(service)
        mounts = dict(reversed(v.split(":")[:2]) for v in services[service].get("volumes", []))
        for name in settings_read_by(folder) & SHARED_STATE:
            target = env[name.upper()]
            assert target in mounts, f"{service}: {name.upper()}={target} is not a volume"
            sources.setdefault(name, set()).add(mounts[target])
    assert sources.keys() >= {"model_dir", "image_dir", "feedback_dir"}
    assert {name: len(found) for name, found in sources.items()} == dict.fromkeys(sources, 1)
    named = set(compose()["volumes"])
    assert {"models", "images"} <= named and sources["feedback_dir"] == {"./feedback"}


def test_required_secrets_and_env_example() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    used = {m.group(1) for m in VARIABLE.finditer(text)}
    required = {m.group(1) for m in VARIABLE.finditer(text) if m.group(2) == "?"}
    assert {"POSTGRES_PASSWORD", "JWT_SECRET_KEY"} <= required
    example = env_example()
    assert used - set(example) == set(), "every variable compose reads is in .env.example"
    assert all(example[name] == "" for name in required), "no secret has a default"
    with pytest.raises(KeyError):
        interpolate(text, {**filled_env(), "JWT_SECRET_KEY": ""})
