from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.monitoring import Monitoring
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    window_s: int | None | Unset = UNSET,
    bucket_s: int | None | Unset = UNSET,
    version: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_window_s: int | None | Unset
    if isinstance(window_s, Unset):
        json_window_s = UNSET
    else:
        json_window_s = window_s
    params["window_s"] = json_window_s

    json_bucket_s: int | None | Unset
    if isinstance(bucket_s, Unset):
        json_bucket_s = UNSET
    else:
        json_bucket_s = bucket_s
    params["bucket_s"] = json_bucket_s

    json_version: None | str | Unset
    if isinstance(version, Unset):
        json_version = UNSET
    else:
        json_version = version
    params["version"] = json_version

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/admin/monitoring",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | Monitoring | None:
    if response.status_code == 200:
        response_200 = Monitoring.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | Monitoring]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    window_s: int | None | Unset = UNSET,
    bucket_s: int | None | Unset = UNSET,
    version: None | str | Unset = UNSET,
) -> Response[Error | Monitoring]:
    """Time series: ``window_s``, ``bucket_s`` and ``version`` (default production).

    Args:
        window_s (int | None | Unset): Rolling window, in seconds.
        bucket_s (int | None | Unset): Point spacing, in seconds.
        version (None | str | Unset): Model version; default production.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Monitoring]
    """

    kwargs = _get_kwargs(
        window_s=window_s,
        bucket_s=bucket_s,
        version=version,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    window_s: int | None | Unset = UNSET,
    bucket_s: int | None | Unset = UNSET,
    version: None | str | Unset = UNSET,
) -> Error | Monitoring | None:
    """Time series: ``window_s``, ``bucket_s`` and ``version`` (default production).

    Args:
        window_s (int | None | Unset): Rolling window, in seconds.
        bucket_s (int | None | Unset): Point spacing, in seconds.
        version (None | str | Unset): Model version; default production.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Monitoring
    """

    return sync_detailed(
        client=client,
        window_s=window_s,
        bucket_s=bucket_s,
        version=version,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    window_s: int | None | Unset = UNSET,
    bucket_s: int | None | Unset = UNSET,
    version: None | str | Unset = UNSET,
) -> Response[Error | Monitoring]:
    """Time series: ``window_s``, ``bucket_s`` and ``version`` (default production).

    Args:
        window_s (int | None | Unset): Rolling window, in seconds.
        bucket_s (int | None | Unset): Point spacing, in seconds.
        version (None | str | Unset): Model version; default production.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Monitoring]
    """

    kwargs = _get_kwargs(
        window_s=window_s,
        bucket_s=bucket_s,
        version=version,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    window_s: int | None | Unset = UNSET,
    bucket_s: int | None | Unset = UNSET,
    version: None | str | Unset = UNSET,
) -> Error | Monitoring | None:
    """Time series: ``window_s``, ``bucket_s`` and ``version`` (default production).

    Args:
        window_s (int | None | Unset): Rolling window, in seconds.
        bucket_s (int | None | Unset): Point spacing, in seconds.
        version (None | str | Unset): Model version; default production.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Monitoring
    """

    return (
        await asyncio_detailed(
            client=client,
            window_s=window_s,
            bucket_s=bucket_s,
            version=version,
        )
    ).parsed
