from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="BatchProduct")


@_attrs_define
class BatchProduct:
    """
    Attributes:
        description (str | Unset):  Default: ''.
        designation (str | Unset):  Default: ''.
        image_base64 (str | Unset): The photo, base64 (JPEG, PNG, WebP, GIF). Default: ''.
        ref (None | str | Unset): Your reference for the product (a SKU), echoed back.
    """

    description: str | Unset = ""
    designation: str | Unset = ""
    image_base64: str | Unset = ""
    ref: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        description = self.description

        designation = self.designation

        image_base64 = self.image_base64

        ref: None | str | Unset
        if isinstance(self.ref, Unset):
            ref = UNSET
        else:
            ref = self.ref

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if description is not UNSET:
            field_dict["description"] = description
        if designation is not UNSET:
            field_dict["designation"] = designation
        if image_base64 is not UNSET:
            field_dict["image_base64"] = image_base64
        if ref is not UNSET:
            field_dict["ref"] = ref

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        description = d.pop("description", UNSET)

        designation = d.pop("designation", UNSET)

        image_base64 = d.pop("image_base64", UNSET)

        def _parse_ref(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ref = _parse_ref(d.pop("ref", UNSET))

        batch_product = cls(
            description=description,
            designation=designation,
            image_base64=image_base64,
            ref=ref,
        )

        return batch_product
