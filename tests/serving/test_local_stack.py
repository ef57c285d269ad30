"""The stack ``make run`` starts, killed in part under load: nothing accepted is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from supervisor.xmlrpc import SupervisorTransport

from common.local_redis import free_port
from scripts.stack import ROOT
from tests.factories import make_tiny_version
from tests.waiting import wait_for


class LocalRun:
    """``python -m scripts.run_local`` (what ``make run`` runs) in its own process group."""

    def __init__(self, workdir: Path) -> None:
        self.var_dir = workdir / "var"
        (workdir / "data").mkdir()
        self.api = f"http://127.0.0.1:{free_port()}"
        self.env = {
            **os.environ,
            "VAR_DIR": str(self.var_dir),
            "DATA_DIR": str(workdir / "data"),
            "FEEDBACK_DIR": str(workdir / "feedback"),
            "API_PORT": self.api.rsplit(":", 1)[1],
            "FRONTEND_PORT": str(free_port()),
            "PREDICT_ANONYMOUS": "true",
            # One address drives the stack as hard as it can: quotas would answer 429.
            "PREDICT_REQUESTS_PER_MINUTE": "0",
            "PREDICT_PRODUCTS_PER_MINUTE": "0",
            "VGG16_WEIGHTS": "random",
            "MODEL_WORKERS": "2",
            "TF_INTRA_THREADS": "1",
            "TF_INTER_THREADS": "1",
            "HEARTBEAT_S": "0.2",
            "CLAIM_IDLE_MS": "1000",
            "PREDICT_TIMEOUT_S": "30",
            "LOG_LEVEL": "WARNING",
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        for name in ("REDIS_URL", "DATABASE_URL", "MODEL_DIR", "IMAGE_DIR", "INFERENCE_LOCK"):
            self.env.pop(name, None)
        self.log = workdir / "run.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> LocalRun:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scripts.run_local"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a process group of its own, as in a terminal
            )
        return self

    @property
    def rpc(self) -> xmlrpc.client.ServerProxy:
        socket = self.var_dir / "run" / "supervisor.sock"
        transport = SupervisorTransport(None, None, f"unix://{socket}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def ready(self) -> dict | None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"make run exited: {self.log.read_text()[-3000:]}")
        try:
            body = requests.get(f"{self.api}/ready", timeout=2).json()
        except requests.RequestException:
            return None
        return body if body["ready"] and body["checks"]["workers"]["live"] == 2 else None

    def pid(self, program: str) -> int:
        return int(self.rpc.supervisor.getProcessInfo(program)["pid"])

    def interrupt(self) -> int:
        """Ctrl-C as a terminal sends it: SIGINT to the whole foreground group."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=120)

    def processes(self) -> list[int]:
        """Every process on the machine whose environment names this run's VAR_DIR."""
        marker = f"VAR_DIR={self.var_dir}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and int(entry.name) != os.getpid():
                try:
                    if marker in (entry / "environ").read_bytes().split(b"\0"):
                        found.append(int(entry.name))
                except OSError:
                    continue
        return found


@pytest.fixture
def local_run(tmp_path: Path) -> Iterator[LocalRun]:
    run = LocalRun(tmp_path)
    make_tiny_version(run.var_dir / "models")
    run.start()
    yield run
    if run.process is not None and run.process.poll() is None:
        os.killpg(run.process.pid, signal.SIGKILL)
    for pid in run.processes():
        os.kill(pid, signal.SIGKILL)


class Load:
    """Clients sending text predictions without pause; every outcome is kept."""

    def __init__(self, url: str, clients: int = 4) -> None:
        self.url = url
        self.outcomes: list[tuple[float, int | str]] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._client, args=(i,)) for i in range(clients)]

    def _client(self, i: int) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                r = requests.post(
                    f"{self.url}/predict", data={"designation": f"piscine {i}-{n}"}, timeout=60
                )
                outcome: int | str = r.status_code
            except requests.RequestException as exc:
                outcome = type(exc).__name__
            self.outcomes.append((time.monotonic(), outcome))

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=90)


def test_a_killed_worker_is_restarted_and_no_request_is_lost(local_run: LocalRun) -> None:
    wait_for(local_run.ready, timeout_s=180, what="the stack of make run to be ready")
    victim = local_run.pid("model:model-0")
    other = local_run.pid("model:model-1")
    api = local_run.pid("api")

    with Load(local_run.api) as load:
        wait_for(lambda: len(load.outcomes) >= 40, timeout_s=60, what="load to build up")
        killed_at = time.monotonic()
        os.kill(victim, signal.SIGKILL)

        def restarted() -> bool:
            info = local_run.rpc.supervisor.getProcessInfo("model:model-0")
            return info["statename"] == "RUNNING" and info["pid"] not in (0, victim)

        wait_for(restarted, timeout_s=20, what="supervisord to start the worker again")
        wait_for(local_run.ready, timeout_s=30, what="two live workers again")
        wait_for(
            lambda: sum(t > time.monotonic() - 1 for t, _ in load.outcomes) > 0,
            timeout_s=30,
            what="answers after the restart",
        )

    after_kill = [outcome for t, outcome in load.outcomes if t > killed_at]
    assert after_kill, "no request finished after the kill"
    assert [o for _, o in load.outcomes if o != 200] == []  # nothing lost, the API never left
    assert local_run.pid("model:model-1") == other and local_run.pid("api") == api

    assert local_run.interrupt() in (0, 130)
    wait_for(lambda: not local_run.processes(), timeout_s=30, what="every process to exit")
