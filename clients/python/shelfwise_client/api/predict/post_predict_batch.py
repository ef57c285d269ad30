from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.batch_in import BatchIn
from ...models.batch_out import BatchOut
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: BatchIn,
    wait: bool | Unset = True,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["wait"] = wait

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/predict/batch",
        "params": params,
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> BatchOut | Error | None:
    if response.status_code == 200:
        response_200 = BatchOut.from_dict(response.json())

        return response_200

    if response.status_code == 202:
        response_202 = BatchOut.from_dict(response.json())

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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[BatchOut | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: BatchIn,
    wait: bool | Unset = True,
) -> Response[BatchOut | Error]:
    """Classify up to MAX_BATCH_PRODUCTS products and wait for their answers; with ``Prefer: respond-
    async`` or ``?wait=false``, 202 at once with the batch's status URL.

    Args:
        wait (bool | Unset): false: answer 202 at once, like the header Prefer: respond-async.
            Default: True.
        body (BatchIn): Products to classify in one request, at most MAX_BATCH_PRODUCTS (default
            64).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchOut | Error]
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
    body: BatchIn,
    wait: bool | Unset = True,
) -> BatchOut | Error | None:
    """Classify up to MAX_BATCH_PRODUCTS products and wait for their answers; with ``Prefer: respond-
    async`` or ``?wait=false``, 202 at once with the batch's status URL.

    Args:
        wait (bool | Unset): false: answer 202 at once, like the header Prefer: respond-async.
            Default: True.
        body (BatchIn): Products to classify in one request, at most MAX_BATCH_PRODUCTS (default
            64).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchOut | Error
    """

    return sync_detailed(
        client=client,
        body=body,
        wait=wait,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: BatchIn,
    wait: bool | Unset = True,
) -> Response[BatchOut | Error]:
    """Classify up to MAX_BATCH_PRODUCTS products and wait for their answers; with ``Prefer: respond-
    async`` or ``?wait=false``, 202 at once with the batch's status URL.

    Args:
        wait (bool | Unset): false: answer 202 at once, like the header Prefer: respond-async.
            Default: True.
        body (BatchIn): Products to classify in one request, at most MAX_BATCH_PRODUCTS (default
            64).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchOut | Error]
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
    body: BatchIn,
    wait: bool | Unset = True,
) -> BatchOut | Error | None:
    """Classify up to MAX_BATCH_PRODUCTS products and wait for their answers; with ``Prefer: respond-
    async`` or ``?wait=false``, 202 at once with the batch's status URL.

    Args:
        wait (bool | Unset): false: answer 202 at once, like the header Prefer: respond-async.
            Default: True.
        body (BatchIn): Products to classify in one request, at most MAX_BATCH_PRODUCTS (default
            64).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchOut | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            wait=wait,
        )
    ).parsed
