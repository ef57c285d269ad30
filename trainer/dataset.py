"""Training data from the database, split by stable hashes of ``productid``.

The evaluation set (about 10 %) depends on nothing but each product's id, so it
is the same set in every run, never trained on, and versions compare on it. The
rest splits into train and validation the same way, with a different salt.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.categories import CLASS_INDEX
from common.orm import Product
from model_service.preprocessing import clean_text

EVAL_FRACTION = 0.10
VAL_FRACTION = 0.15
"""Share of the non-evaluation products used for early stopping and the fusion weight."""

TRAIN, VAL, EVAL = "train", "val", "eval"


def stable_fraction(productid: str, salt: str) -> float:
    """A number in [0, 1) fixed by ``productid`` and ``salt`` (same on every machine)."""
    digest = hashlib.sha256(f"{salt}:{productid}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_of(productid: str) -> str:
    """``eval``, ``val`` or ``train``: fixed for a product forever."""
    if stable_fraction(productid, "eval") < EVAL_FRACTION:
        return EVAL
    return VAL if stable_fraction(productid, "val") < VAL_FRACTION else TRAIN


@dataclass
class Examples:
    """Products as arrays: cleaned text ("" when none), image hash (None when none), label index."""

    productids: list[str]
    texts: list[str]
    image_hashes: list[str | None]
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.productids)

    @property
    def has_text(self) -> np.ndarray:
        return np.array([bool(t) for t in self.texts], dtype=bool)

    @property
    def has_image(self) -> np.ndarray:
        return np.array([h is not None for h in self.image_hashes], dtype=bool)

    def subset(self, mask: np.ndarray) -> Examples:
        idx = np.flatnonzero(mask)
        return Examples(
            [self.productids[i] for i in idx],
            [self.texts[i] for i in idx],
            [self.image_hashes[i] for i in idx],
            self.labels[idx],
        )

    def counts(self) -> dict[str, int]:
        t, i = self.has_text, self.has_image
        return {
            "rows": len(self),
            "text": int(t.sum()),
            "image": int(i.sum()),
            "both": int((t & i).sum()),
        }


def load_examples(session: Session) -> Examples:
    """Every product in the database, ordered by ``productid``."""
    rows = session.execute(
        select(
            Product.productid,
            Product.designation,
            Product.description,
            Product.image_hash,
            Product.prdtypecode,
        ).order_by(Product.productid)
    ).all()
    return Examples(
        productids=[r.productid for r in rows],
        texts=[clean_text(r.designation, r.description) for r in rows],
        image_hashes=[r.image_hash for r in rows],
        labels=np.array([CLASS_INDEX[r.prdtypecode] for r in rows], dtype=np.int64),
    )


def recent_with_replay(examples: Examples, recent_ids: set[str], replay: int) -> Examples:
    """The products in ``recent_ids``, plus a deterministic sample of about ``replay`` others.

    Retraining on what is new, with a replay of older products so that the
    model does not forget the rest of the catalogue.
    """
    is_recent = np.array([p in recent_ids for p in examples.productids], dtype=bool)
    replayed = set(sample(examples.subset(~is_recent), replay).productids) if replay else set()
    keep = is_recent | np.array([p in replayed for p in examples.productids], dtype=bool)
    return examples.subset(keep)


def sample(examples: Examples, n: int) -> Examples:
    """A deterministic subset of about ``n`` products (by a third hash), for quick runs."""
    if n >= len(examples):
        return examples
    order = sorted(
        range(len(examples)), key=lambda i: stable_fraction(examples.productids[i], "sample")
    )
    mask = np.zeros(len(examples), dtype=bool)
    mask[order[:n]] = True
    return examples.subset(mask)


def split(examples: Examples) -> dict[str, Examples]:
    """``{"train": ..., "val": ..., "eval": ...}`` by ``split_of``."""
    names = np.array([split_of(p) for p in examples.productids])
    return {name: examples.subset(names == name) for name in (TRAIN, VAL, EVAL)}


def member_folds(productids: list[str], folds: int) -> np.ndarray:
    """Each product's fold in ``0 .. folds - 1``: sizes differ by one at most, and a
    product's fold is fixed by its id (a fourth hash), whatever the seed."""
    order = sorted(range(len(productids)), key=lambda i: stable_fraction(productids[i], "fold"))
    assigned = np.empty(len(productids), dtype=np.int64)
    assigned[order] = np.arange(len(productids)) % folds
    return assigned
