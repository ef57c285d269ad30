"""Bodies are checked against the routes' models, which also make the OpenAPI document."""

from __future__ import annotations

import base64

import pytest

from api.schemas import Prediction
from tests.factories import image_bytes


def test_an_unknown_field_is_refused_and_named(client, alice, fake_worker):
    photo = base64.b64encode(image_bytes()).decode()
    response = client.post("/predict", json={"designation": "x", "image": photo}, headers=alice)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("unknown_field", "image")
    assert "'image'" in error["message"]
    # The right name classifies the photo too.
    right = client.post("/predict", json={"designation": "x", "image_base64": photo}, headers=alice)
    assert right.status_code == 200, right.get_json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"designation": 12}, "designation"),
        ({"designation": None}, "designation"),
        ({"designation": ["a"]}, "designation"),
    ],
)
def test_a_wrongly_typed_field_is_named(client, alice, body, field):
    response = client.post("/predict", json=body, headers=alice)
    error = response.get_json()["error"]
    assert (response.status_code, error["code"], error["field"]) == (400, "invalid_field", field)


def test_an_unknown_form_field_is_refused(client, alice):
    response = client.post("/predict", data={"designation": "x", "title": "y"}, headers=alice)
    error = response.get_json()["error"]
    assert (response.status_code, error["code"], error["field"]) == (400, "unknown_field", "title")


def test_without_a_token_a_bad_body_is_still_a_401(client, admin, alice):
    assert client.post("/predict", json={"nope": 1}).status_code == 401
    assert client.post("/feedback", json={"nope": 1}).status_code == 401
    assert client.post("/auth/signup", json={"nope": 1}).status_code == 401
    assert client.post("/auth/signup", json={"nope": 1}, headers=alice).status_code == 403
    assert client.post("/admin/retrain-model", json={"nope": 1}, headers=alice).status_code == 403


def test_the_document_comes_from_the_models(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    schemas = spec["components"]["schemas"]
    assert set(Prediction.model_fields) <= set(schemas["Prediction"]["properties"])
    assert "timing" in schemas["Prediction"]["properties"]
    assert schemas["PredictIn"]["additionalProperties"] is False
    body = spec["paths"]["/predict"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op["summary"] and not op["summary"].endswith(">"), (method, path)
            for status, response in op["responses"].items():
                if status.startswith("2") and path not in ("/metrics", "/docs", "/openapi.json"):
                    if "admin/images" not in path:
                        assert "content" in response, (method, path, status)


def test_an_answer_that_breaks_its_model_is_a_500(app):
    from flask import Blueprint
    from spectree import SpecTree

    from api.schemas import Health
    from api.spec import responses, spec

    checked = SpecTree("flask", after=spec.after)  # the API's answer check, on its own routes
    bp = Blueprint("broken", __name__)

    @bp.get("/broken")
    @checked.validate(resp=responses({200: Health}))
    def broken() -> dict[str, str]:
        """Answers what its model forbids."""
        return {"status": "sick"}

    app.register_blueprint(bp)
    response = app.test_client().get("/broken")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"


def test_the_python_client_is_generated_from_the_current_document():
    import json

    from scripts.openapi_client import CLIENT_DIR, document

    stored = json.loads((CLIENT_DIR / "openapi.json").read_text())
    assert stored == json.loads(json.dumps(document())), (
        "clients/python is stale: run python -m scripts.openapi_client"
    )
