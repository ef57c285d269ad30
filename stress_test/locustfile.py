"""Load for the predict path: ``locust -f stress_test/locustfile.py --host http://127.0.0.1:8000``.

Each simulated seller logs in once (SHELFWISE_USERNAME / SHELFWISE_PASSWORD;
without them it calls /predict anonymously, which needs PREDICT_ANONYMOUS=true
on the API), then, with think time, classifies products with photo and text
(most often), text only, reads an earlier answer back, and flags some answers
through /feedback.

Products come from SHELFWISE_STRESS_DATA, a folder in the Rakuten layout
(``products.csv`` + ``images/``), when set; otherwise photos are generated.
A 503 ``overloaded`` answer is the API's deliberate backpressure: it is
reported as a failure named ``backpressure 503`` so that reports can tell it
from real errors.
"""

from __future__ import annotations

import csv
import io
import os
import random
from dataclasses import dataclass
from pathlib import Path

from locust import HttpUser, between, task
from PIL import Image


@dataclass(frozen=True)
class Product:
    designation: str
    description: str
    photo: bytes | None


TITLES = [
    "Piscine tubulaire ronde 3,66 m x 0,76 m avec pompe de filtration",
    "Harry Potter à l'école des sorciers - édition collector illustrée",
    "Manette sans fil pour console de jeu, vibrations, bluetooth",
    "Figurine Dragon Ball Z Goku Super Saiyan 18 cm PVC",
    "Lot de 4 chaises de jardin empilables en résine tressée",
    "Parure de lit 240x220 cm coton lavé, 2 taies",
]


def _generated(n: int) -> list[Product]:
    products = []
    for seed in range(n):
        rng = random.Random(seed)
        image = Image.new("RGB", (500, 500), tuple(rng.randrange(256) for _ in range(3)))
        for _ in range(30):  # some structure, so JPEG sizes look like photos'
            x, y = rng.randrange(450), rng.randrange(450)
            box = (x, y, x + rng.randrange(10, 50), y + rng.randrange(10, 50))
            image.paste(tuple(rng.randrange(256) for _ in range(3)), box)
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85)
        products.append(Product(TITLES[seed % len(TITLES)], "", out.getvalue()))
    return products


def _from_folder(folder: Path, n: int) -> list[Product]:
    products = []
    with (folder / "products.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            photo = folder / "images" / row.get("image_file", "")
            if not row.get("designation") or not row.get("image_file") or not photo.is_file():
                continue
            products.append(
                Product(row["designation"], row.get("description") or "", photo.read_bytes())
            )
            if len(products) == n:
                break
    return products


def _products() -> list[Product]:
    folder = os.environ.get("SHELFWISE_STRESS_DATA")
    if folder and (Path(folder) / "products.csv").is_file():
        found = _from_folder(Path(folder), 300)
        if found:
            return found
    return _generated(40)


PRODUCTS = _products()


class Seller(HttpUser):
    """A marketplace seller listing products one by one."""

    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        self.predictions: list[tuple[str, Product]] = []
        username = os.environ.get("SHELFWISE_USERNAME")
        if username:
            password = os.environ.get("SHELFWISE_PASSWORD", "")
            response = self.client.post(
                "/auth/login", json={"username": username, "password": password}
            )
            response.raise_for_status()
            self.client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def _predict(self, product: Product, with_photo: bool, name: str) -> None:
        files = None
        if with_photo and product.photo is not None:
            files = {"image": ("product.jpg", product.photo, "image/jpeg")}
        data = {"designation": product.designation}
        if product.description:
            data["description"] = product.description
        with self.client.post(
            "/predict", data=data, files=files, name=name, catch_response=True
        ) as response:
            if response.status_code == 200:
                self.predictions = [
                    *self.predictions[-19:],
                    (response.json()["prediction_id"], product),
                ]
            elif response.status_code == 503 and "overloaded" in response.text:
                response.failure("backpressure 503")
            else:
                response.failure(f"{response.status_code} {response.text[:200]}")

    @task(5)
    def photo_and_text(self) -> None:
        self._predict(random.choice(PRODUCTS), True, "/predict image+text")

    @task(3)
    def text_only(self) -> None:
        self._predict(random.choice(PRODUCTS), False, "/predict text")

    @task(2)
    def read_answer(self) -> None:
        if self.predictions:
            prediction_id, _ = random.choice(self.predictions)
            self.client.get(f"/predictions/{prediction_id}", name="/predictions/<id>")

    @task(1)
    def feedback(self) -> None:
        if not self.predictions:
            return
        prediction_id, product = self.predictions.pop(random.randrange(len(self.predictions)))
        self.client.post(
            "/feedback",
            json={
                "prediction_id": prediction_id,
                "is_correct": random.random() < 0.7,
                "designation": product.designation,
                "description": product.description,
            },
            name="/feedback",
        )
