from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.callback_status import CallbackStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.callback_attempt import CallbackAttempt


T = TypeVar("T", bound="Callback")


@_attrs_define
class Callback:
    """
    Attributes:
        attempts (list[CallbackAttempt]):
        created_at (float):
        prediction_id (str):
        status (CallbackStatus):
        url (str):
        next_attempt_at (float | None | Unset):
    """

    attempts: list[CallbackAttempt]
    created_at: float
    prediction_id: str
    status: CallbackStatus
    url: str
    next_attempt_at: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = []
        for attempts_item_data in self.attempts:
            attempts_item = attempts_item_data.to_dict()
            attempts.append(attempts_item)

        created_at = self.created_at

        prediction_id = self.prediction_id

        status = self.status.value

        url = self.url

        next_attempt_at: float | None | Unset
        if isinstance(self.next_attempt_at, Unset):
            next_attempt_at = UNSET
        else:
            next_attempt_at = self.next_attempt_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "created_at": created_at,
                "prediction_id": prediction_id,
                "status": status,
                "url": url,
            }
        )
        if next_attempt_at is not UNSET:
            field_dict["next_attempt_at"] = next_attempt_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.callback_attempt import CallbackAttempt  # noqa: PLC0415

        d = dict(src_dict)
        attempts = []
        _attempts = d.pop("attempts")
        for attempts_item_data in _attempts:
            attempts_item = CallbackAttempt.from_dict(attempts_item_data)

            attempts.append(attempts_item)

        created_at = d.pop("created_at")

        prediction_id = d.pop("prediction_id")

        status = CallbackStatus(d.pop("status"))

        url = d.pop("url")

        def _parse_next_attempt_at(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at", UNSET))

        callback = cls(
            attempts=attempts,
            created_at=created_at,
            prediction_id=prediction_id,
            status=status,
            url=url,
            next_attempt_at=next_attempt_at,
        )

        callback.additional_properties = d
        return callback

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
