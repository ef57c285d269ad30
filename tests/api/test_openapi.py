"""The OpenAPI document is valid and describes exactly the app's routes; Swagger UI is local."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


def app_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "docs.docs_static"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        routes |= {(m.lower(), path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_the_document_is_valid_and_matches_the_routes(app, client):
    spec = client.get("/openapi.json").get_json()
    validate(spec)
    documented = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert documented == app_routes(app)
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for status, response in op["responses"].items():
                if int(status) >= 400 and path != "/ready":  # /ready: its checks, by design
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"
                    }, (method, path, status)


def test_admin_operations_require_a_token_in_the_document(client):
    spec = client.get("/openapi.json").get_json()
    for path, ops in spec["paths"].items():
        if path.startswith("/admin/"):
            for op in ops.values():
                assert op["security"] == [{"bearer": []}]
                assert {"401", "403"} <= set(op["responses"])


def test_swagger_ui_is_served_from_local_files(client):
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        asset = client.get(src)
        assert asset.status_code == 200 and asset.get_data(), src
    assert client.get("/docs/static/../app.py").status_code == 404
    assert client.get("/docs/static/unknown.js").status_code == 404
