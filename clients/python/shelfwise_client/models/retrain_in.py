from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.retrain_in_data import RetrainInData
from ..models.retrain_in_promote_type_0 import RetrainInPromoteType0
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.retrain_in_model_params import RetrainInModelParams


T = TypeVar("T", bound="RetrainIn")


@_attrs_define
class RetrainIn:
    """Training parameters; ranges are checked by the API (422 when refused).

    Attributes:
        batch_size (int | None | Unset):
        data (RetrainInData | Unset):  Default: RetrainInData.ALL.
        epochs (int | None | Unset):
        image_batch_size (int | None | Unset):
        image_epochs (int | None | Unset):
        image_learning_rate (float | None | Unset):
        image_patience (int | None | Unset):
        learning_rate (float | None | Unset):
        model_params (RetrainInModelParams | Unset):
        patience (int | None | Unset):
        promote (bool | RetrainInPromoteType0 | Unset):  Default: RetrainInPromoteType0.AUTO.
        replay (int | None | Unset):
        sample (int | None | Unset):
    """

    batch_size: int | None | Unset = UNSET
    data: RetrainInData | Unset = RetrainInData.ALL
    epochs: int | None | Unset = UNSET
    image_batch_size: int | None | Unset = UNSET
    image_epochs: int | None | Unset = UNSET
    image_learning_rate: float | None | Unset = UNSET
    image_patience: int | None | Unset = UNSET
    learning_rate: float | None | Unset = UNSET
    model_params: RetrainInModelParams | Unset = UNSET
    patience: int | None | Unset = UNSET
    promote: bool | RetrainInPromoteType0 | Unset = RetrainInPromoteType0.AUTO
    replay: int | None | Unset = UNSET
    sample: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        batch_size: int | None | Unset
        if isinstance(self.batch_size, Unset):
            batch_size = UNSET
        else:
            batch_size = self.batch_size

        data: str | Unset = UNSET
        if not isinstance(self.data, Unset):
            data = self.data.value

        epochs: int | None | Unset
        if isinstance(self.epochs, Unset):
            epochs = UNSET
        else:
            epochs = self.epochs

        image_batch_size: int | None | Unset
        if isinstance(self.image_batch_size, Unset):
            image_batch_size = UNSET
        else:
            image_batch_size = self.image_batch_size

        image_epochs: int | None | Unset
        if isinstance(self.image_epochs, Unset):
            image_epochs = UNSET
        else:
            image_epochs = self.image_epochs

        image_learning_rate: float | None | Unset
        if isinstance(self.image_learning_rate, Unset):
            image_learning_rate = UNSET
        else:
            image_learning_rate = self.image_learning_rate

        image_patience: int | None | Unset
        if isinstance(self.image_patience, Unset):
            image_patience = UNSET
        else:
            image_patience = self.image_patience

        learning_rate: float | None | Unset
        if isinstance(self.learning_rate, Unset):
            learning_rate = UNSET
        else:
            learning_rate = self.learning_rate

        model_params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.model_params, Unset):
            model_params = self.model_params.to_dict()

        patience: int | None | Unset
        if isinstance(self.patience, Unset):
            patience = UNSET
        else:
            patience = self.patience

        promote: bool | str | Unset
        if isinstance(self.promote, Unset):
            promote = UNSET
        elif isinstance(self.promote, RetrainInPromoteType0):
            promote = self.promote.value
        else:
            promote = self.promote

        replay: int | None | Unset
        if isinstance(self.replay, Unset):
            replay = UNSET
        else:
            replay = self.replay

        sample: int | None | Unset
        if isinstance(self.sample, Unset):
            sample = UNSET
        else:
            sample = self.sample

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if batch_size is not UNSET:
            field_dict["batch_size"] = batch_size
        if data is not UNSET:
            field_dict["data"] = data
        if epochs is not UNSET:
            field_dict["epochs"] = epochs
        if image_batch_size is not UNSET:
            field_dict["image_batch_size"] = image_batch_size
        if image_epochs is not UNSET:
            field_dict["image_epochs"] = image_epochs
        if image_learning_rate is not UNSET:
            field_dict["image_learning_rate"] = image_learning_rate
        if image_patience is not UNSET:
            field_dict["image_patience"] = image_patience
        if learning_rate is not UNSET:
            field_dict["learning_rate"] = learning_rate
        if model_params is not UNSET:
            field_dict["model_params"] = model_params
        if patience is not UNSET:
            field_dict["patience"] = patience
        if promote is not UNSET:
            field_dict["promote"] = promote
        if replay is not UNSET:
            field_dict["replay"] = replay
        if sample is not UNSET:
            field_dict["sample"] = sample

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.retrain_in_model_params import RetrainInModelParams  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_batch_size(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        batch_size = _parse_batch_size(d.pop("batch_size", UNSET))

        _data = d.pop("data", UNSET)
        data: RetrainInData | Unset
        if isinstance(_data, Unset):
            data = UNSET
        else:
            data = RetrainInData(_data)

        def _parse_epochs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        epochs = _parse_epochs(d.pop("epochs", UNSET))

        def _parse_image_batch_size(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        image_batch_size = _parse_image_batch_size(d.pop("image_batch_size", UNSET))

        def _parse_image_epochs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        image_epochs = _parse_image_epochs(d.pop("image_epochs", UNSET))

        def _parse_image_learning_rate(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        image_learning_rate = _parse_image_learning_rate(d.pop("image_learning_rate", UNSET))

        def _parse_image_patience(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        image_patience = _parse_image_patience(d.pop("image_patience", UNSET))

        def _parse_learning_rate(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        learning_rate = _parse_learning_rate(d.pop("learning_rate", UNSET))

        _model_params = d.pop("model_params", UNSET)
        model_params: RetrainInModelParams | Unset
        if isinstance(_model_params, Unset):
            model_params = UNSET
        else:
            model_params = RetrainInModelParams.from_dict(_model_params)

        def _parse_patience(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        patience = _parse_patience(d.pop("patience", UNSET))

        def _parse_promote(data: object) -> bool | RetrainInPromoteType0 | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                promote_type_0 = RetrainInPromoteType0(data)

                return promote_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(bool | RetrainInPromoteType0 | Unset, data)

        promote = _parse_promote(d.pop("promote", UNSET))

        def _parse_replay(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        replay = _parse_replay(d.pop("replay", UNSET))

        def _parse_sample(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        sample = _parse_sample(d.pop("sample", UNSET))

        retrain_in = cls(
            batch_size=batch_size,
            data=data,
            epochs=epochs,
            image_batch_size=image_batch_size,
            image_epochs=image_epochs,
            image_learning_rate=image_learning_rate,
            image_patience=image_patience,
            learning_rate=learning_rate,
            model_params=model_params,
            patience=patience,
            promote=promote,
            replay=replay,
            sample=sample,
        )

        return retrain_in
