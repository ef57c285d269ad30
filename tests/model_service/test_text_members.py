"""The text branch as the mean of its BiGRU members, and versions saved with a single one."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from model_service.model import build_image_head, build_text_model  # noqa: E402
from model_service.params import ModelParams  # noqa: E402
from model_service.preprocessing import TextEncoder  # noqa: E402
from model_service.version import ModelVersion, load_version, save_version  # noqa: E402

TINY = ModelParams(
    vocab_size=32, seq_len=6, embed_dim=8, gru_units=4, image_size=32, image_features="pooled"
)


def _ids(n: int = 5) -> np.ndarray:
    return np.random.default_rng(1).integers(2, TINY.vocab_size, (n, TINY.seq_len)).astype("int32")


def test_the_branch_answers_the_mean_of_its_members() -> None:
    keras.utils.set_random_seed(0)
    model = build_text_model(replace(TINY, text_members=3))
    members = [model.get_layer(f"text_member_{m}") for m in range(3)]
    answers = [np.asarray(member.predict(_ids(), verbose=0)) for member in members]
    assert not np.allclose(answers[0], answers[1])  # each member starts on its own
    np.testing.assert_allclose(model.predict(_ids(), verbose=0), np.mean(answers, 0), atol=1e-6)


def test_new_versions_have_two_members_and_earlier_ones_load_with_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert ModelParams().text_members == 2
    keras.utils.set_random_seed(0)
    params = replace(TINY, text_members=1)
    text = build_text_model(params)
    encoder, head = TextEncoder(["livre"]), build_image_head(params)
    path = save_version(tmp_path, ModelVersion("v1", params, encoder, text, head, 0.5))
    saved = json.loads((path / "params.json").read_text())
    del saved["text_members"]  # what earlier releases saved
    (path / "params.json").write_text(json.dumps(saved))

    loaded = load_version(path)

    assert loaded.params.text_members == 1
    np.testing.assert_allclose(
        loaded.text_model.predict(_ids(), verbose=0), text.predict(_ids(), verbose=0), atol=1e-6
    )


def test_fewer_than_one_member_is_refused() -> None:
    with pytest.raises(ValueError, match="text_members"):
        replace(TINY, text_members=0)
