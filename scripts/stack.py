"""The stack as real processes: its own redis-server, the API under gunicorn, model workers,
and on demand a trainer (RQ worker) and the web frontend under gunicorn."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from common.local_redis import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def machine_env(workdir: Path, vgg16_weights: str, predict_timeout_s: int) -> dict[str, str]:
    """Settings of ``make run`` on one machine, for measured runs.

    Every core for inference, model workers taking turns at it, the int8 image branch
    (the default path, named so that an untrained benchmark model's gate cannot change
    what is measured), quiet logs.
    """
    return {
        "VGG16_WEIGHTS": vgg16_weights,
        "SERVING_RUNTIME": "int8",
        "TF_INTRA_THREADS": "0",
        "TF_INTER_THREADS": "0",
        "INFERENCE_THREADS": "0",
        "API_WORKERS": "2",
        "API_THREADS": "64",
        "INFERENCE_LOCK": str(workdir / "inference.lock"),
        "HEARTBEAT_S": "1",
        "CLAIM_IDLE_MS": "15000",
        "PREDICT_TIMEOUT_S": str(predict_timeout_s),
        "LOG_LEVEL": "WARNING",
        # Measured runs drive one account far past any per-account quota.
        "PREDICT_REQUESTS_PER_MINUTE": "0",
        "PREDICT_PRODUCTS_PER_MINUTE": "0",
    }


class Stack:
    """API + workers on a private Redis; every process can be killed and restarted."""

    def __init__(self, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.redis = RedisServer()
        self.api_port = free_port()
        self.frontend_port = free_port()
        self.api: subprocess.Popen[bytes] | None = None
        self.frontend: subprocess.Popen[bytes] | None = None
        self.trainer: subprocess.Popen[bytes] | None = None
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {
            **os.environ,
            "VAR_DIR": str(workdir / "var"),
            "FEEDBACK_DIR": str(workdir / "feedback"),
            "REDIS_URL": self.redis.url,
            "API_HOST": "127.0.0.1",
            "API_PORT": str(self.api_port),
            "FRONTEND_HOST": "127.0.0.1",
            "FRONTEND_PORT": str(self.frontend_port),
            "API_WORKERS": "1",
            "API_THREADS": "64",
            "VGG16_WEIGHTS": "random",
            "TF_INTRA_THREADS": "1",  # the trainer's
            "TF_INTER_THREADS": "1",
            "INFERENCE_THREADS": "1",  # each worker's ONNX Runtime
            "HEARTBEAT_S": "0.2",
            "CLAIM_IDLE_MS": "1000",
            "MODEL_POLL_S": "0.2",
            "PREDICT_TIMEOUT_S": "10",
            "PREDICT_REQUESTS_PER_MINUTE": "0",  # tests drive one account hard; quotas:
            "PREDICT_PRODUCTS_PER_MINUTE": "0",  # tests/api/test_quotas.py
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def frontend_url(self) -> str:
        return f"http://127.0.0.1:{self.frontend_port}"

    @property
    def models_dir(self) -> Path:
        return self.workdir / "var" / "models"

    def _log(self, name: str):  # type: ignore[no-untyped-def]
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        return open(self.workdir / "logs" / f"{name}.log", "ab")  # noqa: SIM115

    def start_api(self) -> None:
        self.api = self._start_gunicorn("api", self.url)

    def start_frontend(self) -> None:
        """The web frontend under gunicorn, talking to this stack's API."""
        self.frontend = self._start_gunicorn("frontend", self.frontend_url)

    def _start_gunicorn(self, name: str, url: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", f"{name}/gunicorn_conf.py", f"{name}.wsgi:app"],
            cwd=ROOT,
            env=self.env,
            stdout=self._log(name),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{url}/health", timeout=5)
                return process
            except requests.RequestException:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited: {self.read_log(name)}") from None
                time.sleep(0.1)
        raise RuntimeError(f"{name} did not start")

    def start_trainer(self) -> subprocess.Popen[bytes]:
        """A trainer: the RQ worker that runs imports, retrains and evaluations."""
        self.trainer = subprocess.Popen(
            [sys.executable, "-m", "trainer", "worker"],
            cwd=ROOT,
            env=self.env,
            stdout=self._log("trainer"),
            stderr=subprocess.STDOUT,
        )
        return self.trainer

    def start_worker(
        self, name: str, module: str = "model_service", **env: str
    ) -> subprocess.Popen[bytes]:
        """``python -m module`` as a model worker (benchmarks swap in a stand-in model)."""
        process = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=ROOT,
            env={**self.env, "WORKER_NAME": name, **env},
            stdout=self._log(name),
            stderr=subprocess.STDOUT,
        )
        self.workers[name] = process
        return process

    def wait_ready(self, workers: int = 1, timeout_s: float = 60) -> dict[str, object]:
        """Until /ready reports ``workers`` live workers; returns its body."""
        deadline = time.monotonic() + timeout_s
        body: dict[str, object] = {}
        while time.monotonic() < deadline:
            try:
                body = requests.get(f"{self.url}/ready", timeout=2).json()
                live = body.get("checks", {}).get("workers", {}).get("live", 0)  # type: ignore[union-attr]
                if live >= workers:
                    return body
            except requests.RequestException:
                pass
            for name, process in self.workers.items():
                if process.poll() is not None:
                    raise RuntimeError(f"worker {name} exited: {self.read_log(name)}")
            time.sleep(0.2)
        raise RuntimeError(f"stack not ready: {body}")

    def read_log(self, name: str) -> str:
        path = self.workdir / "logs" / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def signal_worker(self, name: str, sig: int) -> None:
        self.workers[name].send_signal(sig)

    def start(self, workers: int = 2, module: str = "model_service") -> Stack:
        self.redis.start()
        self.start_api()
        for i in range(workers):
            self.start_worker(f"w{i}", module)
        self.wait_ready(workers)
        return self

    def stop(self) -> None:
        processes = [*self.workers.values(), self.trainer, self.frontend, self.api]
        for process in processes:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            if process is not None:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.redis.stop()
