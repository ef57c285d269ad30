from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.user_out_role import UserOutRole

T = TypeVar("T", bound="UserOut")


@_attrs_define
class UserOut:
    """
    Attributes:
        active (bool):
        created_at (str):
        email (None | str):
        id (int):
        last_login_at (None | str):
        role (UserOutRole):
        username (str):
    """

    active: bool
    created_at: str
    email: None | str
    id: int
    last_login_at: None | str
    role: UserOutRole
    username: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active = self.active

        created_at = self.created_at

        email: None | str
        email = self.email

        id = self.id

        last_login_at: None | str
        last_login_at = self.last_login_at

        role = self.role.value

        username = self.username

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active": active,
                "created_at": created_at,
                "email": email,
                "id": id,
                "last_login_at": last_login_at,
                "role": role,
                "username": username,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        active = d.pop("active")

        created_at = d.pop("created_at")

        def _parse_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        email = _parse_email(d.pop("email"))

        id = d.pop("id")

        def _parse_last_login_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_login_at = _parse_last_login_at(d.pop("last_login_at"))

        role = UserOutRole(d.pop("role"))

        username = d.pop("username")

        user_out = cls(
            active=active,
            created_at=created_at,
            email=email,
            id=id,
            last_login_at=last_login_at,
            role=role,
            username=username,
        )

        user_out.additional_properties = d
        return user_out

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
