from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.evaluation import Evaluation
from ...models.get_admin_evaluate_model_data import GetAdminEvaluateModelData
from ...models.job import Job
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    data: GetAdminEvaluateModelData | Unset = GetAdminEvaluateModelData.EVALUATION_SET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_data: str | Unset = UNSET
    if not isinstance(data, Unset):
        json_data = data.value

    params["data"] = json_data

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/admin/evaluate-model",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | Evaluation | Job | None:
    if response.status_code == 200:
        response_200 = Evaluation.from_dict(response.json())

        return response_200

    if response.status_code == 202:
        response_202 = Job.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | Evaluation | Job]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    data: GetAdminEvaluateModelData | Unset = GetAdminEvaluateModelData.EVALUATION_SET,
) -> Response[Error | Evaluation | Job]:
    """Production's scores and latency; ``?data=recent`` queues a job on fresh products.

    Args:
        data (GetAdminEvaluateModelData | Unset):  Default:
            GetAdminEvaluateModelData.EVALUATION_SET.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Evaluation | Job]
    """

    kwargs = _get_kwargs(
        data=data,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    data: GetAdminEvaluateModelData | Unset = GetAdminEvaluateModelData.EVALUATION_SET,
) -> Error | Evaluation | Job | None:
    """Production's scores and latency; ``?data=recent`` queues a job on fresh products.

    Args:
        data (GetAdminEvaluateModelData | Unset):  Default:
            GetAdminEvaluateModelData.EVALUATION_SET.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Evaluation | Job
    """

    return sync_detailed(
        client=client,
        data=data,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    data: GetAdminEvaluateModelData | Unset = GetAdminEvaluateModelData.EVALUATION_SET,
) -> Response[Error | Evaluation | Job]:
    """Production's scores and latency; ``?data=recent`` queues a job on fresh products.

    Args:
        data (GetAdminEvaluateModelData | Unset):  Default:
            GetAdminEvaluateModelData.EVALUATION_SET.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Evaluation | Job]
    """

    kwargs = _get_kwargs(
        data=data,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    data: GetAdminEvaluateModelData | Unset = GetAdminEvaluateModelData.EVALUATION_SET,
) -> Error | Evaluation | Job | None:
    """Production's scores and latency; ``?data=recent`` queues a job on fresh products.

    Args:
        data (GetAdminEvaluateModelData | Unset):  Default:
            GetAdminEvaluateModelData.EVALUATION_SET.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Evaluation | Job
    """

    return (
        await asyncio_detailed(
            client=client,
            data=data,
        )
    ).parsed
