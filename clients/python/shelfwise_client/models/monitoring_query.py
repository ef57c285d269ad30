from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="MonitoringQuery")


@_attrs_define
class MonitoringQuery:
    """
    Attributes:
        bucket_s (int | None | Unset): Point spacing, in seconds.
        version (None | str | Unset): Model version; default production.
        window_s (int | None | Unset): Rolling window, in seconds.
    """

    bucket_s: int | None | Unset = UNSET
    version: None | str | Unset = UNSET
    window_s: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bucket_s: int | None | Unset
        if isinstance(self.bucket_s, Unset):
            bucket_s = UNSET
        else:
            bucket_s = self.bucket_s

        version: None | str | Unset
        if isinstance(self.version, Unset):
            version = UNSET
        else:
            version = self.version

        window_s: int | None | Unset
        if isinstance(self.window_s, Unset):
            window_s = UNSET
        else:
            window_s = self.window_s

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if bucket_s is not UNSET:
            field_dict["bucket_s"] = bucket_s
        if version is not UNSET:
            field_dict["version"] = version
        if window_s is not UNSET:
            field_dict["window_s"] = window_s

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_bucket_s(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        bucket_s = _parse_bucket_s(d.pop("bucket_s", UNSET))

        def _parse_version(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        version = _parse_version(d.pop("version", UNSET))

        def _parse_window_s(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        window_s = _parse_window_s(d.pop("window_s", UNSET))

        monitoring_query = cls(
            bucket_s=bucket_s,
            version=version,
            window_s=window_s,
        )

        monitoring_query.additional_properties = d
        return monitoring_query

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
