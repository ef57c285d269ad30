from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from .. import types
from ..types import UNSET, File, FileTypes, Unset

T = TypeVar("T", bound="ProductUpload")


@_attrs_define
class ProductUpload:
    """One product (fields and an image), or a bulk upload (``csv`` or ``x_csv`` + ``y_csv``,
    with an ``images`` zip).

        Attributes:
            csv (File | Unset): products.csv layout: productid, designation, description, prdtypecode.
            description (None | str | Unset):
            designation (None | str | Unset):
            image (File | Unset): The photo (JPEG, PNG, WebP, GIF).
            imageid (None | str | Unset):
            images (File | Unset): A zip of the images.
            prdtypecode (None | str | Unset): One of the 27 codes.
            productid (None | str | Unset): Generated (sw-…) when absent.
            x_csv (File | Unset): Challenge layout: X_train.csv.
            y_csv (File | Unset): Challenge layout: Y_train.csv.
    """

    csv: File | Unset = UNSET
    description: None | str | Unset = UNSET
    designation: None | str | Unset = UNSET
    image: File | Unset = UNSET
    imageid: None | str | Unset = UNSET
    images: File | Unset = UNSET
    prdtypecode: None | str | Unset = UNSET
    productid: None | str | Unset = UNSET
    x_csv: File | Unset = UNSET
    y_csv: File | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        csv: FileTypes | Unset = UNSET
        if not isinstance(self.csv, Unset):
            csv = self.csv.to_tuple()

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

        image: FileTypes | Unset = UNSET
        if not isinstance(self.image, Unset):
            image = self.image.to_tuple()

        imageid: None | str | Unset
        if isinstance(self.imageid, Unset):
            imageid = UNSET
        else:
            imageid = self.imageid

        images: FileTypes | Unset = UNSET
        if not isinstance(self.images, Unset):
            images = self.images.to_tuple()

        prdtypecode: None | str | Unset
        if isinstance(self.prdtypecode, Unset):
            prdtypecode = UNSET
        else:
            prdtypecode = self.prdtypecode

        productid: None | str | Unset
        if isinstance(self.productid, Unset):
            productid = UNSET
        else:
            productid = self.productid

        x_csv: FileTypes | Unset = UNSET
        if not isinstance(self.x_csv, Unset):
            x_csv = self.x_csv.to_tuple()

        y_csv: FileTypes | Unset = UNSET
        if not isinstance(self.y_csv, Unset):
            y_csv = self.y_csv.to_tuple()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if csv is not UNSET:
            field_dict["csv"] = csv
        if description is not UNSET:
            field_dict["description"] = description
        if designation is not UNSET:
            field_dict["designation"] = designation
        if image is not UNSET:
            field_dict["image"] = image
        if imageid is not UNSET:
            field_dict["imageid"] = imageid
        if images is not UNSET:
            field_dict["images"] = images
        if prdtypecode is not UNSET:
            field_dict["prdtypecode"] = prdtypecode
        if productid is not UNSET:
            field_dict["productid"] = productid
        if x_csv is not UNSET:
            field_dict["x_csv"] = x_csv
        if y_csv is not UNSET:
            field_dict["y_csv"] = y_csv

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        if not isinstance(self.csv, Unset):
            files.append(("csv", self.csv.to_tuple()))

        if not isinstance(self.description, Unset):
            if isinstance(self.description, str):
                files.append(("description", (None, str(self.description).encode(), "text/plain")))
            else:
                files.append(("description", (None, str(self.description).encode(), "text/plain")))

        if not isinstance(self.designation, Unset):
            if isinstance(self.designation, str):
                files.append(("designation", (None, str(self.designation).encode(), "text/plain")))
            else:
                files.append(("designation", (None, str(self.designation).encode(), "text/plain")))

        if not isinstance(self.image, Unset):
            files.append(("image", self.image.to_tuple()))

        if not isinstance(self.imageid, Unset):
            if isinstance(self.imageid, str):
                files.append(("imageid", (None, str(self.imageid).encode(), "text/plain")))
            else:
                files.append(("imageid", (None, str(self.imageid).encode(), "text/plain")))

        if not isinstance(self.images, Unset):
            files.append(("images", self.images.to_tuple()))

        if not isinstance(self.prdtypecode, Unset):
            if isinstance(self.prdtypecode, str):
                files.append(("prdtypecode", (None, str(self.prdtypecode).encode(), "text/plain")))
            else:
                files.append(("prdtypecode", (None, str(self.prdtypecode).encode(), "text/plain")))

        if not isinstance(self.productid, Unset):
            if isinstance(self.productid, str):
                files.append(("productid", (None, str(self.productid).encode(), "text/plain")))
            else:
                files.append(("productid", (None, str(self.productid).encode(), "text/plain")))

        if not isinstance(self.x_csv, Unset):
            files.append(("x_csv", self.x_csv.to_tuple()))

        if not isinstance(self.y_csv, Unset):
            files.append(("y_csv", self.y_csv.to_tuple()))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _csv = d.pop("csv", UNSET)
        csv: File | Unset
        if isinstance(_csv, Unset):
            csv = UNSET
        else:
            csv = File(payload=BytesIO(_csv))

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

        _image = d.pop("image", UNSET)
        image: File | Unset
        if isinstance(_image, Unset):
            image = UNSET
        else:
            image = File(payload=BytesIO(_image))

        def _parse_imageid(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        imageid = _parse_imageid(d.pop("imageid", UNSET))

        _images = d.pop("images", UNSET)
        images: File | Unset
        if isinstance(_images, Unset):
            images = UNSET
        else:
            images = File(payload=BytesIO(_images))

        def _parse_prdtypecode(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        prdtypecode = _parse_prdtypecode(d.pop("prdtypecode", UNSET))

        def _parse_productid(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        productid = _parse_productid(d.pop("productid", UNSET))

        _x_csv = d.pop("x_csv", UNSET)
        x_csv: File | Unset
        if isinstance(_x_csv, Unset):
            x_csv = UNSET
        else:
            x_csv = File(payload=BytesIO(_x_csv))

        _y_csv = d.pop("y_csv", UNSET)
        y_csv: File | Unset
        if isinstance(_y_csv, Unset):
            y_csv = UNSET
        else:
            y_csv = File(payload=BytesIO(_y_csv))

        product_upload = cls(
            csv=csv,
            description=description,
            designation=designation,
            image=image,
            imageid=imageid,
            images=images,
            prdtypecode=prdtypecode,
            productid=productid,
            x_csv=x_csv,
            y_csv=y_csv,
        )

        return product_upload
