"""``make run``: the whole stack as local processes, stopped together by Ctrl-C.

Starts a private redis-server unless REDIS_URL is set, trains a first model
when there is none and DATA_DIR holds data, then runs the Procfile with honcho.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from common.local_redis import RedisServer
from common.logs import configure_logging
from common.settings import ROOT, Settings

logger = logging.getLogger("shelfwise.run")
BIN = Path(sys.executable).parent


def main() -> int:
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format, service="run")
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
    }
    # Workers on one machine take turns at inference, each with every core.
    env.setdefault("INFERENCE_LOCK", str(settings.var_dir / "run" / "inference.lock"))
    if settings.vgg16_weights is None:
        shared = ROOT.parent / "shared" / "weights" / "vgg16_notop.h5"
        if shared.is_file():
            env["VGG16_WEIGHTS"] = str(shared)

    redis_server = None
    if "REDIS_URL" not in os.environ:
        redis_server = RedisServer(data_dir=settings.var_dir / "redis", persist=True).start()
        env["REDIS_URL"] = redis_server.url
        logger.info(
            "private redis-server at %s (data in %s)", redis_server.url, settings.var_dir / "redis"
        )
    try:
        subprocess.run(
            [sys.executable, "-m", "trainer", "bootstrap"], env=env, cwd=ROOT, check=True
        )
        logger.info(
            "API on http://%s:%d, frontend on http://%s:%d; Ctrl-C stops everything",
            settings.api_host,
            settings.api_port,
            settings.frontend_host,
            settings.frontend_port,
        )
        honcho = subprocess.Popen(
            [
                str(BIN / "honcho"),
                "start",
                "-f",
                "Procfile",
                "-c",
                f"model={settings.model_workers}",
            ],
            env=env,
            cwd=ROOT,
        )
        try:
            return honcho.wait()
        except KeyboardInterrupt:  # honcho got the same SIGINT and stops its children
            return honcho.wait()
    except KeyboardInterrupt:
        return 130
    finally:
        if redis_server is not None:
            redis_server.stop()


if __name__ == "__main__":
    sys.exit(main())
