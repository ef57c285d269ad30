"""``make run``: the whole stack as local processes, supervised, stopped together by Ctrl-C.

Reads the optional ``.env.local`` (never the ``.env`` meant for docker compose), starts a
private redis-server unless REDIS_URL is set, trains a first model when there is none and
DATA_DIR holds data, then runs the Procfile's processes under supervisord: a process that
dies is started again (with a growing delay while it keeps dying at start) and the others
keep serving. Ctrl-C (SIGINT) or SIGTERM stops every process.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

import requests
from supervisor.xmlrpc import SupervisorTransport

from common.local_redis import find_redis_server, free_port
from common.logs import configure_logging
from common.settings import LOCAL_ENV_FILE, ROOT, Settings, read_env_file

logger = logging.getLogger("shelfwise.run")
BIN = Path(sys.executable).parent
CREATE_ADMIN = ".venv/bin/python -m api create-admin"

# Every program: restarted whenever it exits; one that dies within `startsecs` of its
# start counts as a failed start, retried after 1, 2, 3 ... s, given up after `startretries`.
# SIGTERM to the whole process group (gunicorn's workers, a trainer's job horse), then
# SIGKILL after `stopwaitsecs`: a model worker finishes and acknowledges its batch first.
PROGRAM_DEFAULTS = {
    "autostart": "false",
    "autorestart": "true",
    "startsecs": "3",
    "startretries": "10",
    "stopsignal": "TERM",
    "stopwaitsecs": "30",
    "stopasgroup": "true",
    "killasgroup": "true",
    "redirect_stderr": "true",
    "stdout_logfile": "/dev/stdout",
    "stdout_logfile_maxbytes": "0",
}


def local_environment(settings_file: Path = LOCAL_ENV_FILE) -> dict[str, str]:
    """The environment of every process: the shell's, then ``.env.local`` for what it lacks."""
    env = dict(os.environ)
    for name, value in read_env_file(settings_file).items():
        env.setdefault(name, value)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def procfile(path: Path = ROOT / "Procfile") -> dict[str, str]:
    """Process name -> command, as the Procfile lists them."""
    processes = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            processes[name.strip()] = command.strip()
    return processes


def supervisor_config(
    run_dir: Path, env: dict[str, str], model_workers: int, redis_port: int | None
) -> str:
    """supervisord's configuration: one program per Procfile line, plus the private Redis."""
    socket = run_dir / "supervisor.sock"
    sections = {
        "supervisord": {
            "nodaemon": "true",
            "logfile": str(run_dir / "supervisord.log"),
            "pidfile": str(run_dir / "supervisord.pid"),
            "childlogdir": str(run_dir),
        },
        "unix_http_server": {"file": str(socket), "chmod": "0700"},
        "rpcinterface:supervisor": {
            "supervisor.rpcinterface_factory": "supervisor.rpcinterface:make_main_rpcinterface"
        },
        "supervisorctl": {"serverurl": f"unix://{socket}"},
    }
    if redis_port is not None:
        redis_dir = run_dir.parent / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        command = [find_redis_server(), "--port", str(redis_port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "yes", "--dir", str(redis_dir)]
        sections["program:redis"] = {
            **PROGRAM_DEFAULTS,
            "command": shlex.join(command),
            "priority": "10",  # started first, stopped last
            "startsecs": "1",
        }
    path = env["PATH"]
    for name, command in procfile().items():
        words = shlex.split(command)
        words[0] = shutil.which(words[0], path=path) or words[0]
        program = {**PROGRAM_DEFAULTS, "command": shlex.join(words), "directory": str(ROOT)}
        if name == "model":
            program |= {"numprocs": str(model_workers), "process_name": "model-%(process_num)d"}
        sections[f"program:{name}"] = program
    lines = []
    for title, values in sections.items():
        lines.append(f"[{title}]")
        for key, value in values.items():
            escaped = value if key == "process_name" else value.replace("%", "%%")
            lines.append(f"{key}={escaped}")
        lines.append("")
    return "\n".join(lines)


class Supervisor:
    """supervisord in the foreground, driven through its XML-RPC interface."""

    def __init__(self, config: Path, env: dict[str, str]) -> None:
        self.config = config
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.socket = config.parent / "supervisor.sock"

    @property
    def rpc(self) -> xmlrpc.client.ServerProxy:
        """A new client each time: one whose request failed cannot send another."""
        transport = SupervisorTransport(None, None, f"unix://{self.socket}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def start(self) -> None:
        self.socket.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [str(BIN / "supervisord"), "-c", str(self.config)], env=self.env, cwd=ROOT
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.rpc.supervisor.getState()["statename"] == "RUNNING":
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("supervisord did not start; see var/run/supervisord.log")
            time.sleep(0.1)

    def start_group(self, name: str, wait: bool = False) -> None:
        """Start a program (all its processes); ``wait``: until it counts as started."""
        self.rpc.supervisor.startProcessGroup(name, wait)

    def wait(self) -> int:
        assert self.process is not None
        return self.process.wait()

    def stop(self) -> None:
        """Stop every program (the last started first), then supervisord itself."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wait_for(url: str, timeout_s: float = 120) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return True
        except requests.RequestException:
            time.sleep(0.2)
    return False


def has_admin(settings: Settings) -> bool:
    from sqlalchemy import func, select

    from common.db import init_db, session_factory
    from common.orm import ROLE_ADMIN, User

    with session_factory(init_db(settings))() as session:
        return bool(session.scalar(select(func.count()).where(User.role == ROLE_ADMIN)))


def main() -> int:
    env = local_environment()
    os.environ.update(env)  # Settings below sees what the processes will see
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format, service="run")
    run_dir = settings.var_dir / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    # Workers on one machine take turns at inference, each with every core.
    env.setdefault("INFERENCE_LOCK", str(run_dir / "inference.lock"))
    if settings.vgg16_weights is None:
        shared = ROOT.parent / "shared" / "weights" / "vgg16_notop.h5"
        if shared.is_file():
            env["VGG16_WEIGHTS"] = str(shared)
    redis_port = None
    if "REDIS_URL" not in env:
        redis_port = free_port()
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    config = run_dir / "supervisord.conf"
    config.write_text(supervisor_config(run_dir, env, settings.model_workers, redis_port))

    signal.signal(signal.SIGTERM, _interrupt)
    supervisor = Supervisor(config, env)
    try:
        supervisor.start()
        if redis_port is not None:
            supervisor.start_group("redis", wait=True)
            logger.info(
                "private redis-server at %s (%s; data in %s)",
                env["REDIS_URL"],
                find_redis_server(),
                settings.var_dir / "redis",
            )
        bootstrap = subprocess.run(
            [sys.executable, "-m", "trainer", "bootstrap"], env=env, cwd=ROOT
        )
        if bootstrap.returncode != 0:
            logger.error(
                "the first training failed (exit %d): serving without it", bootstrap.returncode
            )
        for name in procfile():
            supervisor.start_group(name)
        api = f"http://{settings.api_host}:{settings.api_port}"
        if wait_for(f"{api}/health") and not has_admin(settings):
            logger.warning(
                "no admin account yet; create one with: %s  (or set ADMIN_USERNAME and "
                "ADMIN_PASSWORD in .env.local)",
                CREATE_ADMIN,
            )
        logger.info(
            "API on %s, frontend on http://%s:%d, readiness at %s/ready; Ctrl-C stops everything",
            api,
            settings.frontend_host,
            settings.frontend_port,
            api,
        )
        return supervisor.wait()
    except KeyboardInterrupt:
        return 130
    finally:
        supervisor.stop()


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
