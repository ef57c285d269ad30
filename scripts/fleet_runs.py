"""Load against the docker compose fleet: Locust per fleet size, and faults under load.

    python -m scripts.fleet_runs stress --workers 1,2,3 --users 10 --duration 60s
    python -m scripts.fleet_runs faults --clients 4

Both run a fleet of their own (compose project shelfwise-load, its .env in var/fleet-load/,
ports on 127.0.0.1 chosen free), with a first model the trainer container bootstraps from
DATA_DIR (a sample by default: serving costs the same for any full-size version), quotas
and login limits off for the load's accounts, and remove it with its volumes at the end.
Results: stress_test/results/compose/ (the same reports and plot as `make stress`).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import resource
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from PIL import Image

from common import keys
from common.local_redis import free_port
from scripts import stress
from scripts.fleet import (
    ROOT,
    SHARED,
    Fleet,
    crash,
    docker,
    first,
    restarts,
    say,
    wait_until,
    write_env_file,
)

RESULTS = ROOT / "stress_test" / "results" / "compose"
WORKDIR = ROOT / "var" / "fleet-load"
USERNAME = "load-seller"
# Load runs drive one account from one address far past the per-account quotas.
LOAD_ENV = {
    "PREDICT_REQUESTS_PER_MINUTE": "0",
    "PREDICT_PRODUCTS_PER_MINUTE": "0",
    "LOGIN_MAX_ATTEMPTS_PER_ADDRESS": "100000",
    "PREDICT_TIMEOUT_S": "30",
    "LOG_LEVEL": "WARNING",
}


@contextmanager
def load_fleet(workers: int, bootstrap: str, keep: bool = False) -> Iterator[tuple[Fleet, str]]:
    """A fleet of ``workers`` model workers and a user account: (fleet, its password)."""
    WORKDIR.mkdir(parents=True, exist_ok=True)
    env_file = WORKDIR / ".env"
    ports = {"API_PORT": str(free_port()), "FRONTEND_PORT": str(free_port())}
    write_env_file(env_file, {**LOAD_ENV, **ports})
    fleet = Fleet(project="shelfwise-load", env_file=env_file)
    fleet.prepare()
    try:
        fleet.build()
        fleet.bootstrap(*bootstrap.split())
        resize(fleet, workers)
        password = secrets.token_urlsafe(24)
        fleet.create_user(USERNAME, password)
        yield fleet, password
    finally:
        if not keep:
            fleet.down(volumes=True)


def resize(fleet: Fleet, workers: int) -> None:
    """`docker compose up --scale model=N --wait`, then N workers and only N heartbeat."""
    fleet.up(workers)
    wait_until(
        lambda: len(fleet.live_workers()) == workers and fleet.ready().get("ready"),
        120,
        f"{workers} live model workers",
    )


def heartbeat_since(fleet: Fleet, container: str, since: float) -> bool:
    """Whether a worker of ``container`` heartbeats that started after ``since`` (epoch s).

    A restarted container keeps its host name, and so its worker's name: the start time
    in the heartbeat tells the new worker from the old one's heartbeat before it expires.
    """
    redis = fleet.containers("redis")[0]
    names = docker("exec", redis, "redis-cli", "--raw", "SMEMBERS", keys.WORKERS_SET).split()
    for name in (n for n in names if n.startswith(container[:12])):
        beat = docker("exec", redis, "redis-cli", "--raw", "GET", keys.heartbeat(name))
        if beat and json.loads(beat).get("started_at", 0) > since:
            return True
    return False


def busy_container(fleet: Fleet) -> tuple[str, int] | None:
    """A model container whose worker holds read but unacknowledged jobs, and how many."""
    redis = fleet.containers("redis")[0]
    flat = docker(
        "exec", redis, "redis-cli", "--raw", "XINFO", "CONSUMERS", keys.PREDICT_STREAM,
        keys.WORKER_GROUP,
    ).split()  # fmt: skip
    # Flat pairs, one group of them per consumer: name <n> pending <p> idle <ms> ...
    pending: dict[str, int] = {}
    name = ""
    for key, value in zip(flat[::2], flat[1::2], strict=False):
        if key == "name":
            name = value
        elif key == "pending":
            pending[name] = int(value)
    for container in fleet.containers("model"):
        held = sum(n for worker, n in pending.items() if worker.startswith(container[:12]))
        if held:
            return container, held
    return None


# --- stress: Locust per fleet size --------------------------------------------------


def fleet_cpu_s(fleet: Fleet) -> float:
    """CPU seconds the fleet's containers have used (cgroup v1 or v2 accounting)."""
    total = 0.0
    for service in ("redis", "db", "api", "model", "trainer", "frontend"):
        for short in fleet.containers(service):
            full = docker("inspect", "--format", "{{.Id}}", short)
            v1 = Path(f"/sys/fs/cgroup/cpuacct/docker/{full}/cpuacct.usage")
            v2 = Path(f"/sys/fs/cgroup/system.slice/docker-{full}.scope/cpu.stat")
            if v1.is_file():
                total += int(v1.read_text()) / 1e9
            elif v2.is_file():
                usage = dict(line.split() for line in v2.read_text().splitlines())
                total += int(usage["usage_usec"]) / 1e6
    return total


