"""Write the API's OpenAPI document and regenerate the Python client from it.

``python -m scripts.openapi_client`` writes ``clients/python/openapi.json`` (the
document the running API serves) and runs openapi-python-client on it into
``clients/python``. The document comes from the app's routes, so no server runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common.settings import ROOT, load_settings

CLIENT_DIR = ROOT / "clients" / "python"
CONFIG = CLIENT_DIR / "generator.yaml"


def document() -> dict:
    """The OpenAPI document of an app built on a throw-away state directory."""
    from api.app import create_app  # the API's dependencies are needed here only

    with tempfile.TemporaryDirectory() as var:
        settings = load_settings(
            var_dir=Path(var),
            environment="development",
            redis_url="redis://127.0.0.1:1/0",  # never reached: nothing runs
        )
        app = create_app(settings, record_predictions=False)
        with app.test_request_context():
            from api.spec import document as build

            return build(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the client is stale")
    args = parser.parse_args()
    spec = json.dumps(document(), indent=2, sort_keys=True) + "\n"
    target = CLIENT_DIR / "openapi.json"
    if args.check:
        if not target.is_file() or target.read_text() != spec:
            sys.exit("clients/python is stale: run python -m scripts.openapi_client")
        return
    target.write_text(spec)
    subprocess.run(
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path",
            str(target),
            "--output-path",
            str(CLIENT_DIR),
            "--config",
            str(CONFIG),
            "--overwrite",
            "--meta",
            "setup",
        ],
        check=True,
        # its post hooks (ruff) come from this virtual environment
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
    )
    target.write_text(spec)  # --overwrite replaced the folder


if __name__ == "__main__":
    main()
