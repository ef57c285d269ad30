"""The frontend on Flask's test client: security headers, CSRF, settings, readable API errors,
escaped product text and charts. The API is a real gunicorn-free local HTTP server here only
where an answer is needed (a tiny WSGI app on a free port)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from common.local_redis import free_port
from common.schemas import NO_MODEL_MESSAGE
from common.settings import load_settings
from common.signing_keys import ConfigError
from frontend import charts
from frontend.api_client import ApiClient, ApiError
from frontend.app import create_app, session_secret
from frontend.jobs import job_view


@pytest.fixture
def fake_api() -> Iterator[tuple[str, dict[str, Any]]]:
    """A small HTTP server standing in for the API's answers (status and body per path)."""
    answers: dict[str, Any] = {}
    app = Flask("fake_api")

    @app.route("/<path:path>", methods=["GET", "POST"])
    def any_path(path: str) -> Any:
        status, body = answers.get(
            "/" + path, (404, {"error": {"code": "not_found", "message": "No."}})
        )
        return (
            (body, status)
            if isinstance(body, dict)
            else (body, status, {"Content-Type": "text/html"})
        )

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", answers
    server.shutdown()


def logged_in(client: Any, role: str = "user") -> None:
    with client.session_transaction() as session:
        session.update(token="t0k3n", username="ada", role=role)


def test_every_page_has_the_security_headers(frontend_app):
    client = frontend_app().test_client()
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert b"<script>" not in response.data  # no inline script anywhere


def test_forms_without_the_csrf_token_are_refused(frontend_app):
    app = frontend_app()
    client = app.test_client()
    response = client.post("/login", data={"username": "ada", "password": "x"})
    assert response.status_code == 400
    assert b"did not come from this site" in response.data


def test_session_cookie_is_httponly_samesite_and_secure_in_production(frontend_app, tmp_path):
    app = frontend_app(frontend_secure_cookie=None)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    dev = create_app(load_settings(var_dir=tmp_path / "dev", environment="development"))
    assert dev.config["SESSION_COOKIE_SECURE"] is False


def test_production_needs_a_real_secret(tmp_path):
    for key in ("", "short"):
        settings = load_settings(
            var_dir=tmp_path, environment="production", frontend_secret_key=key
        )
        with pytest.raises(ConfigError, match="FRONTEND_SECRET_KEY"):
            session_secret(settings)
    dev = load_settings(var_dir=tmp_path, environment="development")
    assert session_secret(dev) == session_secret(dev) and len(session_secret(dev)) >= 32


def test_api_errors_become_readable_messages(fake_api):
    url, answers = fake_api
    api = ApiClient(url, timeout_s=5)
    answers["/predict"] = (422, {"error": {"code": "invalid_image", "message": "Not a photo."}})
    with pytest.raises(ApiError) as caught:
        api.json("POST", "/predict")
    assert (caught.value.status, caught.value.code, caught.value.message) == (
        422,
        "invalid_image",
        "Not a photo.",
    )
    answers["/broken"] = (500, "<html>Traceback (most recent call last)</html>")
    with pytest.raises(ApiError) as caught:
        api.json("GET", "/broken")
    assert caught.value.message == "The request failed (HTTP 500)."
    with pytest.raises(ApiError) as caught:
        ApiClient(f"http://127.0.0.1:{free_port()}", 2).json("GET", "/x")
    assert caught.value.code == "api_unreachable"


def test_a_failed_classification_shows_the_message_not_json(frontend_app, fake_api):
    url, answers = fake_api
    answers["/predict"] = (503, {"error": {"code": "maintenance", "message": "Back at noon."}})
    app = frontend_app(api_url=url)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    logged_in(client)
    page = client.post("/classify", data={"designation": "piscine"}).get_data(as_text=True)
    assert "Back at noon." in page and '"error"' not in page and "maintenance" not in page


