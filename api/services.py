"""What the views need, built once by the app factory and kept on the app."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from flask import current_app

from api.broker import PredictBroker
from common.settings import Settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    redis: redis.Redis
    broker: PredictBroker


def services() -> Services:
    """The current app's services."""
    found: Services = current_app.extensions["shelfwise"]
    return found
