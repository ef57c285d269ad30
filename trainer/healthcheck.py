"""``python -m trainer.healthcheck``: exit 0 when a trainer worker on this host is registered.

Container healthcheck: RQ drops a worker's registration when its heartbeat stops.
"""

from __future__ import annotations

import socket
import sys

from rq import Queue, Worker

from common.redis_client import connect
from common.settings import Settings


def main() -> int:
    settings = Settings()
    client = connect(settings)
    queue = Queue(settings.training_queue, connection=client)
    here = socket.gethostname()
    alive = [w for w in Worker.all(connection=client, queue=queue) if w.hostname == here]
    return 0 if alive else 1


if __name__ == "__main__":
    sys.exit(main())
