"""Text members cross-fitted on the validation texts: what each trains on, what it answers."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from model_service.model import build_image_head  # noqa: E402
from model_service.params import ModelParams  # noqa: E402
from model_service.version import ModelVersion  # noqa: E402
from trainer import dataset  # noqa: E402
from trainer.fit_loop import predict_token_ids  # noqa: E402
from trainer.pipeline import ImageBranch, TrainingData, held_out_probs, train_text_branch  # noqa: E402
from trainer.recipe import TrainingRecipe  # noqa: E402

PARAMS = ModelParams(vocab_size=64, seq_len=6, embed_dim=8, gru_units=4, num_classes=3)
RECIPE = TrainingRecipe(min_count=1, warmup_fraction=0.0, epochs=1, batch_size=16)
WORDS = [["livre", "roman", "auteur"], ["piscine", "pompe", "filtre"], ["carte", "holo", "deck"]]


def _examples(prefix: str, n: int, seed: int, extra_word: str = "") -> dataset.Examples:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    texts = [" ".join([*rng.choice(WORDS[c], 2), "neuf", extra_word]).strip() for c in labels]
    texts[0] = ""  # a photo-only product: no text to train on or to answer
    return dataset.Examples(
        [f"{prefix}{i}" for i in range(n)], texts, [None] * n, labels.astype(np.int64)
    )


def _data(val_word: str = "") -> TrainingData:
    train, val = _examples("t", 90, 1), _examples("v", 31, 2, val_word)
    return TrainingData(train, val, val, {}, [], {"mode": "all"})


def _fit_sizes(caplog: pytest.LogCaptureFixture) -> list[tuple[int, int]]:
    found = re.findall(r"training text branch: (\d+) train / (\d+) val", caplog.text)
    return [(int(a), int(b)) for a, b in found]


def test_folds_are_balanced_and_fixed_by_the_product_ids() -> None:
    ids = [f"p{i}" for i in range(31)]
    folds = dataset.member_folds(ids, 3)
    assert sorted(np.bincount(folds)) == [10, 10, 11]
    shuffled = ids[::-1]
    again = dict(zip(shuffled, dataset.member_folds(shuffled, 3), strict=True))
    assert [again[p] for p in ids] == folds.tolist()


def test_each_member_trains_on_the_other_folds_and_answers_its_own(caplog) -> None:  # type: ignore[no-untyped-def]
    keras.utils.set_random_seed(0)
    data = _data(val_word="onlyinval")
    with caplog.at_level(logging.INFO, logger="trainer.fit_loop"):
        branch = train_text_branch(data, PARAMS, RECIPE, lambda epoch, logs: None)

    val = data.val.subset(data.val.has_text)
    folds = dataset.member_folds(val.productids, 2)
    held = [int((folds == m).sum()) for m in range(2)]
    assert _fit_sizes(caplog) == [(89 + held[1], held[0]), (89 + held[0], held[1])]
    assert branch.encoder.encode(["onlyinval"], 1)[0, 0] > 1  # validation words are known

    assert branch.val_probs is not None and branch.val_probs.shape == (31, 3)
    assert not branch.val_probs[0].any()  # the row without text
    ids = branch.encoder.encode(val.texts, PARAMS.seq_len)
    rows = np.flatnonzero(data.val.has_text)
    for m in range(2):
        member = branch.model.get_layer(f"text_member_{m}")
        mine = folds == m
        np.testing.assert_allclose(
            branch.val_probs[rows[mine]], predict_token_ids(member, ids[mine]), atol=1e-5
        )
    whole = predict_token_ids(branch.model, ids)
    assert not np.allclose(branch.val_probs[rows], whole, atol=1e-3)  # not the branch's own answer

    # The fusion weight (and `trainer tune`'s score) read those, not the branch's answers.
    head = build_image_head(branch.params)
    version = ModelVersion("v", branch.params, branch.encoder, branch.model, head, 0.5)
    p_text, p_image = held_out_probs(version, data, branch, ImageBranch(head, None, 0))  # type: ignore[arg-type]
    np.testing.assert_array_equal(p_text, branch.val_probs)
    assert not p_image.any()  # no photo


def test_one_member_trains_on_the_training_texts_alone(caplog) -> None:  # type: ignore[no-untyped-def]
    keras.utils.set_random_seed(0)
    data = _data(val_word="onlyinval")
    with caplog.at_level(logging.INFO, logger="trainer.fit_loop"):
        branch = train_text_branch(
            data, replace(PARAMS, text_members=1), RECIPE, lambda epoch, logs: None
        )
    assert _fit_sizes(caplog) == [(89, 30)]
    assert branch.encoder.encode(["onlyinval"], 1)[0, 0] <= 1  # out of the vocabulary
    val = data.val.subset(data.val.has_text)
    ids = branch.encoder.encode(val.texts, PARAMS.seq_len)
    assert branch.val_probs is not None
    np.testing.assert_allclose(
        branch.val_probs[data.val.has_text], predict_token_ids(branch.model, ids), atol=1e-5
    )


def test_fewer_validation_texts_than_members_train_every_member_on_training_texts(caplog) -> None:  # type: ignore[no-untyped-def]
    keras.utils.set_random_seed(0)
    data = _data()
    few = data.val.subset(np.arange(len(data.val)) < 3)  # two texts (the first row has none)
    data = replace(data, val=few)
    with caplog.at_level(logging.INFO, logger="trainer.fit_loop"):
        train_text_branch(data, replace(PARAMS, text_members=3), RECIPE, lambda e, logs: None)
    assert _fit_sizes(caplog) == [(89, 2)] * 3
