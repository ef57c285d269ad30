from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="NewFeedback")


@_attrs_define
class NewFeedback:
    """
    Attributes:
        is_correct (bool):
        prediction_id (str):
        comment (None | str | Unset):
        correct_category (int | None | Unset): One of the 27 codes.
        description (None | str | Unset):
        designation (None | str | Unset): The text classified, to accept it.
    """

    is_correct: bool
    prediction_id: str
    comment: None | str | Unset = UNSET
    correct_category: int | None | Unset = UNSET
    description: None | str | Unset = UNSET
    designation: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        is_correct = self.is_correct

        prediction_id = self.prediction_id

        comment: None | str | Unset
        if isinstance(self.comment, Unset):
            comment = UNSET
        else:
            comment = self.comment

        correct_category: int | None | Unset
        if isinstance(self.correct_category, Unset):
            correct_category = UNSET
        else:
            correct_category = self.correct_category

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        designation: None | str | Unset
        if isinstance(self.designation, Unset):
            designation = UNSET
        else:
            designation = self.designation

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "is_correct": is_correct,
                "prediction_id": prediction_id,
            }
        )
        if comment is not UNSET:
            field_dict["comment"] = comment
        if correct_category is not UNSET:
            field_dict["correct_category"] = correct_category
        if description is not UNSET:
            field_dict["description"] = description
        if designation is not UNSET:
            field_dict["designation"] = designation

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        is_correct = d.pop("is_correct")

        prediction_id = d.pop("prediction_id")

        def _parse_comment(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        comment = _parse_comment(d.pop("comment", UNSET))

        def _parse_correct_category(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        correct_category = _parse_correct_category(d.pop("correct_category", UNSET))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_designation(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        designation = _parse_designation(d.pop("designation", UNSET))

        new_feedback = cls(
            is_correct=is_correct,
            prediction_id=prediction_id,
            comment=comment,
            correct_category=correct_category,
            description=description,
            designation=designation,
        )

        return new_feedback