def test_without_a_model_the_page_says_what_to_do(frontend_app, fake_api):
    """The API's no_model sentence reaches the person classifying, word for word."""
    url, answers = fake_api
    answers["/predict"] = (503, {"error": {"code": "no_model", "message": NO_MODEL_MESSAGE}})
    app = frontend_app(api_url=url)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    logged_in(client)
    page = client.post("/classify", data={"designation": "piscine"}).get_data(as_text=True)
    assert NO_MODEL_MESSAGE in page


def test_an_expired_token_sends_back_to_login(frontend_app, fake_api):
    url, answers = fake_api
    answers["/predictions"] = (401, {"error": {"code": "token_expired", "message": "Expired."}})
    client = frontend_app(api_url=url).test_client()
    logged_in(client)
    response = client.get("/predictions")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_users_cannot_open_admin_pages(frontend_app):
    client = frontend_app().test_client()
    assert "/login" in client.get("/admin/").headers["Location"]
    logged_in(client, role="user")
    response = client.get("/admin/models")
    assert response.status_code == 403 and b"for administrators" in response.data


def test_the_models_page_says_which_runtime_each_version_serves(frontend_app, fake_api):
    url, answers = fake_api
    gate = {
        "fp32": {"f1_image": 0.41, "f1_all": 0.72},
        "int8": {"f1_image": 0.405, "f1_all": 0.719},
    }
    answers["/admin/models"] = (200, {"production": "v2", "items": [
        {"version": "v2", "status": "production", "production": True, "on_volume": True,
         "serving": {"runtimes": {**gate, "agreement": 0.97},
                     "int8": {"servable": True, "reason": "within 1 point", "agreement": 0.97}}},
        {"version": "v1", "status": "archived", "production": False, "on_volume": True,
         "serving": None},
    ]})  # fmt: skip
    client = frontend_app(api_url=url).test_client()
    logged_in(client, role="admin")
    page = client.get("/admin/models").get_data(as_text=True)
    assert "<summary>int8</summary>" in page and "passed: within 1 point" in page
    assert "0.405 photo rows" in page and "97.0 % of photos" in page
    assert "not exported: run <code>python -m trainer export</code>" in page


def test_product_text_is_escaped_in_the_catalogue(frontend_app, fake_api):
    url, answers = fake_api
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    answers["/admin/products"] = (200, {
        "items": [{"productid": "p1", "designation": evil, "description": evil,
                   "category": "Livres neufs", "image_hash": None}],
        "page": 1, "per_page": 24, "total": 1, "pages": 1,
    })  # fmt: skip
    answers["/admin/products/counts"] = (
        200,
        {"counts": [{"code": 10, "name": evil, "count": 1}], "total": 1},
    )
    client = frontend_app(api_url=url).test_client()
    logged_in(client, role="admin")
    page = client.get("/catalogue").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_chart_labels_are_escaped():
    svg = str(charts.bar_chart([("<b>x</b> & y", 0.5)], 'title "quoted"'))
    assert "<b>" not in svg and "&lt;b&gt;x&lt;/b&gt; &amp; y" in svg
    line = str(charts.line_chart({"<v1>": [("a", 0.2), ("b", None), ("c", 0.4)]}, "t"))
    assert "&lt;v1&gt;" in line and line.count("<polyline") == 2  # None leaves a gap
    heat = str(charts.heatmap([[3, 1], [0, 4]], ["<a>", "b"], "cm"))
    assert "&lt;a&gt;" in heat and heat.count("<rect") == 4


def test_job_progress_for_the_bar():
    running = job_view({
        "state": "started", "params": {"epochs": 4},
        "progress": {"stage": "train_text", "epoch": 2},
    })  # fmt: skip
    assert running["percent"] == 25 and "epoch 2 of 4" in running["label"]
    assert not running["final"]
    done = job_view({"state": "finished", "progress": {"stage": "done"}, "result": {}})
    assert (done["percent"], done["final"]) == (100, True)
    imported = job_view(
        {"state": "started", "progress": {"stage": "import", "done": 5, "total": 20}}
    )
    assert imported["percent"] == 25
