"""``make stress``: Locust against a local stack of N model workers; stress_test/results/.

    python -m scripts.stress run --workers 2 --users 5,10,20 --duration 60s
    python -m scripts.stress summary     # every run so far -> summary.md + summary.png

``run`` starts the same processes as the tests (scripts.stack: a private
redis-server, the gunicorn API, N ``python -m model_service`` workers taking
turns at inference), with the real VGG16 weights and a production version (the
one in STRESS_MODELS when given, else a full-size version with untrained heads:
serving costs the same). It creates a user for the simulated sellers, then runs
Locust headless once per user count and keeps its CSV and HTML reports.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from scripts.stack import ROOT, VENV_BIN, Stack, machine_env

RESULTS = ROOT / "stress_test" / "results"
SHARED = ROOT.parent / "shared"
USERNAME = "stress-seller"
# A throwaway account of a private stack that lives for one run.
PASSWORD = "Stress-run-passphrase-2024!"
BACKPRESSURE = "backpressure 503"


def _weights() -> str:
    path = SHARED / "weights" / "vgg16_notop.h5"
    if not path.is_file():
        sys.exit(f"the real VGG16 weights are needed: {path} is missing")
    return str(path)


def _prepare_models(models_dir: Path, source: Path | None) -> str:
    if source is not None:  # its production version only (not the feature cache beside it)
        from common.model_store import production_version, set_production

        version = production_version(source)
        if version is None:
            sys.exit(f"{source} has no production version")
        shutil.copytree(source / version, models_dir / version)
        set_production(models_dir, version)
        return f"trained version {version} from {source}"
    from bench.serving import make_version

    make_version(models_dir)
    return "full-size version with untrained heads"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def parse_run(prefix: Path) -> dict[str, float | int | str]:
    """The figures of one Locust run, from its ``_stats.csv`` and ``_failures.csv``."""
    stats = {row["Name"]: row for row in _rows(Path(f"{prefix}_stats.csv"))}
    failures = _rows(Path(f"{prefix}_failures.csv"))
    total = stats["Aggregated"]
    requests = int(total["Request Count"])
    backpressure = sum(int(f["Occurrences"]) for f in failures if BACKPRESSURE in f["Error"])
    errors = int(total["Failure Count"]) - backpressure
    predict = [stats[n] for n in ("/predict image+text", "/predict text") if n in stats]
    image = stats.get("/predict image+text", total)
    return {
        "requests": requests,
        "requests_per_s": float(total["Requests/s"]),
        "predictions_per_s": sum(float(r["Requests/s"]) for r in predict),
        "image_predictions_per_s": float(image["Requests/s"]),
        "image_p50_ms": float(image["50%"]),
        "image_p95_ms": float(image["95%"]),
        "image_p99_ms": float(image["99%"]),
        "all_p95_ms": float(total["95%"]),
        "errors": errors,
        "error_rate": errors / requests if requests else 0.0,
        "backpressure": backpressure,
        "error_kinds": "; ".join(
            f"{f['Occurrences']}× {f['Name']}: {f['Error'][:120]}"
            for f in failures
            if BACKPRESSURE not in f["Error"]
        ),
    }


def _busy_s() -> float:
    """CPU seconds the whole machine has spent busy, every process together."""
    t = psutil.cpu_times()
    return sum(getattr(t, f) for f in ("user", "nice", "system", "irq", "softirq", "steal"))


def _own_s() -> float:
    """CPU seconds of this run's processes: the live stack, plus finished children (Locust)."""
    live = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
            live += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    return live + done.ru_utime + done.ru_stime


def locust(
    host: str, users: int, duration: str, prefix: Path, username: str, password: str
) -> None:
    """Locust headless, the scenario of stress_test/, its CSV and HTML reports at ``prefix``."""
    subprocess.run(
        [
            str(VENV_BIN / "locust"),
            "-f",
            str(ROOT / "stress_test" / "locustfile.py"),
            "--headless",
            "--host",
            host,
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1, users // 5)),
            "--run-time",
            duration,
            "--csv",
            str(prefix),
            "--html",
            f"{prefix}.html",
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "SHELFWISE_USERNAME": username,
            "SHELFWISE_PASSWORD": password,
            "SHELFWISE_STRESS_DATA": str(SHARED / "data" / "rakuten"),
        },
        check=False,  # Locust exits 1 when any request failed; the report says which
    )


