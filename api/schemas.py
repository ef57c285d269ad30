"""Request and response bodies as pydantic models: the routes declare them, the OpenAPI
document is generated from them, and requests are validated against them.

Request models forbid unknown fields and coerce nothing (``"3"`` is not a number);
response models describe what the API answers and tolerate fields added later.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

Binary = Annotated[Any, WithJsonSchema({"type": "string", "format": "binary"})]
"""A file part of a multipart form."""


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def file_part(description: str = "") -> Any:
    """An optional file part (its absence is no value, so the schema shows no default)."""
    return Field(None, description=description or None, json_schema_extra=_no_default)


JSONValue = Annotated[Any, WithJsonSchema({})]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    """Query strings arrive as text: their values are converted, unknown names ignored."""

    model_config = ConfigDict(extra="ignore")


class Form(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Answer(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- errors -------------------------------------------------------------------


class ErrorDetail(Answer):
    code: str = Field(description="Stable, machine-readable.")
    message: str = Field(description="For people.")


class Error(BaseModel):
    """Every error: ``{"error": {"code", "message"}}``, some with more fields."""

    error: ErrorDetail


# --- paging -------------------------------------------------------------------


class PageQuery(Query):
    page: int = Field(1, ge=1, le=1_000_000, description="Page number, from 1.")
    per_page: int = Field(
        50, ge=1, description="Items per page; above 500 the page holds 500 (max_per_page)."
    )


class Page(Answer):
    page: int
    per_page: int = Field(description="The page size used.")
    max_per_page: int = Field(description="The largest page size served.")
    total: int
    pages: int


# --- auth and users -------------------------------------------------------------


class Credentials(Request):
    username: str
    password: str


class Token(Answer):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Seconds.")
    role: Literal["user", "admin"]
    username: str


class NewUser(Request):
    username: str
    password: str = Field(description="12+ characters from 3 classes, or a 20+ passphrase.")
    role: str = Field("user", description="user or admin.")
    email: str | None = Field(None, description="Where alerts reach an admin.")


class UserOut(Answer):
    id: int
    username: str
    role: Literal["user", "admin"]
    email: str | None
    active: bool
    created_at: str
    last_login_at: str | None


class UserList(Answer):
    items: list[UserOut]


# --- predictions ----------------------------------------------------------------


class ProductIn(Request):
    """One product as JSON; at least an image or a designation."""

    designation: str = ""
    description: str = ""
    image_base64: str = Field("", description="The photo, base64 (JPEG, PNG, WebP, GIF).")


CALLBACK_URL = "Where to POST the answer, signed (see the callbacks section of docs/api.md)."


class PredictIn(ProductIn):
    callback_url: str | None = Field(None, description=CALLBACK_URL)


class ProductForm(Form):
    """One product as a multipart form."""

    designation: str = ""
    description: str = ""
    callback_url: str | None = Field(None, description=CALLBACK_URL)
    image: Binary = file_part("The photo (JPEG, PNG, WebP, GIF).")


class Category(Answer):
    code: int
    name: str


class Scored(Category):
    score: float


class Timing(Answer):
    queue_ms: float
    preprocess_ms: float
    inference_ms: float
    runtime: str | None = None  # int8 or fp32 (ONNX Runtime); absent in older answers


class Prediction(Answer):
    """A prediction: ``queued`` until a worker answers, then ``done`` or ``failed``."""

    prediction_id: str
    status: Literal["queued", "done", "failed", "timeout"]
    category: Category | None = None
    confidence: float | None = None
    top5: list[Scored] | None = None
    modalities: list[Literal["image", "text"]] | None = None
    model_version: str | None = None
    latency_ms: float | None = Field(None, description="Time inside the API, in ms.")
    timing: Timing | None = Field(None, description="Where the time went, in ms.")
    error: ErrorDetail | None = None
    created_at: str | None = None
    enqueued_at: float | None = None
    status_url: str | None = Field(None, description="Where the answer will be, while queued.")


class PredictQuery(Query):
    wait: bool = Field(
        True, description="false: answer 202 at once, like the header Prefer: respond-async."
    )


class BatchProduct(ProductIn):
    ref: str | None = Field(
        None, max_length=200, description="Your reference for the product (a SKU), echoed back."
    )


class BatchIn(Request):
    """Products to classify in one request, at most MAX_BATCH_PRODUCTS (default 64)."""

    products: list[BatchProduct] = Field(min_length=1)
    callback_url: str | None = Field(None, description=CALLBACK_URL + " One per product.")


class BatchItem(Prediction):
    """One product's result: ``done``, ``failed`` with its own error, or ``queued``."""

    index: int = Field(description="The product's position in the request, from 0.")
    ref: str | None = None
    prediction_id: str | None = Field(  # type: ignore[assignment]
        None, description="None for a product refused before it was queued."
    )


class BatchCounts(Answer):
    done: int
    failed: int
    queued: int


class BatchOut(Answer):
    batch_id: str
    status: Literal["done", "queued"] = Field(
        description="done: every product has its answer; queued: some are still waiting."
    )
    status_url: str
    counts: BatchCounts
    results: list[BatchItem] = Field(description="One per product, in the request's order.")


class Verdict(Answer):
    is_correct: bool
    correct_category: int | None
    status: Literal["new", "accepted", "dismissed"]
    updated_at: str


class OwnPrediction(Prediction):
    feedback: Verdict | None = None


class PredictionPage(Page):
    items: list[OwnPrediction]


# --- feedback -------------------------------------------------------------------


class NewFeedback(Request):
    prediction_id: str
    is_correct: bool
    correct_category: int | None = Field(None, description="One of the 27 codes.")
    comment: str | None = None
    designation: str | None = Field(None, description="The text classified, to accept it.")
    description: str | None = None


