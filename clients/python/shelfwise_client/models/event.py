from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Event")


@_attrs_define
class Event:
    """
    Attributes:
        actor (None | str):
        id (int):
        kind (str):
        level (str):
        message (str):
        subject (None | str):
        time (str):
        details (Any | Unset):
    """

    actor: None | str
    id: int
    kind: str
    level: str
    message: str
    subject: None | str
    time: str
    details: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        actor: None | str
        actor = self.actor

        id = self.id

        kind = self.kind

        level = self.level

        message = self.message

        subject: None | str
        subject = self.subject

        time = self.time

        details = self.details

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "actor": actor,
                "id": id,
                "kind": kind,
                "level": level,
                "message": message,
                "subject": subject,
                "time": time,
            }
        )
        if details is not UNSET:
            field_dict["details"] = details

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_actor(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        actor = _parse_actor(d.pop("actor"))

        id = d.pop("id")

        kind = d.pop("kind")

        level = d.pop("level")

        message = d.pop("message")

        def _parse_subject(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        subject = _parse_subject(d.pop("subject"))

        time = d.pop("time")

        details = d.pop("details", UNSET)

        event = cls(
            actor=actor,
            id=id,
            kind=kind,
            level=level,
            message=message,
            subject=subject,
            time=time,
            details=details,
        )

        event.additional_properties = d
        return event

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
