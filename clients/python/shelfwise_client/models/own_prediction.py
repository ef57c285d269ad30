from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.own_prediction_modalities_type_0_item import OwnPredictionModalitiesType0Item
from ..models.own_prediction_status import OwnPredictionStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.category import Category
    from ..models.error_detail import ErrorDetail
    from ..models.scored import Scored
    from ..models.timing import Timing
    from ..models.verdict import Verdict


T = TypeVar("T", bound="OwnPrediction")


@_attrs_define
class OwnPrediction:
    """
    Attributes:
        prediction_id (str):
        status (OwnPredictionStatus):
        category (Category | None | Unset):
        confidence (float | None | Unset):
        created_at (None | str | Unset):
        enqueued_at (float | None | Unset):
        error (ErrorDetail | None | Unset):
        feedback (None | Unset | Verdict):
        latency_ms (float | None | Unset): Time inside the API, in ms.
        modalities (list[OwnPredictionModalitiesType0Item] | None | Unset):
        model_version (None | str | Unset):
        status_url (None | str | Unset): Where the answer will be, while queued.
        timing (None | Timing | Unset): Where the time went, in ms.
        top5 (list[Scored] | None | Unset):
    """

    prediction_id: str
    status: OwnPredictionStatus
    category: Category | None | Unset = UNSET
    confidence: float | None | Unset = UNSET
    created_at: None | str | Unset = UNSET
    enqueued_at: float | None | Unset = UNSET
    error: ErrorDetail | None | Unset = UNSET
    feedback: None | Unset | Verdict = UNSET
    latency_ms: float | None | Unset = UNSET
    modalities: list[OwnPredictionModalitiesType0Item] | None | Unset = UNSET
    model_version: None | str | Unset = UNSET
    status_url: None | str | Unset = UNSET
    timing: None | Timing | Unset = UNSET
    top5: list[Scored] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.category import Category  # noqa: PLC0415
        from ..models.error_detail import ErrorDetail  # noqa: PLC0415
        from ..models.timing import Timing  # noqa: PLC0415
        from ..models.verdict import Verdict  # noqa: PLC0415

        prediction_id = self.prediction_id

        status = self.status.value

        category: dict[str, Any] | None | Unset
        if isinstance(self.category, Unset):
            category = UNSET
        elif isinstance(self.category, Category):
            category = self.category.to_dict()
        else:
            category = self.category

        confidence: float | None | Unset
        if isinstance(self.confidence, Unset):
            confidence = UNSET
        else:
            confidence = self.confidence

        created_at: None | str | Unset
        if isinstance(self.created_at, Unset):
            created_at = UNSET
        else:
            created_at = self.created_at

        enqueued_at: float | None | Unset
        if isinstance(self.enqueued_at, Unset):
            enqueued_at = UNSET
        else:
            enqueued_at = self.enqueued_at

        error: dict[str, Any] | None | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        elif isinstance(self.error, ErrorDetail):
            error = self.error.to_dict()
        else:
            error = self.error

        feedback: dict[str, Any] | None | Unset
        if isinstance(self.feedback, Unset):
            feedback = UNSET
        elif isinstance(self.feedback, Verdict):
            feedback = self.feedback.to_dict()
        else:
            feedback = self.feedback

        latency_ms: float | None | Unset
        if isinstance(self.latency_ms, Unset):
            latency_ms = UNSET
        else:
            latency_ms = self.latency_ms

        modalities: list[str] | None | Unset
        if isinstance(self.modalities, Unset):
            modalities = UNSET
        elif isinstance(self.modalities, list):
            modalities = []
            for modalities_type_0_item_data in self.modalities:
                modalities_type_0_item = modalities_type_0_item_data.value
                modalities.append(modalities_type_0_item)

        else:
            modalities = self.modalities

        model_version: None | str | Unset
        if isinstance(self.model_version, Unset):
            model_version = UNSET
        else:
            model_version = self.model_version

        status_url: None | str | Unset
        if isinstance(self.status_url, Unset):
            status_url = UNSET
        else:
            status_url = self.status_url

        timing: dict[str, Any] | None | Unset
        if isinstance(self.timing, Unset):
            timing = UNSET
        elif isinstance(self.timing, Timing):
            timing = self.timing.to_dict()
        else:
            timing = self.timing

        top5: list[dict[str, Any]] | None | Unset
        if isinstance(self.top5, Unset):
            top5 = UNSET
        elif isinstance(self.top5, list):
            top5 = []
            for top5_type_0_item_data in self.top5:
                top5_type_0_item = top5_type_0_item_data.to_dict()
                top5.append(top5_type_0_item)

        else:
            top5 = self.top5

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "prediction_id": prediction_id,
                "status": status,
            }
        )
        if category is not UNSET:
            field_dict["category"] = category
        if confidence is not UNSET:
            field_dict["confidence"] = confidence
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if enqueued_at is not UNSET:
            field_dict["enqueued_at"] = enqueued_at
        if error is not UNSET:
            field_dict["error"] = error
        if feedback is not UNSET:
            field_dict["feedback"] = feedback
        if latency_ms is not UNSET:
            field_dict["latency_ms"] = latency_ms
        if modalities is not UNSET:
            field_dict["modalities"] = modalities
        if model_version is not UNSET:
            field_dict["model_version"] = model_version
        if status_url is not UNSET:
            field_dict["status_url"] = status_url
        if timing is not UNSET:
            field_dict["timing"] = timing
        if top5 is not UNSET:
            field_dict["top5"] = top5

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.category import Category  # noqa: PLC0415
        from ..models.error_detail import ErrorDetail  # noqa: PLC0415
        from ..models.scored import Scored  # noqa: PLC0415
        from ..models.timing import Timing  # noqa: PLC0415
        from ..models.verdict import Verdict  # noqa: PLC0415

        d = dict(src_dict)
        prediction_id = d.pop("prediction_id")

        status = OwnPredictionStatus(d.pop("status"))

        def _parse_category(data: object) -> Category | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                category_type_0 = Category.from_dict(data)

                return category_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Category | None | Unset, data)

        category = _parse_category(d.pop("category", UNSET))

        def _parse_confidence(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        confidence = _parse_confidence(d.pop("confidence", UNSET))

        def _parse_created_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        created_at = _parse_created_at(d.pop("created_at", UNSET))

        def _parse_enqueued_at(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        enqueued_at = _parse_enqueued_at(d.pop("enqueued_at", UNSET))

        def _parse_error(data: object) -> ErrorDetail | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = ErrorDetail.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorDetail | None | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_feedback(data: object) -> None | Unset | Verdict:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                feedback_type_0 = Verdict.from_dict(data)

                return feedback_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | Verdict, data)

        feedback = _parse_feedback(d.pop("feedback", UNSET))

        def _parse_latency_ms(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        latency_ms = _parse_latency_ms(d.pop("latency_ms", UNSET))

        def _parse_modalities(data: object) -> list[OwnPredictionModalitiesType0Item] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                modalities_type_0 = []
                _modalities_type_0 = data
                for modalities_type_0_item_data in _modalities_type_0:
                    modalities_type_0_item = OwnPredictionModalitiesType0Item(modalities_type_0_item_data)

                    modalities_type_0.append(modalities_type_0_item)

                return modalities_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[OwnPredictionModalitiesType0Item] | None | Unset, data)

        modalities = _parse_modalities(d.pop("modalities", UNSET))

        def _parse_model_version(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model_version = _parse_model_version(d.pop("model_version", UNSET))

        def _parse_status_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        status_url = _parse_status_url(d.pop("status_url", UNSET))

        def _parse_timing(data: object) -> None | Timing | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                timing_type_0 = Timing.from_dict(data)

                return timing_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Timing | Unset, data)

        timing = _parse_timing(d.pop("timing", UNSET))

        def _parse_top5(data: object) -> list[Scored] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                top5_type_0 = []
                _top5_type_0 = data
                for top5_type_0_item_data in _top5_type_0:
                    top5_type_0_item = Scored.from_dict(top5_type_0_item_data)

                    top5_type_0.append(top5_type_0_item)

                return top5_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Scored] | None | Unset, data)

        top5 = _parse_top5(d.pop("top5", UNSET))

        own_prediction = cls(
            prediction_id=prediction_id,
            status=status,
            category=category,
            confidence=confidence,
            created_at=created_at,
            enqueued_at=enqueued_at,
            error=error,
            feedback=feedback,
            latency_ms=latency_ms,
            modalities=modalities,
            model_version=model_version,
            status_url=status_url,
            timing=timing,
            top5=top5,
        )

        own_prediction.additional_properties = d
        return own_prediction

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
