"""The OpenAPI 3.1 document of the whole API, served at ``/openapi.json``.

Written by hand beside the views; ``tests/api/test_openapi.py`` checks that it
is valid and that its paths and methods are exactly the app's routes.
"""

from __future__ import annotations

from typing import Any

from common.categories import CODES

ERROR_CODES = {
    400: "Bad request (missing or malformed input).",
    401: "No token, or a bad, expired or deactivated one.",
    403: "Authenticated, but not allowed (admins only, or not the owner).",
    404: "No such resource.",
    409: "Conflicts with the current state.",
    413: "Too large.",
    415: "Wrong content type or media type.",
    422: "Well-formed but refused.",
    429: "Too many attempts.",
    503: "The broker or the model is unavailable, or maintenance mode is on.",
    504: "No answer in time.",
}


def _json(schema: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(schema, str):
        schema = {"$ref": f"#/components/schemas/{schema}"}
    return {"application/json": {"schema": schema}}


def _responses(ok: dict[int, tuple[str, Any]], *errors: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        str(status): {"description": text, "content": _json(schema)}
        for status, (text, schema) in ok.items()
    }
    for status in errors:
        out[str(status)] = {"description": ERROR_CODES[status], "content": _json("Error")}
    return out


def _op(
    summary: str,
    tag: str,
    responses: dict[str, Any],
    *,
    auth: str | None = "bearer",
    params: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": responses}
    op["security"] = [{"bearer": []}] if auth == "bearer" else [{}, {"bearer": []}] if auth else []
    if params:
        op["parameters"] = params
    if body:
        op["requestBody"] = body
    return op


def _path_param(name: str, pattern: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if pattern:
        schema["pattern"] = pattern
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


PAGE = [
    _query("page", {"type": "integer", "minimum": 1}, "Page number, from 1."),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 500}, "Items per page."),
]
ADMIN = (401, 403)
OBJECT = {"type": "object"}


def _page_of(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    }


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            }
        },
    },
    "Credentials": {
        "type": "object",
        "required": ["username", "password"],
        "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
    },
    "Token": {
        "type": "object",
        "required": ["access_token", "token_type", "expires_in", "role"],
        "properties": {
            "access_token": {"type": "string"},
            "token_type": {"const": "Bearer"},
            "expires_in": {"type": "integer"},
            "role": {"enum": ["user", "admin"]},
            "username": {"type": "string"},
        },
    },
    "NewUser": {
        "type": "object",
        "required": ["username", "password"],
        "properties": {
            "username": {"type": "string"},
            "password": {"type": "string", "description": "12+ characters, 3 classes."},
            "role": {"enum": ["user", "admin"], "default": "user"},
            "email": {"type": "string", "description": "Where alerts reach an admin."},
        },
    },
    "User": {
        "type": "object",
        "required": ["id", "username", "role", "active"],
        "properties": {
            "id": {"type": "integer"},
            "username": {"type": "string"},
            "role": {"enum": ["user", "admin"]},
            "active": {"type": "boolean"},
            "email": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "last_login_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "NewFeedback": {
        "type": "object",
        "required": ["prediction_id", "is_correct"],
        "properties": {
            "prediction_id": {"type": "string"},
            "is_correct": {"type": "boolean"},
            "correct_category": {"type": "integer", "description": "One of the 27 codes."},
            "comment": {"type": "string"},
            "designation": {"type": "string", "description": "The text classified, to accept."},
            "description": {"type": "string"},
        },
    },
    "Feedback": {
        "type": "object",
        "required": ["id", "prediction_id", "is_correct", "status"],
        "properties": {
            "id": {"type": "integer"},
            "prediction_id": {"type": "string"},
            "user_id": {"type": "integer"},
            "is_correct": {"type": "boolean"},
            "correct_category": {"type": ["integer", "null"]},
            "comment": {"type": "string"},
            "predicted_category": {"type": ["integer", "null"]},
            "confidence": {"type": ["number", "null"]},
            "model_version": {"type": ["string", "null"]},
            "has_text": {"type": "boolean"},
            "image_hash": {
                "type": ["string", "null"],
                "description": "The prediction's photo (GET /admin/images/{hash}); listing only.",
            },
            "image_kept": {"type": "boolean", "description": "Its photo is still kept."},
            "status": {"enum": ["new", "accepted"]},
            "product_id": {"type": ["integer", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
        },
    },
    "Maintenance": {
        "type": "object",
        "required": ["enabled"],
        "properties": {"enabled": {"type": "boolean"}, "message": {"type": "string"}},
    },
    "Product": {
        "type": "object",
        "properties": {
            "designation": {"type": "string"},
            "description": {"type": "string"},
            "image_base64": {"type": "string", "description": "JSON only."},
        },
    },
    "Prediction": {
        "type": "object",
        "required": ["prediction_id", "status"],
        "properties": {
            "prediction_id": {"type": "string"},
            "status": {"enum": ["queued", "done", "failed", "timeout"]},
            "category": {"type": "object"},
            "confidence": {"type": "number"},
            "top5": {"type": "array", "items": OBJECT},
            "modalities": {"type": "array", "items": {"enum": ["image", "text"]}},
            "model_version": {"type": "string"},
            "latency_ms": {"type": "number"},
        },
    },
    "OwnPrediction": {
        "allOf": [{"$ref": "#/components/schemas/Prediction"}],
        "type": "object",
        "required": ["created_at", "feedback"],
        "properties": {
            "created_at": {"type": "string", "format": "date-time"},
            "feedback": {"type": ["object", "null"]},
        },
    },
    "ProductCounts": {
        "type": "object",
        "required": ["counts", "total"],
        "properties": {
            "counts": {"type": "array", "items": OBJECT},
            "total": {"type": "integer"},
        },
    },
    "Job": {
        "type": "object",
        "required": ["job_id", "status_url"],
        "properties": {
            "job_id": {"type": "string"},
            "status_url": {"type": "string"},
            "state": {"type": "string"},
            "kind": {"type": ["string", "null"]},
            "progress": OBJECT,
            "params": OBJECT,
            "result": {},
            "error": {"type": ["string", "null"]},
        },
    },
    "RetrainRequest": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "epochs": {"type": "integer", "minimum": 1, "maximum": 1000},
            "image_epochs": {"type": "integer", "minimum": 1, "maximum": 1000},
            "batch_size": {"type": "integer", "minimum": 1, "maximum": 4096},
            "image_batch_size": {"type": "integer", "minimum": 1, "maximum": 4096},
            "patience": {"type": "integer", "minimum": 1, "maximum": 1000},
            "image_patience": {"type": "integer", "minimum": 1, "maximum": 1000},
            "learning_rate": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "image_learning_rate": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "sample": {"type": "integer", "minimum": 1, "description": "Train on about N."},
            "promote": {"enum": ["auto", "always", "never", True, False]},
            "data": {
                "enum": ["all", "recent"],
                "description": "recent: products ingested since production was trained, "
                "plus a replay sample of the others.",
            },
            "replay": {"type": "integer", "minimum": 0, "description": "Older products kept."},
            "model_params": {"type": "object", "description": "Model sizes by name."},
        },
    },
    "Version": {
        "type": "object",
        "required": ["version", "status"],
        "properties": {
            "version": {"type": "string"},
            "status": {"type": "string"},
            "production": {"type": "boolean"},
            "metrics": OBJECT,
            "params": OBJECT,
            "provenance": OBJECT,
            "training_seconds": {"type": ["number", "null"]},
        },
    },
    "Event": {
        "type": "object",
        "required": ["id", "time", "kind", "level", "message"],
        "properties": {
            "id": {"type": "integer"},
            "time": {"type": "string", "format": "date-time"},
            "kind": {"type": "string"},
            "level": {"type": "string"},
            "message": {"type": "string"},
            "actor": {"type": ["string", "null"]},
            "subject": {"type": ["string", "null"]},
            "details": OBJECT,
        },
    },
    "StoredProduct": {
        "type": "object",
        "properties": {
            "productid": {"type": "string"},
            "designation": {"type": "string"},
            "description": {"type": "string"},
            "prdtypecode": {"type": "integer"},
            "image_hash": {"type": ["string", "null"]},
            "batch_id": {"type": "integer"},
        },
    },
}

