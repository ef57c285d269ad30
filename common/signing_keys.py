"""Signing keys from the settings: required outside development, generated once in it."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

logger = logging.getLogger(__name__)

MIN_SECRET_CHARS = 32


class ConfigError(RuntimeError):
    """A service cannot start with these settings."""


def signing_key(value: str, name: str, environment: str, dev_path: Path) -> str:
    """``value`` (the setting ``name``), checked; in development a local key when it is empty.

    Outside development a missing or short key stops the service at start: there
    is no default secret to forget to change.
    """
    if value:
        if environment != "development" and len(value) < MIN_SECRET_CHARS:
            raise ConfigError(f"{name} must have at least {MIN_SECRET_CHARS} characters")
        return value
    if environment != "development":
        raise ConfigError(
            f"{name} is required when ENVIRONMENT is not development; generate one "
            "with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return _local_key(dev_path, name)


def _local_key(path: Path, name: str) -> str:
    # One file shared by every process of the service on the machine, created once (O_EXCL).
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(48))
    logger.warning("%s unset: using the development key in %s", name, path)
    return path.read_text().strip()