class FeedbackOut(Answer):
    id: int
    prediction_id: str
    user_id: int | None
    is_correct: bool
    correct_category: int | None
    comment: str | None
    predicted_category: int | None
    confidence: float | None
    model_version: str | None
    has_text: bool
    status: Literal["new", "accepted", "dismissed"]
    product_id: int | None
    created_at: str
    updated_at: str


class FeedbackPage(Page):
    items: list[FeedbackOut]


class FeedbackQuery(PageQuery):
    is_correct: bool | None = None
    status: Literal["new", "accepted", "dismissed"] | None = None
    model_version: str | None = None
    category: int | None = Field(None, description="Predicted code.")
    correct_category: int | None = None
    user: str | None = Field(None, description="Username.")
    since: str | None = Field(None, description="ISO 8601 time, from.")
    until: str | None = Field(None, description="ISO 8601 time, before.")


# --- products ---------------------------------------------------------------------


class ProductUpload(Form):
    """One product (fields and an image), or a bulk upload (``csv`` or ``x_csv`` + ``y_csv``,
    with an ``images`` zip)."""

    productid: str | None = Field(None, description="Generated (sw-…) when absent.")
    designation: str | None = None
    description: str | None = None
    prdtypecode: str | None = Field(None, description="One of the 27 codes.")
    imageid: str | None = None
    image: Binary = file_part("The photo (JPEG, PNG, WebP, GIF).")
    csv: Binary = file_part(
        "products.csv layout: productid, designation, description, prdtypecode."
    )
    x_csv: Binary = file_part("Challenge layout: X_train.csv.")
    y_csv: Binary = file_part("Challenge layout: Y_train.csv.")
    images: Binary = file_part("A zip of the images.")


class ImportReport(Answer):
    productid: str
    inserted: int | None = None


class StoredProduct(Answer):
    productid: str
    designation: str | None
    description: str | None
    prdtypecode: int
    category: str | None
    imageid: str | None
    image_hash: str | None
    batch_id: int | None
    created_at: str
    updated_at: str


class ProductPage(Page):
    items: list[StoredProduct]


class ProductQuery(PageQuery):
    category: int | None = None
    q: str | None = Field(None, description="Text in designation or description.")
    batch: int | None = Field(None, description="Ingestion batch id.")
    has_image: bool | None = None


class CategoryCount(Category):
    count: int


class ProductCounts(Answer):
    counts: list[CategoryCount]
    total: int


# --- jobs, models, monitoring -------------------------------------------------------


class RetrainIn(Request):
    """Training parameters; ranges are checked by the API (422 when refused)."""

    epochs: int | None = None
    image_epochs: int | None = None
    batch_size: int | None = None
    image_batch_size: int | None = None
    patience: int | None = None
    image_patience: int | None = None
    sample: int | None = None
    replay: int | None = None
    learning_rate: float | None = None
    image_learning_rate: float | None = None
    promote: Literal["auto", "always", "never"] | bool = "auto"
    data: Literal["all", "recent"] = "all"
    model_params: dict[str, int | float | str | bool] = Field(default_factory=dict)


class Job(Answer):
    job_id: str
    status: str = Field(description="queued, started, finished, failed, canceling, canceled.")
    state: str = Field(description="Former name of status, kept for one release.")
    status_url: str
    kind: str | None = None
    progress: dict[str, JSONValue] | None = None
    params: dict[str, JSONValue] | None = None
    result: JSONValue = None
    error: str | None = None


class PromoteIn(Request):
    force: bool = False


class VersionOut(Answer):
    version: str
    status: str
    production: bool
    changed: bool | None = None
    reason: str | None = None
    previous: str | None = None


class VersionList(Answer):
    items: list[dict[str, JSONValue]]
    production: str | None


class EvaluateQuery(Query):
    data: Literal["evaluation_set", "recent"] = "evaluation_set"


class Evaluation(Answer):
    version: str


class Event(Answer):
    id: int
    time: str
    kind: str
    level: str
    message: str
    actor: str | None
    subject: str | None
    details: JSONValue = None


class EventPage(Page):
    items: list[Event]


class LogQuery(PageQuery):
    kind: str | None = None
    level: Literal["debug", "info", "warning", "error"] | None = None
    since: str | None = None
    until: str | None = None
    actor: str | None = None


class MonitoringQuery(Query):
    window_s: int | None = Field(None, ge=1, description="Rolling window, in seconds.")
    bucket_s: int | None = Field(None, ge=1, description="Point spacing, in seconds.")
    version: str | None = Field(None, description="Model version; default production.")


class Monitoring(Answer):
    window_s: int
    bucket_s: int


class MaintenanceIn(Request):
    enabled: bool
    message: str | None = None


class Maintenance(Answer):
    enabled: bool
    message: str | None = None


# --- callbacks ------------------------------------------------------------------------


class CallbackSecret(Answer):
    secret: str = Field(description="Shown this once: keep it to check signatures.")
    created_at: str


class CallbackSecretState(Answer):
    configured: bool
    created_at: str | None


class CallbackAttempt(Answer):
    at: float = Field(description="Unix time.")
    status_code: int | None = None
    error: str | None = None
    duration_ms: float


class Callback(Answer):
    prediction_id: str
    url: str
    status: Literal["pending", "delivered", "failed"]
    attempts: list[CallbackAttempt]
    created_at: float
    next_attempt_at: float | None = None


class CallbackHosts(Request):
    hosts: list[str] = Field(max_length=100)


class CallbackHostList(Answer):
    hosts: list[str]


# --- operations ---------------------------------------------------------------------


class Health(Answer):
    status: Literal["ok"]


class Readiness(Answer):
    ready: bool
    checks: dict[str, dict[str, JSONValue]]