_UPLOAD = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "productid": {"type": "string"},
                    "designation": {"type": "string"},
                    "description": {"type": "string"},
                    "prdtypecode": {"type": "integer", "enum": list(CODES)},
                    "imageid": {"type": "string"},
                    "image": {"type": "string", "format": "binary"},
                    "csv": {
                        "type": "string",
                        "format": "binary",
                        "description": "products.csv layout",
                    },
                    "x_csv": {"type": "string", "format": "binary"},
                    "y_csv": {"type": "string", "format": "binary"},
                    "images": {"type": "string", "format": "binary", "description": "zip"},
                },
            }
        }
    },
}
_PREDICT_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "designation": {"type": "string"},
                    "description": {"type": "string"},
                    "image": {"type": "string", "format": "binary"},
                },
            }
        },
        "application/json": {"schema": {"$ref": "#/components/schemas/Product"}},
    },
}


def _body(schema: str, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": _json(schema)}


def document(predict_anonymous: bool = False) -> dict[str, Any]:
    """The OpenAPI document; ``predict_anonymous`` marks /predict's token as optional."""
    predict_auth = "optional" if predict_anonymous else "bearer"
    job_202: dict[int, tuple[str, Any]] = {202: ("Queued: follow status_url.", "Job")}
    paths: dict[str, Any] = {
        "/health": {
            "get": _op(
                "The process is alive.", "ops", _responses({200: ("Alive.", OBJECT)}), auth=None
            )
        },
        "/ready": {
            "get": _op(
                "Redis, workers and a trained model are up.",
                "ops",
                _responses({200: ("Ready.", OBJECT), 503: ("Not ready.", OBJECT)}),
                auth=None,
            )
        },
        "/predict": {
            "post": _op(
                "Classify one product and wait for the answer.",
                "predict",
                _responses({200: ("The answer.", "Prediction")}, 400, 401, 413, 415, 422, 503, 504),
                auth=predict_auth,
                body=_PREDICT_BODY,
            )
        },
        "/predictions/{prediction_id}": {
            "get": _op(
                "An earlier prediction (owner or admin).",
                "predict",
                _responses(
                    {200: ("Answered.", "Prediction"), 202: ("Still queued.", "Prediction")},
                    401,
                    403,
                    404,
                ),
                auth=predict_auth,
                params=[_path_param("prediction_id")],
            )
        },
        "/predictions": {
            "get": _op(
                "The caller's recorded predictions, newest first, with his feedback.",
                "predict",
                _responses({200: ("A page.", _page_of("OwnPrediction"))}, 400, 401),
                params=PAGE,
            )
        },
        "/auth/login": {
            "post": _op(
                "Credentials -> bearer token (rate-limited).",
                "auth",
                _responses({200: ("A token.", "Token")}, 400, 401, 415, 429),
                auth=None,
                body=_body("Credentials"),
            )
        },
        "/auth/me": {
            "get": _op(
                "The caller's account.", "auth", _responses({200: ("The account.", "User")}, 401)
            )
        },
        "/auth/signup": {
            "post": _op(
                "Create a user or an admin (admins only).",
                "auth",
                _responses({201: ("Created.", "User")}, 400, *ADMIN, 409, 415, 422),
                body=_body("NewUser"),
            )
        },
        "/admin/users": {
            "get": _op("Every account.", "users", _responses({200: ("Accounts.", OBJECT)}, *ADMIN))
        },
        "/admin/users/{username}/deactivate": {
            "post": _op(
                "Deactivate an account: its tokens stop working.",
                "users",
                _responses({200: ("Deactivated.", "User")}, *ADMIN, 404, 409),
                params=[_path_param("username")],
            )
        },
        "/admin/users/{username}/activate": {
            "post": _op(
                "Reactivate an account.",
                "users",
                _responses({200: ("Active.", "User")}, *ADMIN, 404),
                params=[_path_param("username")],
            )
        },
        "/admin/add-product-data": {
            "post": _op(
                "Add labelled products: one (form + image) or bulk (CSV(s) + images zip).",
                "products",
                _responses(
                    {201: ("One product imported.", OBJECT)} | job_202, 400, *ADMIN, 413, 415, 422
                ),
                body=_UPLOAD,
            )
        },
        "/admin/products": {
            "get": _op(
                "Labelled products.",
                "products",
                _responses({200: ("A page.", _page_of("StoredProduct"))}, 400, *ADMIN),
                params=[
                    _query("category", {"type": "integer"}, "prdtypecode"),
                    _query("q", {"type": "string"}, "Text in designation or description."),
                    _query("batch", {"type": "integer"}, "Ingestion batch id."),
                    _query("has_image", {"type": "boolean"}, "With or without image."),
                    *PAGE,
                ],
            )
        },
        "/admin/products/counts": {
            "get": _op(
                "Labelled products per category: the class balance.",
                "products",
                _responses({200: ("Counts.", "ProductCounts")}, *ADMIN),
            )
        },
        "/admin/images/{digest}": {
            "get": _op(
                "A product photo, by its products' image_hash.",
                "products",
                {
                    "200": {
                        "description": "The image bytes.",
                        "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    **_responses({}, *ADMIN, 404),
                },
                params=[_path_param("digest", "^[0-9a-f]{64}$")],
            )
        },
        "/admin/retrain-model": {
            "post": _op(
                "Start retraining (one at a time).",
                "training",
                _responses(job_202, 400, *ADMIN, 409, 415, 422),
                body=_body("RetrainRequest", required=False),
            )
        },
        "/admin/jobs/{job_id}": {
            "get": _op(
                "State, progress, result or error of a job.",
                "training",
                _responses({200: ("The job.", "Job")}, *ADMIN, 404),
                params=[_path_param("job_id")],
            )
        },
        "/admin/jobs/{job_id}/cancel": {
            "post": _op(
                "Cancel a queued job, or stop a running one at its next progress report.",
                "training",
                _responses({202: ("Canceled or canceling.", "Job")}, *ADMIN, 404, 409),
                params=[_path_param("job_id")],
            )
        },
        "/admin/models": {
            "get": _op(
                "Versions with metrics, params, provenance; which is production.",
                "models",
                _responses({200: ("Versions.", OBJECT)}, *ADMIN),
            )
        },
        "/admin/models/{version}/promote": {
            "post": _op(
                "Promote or roll back; the per-class F1 gate refuses unless force.",
                "models",
                _responses({200: ("Promoted.", "Version")}, 400, *ADMIN, 404, 409, 415),
                params=[_path_param("version")],
                body={
                    "required": False,
                    "content": _json(
                        {"type": "object", "properties": {"force": {"type": "boolean"}}}
                    ),
                },
            )
        },
        "/admin/evaluate-model": {
            "get": _op(
                "Production's metrics, training time and serving latency; data=recent runs a job.",
                "models",
                _responses({200: ("The evaluation.", OBJECT)} | job_202, 400, *ADMIN, 404),
                params=[
                    _query(
                        "data",
                        {"enum": ["recent"]},
                        "Evaluate on products ingested after production was trained.",
                    )
                ],
            )
        },
        "/admin/logs": {
            "get": _op(
                "Events: logins, ingestion, training, promotion, errors.",
                "logs",
                _responses({200: ("A page.", _page_of("Event"))}, 400, *ADMIN),
                params=[
                    _query("kind", {"type": "string"}, "Event kind."),
                    _query(
                        "level",
                        {"enum": ["debug", "info", "warning", "error"]},
                        "This level and above.",
                    ),
                    _query("since", {"type": "string", "format": "date-time"}, "From."),
                    _query("until", {"type": "string", "format": "date-time"}, "Before."),
                    _query("actor", {"type": "string"}, "Username."),
                    *PAGE,
                ],
            )
        },
        "/feedback": {
            "post": _op(
                "A verdict on one of the caller's predictions (a second one updates it).",
                "feedback",
                _responses(
                    {200: ("Updated.", "Feedback"), 201: ("Recorded.", "Feedback")},
                    400,
                    401,
                    403,
                    404,
                    409,
                    415,
                    422,
                ),
                body=_body("NewFeedback"),
            )
        },
        "/admin/feedback": {
            "get": _op(
                "Feedback, newest first, filtered.",
                "feedback",
                _responses({200: ("A page.", _page_of("Feedback"))}, 400, *ADMIN),
                params=[
                    _query("is_correct", {"type": "boolean"}, "Verdict."),
                    _query("status", {"enum": ["new", "accepted"]}, "Accepted or not."),
                    _query("model_version", {"type": "string"}, "Version that answered."),
                    _query("category", {"type": "integer"}, "Predicted code."),
                    _query("correct_category", {"type": "integer"}, "Corrected code."),
                    _query("user", {"type": "string"}, "Username."),
                    _query("since", {"type": "string", "format": "date-time"}, "From."),
                    _query("until", {"type": "string", "format": "date-time"}, "Before."),
                    *PAGE,
                ],
            )
        },
        "/admin/feedback/{feedback_id}/accept": {
            "post": _op(
                "Make a labelled product (ingestion batch feedback) of a verdict.",
                "feedback",
                _responses({200: ("Accepted.", "Feedback")}, *ADMIN, 404, 409),
                params=[_path_param("feedback_id", "^[0-9]+$")],
            )
        },
        "/admin/monitoring": {
            "get": _op(
                "Live quality, drift, confidence, evaluations and alerts as time series.",
                "monitoring",
                _responses({200: ("The series.", OBJECT)}, 400, *ADMIN),
                params=[
                    _query("window_s", {"type": "integer", "minimum": 1}, "Rolling window."),
                    _query("bucket_s", {"type": "integer", "minimum": 1}, "Point spacing."),
                    _query("version", {"type": "string"}, "Model version (default production)."),
                ],
            )
        },
        "/admin/maintenance": {
            "get": _op(
                "Whether maintenance mode is on.",
                "monitoring",
                _responses({200: ("The state.", "Maintenance")}, *ADMIN),
            ),
            "put": _op(
                "Switch maintenance mode (/predict answers 503) on or off.",
                "monitoring",
                _responses({200: ("The state.", "Maintenance")}, 400, *ADMIN, 415),
                body=_body("Maintenance"),
            ),
        },
        "/metrics": {
            "get": _op(
                "Prometheus metrics.",
                "ops",
                {"200": {"description": "Text format.", "content": {"text/plain": {}}}},
                auth=None,
            )
        },
        "/openapi.json": {
            "get": _op(
                "This document.", "docs", _responses({200: ("OpenAPI 3.1.", OBJECT)}), auth=None
            )
        },
        "/docs": {
            "get": _op(
                "Swagger UI.",
                "docs",
                {"200": {"description": "HTML page.", "content": {"text/html": {}}}},
                auth=None,
            )
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Shelfwise API",
            "version": "1.0.0",
            "description": "Product classification (27 Rakuten France categories) and "
            'its administration. Errors: {"error": {"code", "message"}}.',
        },
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }
