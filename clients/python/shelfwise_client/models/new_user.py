from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="NewUser")


@_attrs_define
class NewUser:
    """
    Attributes:
        password (str): 12+ characters from 3 classes, or a 20+ passphrase.
        username (str):
        email (None | str | Unset): Where alerts reach an admin.
        role (str | Unset): user or admin. Default: 'user'.
    """

    password: str
    username: str
    email: None | str | Unset = UNSET
    role: str | Unset = "user"

    def to_dict(self) -> dict[str, Any]:
        password = self.password

        username = self.username

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        role = self.role

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "password": password,
                "username": username,
            }
        )
        if email is not UNSET:
            field_dict["email"] = email
        if role is not UNSET:
            field_dict["role"] = role

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        password = d.pop("password")

        username = d.pop("username")

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        role = d.pop("role", UNSET)

        new_user = cls(
            password=password,
            username=username,
            email=email,
            role=role,
        )

        return new_user
