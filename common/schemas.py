"""Messages between the API and the model workers.

A job travels as the fields of one Redis stream entry (binary-safe, so the
image goes as raw bytes, not base64). An answer travels as one JSON document,
pushed on the job's reply list and kept under its prediction key.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from common.categories import CODES, name_of

SCHEMA_VERSION = b"1"


class MalformedJob(ValueError):
    """A stream entry that is not a predict job of this schema."""


def new_job_id() -> str:
    """A fresh, URL-safe prediction id."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class PredictJob:
    """One product to classify. At least one of image or designation is set."""

    job_id: str
    designation: str = ""
    description: str = ""
    image: bytes | None = None
    enqueued_at: float = field(default_factory=time.time)

    @property
    def has_text(self) -> bool:
        return bool(self.designation.strip() or self.description.strip())

    def to_fields(self) -> dict[bytes, bytes]:
        fields = {
            b"v": SCHEMA_VERSION,
            b"id": self.job_id.encode(),
            b"designation": self.designation.encode(),
            b"description": self.description.encode(),
            b"enqueued_at": repr(self.enqueued_at).encode(),
        }
        if self.image is not None:
            fields[b"image"] = self.image
        return fields

    @classmethod
    def from_fields(cls, fields: dict[bytes, bytes]) -> PredictJob:
        if fields.get(b"v") != SCHEMA_VERSION:
            raise MalformedJob(f"unknown job schema {fields.get(b'v')!r}")
        try:
            return cls(
                job_id=fields[b"id"].decode(),
                designation=fields.get(b"designation", b"").decode(),
                description=fields.get(b"description", b"").decode(),
                image=fields.get(b"image"),
                enqueued_at=float(fields[b"enqueued_at"]),
            )
        except (KeyError, UnicodeDecodeError, ValueError) as exc:
            raise MalformedJob(f"malformed job: {exc}") from exc


@dataclass(frozen=True)
class Timing:
    """Where a job's time went inside the broker and the worker, in ms."""

    queue_ms: float
    preprocess_ms: float
    inference_ms: float
    runtime: str
    """What ran the model: ``int8`` or ``fp32`` (ONNX Runtime), or ``keras``."""

    def to_dict(self) -> dict[str, float | str]:
        return {
            "queue_ms": round(self.queue_ms, 2),
            "preprocess_ms": round(self.preprocess_ms, 2),
            "inference_ms": round(self.inference_ms, 2),
            "runtime": self.runtime,
        }


def success_answer(
    job_id: str,
    probabilities: list[float],
    modalities: list[str],
    model_version: str,
    timing: Timing,
) -> dict[str, Any]:
    """The answer document for a classified product (shape of ARCHITECTURE.md)."""
    if len(probabilities) != len(CODES):
        raise ValueError(f"expected {len(CODES)} probabilities, got {len(probabilities)}")
    ranked = sorted(range(len(CODES)), key=lambda i: probabilities[i], reverse=True)[:5]
    top5 = [
        {"code": CODES[i], "name": name_of(CODES[i]), "score": round(float(probabilities[i]), 6)}
        for i in ranked
    ]
    return {
        "status": "done",
        "prediction_id": job_id,
        "category": {"code": top5[0]["code"], "name": top5[0]["name"]},
        "confidence": top5[0]["score"],
        "top5": top5,
        "modalities": modalities,
        "model_version": model_version,
        "timing": timing.to_dict(),
    }


NO_MODEL_MESSAGE = (
    "No trained model yet. Import labelled products and train one: "
    "`.venv/bin/python -m trainer bootstrap` does both from DATA_DIR "
    "(or `python -m trainer import DIR`, then `python -m trainer train`)."
)
"""What a prediction answers (503 ``no_model``) before the first version is trained."""


def error_answer(job_id: str, code: str, message: str) -> dict[str, Any]:
    """The answer document for a job that could not be classified."""
    return {
        "status": "failed",
        "prediction_id": job_id,
        "error": {"code": code, "message": message},
    }


def queued_state(job_id: str, enqueued_at: float) -> dict[str, Any]:
    """What a prediction key holds until a worker answers."""
    return {"status": "queued", "prediction_id": job_id, "enqueued_at": enqueued_at}


def dumps(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def loads(raw: bytes | str) -> dict[str, Any]:
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value
