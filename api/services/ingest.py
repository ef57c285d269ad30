"""Adding labelled products: stage the upload, then import it with the trainer's importer."""

from __future__ import annotations

import logging
import shutil
import uuid
from typing import Any

from flask import request
from rq.job import Job, JobStatus

from api.errors import ApiError
from api.services import Services, jobs, uploads
from common.events import record_event

logger = logging.getLogger(__name__)

BULK_FILES = ("csv", "x_csv", "y_csv", "images")


def add_product_data(svc: Services, actor: str) -> tuple[dict[str, Any], int]:
    """One product (form fields + image) or a bulk upload (CSV(s) + images zip)."""
    if request.mimetype not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise ApiError(
            415,
            "unsupported_content_type",
            "Send multipart/form-data: productid, designation, description, prdtypecode and "
            "an image file; or files csv (or x_csv + y_csv) and images (zip).",
        )
    files = {name: request.files[name] for name in BULK_FILES if name in request.files}
    if files:
        return _bulk(svc, actor, files)
    return _single(svc, actor)


def _enqueue_import(svc: Services, staging: uploads.Staging, actor: str, at_front: bool) -> Job:
    path = staging.commit()
    try:
        return jobs.enqueue(
            svc,
            "import",
            {"path": str(path)},
            actor,
            timeout_s=svc.settings.import_timeout_s,
            staging=str(path),
            at_front=at_front,
        )
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise


def new_productid() -> str:
    """An id for a product sent without one: unique, and recognisable as generated."""
    return f"sw-{uuid.uuid4().hex[:20]}"


def _single(svc: Services, actor: str) -> tuple[dict[str, Any], int]:
    fields = request.form.to_dict()
    if "productid" not in fields or not fields["productid"].strip():
        fields["productid"] = new_productid()
    productid = fields["productid"].strip()
    staging = uploads.stage_product(svc.settings, fields, request.files.get("image"))
    with staging:
        job = _enqueue_import(svc, staging, actor, at_front=True)
    record_event(
        svc.sessions,
        "ingestion",
        f"one product queued for import as job {job.id}",
        actor=actor,
        subject=job.id,
        productid=productid,
    )
    if svc.settings.import_wait_s > 0:
        job.latest_result(timeout=int(max(svc.settings.import_wait_s, 1)))
    body = jobs.describe(svc, job)
    if body["status"] == JobStatus.FINISHED.value:
        report = body["result"]
        if report.get("rejected"):
            raise ApiError(
                422,
                "rejected",
                "The product was refused: "
                + "; ".join(r["detail"] for r in report.get("rejected_rows", [])),
                report=report,
            )
        return {"productid": productid, **report}, 201
    if body["status"] == JobStatus.FAILED.value:
        raise ApiError(
            500, "import_failed", f"The import failed: {body.get('error')}", job_id=job.id
        )
    return {
        "job_id": job.id,
        "status_url": body["status_url"],
        **jobs.status_fields(body["status"]),
        "productid": productid,
    }, 202


def _bulk(svc: Services, actor: str, files: dict[str, Any]) -> tuple[dict[str, Any], int]:
    staging, layout, rows = uploads.stage_bulk(svc.settings, files)
    with staging:
        job = _enqueue_import(svc, staging, actor, at_front=False)
    record_event(
        svc.sessions,
        "ingestion",
        f"bulk upload of {rows} rows ({layout}) queued as job {job.id}",
        actor=actor,
        subject=job.id,
        rows=rows,
        layout=layout,
    )
    return {
        "job_id": job.id,
        "status_url": f"/admin/jobs/{job.id}",
        **jobs.status_fields("queued"),
        "layout": layout,
        "rows": rows,
    }, 202
