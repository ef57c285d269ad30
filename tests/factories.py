"""Small things tests make for themselves: tiny model versions, images, texts."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

TINY_IMAGE_SIZE = 32
"""VGG16 at 32x32 runs in a millisecond or two: plenty for testing the plumbing."""


def tiny_params(**overrides: object):
    from model_service.model import ModelParams

    values = dict(
        vocab_size=64,
        seq_len=12,
        embed_dim=8,
        gru_units=4,
        image_hidden=16,
        image_size=TINY_IMAGE_SIZE,
    )
    values.update(overrides)
    return ModelParams(**values)  # type: ignore[arg-type]


def make_tiny_version(
    models_dir: Path,
    name: str = "v1",
    text_weight: float = 0.5,
    promote: bool = True,
    seed: int = 0,
    image_features: str = "flat",
    export: bool = True,
) -> Path:
    """A randomly initialised but complete model version, optionally put in production.

    ``export``: with the ONNX files workers serve, made by the trainer's own export
    (once per kind of tiny version in a test session, then copied).
    """
    import keras

    from common.model_store import set_production
    from model_service.model import build_image_head, build_text_model
    from model_service.preprocessing import TextEncoder
    from model_service.version import ModelVersion, save_version

    keras.utils.set_random_seed(seed)
    encoder = TextEncoder(TINY_WORDS)
    params = tiny_params(vocab_size=encoder.size, image_features=image_features)
    version = ModelVersion(
        name, params, encoder, build_text_model(params), build_image_head(params), text_weight
    )
    path = save_version(models_dir, version)
    if export:
        _copy_export(path, version, (seed, image_features, text_weight))
    if promote:
        set_production(models_dir, name)
    return path


TINY_WORDS = ["piscine", "livre", "console", "jeu"]
_EXPORTS: dict[tuple[object, ...], Path] = {}


def _copy_export(path: Path, version: object, key: tuple[object, ...]) -> None:
    """The ONNX files of a tiny version: exported for real the first time, then copied."""
    import shutil
    import tempfile

    from model_service.runtime import IMAGE_FILES, SERVING_FILE, TEXT_FILE

    if key not in _EXPORTS:
        tiny_export(path, version)
        _EXPORTS[key] = Path(tempfile.mkdtemp(prefix="tiny-onnx-"))
        for file in (TEXT_FILE, *IMAGE_FILES.values(), SERVING_FILE):
            shutil.copy2(path / file, _EXPORTS[key] / file)
        return
    for file in (TEXT_FILE, *IMAGE_FILES.values(), SERVING_FILE):  # serving.json last
        shutil.copy2(_EXPORTS[key] / file, path / file)


def tiny_export(path: Path, version: object) -> dict[str, object]:
    """``trainer.export`` on a tiny version: random photos calibrate and gate it; the
    backbone is kept beside the version, as the trainer keeps it on the model volume."""
    from model_service.fusion import ProductInput
    from trainer.backbone import cached_backbone
    from trainer.export import GateSet, export_version

    rng = np.random.default_rng(0)
    photos = rng.integers(0, 255, (24, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE, 3), dtype=np.uint8)
    items = [
        ProductInput(TINY_WORDS[n % 4] if n % 3 else "", photos[n] if n % 3 != 1 else None)
        for n in range(16)
    ]
    labels = rng.integers(0, 27, len(items))
    params = version.params  # type: ignore[attr-defined]
    backbone = cached_backbone(path.parent / "backbones", params, "random", photos[16:])
    return export_version(path, version, backbone, GateSet(items, labels))  # type: ignore[arg-type]


def noisy_jpeg(size: int = 300, seed: int = 0) -> bytes:
    """A JPEG of random pixels: large for its size, so a cut one keeps its header."""
    pixels = np.random.default_rng(seed).integers(0, 255, (size, size, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=90)
    return out.getvalue()


def image_bytes(
    fmt: str = "JPEG",
    size: tuple[int, int] = (64, 48),
    mode: str = "RGB",
    color: tuple[int, ...] = (200, 30, 30),
    **save_args: object,
) -> bytes:
    """An encoded image of one colour with a darker stripe (so it is not uniform)."""
    image = Image.new(mode, size, color if mode != "L" else color[0])
    pixels = np.array(image)
    pixels[: size[1] // 3] //= 2
    image = Image.fromarray(pixels, mode=mode)
    out = io.BytesIO()
    image.save(out, format=fmt, **save_args)
    return out.getvalue()
