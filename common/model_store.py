"""The model volume: version directories and the production pointer.

``models/<version>/`` holds one trained model (written by the trainer, read by
model workers); ``models/PRODUCTION`` names the version that serves. Both are
replaced atomically (write elsewhere, then rename), so readers never see a
half-written version or pointer. Nothing here needs TensorFlow.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

POINTER = "PRODUCTION"
REQUIRED_FILES = (
    "params.json",
    "classes.json",
    "vocab.json",
    "fusion.json",
    "text.weights.h5",
    "image_head.weights.h5",
)
_VERSION = re.compile(r"^v(\d+)$")


class UnknownVersion(LookupError):
    """No complete model version of that name exists on the volume."""


def version_path(models_dir: Path, version: str) -> Path:
    if not _VERSION.match(version):
        raise UnknownVersion(f"'{version}' is not a version name (v1, v2, ...)")
    return models_dir / version


def is_complete(path: Path) -> bool:
    """Whether a directory holds every file a model worker needs."""
    return path.is_dir() and all((path / name).is_file() for name in REQUIRED_FILES)


def list_versions(models_dir: Path) -> list[str]:
    """Complete versions on the volume, oldest first."""
    if not models_dir.is_dir():
        return []
    found = [
        (int(m.group(1)), p.name)
        for p in models_dir.iterdir()
        if (m := _VERSION.match(p.name)) and is_complete(p)
    ]
    return [name for _, name in sorted(found)]


def next_version_name(models_dir: Path) -> str:
    """``v<n+1>`` after the highest version directory present (complete or not)."""
    numbers = [int(m.group(1)) for p in models_dir.glob("v*") if (m := _VERSION.match(p.name))]
    return f"v{max(numbers, default=0) + 1}"


def production_version(models_dir: Path) -> str | None:
    """The version the pointer names, or None before any promotion."""
    try:
        data = json.loads((models_dir / POINTER).read_text())
    except FileNotFoundError:
        return None
    version = data.get("version")
    return version if isinstance(version, str) else None


def set_production(models_dir: Path, version: str, reason: str = "") -> None:
    """Point production at ``version`` (which must be complete), atomically."""
    if not is_complete(version_path(models_dir, version)):
        raise UnknownVersion(f"no complete model version '{version}' in {models_dir}")
    record = {"version": version, "promoted_at": datetime.now(UTC).isoformat(), "reason": reason}
    write_json_atomic(models_dir / POINTER, record)


def write_json_atomic(path: Path, data: object) -> None:
    """Write JSON to ``path`` so that readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(data, out, indent=2, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
