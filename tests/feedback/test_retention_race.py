"""Feedback posted while photo retention runs: the prediction keeps its link, and the photo
stays unless retention had already removed it (then the export names no photo)."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from api.services import Services
from common import feedback_csv
from common.image_store import ImageStore
from common.orm import PredictionRecord, User
from tests.api.conftest import bearer, token_for
from tests.factories import image_bytes
from tests.feedback.conftest import add_predictions
from trainer.retention import remove_expired_photos

OLD = datetime.now(UTC) - timedelta(days=40)


@pytest.mark.parametrize(
    ("moment", "photo_kept"),
    [
        ("FROM products", True),  # chosen, the file not yet looked at
        ("UPDATE predictions", False),  # the file removed, the links not yet cleared
    ],
)
def test_feedback_during_a_retention_run(
    app: Flask,
    client: FlaskClient,
    svc: Services,
    make_user: Callable[..., User],
    moment: str,
    photo_kept: bool,
) -> None:
    user = make_user("olga")
    headers = bearer(token_for(app, user))
    store = ImageStore(svc.settings.images_path)
    photo = store.put(image_bytes("PNG", size=(30, 20)))
    os.utime(store.path(photo), (OLD.timestamp(), OLD.timestamp()))
    (pid,) = add_predictions(
        svc.sessions, user.id, 1, created_at=OLD, image_sha256=photo, photo_hash=photo,
        photo_bytes=10,
    )  # fmt: skip
    answers: list[Any] = []

    def post_feedback_then(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # Retention's statement at the chosen moment of its run: the feedback comes first.
        if not answers and moment in statement:
            answers.append(None)  # once: the request's own statements pass
            body = {"prediction_id": pid, "is_correct": False, "correct_category": 2583}
            answers[0] = client.post("/feedback", json=body, headers=headers)

    engine = svc.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", post_feedback_then)
    try:
        done = remove_expired_photos(svc.settings, svc.sessions)
    finally:
        event.remove(engine, "before_cursor_execute", post_feedback_then)

    (answer,) = answers
    assert answer.status_code == 201, answer.get_json()
    assert done == {"unlinked": 0, "removed": 0 if photo_kept else 1}
    with svc.sessions() as session:
        record = session.get(PredictionRecord, pid)
        assert record is not None and record.photo_hash == photo  # the review still needs it
    assert (photo in store) is photo_kept
    with open(svc.settings.feedback_dir / feedback_csv.FILENAME, newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert row["image_path"] == (store.relative(photo) if photo_kept else "")