def _locust_cpu_s() -> float:
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    return done.ru_utime + done.ru_stime


def run_stress(args: argparse.Namespace) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    sizes = [int(n) for n in str(args.workers).split(",") if n]
    users = [int(u) for u in str(args.users).split(",") if u]
    with load_fleet(sizes[0], args.bootstrap, args.keep) as (fleet, password):
        for workers in sizes:
            resize(fleet, workers)
            for count in users:
                prefix = RESULTS / f"n{workers}_u{count}"
                say(f"locust: {workers} model containers, {count} users, {args.duration}")
                busy, own, started = stress._busy_s(), fleet_cpu_s(fleet), time.monotonic()
                locust_before = _locust_cpu_s()
                stress.locust(fleet.api_url, count, args.duration, prefix, USERNAME, password)
                elapsed = time.monotonic() - started
                own = fleet_cpu_s(fleet) - own + _locust_cpu_s() - locust_before
                others = stress._busy_s() - busy - own
                figures = {
                    "other_cpu_share": max(0.0, others) / (elapsed * (os.cpu_count() or 1)),
                    "workers": workers,
                    "users": count,
                    "duration": args.duration,
                    "model": f"compose fleet, version trained by the trainer container "
                    f"(bootstrap {args.bootstrap})",
                    "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                    **stress.parse_run(prefix),
                }
                Path(f"{prefix}.json").write_text(json.dumps(figures, indent=2))
                print(json.dumps(figures), flush=True)
    stress.write_summary(RESULTS, "Stress runs against the compose fleet")


@dataclass(frozen=True)
class Product:
    designation: str
    photo: bytes | None


def products(n: int = 40) -> list[Product]:
    """Real products with photos from the shared Rakuten set when present, else generated."""
    folder = SHARED / "data" / "rakuten"
    found: list[Product] = []
    if (folder / "products.csv").is_file():
        with (folder / "products.csv").open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                photo = folder / "images" / row["image_file"]
                if row["designation"] and row["image_file"] and photo.is_file():
                    found.append(Product(row["designation"][:200], photo.read_bytes()))
                if len(found) == n:
                    return found
    for seed in range(n - len(found)):
        out = io.BytesIO()
        Image.new("RGB", (320, 320), (seed * 40 % 256, 90, 160)).save(out, format="JPEG")
        found.append(Product(f"Piscine tubulaire ronde {seed}", out.getvalue()))
    return found


@dataclass
class Outcome:
    started: float
    status: int | str  # HTTP status, or the exception's name when no answer came
    prediction_id: str | None = None
    answered: bool = False


