from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="StoredProduct")


@_attrs_define
class StoredProduct:
    """
    Attributes:
        batch_id (int | None):
        category (None | str):
        created_at (str):
        description (None | str):
        designation (None | str):
        image_hash (None | str):
        imageid (None | str):
        prdtypecode (int):
        productid (str):
        updated_at (str):
    """

    batch_id: int | None
    category: None | str
    created_at: str
    description: None | str
    designation: None | str
    image_hash: None | str
    imageid: None | str
    prdtypecode: int
    productid: str
    updated_at: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        batch_id: int | None
        batch_id = self.batch_id

        category: None | str
        category = self.category

        created_at = self.created_at

        description: None | str
        description = self.description

        designation: None | str
        designation = self.designation

        image_hash: None | str
        image_hash = self.image_hash

        imageid: None | str
        imageid = self.imageid

        prdtypecode = self.prdtypecode

        productid = self.productid

        updated_at = self.updated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "batch_id": batch_id,
                "category": category,
                "created_at": created_at,
                "description": description,
                "designation": designation,
                "image_hash": image_hash,
                "imageid": imageid,
                "prdtypecode": prdtypecode,
                "productid": productid,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_batch_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        batch_id = _parse_batch_id(d.pop("batch_id"))

        def _parse_category(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        category = _parse_category(d.pop("category"))

        created_at = d.pop("created_at")

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        def _parse_designation(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        designation = _parse_designation(d.pop("designation"))

        def _parse_image_hash(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        image_hash = _parse_image_hash(d.pop("image_hash"))

        def _parse_imageid(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        imageid = _parse_imageid(d.pop("imageid"))

        prdtypecode = d.pop("prdtypecode")

        productid = d.pop("productid")

        updated_at = d.pop("updated_at")

        stored_product = cls(
            batch_id=batch_id,
            category=category,
            created_at=created_at,
            description=description,
            designation=designation,
            image_hash=image_hash,
            imageid=imageid,
            prdtypecode=prdtypecode,
            productid=productid,
            updated_at=updated_at,
        )

        stored_product.additional_properties = d
        return stored_product

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
