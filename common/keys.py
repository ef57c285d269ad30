"""Names of every Redis key the services share: the broker's contract."""

PREDICT_STREAM = "shelfwise:predict"
"""Stream of predict jobs; model workers read it as one consumer group."""

WORKER_GROUP = "model-workers"
DEAD_LETTER_STREAM = "shelfwise:predict:dead"
"""Jobs delivered too often without an answer, kept for inspection."""

WORKERS_SET = "shelfwise:workers"
"""Names of model workers that have started; liveness is their heartbeat key."""

WORKER_LEADER = "shelfwise:worker-leader"
"""The model worker that answered the latest batch. It alone blocks on the stream;
the others poll for overflow, so light load stays on one warm process."""

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


PREDICTION_LOG = "shelfwise:prediction-log"
"""Stream of finished predictions awaiting their database record (drained in batches)."""

RECORDER_GROUP = "recorders"

TRAINING_LOCK = "shelfwise:training:current"
"""Id of the retrain job that holds the one training slot."""

TRAINING_JOBS = {
    "import": "trainer.jobs.import_products",
    "retrain": "trainer.jobs.retrain",
    "evaluate": "trainer.jobs.evaluate",
    "evaluate_recent": "trainer.jobs.evaluate_recent",
    "scheduled_evaluation": "trainer.jobs.scheduled_evaluation",
}
"""Every job of the training queue by kind, as RQ enqueues it: by dotted name, so
nothing that queues a job imports the trainer."""


def prediction_owner(job_id: str) -> str:
    """Who asked for a prediction (user id, or empty for an anonymous client)."""
    return f"shelfwise:prediction-owner:{job_id}"


def login_failures(username: str) -> str:
    """Counter of failed logins for one username in the current window."""
    return f"shelfwise:login:user:{username}"


def login_attempts(address: str) -> str:
    """Counter of logins from one client address in the current window."""
    return f"shelfwise:login:addr:{address}"


def job_alive(job_id: str) -> str:
    """Expiring key a running admin job refreshes: its absence means the trainer died."""
    return f"shelfwise:job-alive:{job_id}"


def job_cancel(job_id: str) -> str:
    """Set when an admin asked to cancel a job; the job stops at its next progress report."""
    return f"shelfwise:job-cancel:{job_id}"


MAINTENANCE = "shelfwise:maintenance"
"""Set while maintenance mode is on: JSON with the message /predict answers."""


def alert_cooldown(kind: str) -> str:
    """Set for ALERT_COOLDOWN_S after an alert of ``kind``: later ones are the same incident."""
    return f"shelfwise:alert:{kind}"


AUTO_RETRAIN = "shelfwise:auto-retrain"
"""Set for ALERT_COOLDOWN_S after an alert enqueued a retrain."""


def schedule_slot(task: str) -> str:
    """Taken by the first trainer to run ``task`` in its period (SET NX EX)."""
    return f"shelfwise:schedule:{task}"


LAST_EVALUATED_F1 = "shelfwise:last-evaluated-f1"
"""JSON of the latest scheduled evaluation: version, weighted F1, time."""


def batch(batch_id: str) -> str:
    """One /predict/batch request: its owner and its products' prediction ids (JSON)."""
    return f"shelfwise:batch:{batch_id}"


ASYNC_STREAM = "shelfwise:async"
"""Asynchronous predictions awaiting their answer, read by the API's collectors."""

COLLECTOR_GROUP = "collectors"


def callback(prediction_id: str) -> str:
    """The callback of one prediction: target, payload, status and attempts (JSON)."""
    return f"shelfwise:callback:{prediction_id}"


CALLBACKS_DUE = "shelfwise:callbacks:due"
"""Sorted set of prediction ids whose callback is due, scored by when (unix seconds)."""

CALLBACK_HOSTS = "shelfwise:callback-hosts"
"""Hosts an admin allows callbacks to whatever their scheme and addresses (set)."""


def quota_requests(caller: str, window: int) -> str:
    """Prediction requests of one account (``user:<id>``) or address in one minute."""
    return f"shelfwise:quota:requests:{caller}:{window}"


def quota_products(caller: str, window: int) -> str:
    """Products sent for prediction by one account or address in one minute."""
    return f"shelfwise:quota:products:{caller}:{window}"
