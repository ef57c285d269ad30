from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.batch_product import BatchProduct


T = TypeVar("T", bound="BatchIn")


@_attrs_define
class BatchIn:
    """Products to classify in one request, at most MAX_BATCH_PRODUCTS (default 64).

    Attributes:
        products (list[BatchProduct]):
        callback_url (None | str | Unset): Where to POST the answer, signed (see the callbacks section of docs/api.md).
            One per product.
    """

    products: list[BatchProduct]
    callback_url: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        products = []
        for products_item_data in self.products:
            products_item = products_item_data.to_dict()
            products.append(products_item)

        callback_url: None | str | Unset
        if isinstance(self.callback_url, Unset):
            callback_url = UNSET
        else:
            callback_url = self.callback_url

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "products": products,
            }
        )
        if callback_url is not UNSET:
            field_dict["callback_url"] = callback_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch_product import BatchProduct  # noqa: PLC0415

        d = dict(src_dict)
        products = []
        _products = d.pop("products")
        for products_item_data in _products:
            products_item = BatchProduct.from_dict(products_item_data)

            products.append(products_item)

        def _parse_callback_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        callback_url = _parse_callback_url(d.pop("callback_url", UNSET))

        batch_in = cls(
            products=products,
            callback_url=callback_url,
        )

        return batch_in
