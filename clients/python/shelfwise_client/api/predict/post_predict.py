from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.predict_in import PredictIn
from ...models.prediction import Prediction
from ...models.product_form import ProductForm
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: PredictIn | ProductForm | Unset = UNSET,
    wait: bool | Unset = True,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["wait"] = wait

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/predict",
        "params": params,
    }

    if isinstance(body, PredictIn):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"
    if isinstance(body, ProductForm):
        _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | Prediction | None:
    if response.status_code == 200:
        response_200 = Prediction.from_dict(response.json())

        return response_200

    if response.status_code == 202:
        response_202 = Prediction.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Error.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Error.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = Error.from_dict(response.json())

        return response_503

    if response.status_code == 504:
        response_504 = Error.from_dict(response.json())

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | Prediction]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: PredictIn | ProductForm | Unset = UNSET,
    wait: bool | Unset = True,
) -> Response[Error | Prediction]:
    """Classify a product (multipart form or JSON) and wait for the answer; with ``Prefer: respond-async``
    or ``?wait=false``, 202 at once with its status URL.

    Args:
        wait (bool | Unset): false: answer 202 at once, like the header Prefer: respond-async.
            Default: True.
        body (PredictIn):
        body (ProductForm): One product as a multipart form.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Prediction]
    """

    kwargs = _get_kwargs(
        body=body,
        wait=wait,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: PredictIn | ProductForm | Unset = UNSET,
    wait: bool | Unset = True,
) -> Error | Prediction | None:
    """Classify a product (multipart form or JSON) and wait for the answer; with ``Prefer: respond-async``
    or ``?wait=false``, 202 at once with its status URL.

    Args:
        wait (bool | Unset): false: answer 202 at once, like the header Prefer: respond-async.
            Default: True.
        body (PredictIn):
        body (ProductForm): One product as a multipart form.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Prediction
    """

    return sync_detailed(
        client=client,
        body=body,
        wait=wait,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: PredictIn | ProductForm | Unset = UNSET,
    wait: bool | Unset = True,
) -> Response[Error | Prediction]:
    """Classify a product (multipart form or JSON) and wait for the answer; with ``Prefer: respond-async``
    or ``?wait=false``, 202 at once with its status URL.

    Args:
        wait (bool | Unset): false: answer 202 at once, like the header Prefer: respond-async.
            Default: True.
        body (PredictIn):
        body (ProductForm): One product as a multipart form.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Prediction]
    """

    kwargs = _get_kwargs(
        body=body,
        wait=wait,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: PredictIn | ProductForm | Unset = UNSET,
    wait: bool | Unset = True,
) -> Error | Prediction | None:
    """Classify a product (multipart form or JSON) and wait for the answer; with ``Prefer: respond-async``
    or ``?wait=false``, 202 at once with its status URL.

    Args:
        wait (bool | Unset): false: answer 202 at once, like the header Prefer: respond-async.
            Default: True.
        body (PredictIn):
        body (ProductForm): One product as a multipart form.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Prediction
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            wait=wait,
        )
    ).parsed
