from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.feedback_page import FeedbackPage
from ...models.get_admin_feedback_status_type_0 import GetAdminFeedbackStatusType0
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    is_correct: bool | None | Unset = UNSET,
    status: GetAdminFeedbackStatusType0 | None | Unset = UNSET,
    model_version: None | str | Unset = UNSET,
    category: int | None | Unset = UNSET,
    correct_category: int | None | Unset = UNSET,
    user: None | str | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["page"] = page

    params["per_page"] = per_page

    json_is_correct: bool | None | Unset
    if isinstance(is_correct, Unset):
        json_is_correct = UNSET
    else:
        json_is_correct = is_correct
    params["is_correct"] = json_is_correct

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, GetAdminFeedbackStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_model_version: None | str | Unset
    if isinstance(model_version, Unset):
        json_model_version = UNSET
    else:
        json_model_version = model_version
    params["model_version"] = json_model_version

    json_category: int | None | Unset
    if isinstance(category, Unset):
        json_category = UNSET
    else:
        json_category = category
    params["category"] = json_category

    json_correct_category: int | None | Unset
    if isinstance(correct_category, Unset):
        json_correct_category = UNSET
    else:
        json_correct_category = correct_category
    params["correct_category"] = json_correct_category

    json_user: None | str | Unset
    if isinstance(user, Unset):
        json_user = UNSET
    else:
        json_user = user
    params["user"] = json_user

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

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/admin/feedback",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | FeedbackPage | None:
    if response.status_code == 200:
        response_200 = FeedbackPage.from_dict(response.json())

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | FeedbackPage]:
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
    is_correct: bool | None | Unset = UNSET,
    status: GetAdminFeedbackStatusType0 | None | Unset = UNSET,
    model_version: None | str | Unset = UNSET,
    category: int | None | Unset = UNSET,
    correct_category: int | None | Unset = UNSET,
    user: None | str | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
) -> Response[Error | FeedbackPage]:
    """Newest first; ``is_correct``, ``status``, ``model_version``, ``category`` (predicted),
    ``correct_category``, ``user``, ``since``, ``until``, paginated.

    Args:
        page (int | Unset): Page number, from 1. Default: 1.
        per_page (int | Unset): Items per page; above 500 the page holds 500 (max_per_page).
            Default: 50.
        is_correct (bool | None | Unset):
        status (GetAdminFeedbackStatusType0 | None | Unset):
        model_version (None | str | Unset):
        category (int | None | Unset): Predicted code.
        correct_category (int | None | Unset):
        user (None | str | Unset): Username.
        since (None | str | Unset): ISO 8601 time, from.
        until (None | str | Unset): ISO 8601 time, before.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | FeedbackPage]
    """

    kwargs = _get_kwargs(
        page=page,
        per_page=per_page,
        is_correct=is_correct,
        status=status,
        model_version=model_version,
        category=category,
        correct_category=correct_category,
        user=user,
        since=since,
        until=until,
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
    is_correct: bool | None | Unset = UNSET,
    status: GetAdminFeedbackStatusType0 | None | Unset = UNSET,
    model_version: None | str | Unset = UNSET,
    category: int | None | Unset = UNSET,
    correct_category: int | None | Unset = UNSET,
    user: None | str | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
) -> Error | FeedbackPage | None:
    """Newest first; ``is_correct``, ``status``, ``model_version``, ``category`` (predicted),
    ``correct_category``, ``user``, ``since``, ``until``, paginated.

    Args:
        page (int | Unset): Page number, from 1. Default: 1.
        per_page (int | Unset): Items per page; above 500 the page holds 500 (max_per_page).
            Default: 50.
        is_correct (bool | None | Unset):
        status (GetAdminFeedbackStatusType0 | None | Unset):
        model_version (None | str | Unset):
        category (int | None | Unset): Predicted code.
        correct_category (int | None | Unset):
        user (None | str | Unset): Username.
        since (None | str | Unset): ISO 8601 time, from.
        until (None | str | Unset): ISO 8601 time, before.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | FeedbackPage
    """

    return sync_detailed(
        client=client,
        page=page,
        per_page=per_page,
        is_correct=is_correct,
        status=status,
        model_version=model_version,
        category=category,
        correct_category=correct_category,
        user=user,
        since=since,
        until=until,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    is_correct: bool | None | Unset = UNSET,
    status: GetAdminFeedbackStatusType0 | None | Unset = UNSET,
    model_version: None | str | Unset = UNSET,
    category: int | None | Unset = UNSET,
    correct_category: int | None | Unset = UNSET,
    user: None | str | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
) -> Response[Error | FeedbackPage]:
    """Newest first; ``is_correct``, ``status``, ``model_version``, ``category`` (predicted),
    ``correct_category``, ``user``, ``since``, ``until``, paginated.

    Args:
        page (int | Unset): Page number, from 1. Default: 1.
        per_page (int | Unset): Items per page; above 500 the page holds 500 (max_per_page).
            Default: 50.
        is_correct (bool | None | Unset):
        status (GetAdminFeedbackStatusType0 | None | Unset):
        model_version (None | str | Unset):
        category (int | None | Unset): Predicted code.
        correct_category (int | None | Unset):
        user (None | str | Unset): Username.
        since (None | str | Unset): ISO 8601 time, from.
        until (None | str | Unset): ISO 8601 time, before.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | FeedbackPage]
    """

    kwargs = _get_kwargs(
        page=page,
        per_page=per_page,
        is_correct=is_correct,
        status=status,
        model_version=model_version,
        category=category,
        correct_category=correct_category,
        user=user,
        since=since,
        until=until,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    page: int | Unset = 1,
    per_page: int | Unset = 50,
    is_correct: bool | None | Unset = UNSET,
    status: GetAdminFeedbackStatusType0 | None | Unset = UNSET,
    model_version: None | str | Unset = UNSET,
    category: int | None | Unset = UNSET,
    correct_category: int | None | Unset = UNSET,
    user: None | str | Unset = UNSET,
    since: None | str | Unset = UNSET,
    until: None | str | Unset = UNSET,
) -> Error | FeedbackPage | None:
    """Newest first; ``is_correct``, ``status``, ``model_version``, ``category`` (predicted),
    ``correct_category``, ``user``, ``since``, ``until``, paginated.

    Args:
        page (int | Unset): Page number, from 1. Default: 1.
        per_page (int | Unset): Items per page; above 500 the page holds 500 (max_per_page).
            Default: 50.
        is_correct (bool | None | Unset):
        status (GetAdminFeedbackStatusType0 | None | Unset):
        model_version (None | str | Unset):
        category (int | None | Unset): Predicted code.
        correct_category (int | None | Unset):
        user (None | str | Unset): Username.
        since (None | str | Unset): ISO 8601 time, from.
        until (None | str | Unset): ISO 8601 time, before.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | FeedbackPage
    """

    return (
        await asyncio_detailed(
            client=client,
            page=page,
            per_page=per_page,
            is_correct=is_correct,
            status=status,
            model_version=model_version,
            category=category,
            correct_category=correct_category,
            user=user,
            since=since,
            until=until,
        )
    ).parsed
