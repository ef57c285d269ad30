from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.event_page import EventPage
from ...models.get_admin_logs_level_type_0 import GetAdminLogsLevelType0
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    kind: None | str | Unset = UNSET,
    level: GetAdminLogsLevelType0 | None | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
    actor: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["page"] = page

    params["per_page"] = per_page

    json_kind: None | str | Unset
    if isinstance(kind, Unset):
        json_kind = UNSET
    else:
        json_kind = kind
    params["kind"] = json_kind

    json_level: None | str | Unset
    if isinstance(level, Unset):
        json_level = UNSET
    elif isinstance(level, GetAdminLogsLevelType0):
        json_level = level.value
    else:
        json_level = level
    params["level"] = json_level

    json_since: None | str | Unset
    if isinstance(since, Unset):
        json_since = UNSET
    else:
        json_since = since
    params["since"] = json_since

    json_until: None | str | Unset
    if isinstance(until, Unset):
        json_until = UNSET
    else:
        json_until = until
    params["until"] = json_until

    json_actor: None | str | Unset
    if isinstance(actor, Unset):
        json_actor = UNSET
    else:
        json_actor = actor
    params["actor"] = json_actor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/admin/logs",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | EventPage | None:
    if response.status_code == 200:
        response_200 = EventPage.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | EventPage]:
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
    kind: None | str | Unset = UNSET,
    level: GetAdminLogsLevelType0 | None | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
    actor: None | str | Unset = UNSET,
) -> Response[Error | EventPage]:
    """Newest first; ``kind``, ``level`` (that level and above), ``since``, ``until``, ``actor``.

    Args:
        page (int | Unset): Page number, from 1. Default: 1.
        per_page (int | Unset): Items per page; above 500 the page holds 500 (max_per_page).
            Default: 50.
        kind (None | str | Unset):
        level (GetAdminLogsLevelType0 | None | Unset):
        since (None | str | Unset):
        until (None | str | Unset):
        actor (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | EventPage]
    """

    kwargs = _get_kwargs(
        page=page,
        per_page=per_page,
        kind=kind,
        level=level,
        since=since,
        until=until,
        actor=actor,
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
    kind: None | str | Unset = UNSET,
    level: GetAdminLogsLevelType0 | None | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
    actor: None | str | Unset = UNSET,
) -> Error | EventPage | None:
    """Newest first; ``kind``, ``level`` (that level and above), ``since``, ``until``, ``actor``.

    Args:
        page (int | Unset): Page number, from 1. Default: 1.
        per_page (int | Unset): Items per page; above 500 the page holds 500 (max_per_page).
            Default: 50.
        kind (None | str | Unset):
        level (GetAdminLogsLevelType0 | None | Unset):
        since (None | str | Unset):
        until (None | str | Unset):
        actor (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | EventPage
    """

    return sync_detailed(
        client=client,
        page=page,
        per_page=per_page,
        kind=kind,
        level=level,
        since=since,
        until=until,
        actor=actor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    kind: None | str | Unset = UNSET,
    level: GetAdminLogsLevelType0 | None | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
    actor: None | str | Unset = UNSET,
) -> Response[Error | EventPage]:
    """Newest first; ``kind``, ``level`` (that level and above), ``since``, ``until``, ``actor``.

    Args:
        page (int | Unset): Page number, from 1. Default: 1.
        per_page (int | Unset): Items per page; above 500 the page holds 500 (max_per_page).
            Default: 50.
        kind (None | str | Unset):
        level (GetAdminLogsLevelType0 | None | Unset):
        since (None | str | Unset):
        until (None | str | Unset):
        actor (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | EventPage]
    """

    kwargs = _get_kwargs(
        page=page,
        per_page=per_page,
        kind=kind,
        level=level,
        since=since,
        until=until,
        actor=actor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    kind: None | str | Unset = UNSET,
    level: GetAdminLogsLevelType0 | None | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
    actor: None | str | Unset = UNSET,
) -> Error | EventPage | None:
    """Newest first; ``kind``, ``level`` (that level and above), ``since``, ``until``, ``actor``.

    Args:
        page (int | Unset): Page number, from 1. Default: 1.
        per_page (int | Unset): Items per page; above 500 the page holds 500 (max_per_page).
            Default: 50.
        kind (None | str | Unset):
        level (GetAdminLogsLevelType0 | None | Unset):
        since (None | str | Unset):
        until (None | str | Unset):
        actor (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | EventPage
    """

    return (
        await asyncio_detailed(
            client=client,
            page=page,
            per_page=per_page,
            kind=kind,
            level=level,
            since=since,
            until=until,
            actor=actor,
        )
    ).parsed
