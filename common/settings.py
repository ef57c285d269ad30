"""Every setting of every service, read once from the environment.

This is the only module that reads the environment. Entry points call
``Settings()`` (or ``load_settings()``) once and pass the object down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]
"""The checkout: local state defaults to ``var/`` and ``feedback/`` inside it."""


def _default_data_dir() -> Path:
    shared = ROOT.parent / "shared" / "data" / "rakuten"
    return shared if shared.is_dir() else ROOT / "data"


class Settings(BaseSettings):
    """Configuration shared by the API, the model workers and the trainer."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    # --- infrastructure -------------------------------------------------------
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis broker.")
    database_url: str = Field("", description="SQLAlchemy URL; empty means var/shelfwise.db.")
    var_dir: Path = Field(ROOT / "var", description="Local state: models, images, database.")
    model_dir: Path | None = Field(None, description="Model versions; default var/models.")
    image_dir: Path | None = Field(None, description="Image store; default var/images.")
    feedback_dir: Path = Field(ROOT / "feedback", description="Feedback CSV export.")
    data_dir: Path = Field(default_factory=_default_data_dir, description="Labelled data.")
    vgg16_weights: str | None = Field(
        None,
        description="ImageNet VGG16 no-top .h5 file; unset: Keras downloads its own; "
        "'random': untrained conv base (tests and offline smoke runs only).",
    )

    # --- API ------------------------------------------------------------------
    api_host: str = Field("127.0.0.1", description="Address the API listens on.")
    api_port: int = Field(8000, description="Port of the API.")
    api_workers: int = Field(2, ge=1, description="gunicorn processes of the API.")
    api_threads: int = Field(32, ge=1, description="Threads per API process (requests waiting).")
    frontend_host: str = Field("127.0.0.1", description="Address the frontend listens on.")
    frontend_port: int = Field(8080, description="Port of the frontend.")
    api_url: str = Field(
        "", description="Where the frontend finds the API; default from host/port."
    )
    frontend_secret_key: SecretStr = Field(
        SecretStr(""),
        description="Key that signs the frontend's session cookie (32+ characters); required "
        "in production, a local one under VAR_DIR in development.",
    )
    frontend_secure_cookie: bool | None = Field(
        None,
        description="Send the session cookie over HTTPS only; unset: on in production, off in "
        "development (plain http on localhost).",
    )
    frontend_api_timeout_s: float = Field(
        30.0, gt=0, description="How long the frontend waits for an API answer."
    )
    predict_timeout_s: float = Field(10.0, gt=0, description="How long /predict waits.")
    max_upload_mb: float = Field(10.0, gt=0, description="Largest request body.")
    predict_requests_per_minute: int = Field(
        1200,
        ge=0,
        description="Prediction requests per account (or anonymous address) per "
        "minute before 429; 0 = no limit.",
    )
    predict_products_per_minute: int = Field(
        6000,
        ge=0,
        description="Products classified per account (or anonymous address) per "
        "minute before 429, batches included; 0 = no limit.",
    )
    max_batch_products: int = Field(
        64, ge=1, le=1000, description="Most products in one /predict/batch request."
    )
    max_image_pixels: int = Field(40_000_000, gt=0, description="Decompression-bomb cap.")
    max_text_chars: int = Field(20_000, gt=0, description="Longest designation/description.")
    backlog_limit: int = Field(1000, gt=0, description="Queued jobs before /predict sheds load.")
    result_ttl_s: int = Field(3600, gt=0, description="How long answers stay readable.")
    redis_timeout_s: float = Field(2.0, gt=0, description="Connect/command timeout to Redis.")

    callback_timeout_s: float = Field(
        5.0, gt=0, le=60, description="How long one callback delivery waits for its receiver."
    )
    callback_max_attempts: int = Field(
        8, ge=1, le=20, description="Deliveries of one callback before it is given up."
    )
    callback_backoff_s: float = Field(
        2.0,
        gt=0,
        description="Wait before a callback's second attempt; it doubles after each failure "
        "(at most 10 minutes).",
    )
    callback_workers: int = Field(
        4, ge=1, le=64, description="Callback deliveries in flight per API process."
    )

    # --- accounts and security (API) ------------------------------------------
    environment: Literal["development", "production"] = Field(
        "development",
        description="`production` requires real secrets (JWT_SECRET_KEY) and refuses to start "
        "without them; `development` makes a local one under VAR_DIR.",
    )
    jwt_secret_key: SecretStr = Field(
        SecretStr(""),
        description="Key that signs access tokens (32+ characters); required in production.",
    )
    jwt_expires_s: int = Field(3600, gt=0, description="Lifetime of an access token.")
    admin_username: str = Field(
        "", description="First admin's name, created at start when no admin exists yet."
    )
    admin_password: SecretStr = Field(
        SecretStr(""), description="First admin's password (read once, with ADMIN_USERNAME)."
    )
    predict_anonymous: bool = Field(False, description="Let clients without a token use /predict.")
    login_max_failures_per_user: int = Field(
        5, ge=1, description="Failed logins per username per window before 429."
    )
    login_max_attempts_per_address: int = Field(
        30, ge=1, description="Logins per client address per window before 429."
    )
    login_window_s: int = Field(300, gt=0, description="Login rate-limit window.")
    trusted_proxies: int = Field(
        0,
        ge=0,
        description="Reverse proxies in front of the API whose X-Forwarded-For "
        "is trusted for the client address.",
    )

    # --- admin API ------------------------------------------------------------
    upload_dir: Path | None = Field(
        None, description="Staged product uploads awaiting import; default var/uploads."
    )
    max_bulk_upload_mb: float = Field(
        500.0, gt=0, description="Largest add-product-data request (CSV + images zip)."
    )
    max_zip_uncompressed_mb: float = Field(
        2000.0, gt=0, description="Largest total size of an images zip once extracted."
    )
    max_zip_entries: int = Field(200_000, gt=0, description="Most files in an images zip.")
    max_zip_ratio: float = Field(
        100.0, gt=1, description="Highest compression ratio of a zip entry (zip bombs)."
    )
    max_csv_rows: int = Field(500_000, gt=0, description="Most rows in an uploaded CSV.")
    import_wait_s: float = Field(
        10.0, ge=0, description="How long a one-product upload waits for its import job."
    )
    import_timeout_s: int = Field(3600, gt=0, description="Time limit of an import job.")
    retrain_timeout_s: int = Field(6 * 3600, gt=0, description="Time limit of a retrain job.")
    evaluate_timeout_s: int = Field(3600, gt=0, description="Time limit of an evaluation job.")
    job_alive_ttl_s: int = Field(
        15,
        ge=2,
        description="A running job's liveness beat lasts this long; a job silent "
        "for longer lost its trainer and is marked failed.",
    )
    job_result_ttl_s: int = Field(
        7 * 24 * 3600, gt=0, description="How long finished admin jobs stay readable."
    )
    promotion_max_f1_drop: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Largest per-class F1 drop against production a promotion may bring "
        "unless forced.",
    )
    latency_window: int = Field(
        10_000, gt=0, description="Recorded predictions behind evaluate-model's latency."
    )

    # --- model workers --------------------------------------------------------
    model_workers: int = Field(2, ge=1, description="Model workers `make run` starts.")
    max_batch: int = Field(8, ge=1, le=512, description="Jobs per forward pass.")
    serving_runtime: Literal["auto", "int8", "fp32"] = Field(
        "auto",
        description="Which image-branch file the workers serve: int8 where the "
        "version's accuracy gate passed (auto), always int8, or fp32.",
    )
    image_engine: Literal["openvino", "onnxruntime"] = Field(
        "openvino",
        description="What runs the image branch's ONNX file in the workers (and the "
        "trainer's int8 gate): OpenVINO, or ONNX Runtime.",
    )
    inference_threads: int = Field(
        0, ge=0, description="Inference threads per model worker; 0 = every core."
    )
    tf_intra_threads: int = Field(
        0, ge=0, description="TensorFlow intra-op threads of the trainer; 0 = auto."
    )
    tf_inter_threads: int = Field(
        0, ge=0, description="TensorFlow inter-op threads of the trainer; 0 = auto."
    )
    heartbeat_s: float = Field(1.0, gt=0, description="Worker heartbeat period.")
    claim_idle_ms: int = Field(5000, ge=100, description="Idle time before a job is reclaimed.")
    max_deliveries: int = Field(3, ge=1, description="Deliveries before dead-lettering.")
    worker_name: str = Field("", description="Consumer name; default host-pid.")
    model_poll_s: float = Field(1.0, gt=0, description="How often workers look for a new model.")
    inference_lock: Path | None = Field(
        None,
        description="Lock file that makes workers on one machine take turns at "
        "inference, so each may use every core without oversubscribing them.",
    )

    # --- trainer --------------------------------------------------------------
    training_queue: str = Field("training", description="RQ queue of retrain/import jobs.")
    mlflow_tracking_uri: str = Field(
        "", description="MLflow server for training runs; empty: no MLflow logging."
    )

    # --- feedback, monitoring and alerts --------------------------------------
    alert_f1: float = Field(
        0.70,
        ge=0,
        le=1,
        description="Weighted F1 (live or evaluated) under which admins are alerted.",
    )
    drift_psi_threshold: float = Field(
        0.25, gt=0, description="Total PSI of recent predictions' classes that counts as drift."
    )
    low_confidence: float = Field(
        0.5, ge=0, le=1, description="Confidence under which an answer counts as low-confidence."
    )
    prediction_photo_retention_days: int = Field(
        30,
        ge=0,
        description="Days a photo sent to /predict stays in the image store, unless a product "
        "or pending feedback uses it; 0 keeps none.",
    )
    monitor_window_s: int = Field(
        7 * 24 * 3600, gt=0, description="Rolling window of live quality and drift."
    )
    monitor_bucket_s: int = Field(
        24 * 3600, gt=0, description="Width of one point of the monitoring time series."
    )
    monitor_min_feedback: int = Field(
        30, ge=1, description="Feedback with known truth a window needs before its F1 can alert."
    )
    monitor_min_predictions: int = Field(
        200, ge=1, description="Predictions a window needs before its drift can alert."
    )
    monitor_interval_s: int = Field(
        300, gt=0, description="How often the trainer checks live quality and drift."
    )
    evaluation_interval_s: int = Field(
        24 * 3600,
        ge=0,
        description="How often the trainer scores production on products newer than it; 0 = never.",
    )
    alert_cooldown_s: int = Field(
        6 * 3600, gt=0, description="Quiet time after an alert: one incident, one alert."
    )
    alert_webhook_url: str = Field(
        "", description="URL that receives each alert as a JSON POST; empty: none."
    )
    smtp_host: str = Field("", description="SMTP server for alert e-mails; empty: no e-mail.")
    smtp_port: int = Field(587, gt=0, description="SMTP port.")
    smtp_tls: Literal["starttls", "ssl", "none"] = Field(
        "starttls", description="`starttls`, `ssl` (implicit TLS) or `none`."
    )
    smtp_username: str = Field("", description="SMTP login; empty: no login.")
    smtp_password: SecretStr = Field(SecretStr(""), description="SMTP password.")
    smtp_from: str = Field("shelfwise@localhost", description="Sender of alert e-mails.")
    auto_retrain: bool = Field(
        False, description="Enqueue a retrain on a quality or drift alert (once per cool-down)."
    )
    retrain_interval_s: int = Field(
        7 * 24 * 3600,
        ge=0,
        description="How often the trainer considers a periodic retrain; 0 = never.",
    )
    retrain_min_new_products: int = Field(
        500, ge=1, description="New labelled products a periodic retrain needs."
    )
    prometheus_multiproc_dir: Path | None = Field(
        None,
        description="Where gunicorn's API processes share their metrics; "
        "default var/prometheus (set by api/gunicorn_conf.py).",
    )
    schedule_tick_s: float = Field(
        5.0, gt=0, description="How often the trainer's schedule looks for due tasks."
    )
    metrics_port: int = Field(
        0, ge=0, description="Prometheus port of a model worker or trainer; 0 = off."
    )

    # --- logging --------------------------------------------------------------
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_format: Literal["text", "json"] = Field(
        "text", description="`text` for people, `json` for log collectors."
    )

    @field_validator(
        "model_dir",
        "image_dir",
        "upload_dir",
        "inference_lock",
        "vgg16_weights",
        "prometheus_multiproc_dir",
        "frontend_secure_cookie",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _fill_derived(self) -> Settings:
        self.var_dir = self.var_dir.resolve()
        if self.model_dir is None:
            self.model_dir = self.var_dir / "models"
        if self.image_dir is None:
            self.image_dir = self.var_dir / "images"
        if self.upload_dir is None:
            self.upload_dir = self.var_dir / "uploads"
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'shelfwise.db'}"
        if not self.api_url:
            self.api_url = f"http://{self.api_host}:{self.api_port}"
        if self.claim_idle_ms <= 2000 * self.heartbeat_s:
            raise ValueError(
                "CLAIM_IDLE_MS must exceed two heartbeats, or live workers lose their jobs"
            )
        return self

    @property
    def models_path(self) -> Path:
        assert self.model_dir is not None
        return self.model_dir

    @property
    def images_path(self) -> Path:
        assert self.image_dir is not None
        return self.image_dir

    @property
    def uploads_path(self) -> Path:
        assert self.upload_dir is not None
        return self.upload_dir

    @property
    def max_bulk_upload_bytes(self) -> int:
        return int(self.max_bulk_upload_mb * 1024 * 1024)

    @property
    def features_path(self) -> Path:
        """Cached VGG16 features on the model volume, keyed by image content hash."""
        return self.models_path / "features"

    @property
    def backbones_path(self) -> Path:
        """VGG16 and its feature pooling as ONNX, fp32 and int8, shared by every version."""
        return self.models_path / "backbones"

    @property
    def tuned_params_path(self) -> Path:
        """Best parameters found by ``trainer tune``: the defaults of the next ``train``."""
        return self.models_path / "tuned.json"

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (tests, CLIs)."""
    return Settings(**overrides)  # type: ignore[arg-type]


LOCAL_ENV_FILE = ROOT / ".env.local"
"""``make run``'s own optional settings file (``.env`` belongs to docker compose)."""


def read_env_file(path: Path) -> dict[str, str]:
    """The ``NAME=value`` lines of an env file (empty when it does not exist)."""
    from dotenv import dotenv_values

    if not path.is_file():
        return {}
    return {name: value for name, value in dotenv_values(path).items() if value is not None}
