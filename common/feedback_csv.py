"""The feedback CSV export: one row per verdict, appended safely by any number of processes.

Each row is formatted in memory and written with one ``write`` while holding an
exclusive ``flock`` on the file, so rows from concurrent API processes never
interleave and the header is written exactly once. A later row for the same
prediction and user supersedes earlier ones (the file is a log, the database
holds the current state). A file written with other columns (an older release)
is moved aside to ``feedback-until-<time>.csv`` rather than mixed with new rows.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FILENAME = "feedback.csv"
COLUMNS = (
    "time",
    "prediction_id",
    "user",
    "predicted_code",
    "predicted_score",
    "model_version",
    "is_correct",
    "correct_code",
    "image_sha256",
    "image_path",
    "designation_sha256",
    "description_sha256",
    "comment",
)
# Spreadsheets run cells starting with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """``value`` as a cell a spreadsheet shows as text, never evaluates."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def format_rows(rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([neutralise(row.get(column)) for column in COLUMNS])
    return buffer.getvalue()


HEADER = format_rows([dict(zip(COLUMNS, COLUMNS, strict=True))])


def append(directory: Path, rows: list[dict[str, Any]]) -> Path:
    """Append ``rows`` to ``directory/feedback.csv``, writing the header if the file is new."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILENAME
    data = format_rows(rows)
    fd = _open_current(path)
    try:
        try:
            if os.fstat(fd).st_size == 0:
                data = HEADER + data
            encoded = data.encode("utf-8")
            written = 0
            while written < len(encoded):  # a short write would split a row
                written += os.write(fd, encoded[written:])
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    return path


def _open_current(path: Path) -> int:
    """``path`` opened for appending and locked, with today's header (or empty)."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            current = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            current = False
        if current:  # not moved aside while we waited for the lock
            header = HEADER.encode("utf-8")
            if os.fstat(fd).st_size == 0 or os.pread(fd, len(header), 0) == header:
                return fd
            until = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            os.rename(path, path.with_name(f"feedback-until-{until}.csv"))
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
