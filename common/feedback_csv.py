"""The feedback CSV export: one row per verdict, appended safely by any number of processes.

Each row is formatted in memory and written with one ``write`` while holding an
exclusive ``flock`` on the file, so rows from concurrent API processes never
interleave and the header is written exactly once. A later row for the same
prediction and user supersedes earlier ones (the file is a log, the database
holds the current state).
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
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


def append(directory: Path, rows: list[dict[str, Any]]) -> Path:
    """Append ``rows`` to ``directory/feedback.csv``, writing the header if the file is new."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILENAME
    data = format_rows(rows)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.fstat(fd).st_size == 0:
                data = format_rows([dict(zip(COLUMNS, COLUMNS, strict=True))]) + data
            encoded = data.encode("utf-8")
            written = 0
            while written < len(encoded):  # a short write would split a row
                written += os.write(fd, encoded[written:])
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    return path
