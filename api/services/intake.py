"""A product to classify, checked and turned into a predict job; what a prediction records."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from api.errors import ApiError
from api.services.ratelimit import PredictQuota, QuotaExceeded
from common.images import InvalidImage, open_image
from common.orm import User
from common.schemas import PredictJob, new_job_id
from common.settings import Settings

# Worker (and image check) error codes -> HTTP status of the answer.
FAILURE_STATUS = {
    "unsupported_media_type": 415,
    "image_too_large": 413,
    "invalid_image": 422,
    "empty_product": 422,
    "no_model": 503,
}
"""Worker and intake error codes -> HTTP status of the answer."""


def spend_quota(quota: PredictQuota, user: User | None, address: str, products: int) -> None:
    """429 ``quota_exceeded`` with Retry-After once the caller's minute is used up."""
    caller = f"user:{user.id}" if user is not None else f"addr:{address}"
    try:
        quota.spend(caller, products)
    except QuotaExceeded as exc:
        raise ApiError(
            429,
            "quota_exceeded",
            f"At most {exc.limit} prediction {exc.what} per minute; retry in "
            f"{exc.retry_after_s} s.",
            headers={"Retry-After": str(exc.retry_after_s)},
        ) from None


def decode_image(encoded: str, field: str = "image_base64") -> bytes | None:
    """The bytes of a base64 photo; None for an empty string."""
    try:
        return base64.b64decode(encoded, validate=True) if encoded else None
    except (binascii.Error, ValueError):
        raise ApiError(400, "invalid_base64", f"{field} is not valid base64.") from None


def check_product(
    settings: Settings, designation: str, description: str, image: bytes | None
) -> PredictJob:
    """A job for one product, after the size, content and image checks."""
    for name, value in (("designation", designation), ("description", description)):
        if len(value) > settings.max_text_chars:
            raise ApiError(
                422,
                "text_too_long",
                f"{name} has {len(value):,} characters; at most "
                f"{settings.max_text_chars:,} are accepted.",
            )
    image = image or None  # an empty file part means no file was chosen
    if image is None and not designation.strip():
        raise ApiError(400, "missing_input", "Send an image, a designation, or both.")
    if image is not None:
        try:
            open_image(image, settings.max_image_pixels)
        except InvalidImage as exc:
            raise ApiError(FAILURE_STATUS[exc.code], exc.code, str(exc)) from None
    return PredictJob(new_job_id(), designation, description, image)


def prediction_record(job: PredictJob, user: User | None, latency_ms: float) -> dict[str, Any]:
    """The request's part of a prediction record: who asked, when, and what went in, as
    sha256 digests (enough to find repeats, nothing to leak)."""

    def digest(data: bytes | None) -> str | None:
        return hashlib.sha256(data).hexdigest() if data else None

    return {
        "id": job.job_id,
        "user_id": user.id if user is not None else None,
        "created_at": job.enqueued_at,
        "latency_ms": latency_ms,
        "image_sha256": digest(job.image),
        "designation_sha256": digest(job.designation.encode()),
        "description_sha256": digest(job.description.encode()),
    }
