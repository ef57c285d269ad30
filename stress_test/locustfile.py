"""Load for the predict path: ``locust -f stress_test/locustfile.py --host http://127.0.0.1:8000``.

Each user logs in once (SHELFWISE_USERNAME / SHELFWISE_PASSWORD; without them
it calls /predict anonymously, which needs PREDICT_ANONYMOUS=true on the API),
then sends a mix of photo + text and text-only products, with think time. Real
product photos come from SHELFWISE_STRESS_IMAGES (a folder of JPEGs) when set.
"""

from __future__ import annotations

import io
import os
import random
from pathlib import Path

from locust import HttpUser, between, task
from PIL import Image

TITLES = [
    "Piscine tubulaire ronde 3,66 m",
    "Harry Potter à l'école des sorciers",
    "Manette sans fil pour console",
    "Figurine Dragon Ball Z Goku 18 cm",
    "Lot de 4 chaises de jardin",
    "Parure de lit 240x220 coton",
]


def _photos() -> list[bytes]:
    folder = os.environ.get("SHELFWISE_STRESS_IMAGES")
    if folder and Path(folder).is_dir():
        return [p.read_bytes() for p in sorted(Path(folder).glob("*.jpg"))[:200]]
    photos = []
    for seed in range(20):
        rng = random.Random(seed)
        image = Image.new("RGB", (500, 500), tuple(rng.randrange(256) for _ in range(3)))
        out = io.BytesIO()
        image.save(out, format="JPEG")
        photos.append(out.getvalue())
    return photos


PHOTOS = _photos()


class Seller(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        username = os.environ.get("SHELFWISE_USERNAME")
        if username:
            response = self.client.post(
                "/auth/login",
                json={"username": username, "password": os.environ.get("SHELFWISE_PASSWORD", "")},
            )
            response.raise_for_status()
            self.client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    @task(3)
    def photo_and_text(self) -> None:
        self.client.post(
            "/predict",
            data={"designation": random.choice(TITLES)},
            files={"image": ("p.jpg", random.choice(PHOTOS), "image/jpeg")},
            name="/predict image+text",
        )

    @task(2)
    def text_only(self) -> None:
        self.client.post(
            "/predict", data={"designation": random.choice(TITLES)}, name="/predict text"
        )
