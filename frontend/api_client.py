"""The frontend's only way to the rest of Shelfwise: HTTP calls to the API.

Every failure becomes an ``ApiError`` whose message a person can read: the
API's own ``{"error": {"code", "message"}}``, or a sentence for a network
failure or an answer that is not JSON. Pages never show raw bodies.
"""

from __future__ import annotations

import logging
from typing import Any

import requests

logger = logging.getLogger(__name__)

_FALLBACK = {
    401: "Your session has ended; please log in again.",
    403: "You are not allowed to do that.",
    404: "Not found.",
    413: "That file is too large.",
    429: "Too many attempts; wait a few minutes and try again.",
    502: "The service is unavailable right now; try again shortly.",
    503: "The service is busy or under maintenance; try again shortly.",
    504: "The service took too long to answer; try again shortly.",
}


class ApiError(Exception):
    """An API call that did not succeed: HTTP status, stable code, readable message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ApiClient:
    """A pooled HTTP session to ``base_url``; each call passes the caller's token."""

    def __init__(self, base_url: str, timeout_s: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.http = requests.Session()

    def call(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        """The successful response of ``method path``; raises ApiError otherwise."""
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self.http.request(
                method,
                f"{self.base_url}{path}",
                headers=headers,
                timeout=kwargs.pop("timeout", self.timeout_s),
                **kwargs,
            )
        except requests.Timeout:
            raise ApiError(504, "timeout", _FALLBACK[504]) from None
        except requests.RequestException as exc:
            logger.warning("API unreachable for %s %s: %s", method, path, exc)
            raise ApiError(502, "api_unreachable", _FALLBACK[502]) from None
        if response.status_code >= 400:
            raise error_from(response)
        return response

    def json(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        """The decoded JSON body of a successful call."""
        response = self.call(method, path, token, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise ApiError(
                502, "bad_answer", "The service answered something unexpected."
            ) from None


def error_from(response: requests.Response) -> ApiError:
    """The API's error document as an ApiError; a fallback sentence when there is none."""
    status = response.status_code
    try:
        error = response.json().get("error") or {}
        code, message = str(error.get("code", "")), str(error.get("message", ""))
    except (ValueError, AttributeError):
        code, message = "", ""
    if not message:
        message = _FALLBACK.get(status, f"The request failed (HTTP {status}).")
    return ApiError(status, code or f"http_{status}", message)
