from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.product_page import ProductPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    category: int | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    batch: int | None | Unset = UNSET,
    has_image: bool | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["page"] = page

    params["per_page"] = per_page

    json_category: int | None | Unset
    if isinstance(category, Unset):
        json_category = UNSET
    else:
        json_category = category
    params["category"] = json_category

    json_q: None | str | Unset
    if isinstance(q, Unset):
        json_q = UNSET
    else:
        json_q = q
    params["q"] = json_q

    json_batch: int | None | Unset
    if isinstance(batch, Unset):
        json_batch = UNSET
    else:
        json_batch = batch
    params["batch"] = json_batch

    json_has_image: bool | None | Unset
    if isinstance(has_image, Unset):
        json_has_image = UNSET
    else:
        json_has_image = has_image
    params["has_image"] = json_has_image

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/admin/products",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | ProductPage | None:
    if response.status_code == 200:
        response_200 = ProductPage.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | ProductPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    category: int | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    batch: int | None | Unset = UNSET,
    has_image: bool | None | Unset = UNSET,
) -> Response[Error | ProductPage]:
    """Labelled products: ``category``, ``q`` (text), ``batch``, ``has_image``, paginated.

    Args:
        page (int | Unset): Page number, from 1. Default: 1.
        per_page (int | Unset): Items per page; above 500 the page holds 500 (max_per_page).
            Default: 50.
        category (int | None | Unset):
        q (None | str | Unset): Text in designation or description.
        batch (int | None | Unset): Ingestion batch id.
        has_image (bool | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ProductPage]
    """

    kwargs = _get_kwargs(
        page=page,
        per_page=per_page,
        category=category,
        q=q,
        batch=batch,
        has_image=has_image,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    category: int | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    batch: int | None | Unset = UNSET,
    has_image: bool | None | Unset = UNSET,
) -> Error | ProductPage | None:
    """Labelled products: ``category``, ``q`` (text), ``batch``, ``has_image``, paginated.

    Args:
        page (int | Unset): Page number, from 1. Default: 1.
        per_page (int | Unset): Items per page; above 500 the page holds 500 (max_per_page).
            Default: 50.
        category (int | None | Unset):
        q (None | str | Unset): Text in designation or description.
        batch (int | None | Unset): Ingestion batch id.
        has_image (bool | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ProductPage
    """

    return sync_detailed(
        client=client,
        page=page,
        per_page=per_page,
        category=category,
        q=q,
        batch=batch,
        has_image=has_image,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    category: int | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    batch: int | None | Unset = UNSET,
    has_image: bool | None | Unset = UNSET,
) -> Response[Error | ProductPage]:
    """Labelled products: ``category``, ``q`` (text), ``batch``, ``has_image``, paginated.

    Args:
        page (int | Unset): Page number, from 1. Default: 1.
        per_page (int | Unset): Items per page; above 500 the page holds 500 (max_per_page).
            Default: 50.
        category (int | None | Unset):
        q (None | str | Unset): Text in designation or description.
        batch (int | None | Unset): Ingestion batch id.
        has_image (bool | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ProductPage]
    """

    kwargs = _get_kwargs(
        page=page,
        per_page=per_page,
        category=category,
        q=q,
        batch=batch,
        has_image=has_image,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    category: int | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    batch: int | None | Unset = UNSET,
    has_image: bool | None | Unset = UNSET,
) -> Error | ProductPage | None:
    """Labelled products: ``category``, ``q`` (text), ``batch``, ``has_image``, paginated.

    Args:
        page (int | Unset): Page number, from 1. Default: 1.
        per_page (int | Unset): Items per page; above 500 the page holds 500 (max_per_page).
            Default: 50.
        category (int | None | Unset):
        q (None | str | Unset): Text in designation or description.
        batch (int | None | Unset): Ingestion batch id.
        has_image (bool | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ProductPage
    """

    return (
        await asyncio_detailed(
            client=client,
            page=page,
            per_page=per_page,
            category=category,
            q=q,
            batch=batch,
            has_image=has_image,
        )
    ).parsed