@dataclass
class Load:
    """Clients sending /predict (photo + text) back to back; every outcome is kept.

    A 504 carries the prediction's id: its answer is read back afterwards, so a request
    counts as lost only when it was accepted and its answer never came.
    """

    url: str
    token: str
    clients: int = 4
    catalogue: list[Product] = field(default_factory=lambda: products())
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._client, args=(i,)) for i in range(self.clients)
        ]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def _client(self, i: int) -> None:
        session = requests.Session()
        n = i
        while not self.stopping.is_set():
            product = self.catalogue[n % len(self.catalogue)]
            n += self.clients
            outcome = Outcome(time.monotonic(), "")
            try:
                files = (
                    {"image": ("product.jpg", product.photo, "image/jpeg")}
                    if product.photo
                    else None
                )
                r = session.post(
                    f"{self.url}/predict",
                    data={"designation": product.designation},
                    files=files,
                    headers=self.headers,
                    timeout=60,
                )
                outcome.status = r.status_code
                body = (
                    r.json()
                    if r.headers.get("content-type", "").startswith("application/json")
                    else {}
                )
                outcome.prediction_id = body.get("prediction_id") or body.get("error", {}).get(
                    "prediction_id"
                )
                outcome.answered = r.status_code == 200 and "category" in body
            except requests.RequestException as exc:
                outcome.status = type(exc).__name__
                time.sleep(0.2)  # the API is away: do not spin
            self.outcomes.append(outcome)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=120)

    def settle(self, timeout_s: float = 120) -> None:
        """Read back the answers of accepted requests that timed out (504)."""
        deadline = time.monotonic() + timeout_s
        waiting = [o for o in self.outcomes if o.status == 504 and o.prediction_id]
        while waiting and time.monotonic() < deadline:
            for outcome in waiting:
                try:
                    r = requests.get(
                        f"{self.url}/predictions/{outcome.prediction_id}",
                        headers=self.headers,
                        timeout=10,
                    )
                    outcome.answered = r.status_code == 200 and "category" in r.json()
                except (requests.RequestException, ValueError):
                    pass
            waiting = [o for o in waiting if not o.answered]
            time.sleep(1)

    def since(self, t: float) -> list[Outcome]:
        return [o for o in self.outcomes if o.started >= t]

    def report(self) -> dict[str, Any]:
        """sent / answered / refused (503, API unreachable) / lost (accepted, never answered)."""
        kinds = Counter(str(o.status) for o in self.outcomes)
        accepted = [o for o in self.outcomes if o.status in (200, 504)]
        return {
            "sent": len(self.outcomes),
            "answered": sum(o.answered for o in self.outcomes),
            "busy_503": kinds.get("503", 0),
            "unreachable": sum(n for k, n in kinds.items() if not k.isdigit()),
            "late_504": kinds.get("504", 0),
            "lost": sum(not o.answered for o in accepted),
            "other_errors": {
                k: n for k, n in kinds.items() if k.isdigit() and k not in ("200", "503", "504")
            },
        }


# --- faults under steady load ------------------------------------------------------


def _started_at(containers: list[str]) -> dict[str, str]:
    return {c: docker("inspect", "--format", "{{.State.StartedAt}}", c) for c in containers}


def _answers_resume(load: Load, after: float) -> bool:
    return any(o.answered and o.started > after for o in load.outcomes)


def fault_crash_model(fleet: Fleet, load: Load) -> dict[str, Any]:
    victim, held = first(lambda: busy_container(fleet), 60, "a worker holding jobs")
    before, crashed_at = restarts(victim), time.time()
    crash(victim)
    t0 = time.monotonic()
    back = wait_until(lambda: restarts(victim) > before, 60, "the restart policy")
    wait_until(lambda: heartbeat_since(fleet, victim, crashed_at), 180, "the new worker")
    return {
        "jobs_held_by_it": held,
        "restarted_after_s": round(back, 1),
        "serving_again_after_s": round(time.monotonic() - t0, 1),
    }


def fault_docker_kill_model(fleet: Fleet, load: Load) -> dict[str, Any]:
    victim, held = first(lambda: busy_container(fleet), 60, "a worker holding jobs")
    docker("kill", victim)
    t0 = time.monotonic()
    time.sleep(15)  # long enough for the restart policy, were it to act on `docker kill`
    state = docker("inspect", "--format", "{{.State.Status}}", victim)
    resize(fleet, 2)  # compose starts the stopped replica again
    return {
        "jobs_held_by_it": held,
        "state_15s_after_kill": state,
        "back_by_compose_up_after_s": round(time.monotonic() - t0, 1),
    }


