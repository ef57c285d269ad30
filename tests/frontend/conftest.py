"""The frontend against the real stack: redis-server, API and frontend under gunicorn, a model
worker and a trainer, driven by Debian's headless Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from common.settings import load_settings
from frontend.app import create_app
from scripts.stack import ROOT, Stack
from tests.api.conftest import JWT_SECRET

ADMIN = ("chief", "Head-Of-Shop-2024")
SHOPPER = ("shopper", "Buyer-Secret-2024")
FRONTEND_SECRET = "frontend-test-secret-long-enough-for-production"
SCREENSHOTS = ROOT / "test-output" / "screenshots"


def find_chromium() -> str | None:
    """CHROMIUM_PATH, else Debian's ``chromium`` on the PATH."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    return path if path and Path(path).exists() else None


@pytest.fixture
def frontend_app(tmp_path: Path) -> Any:
    """The frontend on Flask's test client, its API an unused local port (or a given one)."""

    def make(**overrides: Any) -> Any:
        values: dict[str, Any] = dict(
            var_dir=tmp_path / "var",
            environment="production",
            frontend_secret_key=FRONTEND_SECRET,
            frontend_secure_cookie=False,
            api_url="http://127.0.0.1:9",
        )
        values.update(overrides)
        return create_app(load_settings(**values))

    return make


class Site:
    """The running stack plus helpers the browser tests share."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.url = stack.frontend_url
        self.api = stack.url

    def token(self, username: str, password: str) -> dict[str, str]:
        response = requests.post(
            f"{self.api}/auth/login", json={"username": username, "password": password}, timeout=10
        )
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from tests.factories import make_tiny_version

    workdir = tmp_path_factory.mktemp("frontend-stack")
    env = {
        "ENVIRONMENT": "production",
        "JWT_SECRET_KEY": JWT_SECRET,
        "FRONTEND_SECRET_KEY": FRONTEND_SECRET,
        "FRONTEND_SECURE_COOKIE": "false",  # plain http on 127.0.0.1
        "ADMIN_USERNAME": ADMIN[0],
        "ADMIN_PASSWORD": ADMIN[1],
        "IMPORT_WAIT_S": "30",
        "LOGIN_MAX_FAILURES_PER_USER": "1000",
        "LOGIN_MAX_ATTEMPTS_PER_ADDRESS": "1000",
    }
    stack = Stack(workdir, env)
    make_tiny_version(stack.models_dir)
    try:
        stack.start(1)
        stack.start_trainer()  # it loads TensorFlow while the first tests run
        stack.start_frontend()
        site = Site(stack)
        requests.post(
            f"{site.api}/auth/signup",
            headers=site.token(*ADMIN),
            json={"username": SHOPPER[0], "password": SHOPPER[1]},
            timeout=10,
        ).raise_for_status()
        yield site
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = find_chromium()
    if executable is None:
        pytest.skip(
            "no Chromium: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
