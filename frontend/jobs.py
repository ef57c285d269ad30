"""An admin job as the pages show it: a percentage and a sentence for the progress bar."""

from __future__ import annotations

from typing import Any

# Training stages in order, with the share of the bar reached when each starts.
STAGES = {
    "load": (0, "Loading products"),
    "text_encoder": (5, "Building the vocabulary"),
    "train_text": (10, "Training the text branch"),
    "features": (40, "Computing image features"),
    "train_image": (55, "Training the image branch"),
    "fusion": (85, "Choosing the fusion weight"),
    "evaluate": (90, "Evaluating"),
    "save": (97, "Saving the version"),
    "done": (100, "Done"),
}
_SPAN = {"train_text": 30, "train_image": 30}
FINAL = {"finished", "failed", "canceled"}


def job_view(job: dict[str, Any]) -> dict[str, Any]:
    """The API's job plus ``percent``, ``label`` and ``final`` for the page."""
    progress = job.get("progress") or {}
    stage = progress.get("stage")
    state = job.get("status") or job.get("state", "queued")
    percent, label = STAGES.get(stage, (0, "Waiting for the trainer"))
    epoch = progress.get("epoch")
    if stage in _SPAN and epoch:
        total = job.get("params", {}).get("epochs" if stage == "train_text" else "image_epochs")
        if total:
            percent += _SPAN[stage] * min(epoch / total, 1)
        label = f"{label}: epoch {epoch}" + (f" of {total}" if total else "")
    if stage == "import" and progress.get("total"):
        percent = 100 * progress.get("done", 0) / progress["total"]
        label = f"Importing: {progress.get('done', 0)} of {progress['total']} rows"
    if state == "finished":
        percent, label = 100, "Finished"
    elif state in ("failed", "canceled", "canceling"):
        label = {"failed": "Failed", "canceled": "Canceled", "canceling": "Canceling…"}[state]
    elif state == "queued":
        label = "Queued"
    return {
        **job,
        "state": state,
        "status": state,
        "percent": round(percent),
        "label": label,
        "final": state in FINAL,
    }
