"""Staging uploaded products for the importer: checked CSVs and a safely extracted zip.

An upload becomes a directory under UPLOAD_DIR in one of the importer's layouts
(``products.csv`` + ``images/``, or ``X_train.csv`` + ``Y_train.csv`` +
``image_train/``). It is built under a temporary name and renamed when
complete, so the import job never sees half an upload; any refusal removes it.

The zip is read entry by entry, never trusted: no absolute or ``..`` paths, no
links, bounded entry count, total size and compression ratio, and the bytes
actually written are counted, since a zip header can lie about sizes.
"""

from __future__ import annotations

import csv
import io
import lzma
import shutil
import stat
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import IO

from werkzeug.datastructures import FileStorage

from api.errors import ApiError
from common.categories import CATEGORIES
from common.images import InvalidImage, open_image
from common.settings import Settings

PRODUCTS_COLUMNS = ("productid", "designation", "description", "prdtypecode")
X_COLUMNS = ("designation", "description", "productid", "imageid")
Y_COLUMNS = ("prdtypecode",)
_CHUNK = 1 << 20
_RATIO_CHECK_BYTES = 1 << 20
"""Entries smaller than this may compress arbitrarily well (a uniform image does)."""


class Staging:
    """A new upload directory; ``commit`` publishes it, leaving the context otherwise removes it."""

    def __init__(self, settings: Settings) -> None:
        self.root = settings.uploads_path
        self.root.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(dir=self.root, prefix=".tmp-"))
        self.final: Path | None = None

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.final is None:
            shutil.rmtree(self.path, ignore_errors=True)

    def commit(self) -> Path:
        self.final = self.root / uuid.uuid4().hex
        self.path.rename(self.final)
        return self.final


