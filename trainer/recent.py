"""Evaluation on fresh data: a version scored on the products ingested after it was trained.

The products are written out in the ``products.csv`` layout and scored by
``trainer.evaluate.evaluate_directory``, so they go through the same reading,
validation and prediction code as any other evaluation.
"""

from __future__ import annotations

import csv
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from common import model_store
from common.image_store import ImageNotFound, ImageStore
from common.orm import ModelVersionRecord, Product
from trainer.context import TrainerContext
from trainer.errors import NoModel, NoTrainingData
from trainer.evaluate import evaluate_directory

logger = logging.getLogger(__name__)


def evaluate_recent(ctx: TrainerContext, version: str | None) -> dict[str, Any]:
    """Score ``version`` (default production) on products ingested after it was trained."""
    settings, sessions = ctx.settings, ctx.sessions
    name = version or model_store.production_version(settings.models_path)
    if name is None:
        raise NoModel("no production model version to evaluate")
    store = ImageStore(settings.images_path)
    with sessions() as session:
        record = session.scalars(
            select(ModelVersionRecord).where(ModelVersionRecord.name == name)
        ).first()
        if record is None:
            raise NoModel(f"version {name} is not in the registry")
        products = list(
            session.scalars(
                select(Product).where(Product.updated_at > record.created_at).order_by(Product.id)
            )
        )
    if not products:
        raise NoTrainingData(f"no labelled product was ingested after {name} was trained")
    root = Path(tempfile.mkdtemp(prefix="recent-eval-"))
    try:
        (root / "images").mkdir()
        with open(root / "products.csv", "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(
                ["productid", "designation", "description", "prdtypecode", "image_file"]
            )
            for p in products:
                image_file = ""
                if p.image_hash:
                    try:
                        (root / "images" / p.image_hash).write_bytes(store.get(p.image_hash))
                        image_file = p.image_hash
                    except ImageNotFound:
                        logger.warning("product %s: image %s missing", p.productid, p.image_hash)
                writer.writerow(
                    [p.productid, p.designation, p.description, p.prdtypecode, image_file]
                )
        result = evaluate_directory(settings, root, name)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    result.update(data="recent", since=record.created_at.isoformat(), products=len(products))
    return result
