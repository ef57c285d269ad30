"""Tiny labelled products the trainer tests make themselves, in both layouts."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from model_service.model import ModelParams
from trainer.recipe import TrainingRecipe

WORDS = {
    10: ["livre", "roman", "auteur", "edition", "poche", "chapitre"],
    2583: ["piscine", "pompe", "filtre", "chlore", "bassin", "skimmer"],
    1160: ["carte", "pokemon", "booster", "holo", "dresseur", "deck"],
}
COLORS = {10: (200, 40, 40), 2583: (40, 60, 210), 1160: (40, 190, 60)}
NEUTRAL = ["neuf", "lot", "qualite", "prix", "taille", "couleur", "super"]

TINY_PARAMS = ModelParams(
    vocab_size=120, seq_len=12, embed_dim=16, gru_units=8, text_dropout=0.1,
    image_size=32,
)  # fmt: skip
"""Tiny sizes; both branches as new versions have them (two text members; framed product,
pooled, linear)."""
TINY_RECIPE = TrainingRecipe(min_count=1, warmup_fraction=0.0)
"""Every word counts on tiny data, and a few epochs leave no room for a warm-up."""


@dataclass(frozen=True)
class Item:
    productid: str
    imageid: str
    designation: str
    description: str
    code: int | str
    image: bytes | None
    split: str = "train"


def jpeg(code: int, seed: int, size: int = 40) -> bytes:
    """A small photo-like JPEG: the class colour with noise."""
    rng = random.Random(seed)
    base = COLORS.get(code, (128, 128, 128))
    image = Image.new("RGB", (size, size))
    image.putdata(
        [
            tuple(max(0, min(255, c + rng.randint(-30, 30))) for c in base)
            for _ in range(size * size)
        ]
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def products(per_class: int = 30, seed: int = 0, image_every: int = 2) -> list[Item]:
    """``per_class`` products of each class; every ``image_every``-th has a photo."""
    rng = random.Random(seed)
    items = []
    n = 0
    for code, words in WORDS.items():
        for i in range(per_class):
            n += 1
            title = " ".join(rng.sample(words, 2) + rng.sample(NEUTRAL, 2))
            desc = f"<p>{' '.join(rng.sample(words, 2))} &amp; {rng.choice(NEUTRAL)}</p>"
            image = jpeg(code, seed * 10_000 + n) if i % image_every == 0 else None
            items.append(
                Item(
                    str(1_000_000 + seed * 10_000 + n),
                    str(2_000_000 + n),
                    title,
                    desc if i % 3 else "",
                    code,
                    image,
                    "val" if i % 5 == 0 else "train",
                )
            )
    return items


def image_only(item: Item) -> Item:
    return replace(item, designation="", description="")


def write_shared(root: Path, items: list[Item]) -> Path:
    """``products.csv`` + ``images/`` (the shared data's layout)."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    with open(root / "products.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "productid",
                "imageid",
                "designation",
                "description",
                "prdtypecode",
                "split",
                "has_text",
                "has_image",
                "image_file",
                "text_kind",
            ]
        )
        for it in items:
            name = f"image_{it.imageid}_product_{it.productid}.jpg" if it.image else ""
            if it.image:
                (root / "images" / name).write_bytes(it.image)
            w.writerow(
                [
                    it.productid,
                    it.imageid,
                    it.designation,
                    it.description,
                    it.code,
                    it.split,
                    int(bool(it.designation)),
                    int(bool(it.image)),
                    name,
                    "original",
                ]
            )
    return root


def write_challenge(root: Path, items: list[Item]) -> Path:
    """``X_train_update.csv`` + ``Y_train_CVw08PX.csv`` + ``image_train/``."""
    (root / "image_train").mkdir(parents=True, exist_ok=True)
    with (
        open(root / "X_train_update.csv", "w", newline="", encoding="utf-8") as fx,
        open(root / "Y_train_CVw08PX.csv", "w", newline="", encoding="utf-8") as fy,
    ):
        x, y = csv.writer(fx), csv.writer(fy)
        x.writerow(["", "designation", "description", "productid", "imageid"])
        y.writerow(["", "prdtypecode"])
        for i, it in enumerate(items):
            x.writerow([i, it.designation, it.description, it.productid, it.imageid])
            y.writerow([i, it.code])
            if it.image:
                name = f"image_{it.imageid}_product_{it.productid}.jpg"
                (root / "image_train" / name).write_bytes(it.image)
    return root
