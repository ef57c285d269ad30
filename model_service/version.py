"""Saving and loading one model version directory (see ``common.model_store``)."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common.categories import CODES
from common.model_store import is_complete
from model_service.params import ModelParams
from model_service.preprocessing import TextEncoder

if TYPE_CHECKING:  # Keras only where Keras weights are built: ONNX workers never import it
    import keras


@dataclass(frozen=True)
class VersionMeta:
    """What every runtime reads of a version: its sizes, vocabulary and fusion weight."""

    name: str
    params: ModelParams
    encoder: TextEncoder
    text_weight: float


def read_meta(path: Path) -> VersionMeta:
    """The JSON files of a complete version directory, checked against this code's classes."""
    if not is_complete(path):
        raise FileNotFoundError(f"{path} is not a complete model version")
    classes = json.loads((path / "classes.json").read_text())
    if classes != list(CODES):
        raise ValueError(f"{path}: class order differs from this code's 27 categories")
    return VersionMeta(
        path.name,
        ModelParams.from_dict(json.loads((path / "params.json").read_text())),
        TextEncoder.from_dict(json.loads((path / "vocab.json").read_text())),
        float(json.loads((path / "fusion.json").read_text())["text_weight"]),
    )


@dataclass
class ModelVersion:
    """The trained parts of one version; the VGG16 base is shared and not stored."""

    name: str
    params: ModelParams
    encoder: TextEncoder
    text_model: keras.Model
    image_head: keras.Model
    text_weight: float


def save_version(
    models_dir: Path,
    version: ModelVersion,
    extra_json: dict[str, Any] | None = None,
    extra_files: dict[str, Path] | None = None,
) -> Path:
    """Write ``version`` to ``models_dir/<name>`` atomically and return that path.

    Files go to a temporary sibling directory first, which is renamed into place
    only once complete: readers never see a half-written version.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    final = models_dir / version.name
    if final.exists():
        raise FileExistsError(f"model version {final} already exists")
    tmp = Path(tempfile.mkdtemp(dir=models_dir, prefix=f".tmp-{version.name}-"))
    try:
        _dump(tmp / "params.json", version.params.to_dict())
        _dump(tmp / "classes.json", list(CODES))
        _dump(tmp / "vocab.json", version.encoder.to_dict())
        _dump(tmp / "fusion.json", {"text_weight": version.text_weight})
        version.text_model.save_weights(tmp / "text.weights.h5")
        version.image_head.save_weights(tmp / "image_head.weights.h5")
        for name, data in (extra_json or {}).items():
            _dump(tmp / name, data)
        for name, source in (extra_files or {}).items():
            target = tmp / name
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def load_version(path: Path) -> ModelVersion:
    """Rebuild the Keras models of a version directory and load their weights."""
    from model_service.model import build_image_head, build_text_model

    meta = read_meta(path)
    text_model = build_text_model(meta.params)
    text_model.load_weights(path / "text.weights.h5")
    image_head = build_image_head(meta.params)
    image_head.load_weights(path / "image_head.weights.h5")
    return ModelVersion(
        meta.name, meta.params, meta.encoder, text_model, image_head, meta.text_weight
    )


def untrained_version(params: ModelParams | None = None) -> ModelVersion:
    """Randomly initialised heads: what a worker serves before any training."""
    from model_service.model import build_image_head, build_text_model

    params = params or ModelParams(vocab_size=2)
    return ModelVersion(
        "untrained",
        params,
        TextEncoder([]),
        build_text_model(params),
        build_image_head(params),
        text_weight=0.5,
    )


def _dump(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False))
