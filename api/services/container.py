"""What the views need, built once by the app factory and kept on the app."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from flask import current_app
from rq import Queue
from sqlalchemy.orm import Session, sessionmaker

from api.services.broker import PredictBroker
from api.services.callbacks import CallbackDispatcher
from api.services.collector import AnswerCollector
from api.services.ratelimit import LoginLimiter, PredictQuota
from api.services.recorder import PredictionLog, Recorder
from common.settings import Settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    redis: redis.Redis
    broker: PredictBroker
    sessions: sessionmaker[Session]
    limiter: LoginLimiter
    quota: PredictQuota
    predictions: PredictionLog
    recorder: Recorder
    collector: AnswerCollector
    """Follows asynchronous predictions until they are answered."""
    callbacks: CallbackDispatcher
    queue: Queue
    """The trainer's RQ queue (imports, retraining, evaluations); its client's socket
    waits long enough for a job's result (IMPORT_WAIT_S)."""


def services() -> Services:
    """The current app's services."""
    found: Services = current_app.extensions["shelfwise"]
    return found
