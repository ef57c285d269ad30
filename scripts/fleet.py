"""The docker compose fleet: its images, its .env, up, down and logs.

    python -m scripts.fleet images                 # make images: build every image
    python -m scripts.fleet up --workers 2         # make up: .env, a first model, the fleet
    python -m scripts.fleet down [--volumes]       # make down
    python -m scripts.fleet logs [service...]      # make logs

Only the standard library: `make up` needs no virtual environment. Load and fault runs
against the fleet are in scripts/fleet_runs.py.

Base images: BASE_IMAGE, REDIS_IMAGE and POSTGRES_IMAGE from the environment or .env
when set; else the official images when this engine has them or can pull them; else
(no Docker Hub) the stand-ins that scripts/offline_base_images.sh builds from Debian
packages. OFFLINE=1 picks the stand-ins at once.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ENV_FILE = ROOT / ".env"
OFFICIAL = {
    "BASE_IMAGE": "python:3.11-slim-bookworm",
    "REDIS_IMAGE": "redis:7-alpine",
    "POSTGRES_IMAGE": "postgres:16-alpine",
}
STAND_INS = {
    "BASE_IMAGE": "shelfwise-offline/python:3.11-bookworm",
    "REDIS_IMAGE": "shelfwise-offline/redis:7",
    "POSTGRES_IMAGE": "shelfwise-offline/postgres:15",
}
BUILT = ("api", "frontend", "model", "trainer")
SERVICE_UID = 10001
"""The user every built image runs as (USER in the Dockerfiles)."""
SECRET_NAMES = (
    "POSTGRES_PASSWORD",
    "JWT_SECRET_KEY",
    "FRONTEND_SECRET_KEY",
    "GRAFANA_ADMIN_PASSWORD",
    "ADMIN_PASSWORD",
)


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def read_env_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def write_env_file(path: Path, values: dict[str, str]) -> dict[str, str]:
    """A new .env from .env.example: fresh random secrets, an admin named admin, ``values``."""
    filled = {name: secrets.token_urlsafe(32) for name in SECRET_NAMES}
    filled["ADMIN_USERNAME"] = "admin"
    data = SHARED / "data" / "rakuten"
    if data.is_dir():  # what `make run` trains on when it is there
        filled["DATA_DIR"] = str(data)
    filled |= values
    lines = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        name = line.split("=", 1)[0]
        if "=" in line and not line.startswith("#") and name in filled:
            line = f"{name}={filled[name]}"
        lines.append(line)
    path.touch(mode=0o600)
    path.write_text("\n".join(lines) + "\n")
    return read_env_file(path)


def docker(*args: str, check: bool = True, timeout: float = 120) -> str:
    done = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)}: {done.stderr.strip() or done.stdout}")
    return done.stdout.strip()


def engine_problem() -> str | None:
    """None when a Docker engine and Compose v2 answer, else what is missing."""
    if shutil.which("docker") is None:
        return "no docker command (scripts/docker_engine.sh installs one)"
    try:
        docker("info", "--format", "{{.ServerVersion}}", timeout=20)
        docker("compose", "version", timeout=20)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return f"no Docker engine with Compose v2 answers ({exc}); run scripts/docker_engine.sh"
    return None


def _have(image: str) -> bool:
    return (
        subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode == 0
    )


def base_images(given: dict[str, str]) -> dict[str, str]:
    """BASE_IMAGE, REDIS_IMAGE, POSTGRES_IMAGE: given, official, else stand-ins (built)."""
    if all(given.get(name) for name in OFFICIAL):
        return {name: given[name] for name in OFFICIAL}
    if os.environ.get("OFFLINE") != "1":
        if all(_have(image) for image in OFFICIAL.values()):
            return dict(OFFICIAL)
        say("pulling the official base images")
        try:
            for image in OFFICIAL.values():
                if not _have(image):
                    docker("pull", "--quiet", image, timeout=600)
            return dict(OFFICIAL)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            say(f"Docker Hub unreachable ({str(exc).splitlines()[0][:160]})")
    if not all(_have(image) for image in STAND_INS.values()):
        say("building the stand-in base images from Debian packages")
        subprocess.run([str(ROOT / "scripts" / "offline_base_images.sh")], check=True)
    say("base images: the Debian-built stand-ins (" + ", ".join(STAND_INS.values()) + ")")
    return dict(STAND_INS)


class Fleet:
    """One compose project of docker-compose.yml, its settings in ``env_file``."""

    def __init__(self, project: str = "shelfwise", env_file: Path = ENV_FILE, **env: str) -> None:
        self.project = project
        self.env_file = env_file
        self.extra = env

    @property
    def settings(self) -> dict[str, str]:
        return read_env_file(self.env_file) | {k: v for k, v in os.environ.items() if k in OFFICIAL}

    def prepare(self) -> None:
        """A .env when there is none, and base images chosen (and written to it)."""
        if not self.env_file.exists():
            write_env_file(self.env_file, {})
            say(
                f"wrote {self.env_file.name} with fresh random secrets; the first admin is "
                f"'admin', password in {self.env_file.name} (ADMIN_PASSWORD)"
            )
        feedback = ROOT / "feedback"  # bind-mounted: the API writes the feedback export there
        if feedback.stat().st_uid != SERVICE_UID:
            if os.geteuid() == 0:
                os.chown(feedback, SERVICE_UID, -1)
                say(f"feedback/ now belongs to uid {SERVICE_UID}, the services' user")
            else:
                say(f"the API cannot write feedback/: sudo chown {SERVICE_UID} feedback")
        chosen = base_images(self.settings)
        if chosen != {k: self.settings.get(k) for k in OFFICIAL}:
            write_env_file(self.env_file, read_env_file(self.env_file) | chosen)

    def compose(
        self, *args: str, check: bool = True, capture: bool = False, timeout: float = 1800
    ) -> str:
        command = ["docker", "compose", "--project-name", self.project]
        command += ["--env-file", str(self.env_file), *args]
        # The classic builder: BuildKit needs buildx, which Debian's docker.io lacks.
        env = {**os.environ, "DOCKER_BUILDKIT": "0", "COMPOSE_BAKE": "false", **self.extra}
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            text=True,
            timeout=timeout,
            check=False,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.STDOUT if capture else None,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited {done.returncode}")
        return (done.stdout or "").strip()

    def build(self) -> dict[str, float]:
        """Every built image (layers cached by the engine); seconds per image."""
        weights = SHARED / "weights" / "vgg16_notop.h5"
        target = ROOT / "deploy" / "weights" / weights.name
        if weights.is_file() and not target.exists():  # the build argument's default file
            shutil.copyfile(weights, target)
        seconds = {}
        for service in BUILT:
            started = time.monotonic()
            log = self.compose("build", service, capture=True, check=False)
            if not _have(f"shelfwise-{service}") or "Successfully tagged" not in log:
                sys.exit(f"{log[-3000:]}\nbuilding shelfwise-{service} failed (above)")
            seconds[service] = round(time.monotonic() - started, 1)
            say(f"image shelfwise-{service}: {seconds[service]} s")
        return seconds

    def bootstrap(self, *args: str) -> None:
        """The trainer imports DATA_DIR and trains when the model volume has no version."""
        say("trainer: a first model when there is none (python -m trainer bootstrap)")
        self.compose(
            "run", "--rm", "--no-TTY", "trainer", "python", "-m", "trainer", "bootstrap", *args
        )

    def up(self, workers: int) -> None:
        self.compose(
            "up", "--detach", "--scale", f"model={workers}", "--wait", "--wait-timeout", "900"
        )

    def down(self, volumes: bool = False) -> None:
        self.compose("down", "--remove-orphans", *(["--volumes"] if volumes else []))

    def containers(self, service: str) -> list[str]:
        return self.compose("ps", "--quiet", service, capture=True).split()

    @property
    def api_url(self) -> str:
        port = self.extra.get("API_PORT") or read_env_file(self.env_file).get("API_PORT")
        return f"http://127.0.0.1:{port or 8000}"

    def ready(self) -> dict[str, Any]:
        """GET /ready's document (200 or 503), {} while the API does not answer."""
        try:
            with urllib.request.urlopen(f"{self.api_url}/ready", timeout=5) as response:
                return dict(json.load(response))
        except urllib.error.HTTPError as error:
            return dict(json.load(error))
        except (OSError, ValueError):
            return {}

    def live_workers(self) -> list[str]:
        return list(self.ready().get("checks", {}).get("workers", {}).get("names", []))

    def create_user(self, username: str, password: str, role: str = "user") -> None:
        self.compose(
            "exec",
            "-T",
            "-e",
            f"ADMIN_USERNAME={username}",
            "-e",
            f"ADMIN_PASSWORD={password}",
            "api",
            "python",
            "-m",
            "api",
            "create-admin",
            "--role",
            role,
            capture=True,
        )

    def token(self, username: str, password: str) -> str:
        request = urllib.request.Request(
            f"{self.api_url}/auth/login",
            data=json.dumps({"username": username, "password": password}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return str(json.load(response)["access_token"])


def crash(container: str) -> None:
    """SIGKILL to the container's main process, as the kernel's OOM killer would send it.

    Unlike `docker kill`, which Docker counts as a deliberate stop, a crash is what the
    restart policy answers.
    """
    os.kill(int(docker("inspect", "--format", "{{.State.Pid}}", container)), signal.SIGKILL)


def restarts(container: str) -> int:
    return int(docker("inspect", "--format", "{{.RestartCount}}", container))


def first(condition: Callable[[], Any], timeout_s: float, what: str) -> Any:
    """The first truthy value ``condition()`` returns; RuntimeError after ``timeout_s``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise RuntimeError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def wait_until(condition: Callable[[], Any], timeout_s: float, what: str) -> float:
    """Seconds until ``condition()`` held; RuntimeError after ``timeout_s``."""
    started = time.monotonic()
    first(condition, timeout_s, what)
    return time.monotonic() - started


# --- commands ------------------------------------------------------------------------


def cmd_images(args: argparse.Namespace) -> None:
    fleet = Fleet()
    fleet.prepare()
    print(json.dumps(fleet.build()))


def cmd_up(args: argparse.Namespace) -> None:
    fleet = Fleet()
    fleet.prepare()
    fleet.build()
    fleet.bootstrap(*args.bootstrap.split())
    say(f"docker compose up --scale model={args.workers} --wait")
    started = time.monotonic()
    fleet.up(args.workers)
    say(
        f"ready in {time.monotonic() - started:.0f} s: API {fleet.api_url}, "
        f"frontend http://127.0.0.1:{fleet.settings.get('FRONTEND_PORT') or 8080}"
    )


def cmd_down(args: argparse.Namespace) -> None:
    Fleet().down(volumes=args.volumes)


def cmd_logs(args: argparse.Namespace) -> None:
    Fleet().compose("logs", "--follow", "--tail", "100", *args.services)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("images", help="build every image").set_defaults(func=cmd_images)
    p = sub.add_parser("up", help="a .env, the images, a first model, then the fleet")
    p.add_argument("--workers", type=int, default=2, help="model workers (N)")
    p.add_argument("--bootstrap", default="", help="options of python -m trainer bootstrap")
    p.set_defaults(func=cmd_up)
    p = sub.add_parser("down", help="stop and remove the fleet's containers")
    p.add_argument("--volumes", action="store_true", help="and its volumes (data, models)")
    p.set_defaults(func=cmd_down)
    p = sub.add_parser("logs", help="follow the logs")
    p.add_argument("services", nargs="*")
    p.set_defaults(func=cmd_logs)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
