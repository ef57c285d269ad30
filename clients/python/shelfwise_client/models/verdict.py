from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.verdict_status import VerdictStatus

T = TypeVar("T", bound="Verdict")


@_attrs_define
class Verdict:
    """
    Attributes:
        correct_category (int | None):
        is_correct (bool):
        status (VerdictStatus):
        updated_at (str):
    """

    correct_category: int | None
    is_correct: bool
    status: VerdictStatus
    updated_at: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        correct_category: int | None
        correct_category = self.correct_category

        is_correct = self.is_correct

        status = self.status.value

        updated_at = self.updated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "correct_category": correct_category,
                "is_correct": is_correct,
                "status": status,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_correct_category(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        correct_category = _parse_correct_category(d.pop("correct_category"))

        is_correct = d.pop("is_correct")

        status = VerdictStatus(d.pop("status"))

        updated_at = d.pop("updated_at")

        verdict = cls(
            correct_category=correct_category,
            is_correct=is_correct,
            status=status,
            updated_at=updated_at,
        )

        verdict.additional_properties = d
        return verdict

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
