"""The trainer's schedule: live checks, scheduled evaluation, periodic retraining, and the
retention of prediction photos.

A daemon thread beside the RQ worker (``python -m trainer worker``). Every task
has a period; the first trainer to take a task's Redis slot (``SET NX EX
period``) runs it, so several trainers run each task once per period. Jobs that
need the model (evaluation, retraining) are enqueued on the training queue, not
run in the thread, so they never compete with a running job.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import redis
from rq import Queue
from rq.callbacks import Callback
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from common import job_events, keys
from common.alerts import Alerter
from common.orm import Product
from common.registry import production_record
from common.retrain_queue import enqueue_retrain
from common.settings import Settings
from trainer import retention

logger = logging.getLogger(__name__)


class Scheduler:
    """Runs due tasks on every tick; ``tick`` is callable directly (tests, one-shot runs)."""

    def __init__(
        self, settings: Settings, connection: redis.Redis, sessions: sessionmaker[Session]
    ) -> None:
        self.settings = settings
        self.connection = connection
        self.sessions = sessions
        self.alerter = Alerter(settings, connection, sessions, self._retrain_on_alert)
        self._stop = threading.Event()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._loop, daemon=True, name="scheduler")
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.schedule_tick_s):
            try:
                self.tick()
            except Exception:  # one failed check must not end the schedule
                logger.exception("scheduler: tick failed")

    def _due(self, task: str, period_s: int) -> bool:
        due = period_s > 0 and bool(
            self.connection.set(keys.schedule_slot(task), "1", nx=True, ex=period_s)
        )
        if due:
            logger.info("scheduled task %s due (every %ds)", task, period_s)
        return due

    def tick(self) -> dict[str, Any]:
        """Run every due task; returns what each did."""
        s = self.settings
        done: dict[str, Any] = {}
        if self._due("monitor", s.monitor_interval_s):
            done["alerts"] = self.alerter.check_live()
        if self._due("evaluate", s.evaluation_interval_s):
            done["evaluation_job"] = self._enqueue("scheduled_evaluation", s.evaluate_timeout_s)
        if self._due("retrain", s.retrain_interval_s):
            done["retrain_job"] = self.periodic_retrain()
        if self._due("photo_retention", retention.PERIOD_S):
            done["photo_retention"] = retention.remove_expired_photos(s, self.sessions)
        return done

    def new_products(self) -> int:
        """Labelled products added or changed since production was trained."""
        with self.sessions() as session:
            record = production_record(session)
            query = select(func.count()).select_from(Product)
            if record is not None:
                query = query.where(Product.updated_at > record.created_at)
            return int(session.scalar(query) or 0)

    def periodic_retrain(self) -> str | None:
        count = self.new_products()
        if count < self.settings.retrain_min_new_products:
            logger.info(
                "periodic retrain skipped: %d new products (needs %d)",
                count,
                self.settings.retrain_min_new_products,
            )
            return None
        return enqueue_retrain(
            self.settings, self.connection, f"periodic: {count} new labelled products"
        )

    def _retrain_on_alert(self, reason: str) -> str | None:
        return enqueue_retrain(self.settings, self.connection, reason)

    def _enqueue(self, kind: str, timeout_s: int) -> str:
        job = Queue(self.settings.training_queue, connection=self.connection).enqueue_call(
            "trainer.job_control.run",
            args=(kind, {}),
            timeout=timeout_s,
            result_ttl=self.settings.job_result_ttl_s,
            failure_ttl=self.settings.job_result_ttl_s,
            job_id=uuid.uuid4().hex,
            meta={"kind": kind, "requested_by": "scheduler", "params": {}},
            description=f"{kind} requested by scheduler",
            on_success=Callback(job_events.SUCCESS),
            on_failure=Callback(job_events.FAILURE),
        )
        return str(job.id)


def record_evaluation(
    settings: Settings,
    connection: redis.Redis,
    sessions: sessionmaker[Session],
    result: dict[str, Any],
) -> bool:
    """Keep a scheduled evaluation's score and alert if it is too low; True when alerted."""
    from common.events import record_event

    version, f1 = result.get("version"), result.get("f1_weighted")
    if version is None or f1 is None:
        return False
    products = int(result.get("products") or result.get("n") or 0)
    from trainer.observability import LAST_EVALUATED_F1

    LAST_EVALUATED_F1.labels(version).set(f1)
    connection.set(
        keys.LAST_EVALUATED_F1,
        json.dumps({"version": version, "f1_weighted": f1, "time": time.time()}),
    )
    record_event(
        sessions,
        "evaluation",
        f"scheduled evaluation of {version}: weighted F1 {f1:.4f} on {products} new products",
        subject="scheduled",
        version=version,
        f1_weighted=f1,
        products=products,
        at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return Alerter(
        settings, connection, sessions, lambda r: enqueue_retrain(settings, connection, r)
    ).check_evaluated(version, f1, products)


def scheduled_evaluation(params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The scheduled job: score production on products newer than it, keep and check the score."""
    from common.db import init_db, session_factory
    from common.settings import load_settings
    from trainer.errors import NoModel, NoTrainingData
    from trainer.recent import evaluate_recent

    settings = load_settings()
    try:
        result = evaluate_recent(params)
    except (NoModel, NoTrainingData) as exc:
        logger.info("scheduled evaluation skipped: %s", exc)
        return {"skipped": str(exc)}
    connection = redis.Redis.from_url(settings.redis_url)
    sessions = session_factory(init_db(settings))
    result["alerted"] = record_evaluation(settings, connection, sessions, result)
    return result
