"""POST /predict and GET /predictions/<id> through gunicorn, Redis and real workers."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import requests

from common.categories import CODES
from scripts.stack import Stack
from tests.factories import image_bytes, noisy_jpeg


def post(stack: Stack, **kwargs: object) -> requests.Response:
    return requests.post(f"{stack.url}/predict", timeout=30, **kwargs)  # type: ignore[arg-type]


def assert_answer(body: dict, modalities: list[str]) -> None:
    assert body["status"] == "done"
    assert body["model_version"] == "v1"
    assert body["modalities"] == modalities
    assert body["category"]["code"] in CODES
    assert body["category"]["code"] == body["top5"][0]["code"]
    scores = [entry["score"] for entry in body["top5"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == 5
    assert body["confidence"] == scores[0]
    assert set(body["timing"]) == {"queue_ms", "preprocess_ms", "inference_ms", "runtime"}
    assert body["timing"]["runtime"] in ("int8", "fp32")  # ONNX Runtime serves every answer
    assert body["latency_ms"] >= body["timing"]["inference_ms"]


def test_image_and_text(stack: Stack) -> None:
    response = post(
        stack,
        data={"designation": "Piscine tubulaire", "description": "<b>8 m³</b>"},
        files={"image": ("p.jpg", image_bytes(), "image/jpeg")},
    )
    assert response.status_code == 200, response.text
    assert_answer(response.json(), ["image", "text"])


def test_text_only(stack: Stack) -> None:
    response = post(stack, data={"designation": "Livre de poche"})
    assert response.status_code == 200, response.text
    assert_answer(response.json(), ["text"])


def test_image_only(stack: Stack) -> None:
    response = post(stack, files={"image": ("p.png", image_bytes("PNG"), "image/png")})
    assert response.status_code == 200, response.text
    assert_answer(response.json(), ["image"])


def test_json_body_with_base64_image(stack: Stack) -> None:
    encoded = base64.b64encode(image_bytes("WEBP")).decode()
    response = post(stack, json={"designation": "Console", "image_base64": encoded})
    assert response.status_code == 200, response.text
    assert_answer(response.json(), ["image", "text"])


def test_answer_is_readable_afterwards(stack: Stack) -> None:
    answer = post(stack, data={"designation": "Jeu de société"}).json()
    later = requests.get(f"{stack.url}/predictions/{answer['prediction_id']}", timeout=5)
    assert later.status_code == 200
    assert later.json()["top5"] == answer["top5"]


def test_unknown_prediction_is_404(stack: Stack) -> None:
    response = requests.get(f"{stack.url}/predictions/nope", timeout=5)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


BAD_INPUTS = [
    pytest.param(
        {"data": {"description": "only a description"}},
        400,
        "missing_input",
        id="no-image-no-designation",
    ),
    pytest.param({"data": {"designation": "   "}}, 400, "missing_input", id="blank-designation"),
    pytest.param(
        {"data": "plain", "headers": {"Content-Type": "text/plain"}},
        415,
        "unsupported_content_type",
        id="wrong-content-type",
    ),
    pytest.param(
        {"data": b"{not json", "headers": {"Content-Type": "application/json"}},
        400,
        "invalid_json",
        id="broken-json",
    ),
    pytest.param({"json": ["a", "list"]}, 400, "invalid_json", id="json-not-object"),
    pytest.param({"json": {"designation": 12}}, 400, "invalid_field", id="json-wrong-type"),
    pytest.param(
        {"json": {"designation": "x", "image_base64": "@@@"}},
        400,
        "invalid_base64",
        id="bad-base64",
    ),
    pytest.param(
        {"files": {"image": ("a.txt", b"hello, not an image", "text/plain")}},
        415,
        "unsupported_media_type",
        id="not-an-image",
    ),
    pytest.param(
        {"files": {"image": ("a.bmp", image_bytes("BMP"), "image/bmp")}},
        415,
        "unsupported_media_type",
        id="bmp-not-accepted",
    ),
    pytest.param(
        {"files": {"image": ("big.png", image_bytes("PNG", size=(9000, 9000)), "image/png")}},
        413,
        "image_too_large",
        id="pixel-bomb",
    ),
    pytest.param(
        {"files": {"image": ("cut.jpg", noisy_jpeg()[:20_000], "image/jpeg")}},
        422,
        "invalid_image",
        id="truncated-jpeg",
    ),
    pytest.param({"data": {"designation": "x" * 20_001}}, 422, "text_too_long", id="long-text"),
    pytest.param(
        {
            "data": {"designation": "x"},
            "files": {"image": ("huge.jpg", b"\xff\xd8" + b"0" * (11 * 1024 * 1024), "image/jpeg")},
        },
        413,
        "payload_too_large",
        id="upload-cap",
    ),
]


@pytest.mark.parametrize(("request_args", "status", "code"), BAD_INPUTS)
def test_bad_input_gets_a_clear_error(
    stack: Stack, request_args: dict, status: int, code: str
) -> None:
    response = post(stack, **request_args)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]


def test_unknown_route_and_method_are_json(stack: Stack) -> None:
    missing = requests.get(f"{stack.url}/nowhere", timeout=5)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = requests.get(f"{stack.url}/predict", timeout=5)
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"


def test_ready_names_workers_and_model(stack: Stack) -> None:
    body = requests.get(f"{stack.url}/ready", timeout=5).json()
    assert body["ready"] is True
    assert body["checks"]["workers"]["live"] == 2
    assert body["checks"]["model"]["versions"] == ["v1"]


def test_fifty_concurrent_requests_each_get_their_own_answer(stack: Stack) -> None:
    """Answers are compared with the same model run in this process, product by product."""
    from model_service.fusion import ProductInput
    from model_service.preprocessing import clean_text, load_image
    from model_service.runtime import load_predictor

    rng = np.random.default_rng(7)
    words = ["piscine", "livre", "console", "jeu", "bleu", "rouge"]
    products = []
    for i in range(50):
        title = " ".join(rng.choice(words, size=3)) + f" {i}"
        image = image_bytes(color=tuple(int(c) for c in rng.integers(0, 255, 3))) if i % 2 else None
        products.append((title, image))

    def send(product: tuple[str, bytes | None]) -> requests.Response:
        title, image = product
        files = {"image": ("p.jpg", image, "image/jpeg")} if image else None
        return post(stack, data={"designation": title}, files=files)

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(send, products))
    assert [r.status_code for r in responses] == [200] * 50
    answers = [r.json() for r in responses]
    assert len({a["prediction_id"] for a in answers}) == 50

    predictor = load_predictor(stack.models_dir / "v1")  # as the workers load it
    params = predictor.version.params  # and prepare photos as they do
    expected = predictor.predict(
        [
            ProductInput(
                clean_text(title),
                load_image(image, size=params.image_size, framing=params.image_framing)
                if image
                else None,
            )
            for title, image in products
        ]
    )
    for answer, probs, (_, image) in zip(answers, expected, products, strict=True):
        assert answer["modalities"] == (["image", "text"] if image else ["text"])
        assert answer["category"]["code"] == CODES[int(np.argmax(probs))]
        assert answer["confidence"] == pytest.approx(float(probs.max()), abs=1e-4)
