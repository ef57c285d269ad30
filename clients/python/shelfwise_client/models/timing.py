from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Timing")


@_attrs_define
class Timing:
    """
    Attributes:
        inference_ms (float):
        preprocess_ms (float):
        queue_ms (float):
        runtime (None | str | Unset):
    """

    inference_ms: float
    preprocess_ms: float
    queue_ms: float
    runtime: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        inference_ms = self.inference_ms

        preprocess_ms = self.preprocess_ms

        queue_ms = self.queue_ms

        runtime: None | str | Unset
        if isinstance(self.runtime, Unset):
            runtime = UNSET
        else:
            runtime = self.runtime

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "inference_ms": inference_ms,
                "preprocess_ms": preprocess_ms,
                "queue_ms": queue_ms,
            }
        )
        if runtime is not UNSET:
            field_dict["runtime"] = runtime

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        inference_ms = d.pop("inference_ms")

        preprocess_ms = d.pop("preprocess_ms")

        queue_ms = d.pop("queue_ms")

        def _parse_runtime(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        runtime = _parse_runtime(d.pop("runtime", UNSET))

        timing = cls(
            inference_ms=inference_ms,
            preprocess_ms=preprocess_ms,
            queue_ms=queue_ms,
            runtime=runtime,
        )

        timing.additional_properties = d
        return timing

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
