from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from common.settings import Settings


def test_defaults_put_state_under_var(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    assert settings.models_path == tmp_path / "models"
    assert settings.images_path == tmp_path / "images"
    assert settings.database_url == f"sqlite:///{tmp_path / 'shelfwise.db'}"
    assert settings.api_url == "http://127.0.0.1:8000"


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_BATCH", "16")
    monkeypatch.setenv("REDIS_URL", "redis://example:6379/2")
    monkeypatch.setenv("INFERENCE_LOCK", "")
    settings = Settings()
    assert settings.max_batch == 16
    assert settings.redis_url == "redis://example:6379/2"
    assert settings.inference_lock is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAX_BATCH", "0"),
        ("MAX_BATCH", "many"),
        ("PREDICT_TIMEOUT_S", "-1"),
        ("LOG_FORMAT", "xml"),
        ("MAX_UPLOAD_MB", "0"),
    ],
)
def test_invalid_values_fail_fast(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name.lower()):
        Settings()


def test_claim_idle_must_outlast_heartbeats() -> None:
    with pytest.raises(ValidationError, match="CLAIM_IDLE_MS"):
        Settings(heartbeat_s=2.0, claim_idle_ms=3000)


def test_upload_cap_in_bytes() -> None:
    assert Settings(max_upload_mb=1.5).max_upload_bytes == 1_572_864
