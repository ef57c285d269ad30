from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PredictIn")


@_attrs_define
class PredictIn:
    """
    Attributes:
        callback_url (None | str | Unset): Where to POST the answer, signed (see the callbacks section of docs/api.md).
        description (str | Unset):  Default: ''.
        designation (str | Unset):  Default: ''.
        image_base64 (str | Unset): The photo, base64 (JPEG, PNG, WebP, GIF). Default: ''.
    """

    callback_url: None | str | Unset = UNSET
    description: str | Unset = ""
    designation: str | Unset = ""
    image_base64: str | Unset = ""

    def to_dict(self) -> dict[str, Any]:
        callback_url: None | str | Unset
        if isinstance(self.callback_url, Unset):
            callback_url = UNSET
        else:
            callback_url = self.callback_url

        description = self.description

        designation = self.designation

        image_base64 = self.image_base64

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if callback_url is not UNSET:
            field_dict["callback_url"] = callback_url
        if description is not UNSET:
            field_dict["description"] = description
        if designation is not UNSET:
            field_dict["designation"] = designation
        if image_base64 is not UNSET:
            field_dict["image_base64"] = image_base64

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_callback_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        callback_url = _parse_callback_url(d.pop("callback_url", UNSET))

        description = d.pop("description", UNSET)

        designation = d.pop("designation", UNSET)

        image_base64 = d.pop("image_base64", UNSET)

        predict_in = cls(
            callback_url=callback_url,
            description=description,
            designation=designation,
            image_base64=image_base64,
        )

        return predict_in