def run(args: argparse.Namespace) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    users = [int(u) for u in str(args.users).split(",") if u]
    with tempfile.TemporaryDirectory(prefix="shelfwise-stress-") as tmp:
        workdir = Path(tmp)
        stack = Stack(
            workdir,
            {
                **machine_env(workdir, _weights(), predict_timeout_s=30),
                # Every simulated seller logs in from 127.0.0.1.
                "LOGIN_MAX_ATTEMPTS_PER_ADDRESS": "100000",
            },
        )
        model = _prepare_models(stack.models_dir, args.models)
        subprocess.run(
            [sys.executable, "-m", "api", "create-admin", "--role", "user"],
            cwd=ROOT,
            env={**stack.env, "ADMIN_USERNAME": USERNAME, "ADMIN_PASSWORD": PASSWORD},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        try:
            stack.start(args.workers)
            for count in users:
                prefix = RESULTS / f"n{args.workers}_u{count}"
                print(f"locust: {args.workers} workers, {count} users, {args.duration}", flush=True)
                busy, own, started = _busy_s(), _own_s(), time.monotonic()
                locust(stack.url, count, args.duration, prefix, USERNAME, PASSWORD)
                # Other processes on the machine take CPU from the stack: say how much.
                elapsed = time.monotonic() - started
                others = (_busy_s() - busy) - (_own_s() - own)
                figures = {
                    "other_cpu_share": max(0.0, others) / (elapsed * (os.cpu_count() or 1)),
                    "workers": args.workers,
                    "users": count,
                    "duration": args.duration,
                    "model": model,
                    "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                    **parse_run(prefix),
                }
                Path(f"{prefix}.json").write_text(json.dumps(figures, indent=2))
                print(json.dumps(figures), flush=True)
        finally:
            stack.stop()


def summary(_: argparse.Namespace) -> None:
    write_summary(RESULTS, "Stress runs")


def write_summary(results: Path, title: str) -> None:
    """summary.md and summary.png of every run in ``results``."""
    runs = sorted(
        (json.loads(p.read_text()) for p in results.glob("n*_u*.json")),
        key=lambda r: (r["workers"], r["users"]),
    )
    if not runs:
        sys.exit(f"no runs in {results}")
    lines = [
        f"# {title} ({runs[0]['machine']}; Locust on the same machine)",
        "",
        f"Model: {runs[0]['model']}, real VGG16 weights. Each run: {runs[0]['duration']}; "
        "think time 1–3 s; mix 5 image+text : 3 text : 2 reads : 1 feedback.",
        "",
        "| workers | users | requests | requests/s | predictions/s | image+text/s "
        "| image+text p50 / p95 / p99 ms | all p95 ms | errors | 503 backpressure "
        "| CPU taken by other processes |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r['workers']} | {r['users']} | {r['requests']} | {r['requests_per_s']:.1f} "
            f"| {r['predictions_per_s']:.1f} | {r['image_predictions_per_s']:.2f} "
            f"| {r['image_p50_ms']:.0f} / {r['image_p95_ms']:.0f} / {r['image_p99_ms']:.0f} "
            f"| {r['all_p95_ms']:.0f} | {r['errors']} ({100 * r['error_rate']:.2f} %) "
            f"| {r['backpressure']} | {100 * r.get('other_cpu_share', 0):.0f} % |"
        )
    kinds = [f"- n={r['workers']} u={r['users']}: {r['error_kinds']}" for r in runs if r["errors"]]
    if kinds:
        lines += ["", "Errors:", *kinds]
    (results / "summary.md").write_text("\n".join(lines) + "\n")
    _plot(runs, results / "summary.png", title)
    print("\n".join(lines))


def _plot(runs: list[dict], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for workers in sorted({r["workers"] for r in runs}):
        mine = [r for r in runs if r["workers"] == workers]
        users = [r["users"] for r in mine]
        label = f"{workers} model worker{'s' if workers > 1 else ''}"
        left.plot(users, [r["predictions_per_s"] for r in mine], marker="o", label=label)
        right.plot(users, [r["image_p95_ms"] for r in mine], marker="o", label=label)
    left.set(xlabel="simulated users", ylabel="predictions / s", title="Throughput")
    right.set(xlabel="simulated users", ylabel="ms", title="p95 latency, image+text")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.legend()
    fig.suptitle(f"Shelfwise under Locust: {title.lower()} ({runs[0]['machine']})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="start a stack, run Locust once per user count")
    p.add_argument("--workers", type=int, default=2, help="model workers (N)")
    p.add_argument("--users", default="10", help="user counts, comma-separated")
    p.add_argument("--duration", default="60s", help="Locust --run-time of each user count")
    p.add_argument("--models", type=Path, help="a model directory with a production version")
    p.set_defaults(func=run)
    s = sub.add_parser("summary", help="summary.md and summary.png from every run")
    s.set_defaults(func=summary)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
