from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.batch_out_status import BatchOutStatus

if TYPE_CHECKING:
    from ..models.batch_counts import BatchCounts
    from ..models.batch_item import BatchItem


T = TypeVar("T", bound="BatchOut")


@_attrs_define
class BatchOut:
    """
    Attributes:
        batch_id (str):
        counts (BatchCounts):
        results (list[BatchItem]): One per product, in the request's order.
        status (BatchOutStatus): done: every product has its answer; queued: some are still waiting.
        status_url (str):
    """

    batch_id: str
    counts: BatchCounts
    results: list[BatchItem]
    status: BatchOutStatus
    status_url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        batch_id = self.batch_id

        counts = self.counts.to_dict()

        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)

        status = self.status.value

        status_url = self.status_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "batch_id": batch_id,
                "counts": counts,
                "results": results,
                "status": status,
                "status_url": status_url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch_counts import BatchCounts  # noqa: PLC0415
        from ..models.batch_item import BatchItem  # noqa: PLC0415

        d = dict(src_dict)
        batch_id = d.pop("batch_id")

        counts = BatchCounts.from_dict(d.pop("counts"))

        results = []
        _results = d.pop("results")
        for results_item_data in _results:
            results_item = BatchItem.from_dict(results_item_data)

            results.append(results_item)

        status = BatchOutStatus(d.pop("status"))

        status_url = d.pop("status_url")

        batch_out = cls(
            batch_id=batch_id,
            counts=counts,
            results=results,
            status=status,
            status_url=status_url,
        )

        batch_out.additional_properties = d
        return batch_out

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