def stage_product(settings: Settings, fields: dict[str, str], image: FileStorage | None) -> Staging:
    """One product (form fields + optional image) as a one-row ``products.csv``."""
    productid = fields.get("productid", "").strip()
    if not productid or len(productid) > 64:
        raise ApiError(400, "invalid_field", "productid must have 1 to 64 characters.")
    code = parse_code(fields.get("prdtypecode", ""))
    designation, description = fields.get("designation", ""), fields.get("description", "")
    for name, value in (("designation", designation), ("description", description)):
        if len(value) > settings.max_text_chars:
            raise ApiError(
                422,
                "text_too_long",
                f"{name} has more than {settings.max_text_chars:,} characters.",
            )
    data = image.read() if image is not None else b""
    if not data and not designation.strip():
        raise ApiError(400, "missing_input", "Send an image, a designation, or both.")
    if data:
        try:
            open_image(data, settings.max_image_pixels)
        except InvalidImage as exc:
            raise ApiError(
                413 if exc.code == "image_too_large" else 415, exc.code, str(exc)
            ) from None
    staging = Staging(settings)
    try:
        image_file = ""
        if data:
            image_file = "product.img"
            (staging.path / "images").mkdir()
            (staging.path / "images" / image_file).write_bytes(data)
        with open(staging.path / "products.csv", "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow([*PRODUCTS_COLUMNS, "imageid", "image_file"])
            writer.writerow(
                [
                    productid,
                    designation,
                    description,
                    code,
                    fields.get("imageid", "").strip(),
                    image_file,
                ]
            )
    except BaseException:
        staging.__exit__()
        raise
    return staging


def parse_code(raw: str) -> int:
    try:
        code = int(raw.strip())
    except ValueError:
        raise ApiError(
            422, "unknown_category", f"prdtypecode '{raw}' is not one of the 27 product types."
        ) from None
    if code not in CATEGORIES:
        raise ApiError(
            422, "unknown_category", f"prdtypecode {code} is not one of the 27 product types."
        )
    return code


def stage_bulk(settings: Settings, files: dict[str, FileStorage]) -> tuple[Staging, str, int]:
    """(staging, layout, rows) from ``csv`` or ``x_csv`` + ``y_csv``, plus an ``images`` zip."""
    staging = Staging(settings)
    try:
        if "csv" in files:
            layout = "products_csv"
            rows = _copy_csv(
                files["csv"], staging.path / "products.csv", PRODUCTS_COLUMNS, settings.max_csv_rows
            )
            image_dir = staging.path / "images"
        elif "x_csv" in files and "y_csv" in files:
            layout = "rakuten_challenge"
            rows = _copy_csv(
                files["x_csv"], staging.path / "X_train.csv", X_COLUMNS, settings.max_csv_rows
            )
            y_rows = _copy_csv(
                files["y_csv"], staging.path / "Y_train.csv", Y_COLUMNS, settings.max_csv_rows
            )
            if y_rows != rows:
                raise ApiError(
                    422, "malformed_csv", f"x_csv has {rows} rows but y_csv has {y_rows}."
                )
            image_dir = staging.path / "image_train"
        else:
            raise ApiError(
                400,
                "missing_input",
                "Send a csv file (products.csv layout) or x_csv and y_csv "
                "(challenge layout), with an optional images zip.",
            )
        if "images" in files:
            extract_zip(
                files["images"].stream, image_dir, settings, flatten=layout == "rakuten_challenge"
            )
    except BaseException:
        staging.__exit__()
        raise
    return staging, layout, rows


def _copy_csv(upload: FileStorage, target: Path, required: Iterable[str], max_rows: int) -> int:
    """Check the header and row count of an uploaded CSV and store it; returns its rows."""
    raw = upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(422, "malformed_csv", f"{upload.filename or 'csv'} is not UTF-8.") from None
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header = next(reader, None)
        if not header:
            raise ApiError(422, "malformed_csv", f"{upload.filename or 'csv'} is empty.")
        missing = [c for c in required if c not in [h.strip() for h in header]]
        if missing:
            raise ApiError(
                422,
                "malformed_csv",
                f"{upload.filename or 'csv'} lacks column(s) {', '.join(missing)}.",
            )
        rows = 0
        for row in reader:
            if len(row) != len(header):
                raise ApiError(
                    422,
                    "malformed_csv",
                    f"{upload.filename or 'csv'} row {rows + 1} has {len(row)} "
                    f"fields, the header {len(header)}.",
                )
            rows += 1
            if rows > max_rows:
                raise ApiError(413, "too_many_rows", f"At most {max_rows:,} rows per upload.")
    except csv.Error as exc:
        raise ApiError(422, "malformed_csv", f"{upload.filename or 'csv'}: {exc}.") from None
    if rows == 0:
        raise ApiError(422, "malformed_csv", f"{upload.filename or 'csv'} has no data rows.")
    target.write_bytes(raw)
    return rows


def safe_member_path(name: str) -> PurePosixPath:
    """The relative path of a zip entry, or 400 ``unsafe_archive`` for one that escapes."""
    path = PurePosixPath(name.replace("\\", "/"))
    if (
        not name
        or path.is_absolute()
        or ".." in path.parts
        or (path.parts and ":" in path.parts[0])
        or "\x00" in name
    ):
        raise ApiError(400, "unsafe_archive", f"The zip entry '{name}' points outside the upload.")
    return path


def extract_zip(stream: IO[bytes], target: Path, settings: Settings, flatten: bool) -> int:
    """Extract the image files of a zip under ``target``; returns how many."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ApiError(400, "invalid_archive", "images is not a readable zip file.") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > settings.max_zip_entries:
            raise ApiError(
                413,
                "archive_too_large",
                f"The zip has {len(members):,} files; at most "
                f"{settings.max_zip_entries:,} are accepted.",
            )
        limit = int(settings.max_zip_uncompressed_mb * 1024 * 1024)
        declared = sum(m.file_size for m in members)
        if declared > limit:
            raise ApiError(
                413,
                "archive_too_large",
                f"The zip expands to {declared:,} bytes; at most {limit:,}.",
            )
        paths = [safe_member_path(m.filename) for m in members]
        for member in members:
            if stat.S_ISLNK(member.external_attr >> 16):
                raise ApiError(
                    400, "unsafe_archive", f"The zip entry '{member.filename}' is a link."
                )
            if member.flag_bits & 0x1:  # no password to give: reading it would fail
                raise ApiError(
                    400, "invalid_archive", f"The zip entry '{member.filename}' is encrypted."
                )
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > _RATIO_CHECK_BYTES and ratio > settings.max_zip_ratio:
                raise ApiError(
                    413, "zip_bomb", f"The zip entry '{member.filename}' expands {ratio:.0f} times."
                )
        # A zip of an "images/" folder: its files belong directly under target.
        strip = (
            1 if paths and all(len(p.parts) > 1 and p.parts[0] == target.name for p in paths) else 0
        )
        target.mkdir(parents=True, exist_ok=True)
        written = 0
        for member, path in zip(members, paths, strict=True):
            relative = PurePosixPath(path.name) if flatten else PurePosixPath(*path.parts[strip:])
            destination = target.joinpath(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            written += _copy_member(archive, member, destination, limit - written)
        return len(members)


def _copy_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, destination: Path, budget: int
) -> int:
    size = 0
    try:
        with archive.open(member) as source, open(destination, "wb") as out:
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                if size > member.file_size or size > budget:
                    raise ApiError(
                        413,
                        "zip_bomb",
                        f"The zip entry '{member.filename}' is larger than declared.",
                    )
                out.write(chunk)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        NotImplementedError,
        zlib.error,  # corrupt compressed data, by method
        lzma.LZMAError,
    ) as exc:
        raise ApiError(
            400, "invalid_archive", f"The zip entry '{member.filename}' cannot be read: {exc}."
        ) from None
    return size
