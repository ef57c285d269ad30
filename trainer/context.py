"""The trainer's composition root: settings, database sessions and Redis, built once.

``python -m trainer`` builds one ``TrainerContext`` per process and hands it to
commands, jobs and the scheduler; the RQ worker installs it, so jobs (module
functions RQ calls by name) reach it with ``current()``, and so do the callbacks that
record how each job ended (``common.job_events``). Migrations run once, here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis
from rq import Queue
from sqlalchemy.orm import Session, sessionmaker

from common import job_events
from common.db import init_db, session_factory
from common.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainerContext:
    settings: Settings
    sessions: sessionmaker[Session]
    redis: redis.Redis | None
    """None where no Redis answers (a command-line run): promotions are then not announced."""

    def queue(self) -> Queue:
        """The training queue (needs Redis)."""
        if self.redis is None:
            raise RuntimeError(f"no Redis at {self.settings.redis_url}: cannot queue jobs")
        return Queue(self.settings.training_queue, connection=self.redis)


def build_context(settings: Settings, *, require_redis: bool = True) -> TrainerContext:
    """Migrate the database and connect; without ``require_redis``, Redis may be absent."""
    sessions = session_factory(init_db(settings))
    if require_redis:
        return TrainerContext(settings, sessions, redis.Redis.from_url(settings.redis_url))
    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        logger.info(
            "no Redis at %s: promotions are not announced (workers poll the pointer)",
            settings.redis_url,
        )
        return TrainerContext(settings, sessions, None)
    return TrainerContext(settings, sessions, client)


_installed: TrainerContext | None = None


def install(context: TrainerContext | None) -> None:
    """Make ``context`` the one this process's jobs and job callbacks use (None removes it)."""
    global _installed
    _installed = context
    if context is None:
        job_events.uninstall()
    else:
        job_events.install(context.settings, context.sessions)


def current() -> TrainerContext:
    """The installed context; jobs run only in a process that installed one."""
    if _installed is None:
        raise RuntimeError("no trainer context: run jobs in `python -m trainer worker`")
    return _installed
