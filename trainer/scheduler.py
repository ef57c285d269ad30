"""The trainer's schedule: live checks, scheduled evaluation, periodic retraining, the
retention of prediction photos, and the removal of what killed processes left behind.

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
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from common import keys
from common.alerts import Alerter
from common.job_queue import SCHEDULER, enqueue_job, enqueue_retrain
from common.orm import Product
from common.registry import production_record
from trainer import leftovers, retention
from trainer.context import TrainerContext

logger = logging.getLogger(__name__)


class Scheduler:
    """Runs due tasks on every tick; ``tick`` is callable directly (tests, one-shot runs)."""

    def __init__(self, ctx: TrainerContext) -> None:
        if ctx.redis is None:
            raise ValueError("the schedule needs Redis")
        self.settings, self.connection, self.sessions = ctx.settings, ctx.redis, ctx.sessions
        self.queue = ctx.queue()
        self.alerter = Alerter(
            self.settings, self.connection, self.sessions, self._retrain_on_alert
        )
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
        if self._due("leftovers", leftovers.PERIOD_S):
            done["leftovers"] = leftovers.remove_leftovers(s)
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
        return self._retrain_on_alert(f"periodic: {count} new labelled products")

    def _retrain_on_alert(self, reason: str) -> str | None:
        return enqueue_retrain(self.settings, self.connection, self.sessions, reason)

    def _enqueue(self, kind: str, timeout_s: int) -> str:
        job = enqueue_job(self.queue, self.settings, kind, {}, SCHEDULER, timeout_s=timeout_s)
        return str(job.id)


def record_evaluation(ctx: TrainerContext, result: dict[str, Any]) -> bool:
    """Keep a scheduled evaluation's score and alert if it is too low; True when alerted."""
    from common.events import record_event

    settings, sessions, connection = ctx.settings, ctx.sessions, ctx.redis
    if connection is None:
        raise ValueError("recording an evaluation needs Redis")
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
        settings, connection, sessions, lambda r: enqueue_retrain(settings, connection, sessions, r)
    ).check_evaluated(version, f1, products)
