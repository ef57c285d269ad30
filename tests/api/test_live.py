"""The admin API with real processes: gunicorn, two model workers, a trainer (RQ worker).

A bulk upload goes through the trainer's importer; a retrain reports progress,
is promoted, and the model workers swap to it while requests keep flowing, none
failing; a trainer killed mid-job fails its job and leaves production alone;
a running job stops when canceled; schemathesis finds no server error and no answer
that differs from the document.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
import requests

from scripts.stack import ROOT, Stack
from tests.api.conftest import JWT_SECRET
from tests.factories import make_tiny_version
from tests.trainer.synthetic import TINY_PARAMS, products, write_shared
from tests.waiting import wait_for

ADMIN = ("chief", "Head-Of-Shop-2024")
TINY = {k: v for k, v in asdict(TINY_PARAMS).items()}


class LiveStack:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.url = stack.url
        self.trainer: subprocess.Popen[bytes] | None = None
        self.admin = self.login(*ADMIN)

    def login(self, username: str, password: str) -> dict[str, str]:
        response = requests.post(
            f"{self.url}/auth/login", json={"username": username, "password": password}, timeout=10
        )
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def start_trainer(self) -> None:
        self.trainer = subprocess.Popen(
            [sys.executable, "-m", "trainer", "worker"],
            cwd=ROOT,
            env=self.stack.env,
            stdout=self.stack._log("trainer"),
            stderr=subprocess.STDOUT,
        )

    def job(self, job_id: str) -> dict[str, Any]:
        response = requests.get(f"{self.url}/admin/jobs/{job_id}", headers=self.admin, timeout=10)
        response.raise_for_status()
        return response.json()

    def wait_job(self, job_id: str, states: set[str], timeout_s: float = 180) -> dict[str, Any]:
        def done() -> dict[str, Any] | None:
            body = self.job(job_id)
            if (
                self.trainer is not None
                and self.trainer.poll() is not None
                and body["state"] in ("queued",)
            ):
                raise AssertionError(f"trainer exited: {self.stack.read_log('trainer')}")
            return body if body["state"] in states else None

        return wait_for(done, timeout_s, f"job {job_id} in {states}")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    workdir = tmp_path_factory.mktemp("live")
    env = {
        "ENVIRONMENT": "production",
        "JWT_SECRET_KEY": JWT_SECRET,
        "ADMIN_USERNAME": ADMIN[0],
        "ADMIN_PASSWORD": ADMIN[1],
        "IMPORT_WAIT_S": "60",
        "JOB_ALIVE_TTL_S": "3",
        "MODEL_POLL_S": "0.2",
        "LOGIN_MAX_FAILURES_PER_USER": "1000",
        "LOGIN_MAX_ATTEMPTS_PER_ADDRESS": "1000",
    }
    stack = Stack(workdir, env)
    make_tiny_version(stack.models_dir)
    try:
        stack.start(2)
        live = LiveStack(stack)
        requests.post(
            f"{live.url}/auth/signup",
            headers=live.admin,
            timeout=10,
            json={"username": "shopper", "password": "Buyer-Secret-2024"},
        ).raise_for_status()
        yield live
    finally:
        if "live" in locals() and live.trainer is not None and live.trainer.poll() is None:
            live.trainer.send_signal(signal.SIGKILL)
        stack.stop()


def synthetic_upload(root: Path) -> dict[str, Any]:
    write_shared(root, products(per_class=12, seed=3))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for path in (root / "images").iterdir():
            zf.write(path, f"images/{path.name}")
    return {
        "csv": ("products.csv", (root / "products.csv").read_bytes()),
        "images": ("images.zip", archive.getvalue()),
    }


class Load:
    """Clients posting /predict without pause; every answer is kept."""

    def __init__(self, url: str, headers: dict[str, str], threads: int = 2) -> None:
        self.url, self.headers = url, headers
        self.answers: list[tuple[int, str | None]] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]

    def run(self) -> None:
        session = requests.Session()
        while not self.stop.is_set():
            try:
                r = session.post(
                    f"{self.url}/predict",
                    headers=self.headers,
                    timeout=30,
                    json={"designation": "piscine pompe filtre"},
                )
                self.answers.append((r.status_code, r.json().get("model_version")))
            except requests.RequestException as exc:
                self.answers.append((0, repr(exc)))

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)


def test_upload_retrain_promote_and_hot_swap_under_load(live: LiveStack, tmp_path: Path):
    live.start_trainer()
    upload = requests.post(
        f"{live.url}/admin/add-product-data",
        headers=live.admin,
        files=synthetic_upload(tmp_path),
        timeout=60,
    )
    assert upload.status_code == 202, upload.text
    imported = live.wait_job(upload.json()["job_id"], {"finished", "failed"})
    assert imported["state"] == "finished", imported
    assert imported["result"]["inserted"] == 36 and imported["result"]["rejected"] == 0
    assert not any(live.stack.workdir.joinpath("var", "uploads").iterdir())  # staging removed

    one = requests.post(
        f"{live.url}/admin/add-product-data",
        headers=live.admin,
        timeout=90,
        data={"productid": "solo-1", "designation": "Zorglub vintage", "prdtypecode": "10"},
    )
    assert one.status_code == 201, one.text
    assert one.json()["inserted"] == 1
    listed = requests.get(
        f"{live.url}/admin/products?q=zorglub", headers=live.admin, timeout=10
    ).json()
    assert [p["productid"] for p in listed["items"]] == ["solo-1"]

    shopper = live.login("shopper", "Buyer-Secret-2024")
    with Load(live.url, shopper) as load:
        wait_for(lambda: len(load.answers) >= 5, 60, "first answers")
        started = requests.post(
            f"{live.url}/admin/retrain-model",
            headers=live.admin,
            timeout=10,
            json={"epochs": 2, "image_epochs": 2, "promote": "always", "model_params": TINY},
        )
        assert started.status_code == 202, started.text
        job_id = started.json()["job_id"]
        second = requests.post(f"{live.url}/admin/retrain-model", headers=live.admin, timeout=10)
        assert second.status_code == 409 and job_id in second.json()["error"]["message"]
        stages = set()

        def finished() -> dict[str, Any] | None:
            body = live.job(job_id)
            stages.add(body["progress"].get("stage"))
            return body if body["state"] in ("finished", "failed") else None

        result = wait_for(finished, 240, "the retrain")
        assert result["state"] == "finished", result
        assert result["result"]["promoted"] and result["result"]["version"] == "v2"
        assert {"train_text", "evaluate"} & stages  # progress was visible while it ran
        # Each worker swaps on its own; then every answer comes from v2.
        wait_for(lambda: [v for _, v in load.answers[-20:]] == ["v2"] * 20, 60, "all on v2")
    statuses = {status for status, _ in load.answers}
    versions = [v for _, v in load.answers]
    assert statuses == {200}, [a for a in load.answers if a[0] != 200][:5]
    assert set(versions) == {"v1", "v2"}
    assert versions[0] == "v1" and versions[-1] == "v2"

    models = requests.get(f"{live.url}/admin/models", headers=live.admin, timeout=10).json()
    assert models["production"] == "v2"
    # Training exported v2 for the workers and gated its int8 image branch.
    serving = next(v for v in models["items"] if v["version"] == "v2")["serving"]
    assert set(serving["runtimes"]) >= {"fp32", "int8", "agreement"}, serving
    assert isinstance(serving["int8"]["servable"], bool) and serving["int8"]["reason"]
    evaluation = requests.get(
        f"{live.url}/admin/evaluate-model", headers=live.admin, timeout=10
    ).json()
    assert evaluation["version"] == "v2" and evaluation["training_seconds"] > 0
    wait_for(
        lambda: (
            requests.get(f"{live.url}/admin/evaluate-model", headers=live.admin, timeout=10).json()[
                "serving_latency_ms"
            ]["predictions"]
            > 0
        ),
        30,
        "recorded predictions of v2",
    )
    logs = requests.get(
        f"{live.url}/admin/logs?kind=training", headers=live.admin, timeout=10
    ).json()
    finished_events = [e for e in logs["items"] if e["subject"] == job_id]
    assert any("finished" in e["message"] and "version=v2" in e["message"] for e in finished_events)

    fresh = requests.post(
        f"{live.url}/admin/add-product-data",
        headers=live.admin,
        timeout=90,
        data={"productid": "fresh-1", "designation": "piscine pompe", "prdtypecode": "2583"},
    )
    assert fresh.status_code == 201, fresh.text
    queued = requests.get(
        f"{live.url}/admin/evaluate-model?data=recent", headers=live.admin, timeout=10
    )
    assert queued.status_code == 202
    scored = live.wait_job(queued.json()["job_id"], {"finished", "failed"})
    assert scored["state"] == "finished", scored
    assert scored["result"]["version"] == "v2" and scored["result"]["products"] == 1
    assert scored["result"]["n"] == 1


def test_a_killed_trainer_fails_its_job_and_leaves_production(live: LiveStack):
    if live.trainer is None or live.trainer.poll() is not None:
        live.start_trainer()
    long_run = {
        "epochs": 500,
        "image_epochs": 500,
        "patience": 500,
        "image_patience": 500,
        "promote": "always",
        "model_params": TINY,
    }
    job_id = requests.post(
        f"{live.url}/admin/retrain-model", headers=live.admin, json=long_run, timeout=10
    ).json()["job_id"]
    wait_for(lambda: live.job(job_id)["progress"].get("stage") == "train_text", 120, "training")
    os.kill(live.trainer.pid, signal.SIGKILL)
    live.trainer.wait()
    failed = live.wait_job(job_id, {"failed"}, timeout_s=60)
    assert "Abandoned" in failed["error"]
    errors = requests.get(
        f"{live.url}/admin/logs?kind=training&level=error", headers=live.admin, timeout=10
    ).json()["items"]
    assert any(e["subject"] == job_id for e in errors)
    models = requests.get(f"{live.url}/admin/models", headers=live.admin, timeout=10).json()
    assert models["production"] == "v2"

    # The slot is free again; a running job stops when canceled.
    again = requests.post(
        f"{live.url}/admin/retrain-model", headers=live.admin, json=long_run, timeout=10
    )
    assert again.status_code == 202
    job_id = again.json()["job_id"]
    live.start_trainer()
    wait_for(lambda: live.job(job_id)["progress"].get("stage") == "train_text", 120, "training")
    canceled = requests.post(
        f"{live.url}/admin/jobs/{job_id}/cancel", headers=live.admin, timeout=10
    )
    assert canceled.status_code == 202 and canceled.json()["state"] == "canceling"
    assert "JobCanceled" in live.wait_job(job_id, {"canceled"}, timeout_s=60)["error"]
    assert (
        requests.get(f"{live.url}/admin/models", headers=live.admin, timeout=10).json()[
            "production"
        ]
        == "v2"
    )


CLIENT_DIR = ROOT / "clients" / "python"


def test_the_generated_client_drives_the_api(live: LiveStack):
    """The typed client of clients/python (generated from /openapi.json): log in, classify
    one product and a batch, synchronously and not, follow the status URLs, give feedback."""
    sys.path.insert(0, str(CLIENT_DIR))  # what `pip install ./clients/python` provides
    try:
        from shelfwise_client import AuthenticatedClient, Client
        from shelfwise_client.api.auth import post_auth_login
        from shelfwise_client.api.feedback import post_feedback
        from shelfwise_client.api.predict import (
            get_predictions_batch_batch_id,
            get_predictions_prediction_id,
            post_predict,
            post_predict_batch,
        )
        from shelfwise_client.models import (
            BatchIn,
            BatchOut,
            BatchProduct,
            Credentials,
            Error,
            FeedbackOut,
            NewFeedback,
            PredictIn,
            Prediction,
            PredictionStatus,
            Token,
        )
    finally:
        sys.path.remove(str(CLIENT_DIR))

    token = post_auth_login.sync(
        client=Client(base_url=live.url),
        body=Credentials(username="shopper", password="Buyer-Secret-2024"),
    )
    assert isinstance(token, Token) and token.role == "user"
    api = AuthenticatedClient(base_url=live.url, token=token.access_token, timeout=30)

    answer = post_predict.sync(client=api, body=PredictIn(designation="piscine pompe filtre"))
    assert isinstance(answer, Prediction) and answer.status == PredictionStatus.DONE
    assert answer.category.code in {c.code for c in answer.top5}

    refused = post_predict.sync(client=api, body=PredictIn())
    assert isinstance(refused, Error) and refused.error.code == "missing_input"

    queued = post_predict.sync_detailed(client=api, body=PredictIn(designation="livre"), wait=False)
    assert queued.status_code == 202 and queued.parsed.status == PredictionStatus.QUEUED
    pid = queued.parsed.prediction_id

    def answered() -> Prediction | None:
        found = get_predictions_prediction_id.sync(prediction_id=pid, client=api)
        return found if found.status == PredictionStatus.DONE else None

    assert wait_for(answered, 30, "the asynchronous answer").prediction_id == pid

    products = [BatchProduct(ref=f"sku-{i}", designation=f"jeu console {i}") for i in range(3)]
    batch = post_predict_batch.sync(client=api, body=BatchIn(products=products))
    assert isinstance(batch, BatchOut) and [r.ref for r in batch.results] == [
        "sku-0",
        "sku-1",
        "sku-2",
    ]
    later = post_predict_batch.sync(client=api, body=BatchIn(products=products), wait=False)
    assert isinstance(later, BatchOut)
    wait_for(
        lambda: (
            get_predictions_batch_batch_id.sync(batch_id=later.batch_id, client=api).status
            == "done"
        ),
        30,
        "the asynchronous batch",
    )

    flag = NewFeedback(prediction_id=answer.prediction_id, is_correct=False, correct_category=10)
    verdict = wait_for(  # 409 not_recorded until the recorder has written the prediction
        lambda: isinstance(v := post_feedback.sync(client=api, body=flag), FeedbackOut) and v,
        30,
        "feedback once the prediction is recorded",
    )
    assert verdict.correct_category == 10


CONFORMANCE = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance"
)


def test_schemathesis_every_operation_conforms(live: LiveStack):
    """No server error, and every answer's status, type and body as the document says."""
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "st"),
            "run",
            f"{live.url}/openapi.json",
            "--checks",
            CONFORMANCE,
            # Maintenance mode makes predictions answer 503 on purpose (tests/feedback).
            "--exclude-operation-id",
            "put__admin_maintenance",
            "--max-examples",
            "8",
            "--seed",
            "1",
            "--request-timeout",
            "30",
            "-H",
            f"Authorization: {live.admin['Authorization']}",
        ],
        capture_output=True,
        text=True,
        timeout=400,
        cwd=live.stack.workdir,
    )
    (live.stack.workdir / "logs" / "schemathesis.log").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
