from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.evaluate_query_data import EvaluateQueryData
from ..types import UNSET, Unset

T = TypeVar("T", bound="EvaluateQuery")


@_attrs_define
class EvaluateQuery:
    """
    Attributes:
        data (EvaluateQueryData | Unset):  Default: EvaluateQueryData.EVALUATION_SET.
    """

    data: EvaluateQueryData | Unset = EvaluateQueryData.EVALUATION_SET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data: str | Unset = UNSET
        if not isinstance(self.data, Unset):
            data = self.data.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if data is not UNSET:
            field_dict["data"] = data

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _data = d.pop("data", UNSET)
        data: EvaluateQueryData | Unset
        if isinstance(_data, Unset):
            data = UNSET
        else:
            data = EvaluateQueryData(_data)

        evaluate_query = cls(
            data=data,
        )

        evaluate_query.additional_properties = d
        return evaluate_query

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
