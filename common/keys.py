"""Names of every Redis key the services share: the broker's contract."""

PREDICT_STREAM = "shelfwise:predict"
"""Stream of predict jobs; model workers read it as one consumer group."""

WORKER_GROUP = "model-workers"
DEAD_LETTER_STREAM = "shelfwise:predict:dead"
"""Jobs delivered too often without an answer, kept for inspection."""

WORKERS_SET = "shelfwise:workers"
"""Names of model workers that have started; liveness is their heartbeat key."""

MODEL_EVENTS = "shelfwise:model-events"
"""Pub/sub channel: a new production version was promoted."""


def reply(job_id: str) -> str:
    """List the API blocks on (``BLPOP``) for the answer to one job."""
    return f"shelfwise:reply:{job_id}"


def prediction(job_id: str) -> str:
    """The latest known state of one prediction: queued, done or failed (JSON)."""
    return f"shelfwise:prediction:{job_id}"


def heartbeat(worker: str) -> str:
    """Expiring key a live model worker refreshes; its value describes the worker."""
    return f"shelfwise:worker:{worker}"
