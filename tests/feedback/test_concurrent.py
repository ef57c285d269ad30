"""500 feedback posts at once into three gunicorn processes: no row lost, none interleaved."""

from __future__ import annotations

import csv
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import func, select

from common.db import make_engine, session_factory
from common.feedback_csv import COLUMNS, FILENAME
from common.orm import Feedback, User
from scripts.stack import Stack
from tests.api.conftest import JWT_SECRET
from tests.feedback.conftest import add_predictions

N = 500
ADMIN = ("chief", "Head-Of-Shop-2024")


def test_500_concurrent_feedback_posts(tmp_path: Path) -> None:
    stack = Stack(
        tmp_path,
        {
            "API_WORKERS": "3",
            "API_THREADS": "16",
            "ENVIRONMENT": "production",
            "JWT_SECRET_KEY": JWT_SECRET,
            "ADMIN_USERNAME": ADMIN[0],
            "ADMIN_PASSWORD": ADMIN[1],
        },
    )
    stack.redis.start()
    try:
        stack.start_api()
        token = requests.post(
            f"{stack.url}/auth/login",
            json={"username": ADMIN[0], "password": ADMIN[1]},
            timeout=10,
        ).json()["access_token"]
        sessions = session_factory(make_engine(f"sqlite:///{tmp_path / 'var' / 'shelfwise.db'}"))
        with sessions() as session:
            user_id = session.scalars(select(User.id).where(User.username == ADMIN[0])).one()
        pids = add_predictions(sessions, user_id, N)
        headers = {"Authorization": f"Bearer {token}"}

        def post(i: int) -> int:
            body = {
                "prediction_id": pids[i],
                "is_correct": i % 2 == 0,
                "correct_category": None if i % 2 == 0 else 2583,
                "comment": f'row {i}, with "quotes"\nand a new line',
            }
            return requests.post(
                f"{stack.url}/feedback", json=body, headers=headers, timeout=60
            ).status_code

        started = time.perf_counter()
        with ThreadPoolExecutor(32) as pool:
            statuses = list(pool.map(post, range(N)))
        elapsed = time.perf_counter() - started
        print(f"{N} feedback posts in {elapsed:.2f} s ({N / elapsed:.0f}/s)")  # noqa: T201
        assert statuses == [201] * N
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(Feedback)) == N
        with open(tmp_path / "feedback" / FILENAME, newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0] == list(COLUMNS)
        assert all(len(row) == len(COLUMNS) for row in rows[1:])
        assert sorted(row[1] for row in rows[1:]) == sorted(pids)
        assert all(row[-1].startswith("row ") and row[-1].endswith("new line") for row in rows[1:])
    finally:
        stack.stop()
