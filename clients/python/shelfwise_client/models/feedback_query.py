from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.feedback_query_status_type_0 import FeedbackQueryStatusType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="FeedbackQuery")


@_attrs_define
class FeedbackQuery:
    """
    Attributes:
        category (int | None | Unset): Predicted code.
        correct_category (int | None | Unset):
        is_correct (bool | None | Unset):
        model_version (None | str | Unset):
        page (int | Unset): Page number, from 1. Default: 1.
        per_page (int | Unset): Items per page; above 500 the page holds 500 (max_per_page). Default: 50.
        since (None | str | Unset): ISO 8601 time, from.
        status (FeedbackQueryStatusType0 | None | Unset):
        until (None | str | Unset): ISO 8601 time, before.
        user (None | str | Unset): Username.
    """

    category: int | None | Unset = UNSET
    correct_category: int | None | Unset = UNSET
    is_correct: bool | None | Unset = UNSET
    model_version: None | str | Unset = UNSET
    page: int | Unset = 1
    per_page: int | Unset = 50
    since: None | str | Unset = UNSET
    status: FeedbackQueryStatusType0 | None | Unset = UNSET
    until: None | str | Unset = UNSET
    user: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        category: int | None | Unset
        if isinstance(self.category, Unset):
            category = UNSET
        else:
            category = self.category

        correct_category: int | None | Unset
        if isinstance(self.correct_category, Unset):
            correct_category = UNSET
        else:
            correct_category = self.correct_category

        is_correct: bool | None | Unset
        if isinstance(self.is_correct, Unset):
            is_correct = UNSET
        else:
            is_correct = self.is_correct

        model_version: None | str | Unset
        if isinstance(self.model_version, Unset):
            model_version = UNSET
        else:
            model_version = self.model_version

        page = self.page

        per_page = self.per_page

        since: None | str | Unset
        if isinstance(self.since, Unset):
            since = UNSET
        else:
            since = self.since

        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        elif isinstance(self.status, FeedbackQueryStatusType0):
            status = self.status.value
        else:
            status = self.status

        until: None | str | Unset
        if isinstance(self.until, Unset):
            until = UNSET
        else:
            until = self.until

        user: None | str | Unset
        if isinstance(self.user, Unset):
            user = UNSET
        else:
            user = self.user

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if category is not UNSET:
            field_dict["category"] = category
        if correct_category is not UNSET:
            field_dict["correct_category"] = correct_category
        if is_correct is not UNSET:
            field_dict["is_correct"] = is_correct
        if model_version is not UNSET:
            field_dict["model_version"] = model_version
        if page is not UNSET:
            field_dict["page"] = page
        if per_page is not UNSET:
            field_dict["per_page"] = per_page
        if since is not UNSET:
            field_dict["since"] = since
        if status is not UNSET:
            field_dict["status"] = status
        if until is not UNSET:
            field_dict["until"] = until
        if user is not UNSET:
            field_dict["user"] = user

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_category(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        category = _parse_category(d.pop("category", UNSET))

        def _parse_correct_category(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        correct_category = _parse_correct_category(d.pop("correct_category", UNSET))

        def _parse_is_correct(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        is_correct = _parse_is_correct(d.pop("is_correct", UNSET))

        def _parse_model_version(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model_version = _parse_model_version(d.pop("model_version", UNSET))

        page = d.pop("page", UNSET)

        per_page = d.pop("per_page", UNSET)

        def _parse_since(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        since = _parse_since(d.pop("since", UNSET))

        def _parse_status(data: object) -> FeedbackQueryStatusType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = FeedbackQueryStatusType0(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FeedbackQueryStatusType0 | None | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        def _parse_until(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        until = _parse_until(d.pop("until", UNSET))

        def _parse_user(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user = _parse_user(d.pop("user", UNSET))

        feedback_query = cls(
            category=category,
            correct_category=correct_category,
            is_correct=is_correct,
            model_version=model_version,
            page=page,
            per_page=per_page,
            since=since,
            status=status,
            until=until,
            user=user,
        )

        feedback_query.additional_properties = d
        return feedback_query

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
