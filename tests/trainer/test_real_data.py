"""The shared Rakuten data passes the importer as the datasheet describes it (slow: real data)."""

from __future__ import annotations

import pytest

from common.db import init_db, session_factory
from tests.conftest import require_rakuten
from trainer.importer import import_directory


@pytest.mark.slow
def test_the_shared_val_split_imports_without_rejections(settings):
    data = require_rakuten()
    report = import_directory(settings, session_factory(init_db(settings)), data, split="val")
    assert (report.inserted, len(report.rejected)) == (3323, 0)  # DATASHEET: 3,323 val rows
    images = list(settings.images_path.rglob("*"))
    assert sum(p.is_file() for p in images) == 279  # val rows with an image
