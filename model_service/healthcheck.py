"""``python -m model_service.healthcheck``: exit 0 when a model worker here heartbeats.

Container healthcheck: the worker's heartbeat key in Redis is its proof of life.
"""

from __future__ import annotations

import socket
import sys

from common import keys
from common.redis_client import connect
from common.settings import Settings


def main() -> int:
    settings = Settings()
    client = connect(settings)
    prefix = settings.worker_name or f"{socket.gethostname()}-"
    names = [n.decode() for n in client.smembers(keys.WORKERS_SET)]
    alive = [n for n in names if n.startswith(prefix) and client.exists(keys.heartbeat(n))]
    return 0 if alive else 1


if __name__ == "__main__":
    sys.exit(main())
