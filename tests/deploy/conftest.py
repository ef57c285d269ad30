"""Static views of the deployment files: compose, Dockerfiles, Kubernetes manifests."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import yaml

from common.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SERVICE_DIRS = {
    "api": "api",
    "model": "model_service",
    "trainer": "trainer",
    "frontend": "frontend",
}
"""Compose service -> the folder holding its code and Dockerfile."""
SERVICE_CODE = {
    "api": ("api",),
    "model": ("model_service",),
    "trainer": ("trainer", "model_service"),
    "frontend": ("frontend",),
}
"""Compose service -> its own folders; the modules of common/ they import are added."""

SETTINGS = {name.upper() for name in Settings.model_fields}
RUNTIME_ENV = {
    # read by Python, pip, Keras, TensorFlow or matplotlib, not by our settings
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONUNBUFFERED",
    "PYTHONPATH",
    "PIP_NO_CACHE_DIR",
    "PIP_DISABLE_PIP_VERSION_CHECK",
    "KERAS_BACKEND",
    "TF_CPP_MIN_LOG_LEVEL",
    "MPLCONFIGDIR",
}
# Settings whose defaults only make sense on a developer's machine (localhost, ./var).
LOCAL_DEFAULTS = {
    "redis_url",
    "database_url",
    "var_dir",
    "model_dir",
    "image_dir",
    "upload_dir",
    "feedback_dir",
    "api_url",
    "api_host",
    "frontend_host",
    "vgg16_weights",
}
SECRETS = {"jwt_secret_key", "frontend_secret_key"}
"""Settings a service running with ENVIRONMENT=production cannot do without."""
SHARED_STATE = {"model_dir", "image_dir", "upload_dir", "feedback_dir"}
PROPERTIES = {
    # Settings properties -> the field they derive from
    "models_path": "model_dir",
    "features_path": "model_dir",
    "tuned_params_path": "model_dir",
    "images_path": "image_dir",
    "uploads_path": "upload_dir",
    "max_upload_bytes": "max_upload_mb",
    "max_bulk_upload_bytes": "max_bulk_upload_mb",
}


def code_files(*folders: str) -> set[Path]:
    """The files of ``folders`` and every module of common/ they import, transitively."""
    todo = [p for folder in folders for p in (ROOT / folder).rglob("*.py")]
    found: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in found:
            continue
        found.add(path)
        text = path.read_text()
        names = re.findall(r"^\s*from common\.(\w+) import", text, re.M)
        for group in re.findall(r"^\s*from common import \(?([\w, ]+)", text, re.M):
            names += [n.strip() for n in group.split(",")]
        todo += [m for n in names if (m := ROOT / "common" / f"{n}.py").is_file()]
    return found


def settings_read_by(*folders: str) -> set[str]:
    """Fields of Settings that the code of ``folders`` reads (``settings.x``, ``_settings.x``)."""
    found: set[str] = set()
    for path in code_files(*folders):
        for name in re.findall(r"settings\.([a-z_0-9]+)", path.read_text()):
            found.add(PROPERTIES.get(name, name))
    return found & set(Settings.model_fields) - {"model_config"}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def load_yaml_all(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


class Dockerfile:
    """The instructions of one Dockerfile, continuation lines joined."""

    def __init__(self, path: Path) -> None:
        self.path = path
        text = re.sub(r"\\\n", " ", path.read_text())
        self.instructions: list[tuple[str, str]] = []
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                keyword, _, rest = line.partition(" ")
                self.instructions.append((keyword.upper(), rest.strip()))

    def all(self, keyword: str) -> list[str]:
        return [rest for k, rest in self.instructions if k == keyword]

    def index(self, keyword: str, contains: str = "") -> int:
        for i, (k, rest) in enumerate(self.instructions):
            if k == keyword and contains in rest:
                return i
        raise LookupError(f"{self.path}: no {keyword} {contains}")

    @property
    def env(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for rest in self.all("ENV"):
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                found[name] = value
        return found

    @property
    def cmd(self) -> list[str]:
        return list(json.loads(self.all("CMD")[-1]))

    @property
    def healthcheck(self) -> list[str]:
        rest = self.all("HEALTHCHECK")[-1]
        return list(json.loads(rest[rest.index("CMD") + 3 :].strip()))


def dockerfile(service: str) -> Dockerfile:
    return Dockerfile(ROOT / SERVICE_DIRS[service] / "Dockerfile")


def command_exists(argv: list[str]) -> str | None:
    """None when ``argv`` starts code that exists in the repository, else why not."""
    if argv[:2] == ["python", "-m"]:
        module = argv[2].replace(".", "/")
        if (ROOT / module / "__main__.py").is_file() or (ROOT / f"{module}.py").is_file():
            return None
        return f"no module {argv[2]}"
    if argv[:2] == ["python", "-c"]:
        return None
    if argv[0] == "gunicorn":
        conf = argv[argv.index("-c") + 1]
        module, _, attribute = argv[-1].partition(":")
        source = ROOT / f"{module.replace('.', '/')}.py"
        if not (ROOT / conf).is_file():
            return f"no gunicorn config {conf}"
        if not source.is_file() or not re.search(rf"^{attribute}\b\s*=", source.read_text(), re.M):
            return f"no {attribute} in {module}"
        return None
    return f"unknown program {argv[0]}"
