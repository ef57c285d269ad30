from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_params_type_0 import JobParamsType0
    from ..models.job_progress_type_0 import JobProgressType0


T = TypeVar("T", bound="Job")


@_attrs_define
class Job:
    """
    Attributes:
        job_id (str):
        state (str): Former name of status, kept for one release.
        status (str): queued, started, finished, failed, canceling, canceled.
        status_url (str):
        error (None | str | Unset):
        kind (None | str | Unset):
        params (JobParamsType0 | None | Unset):
        progress (JobProgressType0 | None | Unset):
        result (Any | Unset):
    """

    job_id: str
    state: str
    status: str
    status_url: str
    error: None | str | Unset = UNSET
    kind: None | str | Unset = UNSET
    params: JobParamsType0 | None | Unset = UNSET
    progress: JobProgressType0 | None | Unset = UNSET
    result: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.job_params_type_0 import JobParamsType0  # noqa: PLC0415
        from ..models.job_progress_type_0 import JobProgressType0  # noqa: PLC0415

        job_id = self.job_id

        state = self.state

        status = self.status

        status_url = self.status_url

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        kind: None | str | Unset
        if isinstance(self.kind, Unset):
            kind = UNSET
        else:
            kind = self.kind

        params: dict[str, Any] | None | Unset
        if isinstance(self.params, Unset):
            params = UNSET
        elif isinstance(self.params, JobParamsType0):
            params = self.params.to_dict()
        else:
            params = self.params

        progress: dict[str, Any] | None | Unset
        if isinstance(self.progress, Unset):
            progress = UNSET
        elif isinstance(self.progress, JobProgressType0):
            progress = self.progress.to_dict()
        else:
            progress = self.progress

        result = self.result

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "job_id": job_id,
                "state": state,
                "status": status,
                "status_url": status_url,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error
        if kind is not UNSET:
            field_dict["kind"] = kind
        if params is not UNSET:
            field_dict["params"] = params
        if progress is not UNSET:
            field_dict["progress"] = progress
        if result is not UNSET:
            field_dict["result"] = result

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_params_type_0 import JobParamsType0  # noqa: PLC0415
        from ..models.job_progress_type_0 import JobProgressType0  # noqa: PLC0415

        d = dict(src_dict)
        job_id = d.pop("job_id")

        state = d.pop("state")

        status = d.pop("status")

        status_url = d.pop("status_url")

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_kind(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        kind = _parse_kind(d.pop("kind", UNSET))

        def _parse_params(data: object) -> JobParamsType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                params_type_0 = JobParamsType0.from_dict(data)

                return params_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(JobParamsType0 | None | Unset, data)

        params = _parse_params(d.pop("params", UNSET))

        def _parse_progress(data: object) -> JobProgressType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                progress_type_0 = JobProgressType0.from_dict(data)

                return progress_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(JobProgressType0 | None | Unset, data)

        progress = _parse_progress(d.pop("progress", UNSET))

        result = d.pop("result", UNSET)

        job = cls(
            job_id=job_id,
            state=state,
            status=status,
            status_url=status_url,
            error=error,
            kind=kind,
            params=params,
            progress=progress,
            result=result,
        )

        job.additional_properties = d
        return job

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
