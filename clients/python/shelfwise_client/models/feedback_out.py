from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.feedback_out_status import FeedbackOutStatus

T = TypeVar("T", bound="FeedbackOut")


@_attrs_define
class FeedbackOut:
    """
    Attributes:
        comment (None | str):
        confidence (float | None):
        correct_category (int | None):
        created_at (str):
        has_text (bool):
        id (int):
        is_correct (bool):
        model_version (None | str):
        predicted_category (int | None):
        prediction_id (str):
        product_id (int | None):
        status (FeedbackOutStatus):
        updated_at (str):
        user_id (int | None):
    """

    comment: None | str
    confidence: float | None
    correct_category: int | None
    created_at: str
    has_text: bool
    id: int
    is_correct: bool
    model_version: None | str
    predicted_category: int | None
    prediction_id: str
    product_id: int | None
    status: FeedbackOutStatus
    updated_at: str
    user_id: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        comment: None | str
        comment = self.comment

        confidence: float | None
        confidence = self.confidence

        correct_category: int | None
        correct_category = self.correct_category

        created_at = self.created_at

        has_text = self.has_text

        id = self.id

        is_correct = self.is_correct

        model_version: None | str
        model_version = self.model_version

        predicted_category: int | None
        predicted_category = self.predicted_category

        prediction_id = self.prediction_id

        product_id: int | None
        product_id = self.product_id

        status = self.status.value

        updated_at = self.updated_at

        user_id: int | None
        user_id = self.user_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "comment": comment,
                "confidence": confidence,
                "correct_category": correct_category,
                "created_at": created_at,
                "has_text": has_text,
                "id": id,
                "is_correct": is_correct,
                "model_version": model_version,
                "predicted_category": predicted_category,
                "prediction_id": prediction_id,
                "product_id": product_id,
                "status": status,
                "updated_at": updated_at,
                "user_id": user_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_comment(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        comment = _parse_comment(d.pop("comment"))

        def _parse_confidence(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        confidence = _parse_confidence(d.pop("confidence"))

        def _parse_correct_category(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        correct_category = _parse_correct_category(d.pop("correct_category"))

        created_at = d.pop("created_at")

        has_text = d.pop("has_text")

        id = d.pop("id")

        is_correct = d.pop("is_correct")

        def _parse_model_version(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        model_version = _parse_model_version(d.pop("model_version"))

        def _parse_predicted_category(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        predicted_category = _parse_predicted_category(d.pop("predicted_category"))

        prediction_id = d.pop("prediction_id")

        def _parse_product_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        product_id = _parse_product_id(d.pop("product_id"))

        status = FeedbackOutStatus(d.pop("status"))

        updated_at = d.pop("updated_at")

        def _parse_user_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        user_id = _parse_user_id(d.pop("user_id"))

        feedback_out = cls(
            comment=comment,
            confidence=confidence,
            correct_category=correct_category,
            created_at=created_at,
            has_text=has_text,
            id=id,
            is_correct=is_correct,
            model_version=model_version,
            predicted_category=predicted_category,
            prediction_id=prediction_id,
            product_id=product_id,
            status=status,
            updated_at=updated_at,
            user_id=user_id,
        )

        feedback_out.additional_properties = d
        return feedback_out

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