def fault_restart_redis(fleet: Fleet, load: Load) -> dict[str, Any]:
    others = fleet.containers("api") + fleet.containers("model")
    started = _started_at(others)
    t0 = time.monotonic()
    docker("restart", fleet.containers("redis")[0])
    back = wait_until(
        lambda: fleet.ready().get("ready") and _answers_resume(load, time.monotonic() - 1),
        120,
        "answers after the Redis restart",
    )
    refused = [o.started - t0 for o in load.since(t0) if o.status == 503]
    moved = sorted(c for c, at in _started_at(others).items() if at != started[c])
    return {
        "first_503_after_s": round(refused[0], 2) if refused else None,
        "answers_again_after_s": round(back, 1),
        "other_containers_restarted": moved,
    }


def fault_crash_api(fleet: Fleet, load: Load) -> dict[str, Any]:
    api = fleet.containers("api")[0]
    before = restarts(api)
    t0 = time.monotonic()
    crash(api)
    wait_until(lambda: restarts(api) > before, 60, "the restart policy")
    ready = wait_until(lambda: fleet.ready().get("ready"), 120, "/ready after the API's restart")
    return {"ready_again_after_s": round(time.monotonic() - t0, 1), "waited_s": round(ready, 1)}


def fault_scale_down(fleet: Fleet, load: Load) -> dict[str, Any]:
    t0 = time.monotonic()
    fleet.up(1)  # compose stops the extra replica: SIGTERM, warm shutdown
    took = time.monotonic() - t0
    wait_until(lambda: len(fleet.live_workers()) == 1, 60, "one live worker")
    return {"scale_down_took_s": round(took, 1)}


FAULTS = {
    "crash a model container (SIGKILL to its process)": fault_crash_model,
    "docker kill a model container": fault_docker_kill_model,
    "docker restart redis": fault_restart_redis,
    "crash the api container (SIGKILL to gunicorn)": fault_crash_api,
    "docker compose up --scale model=1 under load": fault_scale_down,
}


def run_faults(args: argparse.Namespace) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = []
    with load_fleet(2, args.bootstrap, args.keep) as (fleet, password):
        token = fleet.token(USERNAME, password)
        for name, fault in FAULTS.items():
            resize(fleet, 2)
            say(f"fault: {name}, under {args.clients} clients")
            with Load(fleet.api_url, token, clients=args.clients) as load:
                wait_until(lambda: sum(o.answered for o in load.outcomes) >= 10, 180, "load")
                timings = fault(fleet, load)
                settled = time.monotonic() + 5
                wait_until(
                    lambda at=settled: _answers_resume(load, at), 180, "steady answers again"
                )
            load.settle()
            results.append({"fault": name, **load.report(), **timings})
            print(json.dumps(results[-1]), flush=True)
    (RESULTS / "faults.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [
        f"# Faults under steady load ({platform.machine()}, {os.cpu_count()} cores; "
        f"{args.clients} clients sending photo + text back to back, 2 model containers)",
        "",
        "| fault | sent | answered | 503 (refused) | API unreachable | lost | timings |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        timings = ", ".join(
            f"{k} {v}" for k, v in r.items() if k.endswith(("_s", "_kill", "restarted", "_it"))
        )
        lines.append(
            f"| {r['fault']} | {r['sent']} | {r['answered']} | {r['busy_503']} "
            f"| {r['unreachable']} | {r['lost']} | {timings} |"
        )
    (RESULTS / "faults.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--bootstrap",
        default="--sample 1500 --epochs 2",
        help="options of python -m trainer bootstrap for the first model",
    )
    parser.add_argument("--keep", action="store_true", help="leave the fleet running")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("stress", help="Locust once per fleet size and user count")
    p.add_argument("--workers", default="1,2,3", help="model containers, comma-separated")
    p.add_argument("--users", default="10", help="user counts, comma-separated")
    p.add_argument("--duration", default="60s", help="Locust --run-time of each run")
    p.set_defaults(func=run_stress)
    p = sub.add_parser("faults", help="break the fleet under load; sent / answered / lost")
    p.add_argument("--clients", type=int, default=4, help="clients sending back to back")
    p.set_defaults(func=run_faults)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
