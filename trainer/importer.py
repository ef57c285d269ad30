"""``trainer import``: labelled products from a directory into the database and image store.

Idempotent (a second run changes nothing), deduplicated by ``productid`` (the
latest batch, and within a file the last row, wins). Bad rows are reported with
a reason and never abort the import. The whole batch is one transaction: a crash
leaves no batch and no product of it behind. Images are content-addressed, so an
interrupted run leaves at most unreferenced image files, which the next run reuses.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from common.image_store import ImageStore
from common.orm import BATCH_DONE, IngestionBatch, Product, utcnow
from common.settings import Settings
from trainer import layouts

logger = logging.getLogger(__name__)

DUPLICATE_PRODUCTID = "duplicate_productid"
RowCallback = Callable[[int, int], None]
"""Called with (rows done, rows total) while reading."""


@dataclass
class ImportReport:
    batch_id: int
    source: str
    layout: str
    split: str | None
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self, max_rejections: int = 20) -> dict[str, Any]:
        reasons: dict[str, int] = {}
        for r in self.rejected:
            reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
        return {
            "batch_id": self.batch_id, "source": self.source, "layout": self.layout,
            "split": self.split, "inserted": self.inserted, "updated": self.updated,
            "unchanged": self.unchanged, "rejected": len(self.rejected),
            "rejected_by_reason": reasons, "rejected_rows": self.rejected[:max_rejections],
            "seconds": round(self.seconds, 2),
        }  # fmt: skip


def import_directory(
    settings: Settings,
    sessions: sessionmaker[Session],
    path: Path,
    split: str | None = None,
    *,
    progress: bool = False,
    on_row: RowCallback | None = None,
) -> ImportReport:
    """Import every valid product of ``path`` as one ingestion batch; see the module doc."""
    started = time.monotonic()
    path = path.resolve()
    layout, rows = layouts.read_rows(path, split)
    store = ImageStore(settings.images_path)
    last = {raw.productid: i for i, raw in enumerate(rows) if raw.productid}
    rejected: list[dict[str, Any]] = []
    with sessions.begin() as session:
        batch = IngestionBatch(source=str(path), kind=layout, split=split, rejected_rows=[])
        session.add(batch)
        session.flush()
        report = ImportReport(batch.id, str(path), layout, split, rejected=rejected)
        existing = {p.productid: p for p in session.scalars(select(Product))}
        bar = tqdm(rows, desc="importing", unit="row", disable=not progress)
        for i, raw in enumerate(bar):
            if raw.productid and last[raw.productid] != i:
                rejected.append(
                    layouts.Rejection(
                        raw.row,
                        raw.productid,
                        DUPLICATE_PRODUCTID,
                        f"superseded by row {rows[last[raw.productid]].row} of the same source",
                    ).to_dict()
                )
            else:
                checked = layouts.validate(raw, settings.max_image_pixels)
                if isinstance(checked, layouts.Rejection):
                    rejected.append(checked.to_dict())
                else:
                    _upsert(session, batch.id, checked, store, existing, report)
            if i % 2000 == 1999:
                session.flush()  # bounded memory; still one transaction
            if on_row is not None:
                on_row(i + 1, len(rows))
        batch.inserted, batch.updated = report.inserted, report.updated
        batch.unchanged, batch.rejected = report.unchanged, len(rejected)
        batch.rejected_rows = rejected
        batch.status, batch.finished_at = BATCH_DONE, utcnow()
    report.seconds = time.monotonic() - started
    logger.info(
        "import batch %d from %s: %d inserted, %d updated, %d unchanged, %d rejected",
        report.batch_id,
        path,
        report.inserted,
        report.updated,
        report.unchanged,
        len(rejected),
    )
    return report


def _upsert(
    session: Session,
    batch_id: int,
    item: layouts.Product,
    store: ImageStore,
    existing: dict[str, Product],
    report: ImportReport,
) -> None:
    digest = store.put(item.image_bytes) if item.image_bytes is not None else None
    fields = {
        "imageid": item.imageid or None,
        "designation": item.designation,
        "description": item.description,
        "image_hash": digest,
        "prdtypecode": item.code,
    }
    current = existing.get(item.productid)
    if current is None:
        session.add(Product(productid=item.productid, batch_id=batch_id, **fields))
        report.inserted += 1
    elif any(getattr(current, k) != v for k, v in fields.items()):
        for k, v in fields.items():
            setattr(current, k, v)
        current.batch_id = batch_id  # the latest batch wins
        report.updated += 1
    else:
        report.unchanged += 1
