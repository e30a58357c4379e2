"""The fission poster's PNG through API Gateway (issue 21): the admin function is handed the event API Gateway
sends for a browser's <img> and must answer the PNG base64-encoded with ``isBase64Encoded`` (API Gateway then
decodes it, the admin API declaring */* binary: tests/infra/test_template.py). Chalice encodes a body when
the answer's Content-Type is one of its binary types, and refuses (400) a binary answer to a request whose
Accept matches none of them; a JSON answer stays text. With */* binary, API Gateway hands request bodies
over base64-encoded: the routes read them through Chalice's raw_body, which decodes them."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import admin as admin_function
import pytest
from admin.api import body_of
from chalice.app import Request
from PIL import Image
from scrm.fission.links import sign

POSTER = "/admin/public/fission/poster"
PROGRESS = "/admin/public/fission/progress"
# Chrome's Accept for an <img>; Firefox and Safari also put an image type first and */* last.
IMG_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "#07c160").save(out, "PNG")
    return out.getvalue()


PNG = _png()
# A well-formed link (the route reads its corp to count the request before the service verifies it).
TOKEN = sign(b"k" * 32, "wwbinary", "c1", "wm1", 4102444800)


class _Fission:
    def poster(self, token: str) -> bytes:
        assert token == TOKEN
        return PNG

    def inviter_progress(self, token: str) -> dict[str, Any]:
        return {"confirmed": 1, "threshold": 3}


def _event(path: str, headers: dict[str, str], method: str = "GET", body: str | None = None,
           b64: bool = False) -> dict[str, Any]:  # fmt: skip
    """A REST API (v1) Lambda proxy event, as API Gateway builds it."""
    return {
        "resource": path, "path": path, "httpMethod": method,
        "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {"t": TOKEN}, "multiValueQueryStringParameters": {"t": [TOKEN]},
        "pathParameters": None, "stageVariables": None,
        "requestContext": {"resourcePath": path, "httpMethod": method, "path": f"/api{path}", "stage": "api",
                           "requestId": "req-1", "identity": {"sourceIp": "203.0.113.9"}},
        "body": body, "isBase64Encoded": b64,
    }  # fmt: skip


@pytest.fixture(autouse=True)
def _stub_service(monkeypatch):
    # Imported here, after admin.api: importing admin.fission first would load admin.api from inside it and
    # build the OpenAPI document before the fission routes exist (test_openapi then sees another document).
    from admin import fission as fission_routes

    monkeypatch.setattr(fission_routes, "_service", lambda: _Fission())
    # the public routes' per-address limit is a DynamoDB write (tests/integration/test_admin_guards.py)
    monkeypatch.setattr(fission_routes, "limit_public", lambda request, corp: None)


@pytest.mark.parametrize("accept", [IMG_ACCEPT, "*/*", "image/png"])
def test_the_poster_is_answered_base64_encoded(accept):
    answer = admin_function.admin_api(_event(POSTER, {"Accept": accept, "Host": "api.example.test"}), None)
    assert answer["statusCode"] == 200
    assert answer["headers"]["Content-Type"] == "image/png"
    assert answer["isBase64Encoded"] is True
    assert base64.b64decode(answer["body"]) == PNG


def test_a_json_answer_stays_text_for_the_same_browser():
    answer = admin_function.admin_api(_event(PROGRESS, {"Accept": IMG_ACCEPT}), None)
    assert answer["statusCode"] == 200 and not answer.get("isBase64Encoded")
    assert json.loads(answer["body"]) == {"confirmed": 1, "threshold": 3}


def test_a_request_that_accepts_no_image_gets_chalices_400():
    """What Chalice does with an Accept that names no binary type (docs/architecture.md says so): not a
    broken image, a 400 the page's error handler shows."""
    answer = admin_function.admin_api(_event(POSTER, {"Accept": "application/json"}), None)
    assert answer["statusCode"] == 400 and not answer.get("isBase64Encoded")


def test_a_body_api_gateway_sent_base64_encoded_is_read_as_json():
    raw = json.dumps({"codes": ["A1", "券码二"]}, ensure_ascii=False).encode()
    event = _event("/admin/fission/{campaign_id}/coupons", {"Content-Type": "application/json"}, "POST",
                   base64.b64encode(raw).decode(), b64=True)  # fmt: skip
    assert body_of(Request(event)) == {"codes": ["A1", "券码二"]}
