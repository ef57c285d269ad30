from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from .. import types
from ..types import UNSET, File, FileTypes, Unset

T = TypeVar("T", bound="ProductForm")


@_attrs_define
class ProductForm:
    """One product as a multipart form.

    Attributes:
        callback_url (None | str | Unset): Where to POST the answer, signed (see the callbacks section of docs/api.md).
        description (str | Unset):  Default: ''.
        designation (str | Unset):  Default: ''.
        image (File | Unset): The photo (JPEG, PNG, WebP, GIF).
    """

    callback_url: None | str | Unset = UNSET
    description: str | Unset = ""
    designation: str | Unset = ""
    image: File | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        callback_url: None | str | Unset
        if isinstance(self.callback_url, Unset):
            callback_url = UNSET
        else:
            callback_url = self.callback_url

        description = self.description

        designation = self.designation

        image: FileTypes | Unset = UNSET
        if not isinstance(self.image, Unset):
            image = self.image.to_tuple()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if callback_url is not UNSET:
            field_dict["callback_url"] = callback_url
        if description is not UNSET:
            field_dict["description"] = description
        if designation is not UNSET:
            field_dict["designation"] = designation
        if image is not UNSET:
            field_dict["image"] = image

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        if not isinstance(self.callback_url, Unset):
            if isinstance(self.callback_url, str):
                files.append(("callback_url", (None, str(self.callback_url).encode(), "text/plain")))
            else:
                files.append(("callback_url", (None, str(self.callback_url).encode(), "text/plain")))

        if not isinstance(self.description, Unset):
            files.append(("description", (None, str(self.description).encode(), "text/plain")))

        if not isinstance(self.designation, Unset):
            files.append(("designation", (None, str(self.designation).encode(), "text/plain")))

        if not isinstance(self.image, Unset):
            files.append(("image", self.image.to_tuple()))

        return files

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

        _image = d.pop("image", UNSET)
        image: File | Unset
        if isinstance(_image, Unset):
            image = UNSET
        else:
            image = File(payload=BytesIO(_image))

        product_form = cls(
            callback_url=callback_url,
            description=description,
            designation=designation,
            image=image,
        )

        return product_form
