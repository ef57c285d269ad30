"""Reading labelled products from a directory, in either supported layout, with validation.

- ``products_csv``: ``products.csv`` + ``images/`` (the shared data; optional ``split`` column).
- ``rakuten_challenge``: ``X_train*.csv`` + ``Y_train*.csv`` (joined on their index column)
  + ``image_train/image_<imageid>_product_<productid>.jpg``.

Both the importer and ``trainer evaluate`` read through here, so they accept and
refuse exactly the same rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from common.categories import is_known
from model_service.preprocessing import IMAGE_SIZE, InvalidImage, clean_text, load_image
from trainer.errors import LayoutError

logger = logging.getLogger(__name__)

PRODUCTS_CSV = "products_csv"
RAKUTEN_CHALLENGE = "rakuten_challenge"

# Rejection reasons (stable codes, reported per row).
MISSING_PRODUCTID = "missing_productid"
UNKNOWN_CATEGORY = "unknown_category"
MISSING_IMAGE = "missing_image"
UNDECODABLE_IMAGE = "undecodable_image"
NO_TEXT_OR_IMAGE = "no_text_or_image"


@dataclass(frozen=True)
class RawRow:
    """One product as read from the files, before validation."""

    row: int
    """1-based data row in the source file (for rejection reports)."""
    productid: str
    imageid: str
    designation: str
    description: str
    prdtypecode: str
    image_path: Path | None
    image_required: bool
    """The source names this image explicitly, so a missing file is an error."""


@dataclass(frozen=True)
class Product:
    """A validated product: known category, text or a decodable image."""

    row: int
    productid: str
    imageid: str
    designation: str
    description: str
    code: int
    image_bytes: bytes | None
    image: np.ndarray | None
    """RGB uint8 at the requested size, when ``decode_size`` was given."""

    @property
    def text(self) -> str:
        return clean_text(self.designation, self.description)


@dataclass(frozen=True)
class Rejection:
    row: int
    productid: str
    reason: str
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "productid": self.productid,
            "reason": self.reason,
            "detail": self.detail,
        }


def detect_layout(path: Path) -> str:
    """Which layout ``path`` holds; LayoutError says what was expected."""
    if not path.is_dir():
        raise LayoutError(f"{path} is not a directory")
    if (path / "products.csv").is_file():
        return PRODUCTS_CSV
    if list(path.glob("X_train*.csv")):
        return RAKUTEN_CHALLENGE
    raise LayoutError(
        f"{path} holds no products.csv and no X_train*.csv/Y_train*.csv: expected the shared "
        "layout (products.csv + images/) or the Rakuten challenge files (X_train_update.csv, "
        "Y_train_CVw08PX.csv, image_train/)"
    )


def read_rows(path: Path, split: str | None = None) -> tuple[str, list[RawRow]]:
    """(layout, rows) of the directory; ``split`` keeps rows of that ``split`` column value."""
    layout = detect_layout(path)
    if layout == PRODUCTS_CSV:
        return layout, _read_products_csv(path, split)
    if split is not None:
        raise LayoutError("--split applies to the products.csv layout only (it has a split column)")
    return layout, _read_challenge(path)


def _read_csv(path: Path, **kwargs: object) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)  # type: ignore[call-overload]
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise LayoutError(f"{path}: not a readable CSV ({exc})") from exc


def _require(frame: pd.DataFrame, columns: list[str], source: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LayoutError(f"{source}: missing column(s) {', '.join(missing)}")


def _read_products_csv(path: Path, split: str | None) -> list[RawRow]:
    source = path / "products.csv"
    frame = _read_csv(source)
    _require(frame, ["productid", "designation", "description", "prdtypecode"], source)
    if split is not None:
        if "split" not in frame.columns:
            raise LayoutError(f"{source} has no split column; drop --split")
        frame = frame[frame["split"].str.strip() == split]
    images = path / "images"
    rows = []
    for i, rec in zip(frame.index, frame.to_dict("records"), strict=True):
        image_file = str(rec.get("image_file", "")).strip()
        rows.append(RawRow(
            row=int(i) + 1, productid=str(rec["productid"]).strip(),
            imageid=str(rec.get("imageid", "")).strip(), designation=rec["designation"],
            description=rec["description"], prdtypecode=str(rec["prdtypecode"]).strip(),
            image_path=images / image_file if image_file else None,
            image_required=bool(image_file),
        ))  # fmt: skip
    return rows


def _one(path: Path, pattern: str) -> Path:
    found = sorted(path.glob(pattern))
    if len(found) != 1:
        raise LayoutError(f"{path}: expected exactly one {pattern}, found {len(found)}")
    return found[0]


def _read_challenge(path: Path) -> list[RawRow]:
    x_file, y_file = _one(path, "X_train*.csv"), _one(path, "Y_train*.csv")
    x = _read_csv(x_file, index_col=0)
    y = _read_csv(y_file, index_col=0)
    _require(x, ["designation", "description", "productid", "imageid"], x_file)
    _require(y, ["prdtypecode"], y_file)
    labels = y["prdtypecode"].to_dict()
    images = next(
        (d for d in (path / "image_train", path / "images" / "image_train") if d.is_dir()), None
    )
    rows = []
    for n, (index, rec) in enumerate(zip(x.index, x.to_dict("records"), strict=True), start=1):
        productid, imageid = str(rec["productid"]).strip(), str(rec["imageid"]).strip()
        image = None
        if images is not None and productid and imageid:
            candidate = images / f"image_{imageid}_product_{productid}.jpg"
            image = candidate if candidate.is_file() else None  # not every product has a photo
        rows.append(RawRow(
            row=n, productid=productid, imageid=imageid, designation=rec["designation"],
            description=rec["description"], prdtypecode=str(labels.get(index, "")).strip(),
            image_path=image, image_required=False,
        ))  # fmt: skip
    return rows


def _parse_code(raw: str) -> int | None:
    try:
        code = int(float(raw)) if raw else None
    except ValueError:
        return None
    return code if is_known(code) else None


def validate(
    raw: RawRow, max_pixels: int, decode_size: int | None = None, framing: str = "whole"
) -> Product | Rejection:
    """Check one row; never raises for bad data. ``decode_size`` keeps the decoded image,
    framed as ``framing`` says (see ``load_image``)."""
    if not raw.productid:
        return Rejection(raw.row, "", MISSING_PRODUCTID, "the row has no productid")
    code = _parse_code(raw.prdtypecode)
    if code is None:
        detail = (
            f"'{raw.prdtypecode}' is not one of the 27 codes" if raw.prdtypecode else "no label"
        )
        return Rejection(raw.row, raw.productid, UNKNOWN_CATEGORY, detail)
    data: bytes | None = None
    image: np.ndarray | None = None
    if raw.image_path is not None:
        try:
            data = raw.image_path.read_bytes()
        except OSError as exc:
            if raw.image_required:
                return Rejection(raw.row, raw.productid, MISSING_IMAGE, str(exc))
        if data is not None:
            try:
                image = load_image(data, max_pixels, decode_size or IMAGE_SIZE, framing)
            except InvalidImage as exc:
                return Rejection(raw.row, raw.productid, UNDECODABLE_IMAGE, str(exc))
    if data is None and not clean_text(raw.designation, raw.description):
        return Rejection(raw.row, raw.productid, NO_TEXT_OR_IMAGE, "no text and no image")
    return Product(
        raw.row,
        raw.productid,
        raw.imageid,
        raw.designation,
        raw.description,
        code,
        data,
        image if decode_size else None,
    )


def read_products(
    path: Path,
    split: str | None,
    max_pixels: int,
    decode_size: int | None = None,
    progress: bool = False,
    framing: str = "whole",
) -> tuple[str, Iterator[Product | Rejection], int]:
    """(layout, validated rows lazily, row count): for callers that stream."""
    layout, rows = read_rows(path, split)
    checked = (
        validate(raw, max_pixels, decode_size, framing)
        for raw in tqdm(rows, desc="reading", unit="row", disable=not progress)
    )
    return layout, checked, len(rows)
