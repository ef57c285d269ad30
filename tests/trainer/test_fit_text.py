"""A text member on a tiny problem: it learns; its vocabulary, embeddings, dropout, teacher."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from model_service.model import ModelParams
from model_service.preprocessing import OOV_ID, PAD_ID
from tests.trainer.toy import RECIPE, TINY, text_recipe, toy_texts
from trainer.fit_text import (
    _token_dropout,
    fit_encoder,
    fit_text_branch,
    text_embedding_init,
    text_teacher_targets,
)

pytestmark = pytest.mark.usefixtures("keras_seed")


def test_text_branch_learns_a_separable_problem() -> None:
    texts, y = toy_texts(160, seed=1)
    val_texts, y_val = toy_texts(60, seed=2)
    encoder = fit_encoder(texts, TINY, RECIPE)
    x, x_val = encoder.encode(texts, TINY.seq_len), encoder.encode(val_texts, TINY.seq_len)
    seen: list[tuple[int, dict[str, float]]] = []
    result = fit_text_branch(
        TINY, text_recipe(5, 16, 1e-2), x, y, x_val, y_val,
        on_epoch=lambda e, m: seen.append((e, m)),
    )  # fmt: skip
    pred = result.model.predict(x_val, verbose=0).argmax(1)
    assert f1_score(y_val, pred, average="macro") > 0.95
    assert [e for e, _ in seen] == list(range(len(result.history["loss"])))
    for key in ("loss", "val_loss", "val_f1_macro", "val_f1_weighted"):
        assert len(result.history[key]) == len(seen)
        assert key in seen[-1][1]


def test_text_ids_beyond_the_vocabulary_are_refused() -> None:
    x = np.full((4, TINY.seq_len), TINY.vocab_size, dtype=np.int32)
    y = np.zeros(4, dtype=np.int64)
    with pytest.raises(ValueError, match="vocab_size"):
        fit_text_branch(TINY, text_recipe(1, 2, 1e-3), x, y, x, y)


def test_lsa_embedding_init_puts_co_occurring_tokens_together() -> None:
    # Tokens 2-4 always appear together, 5-7 together; 8+ never appear.
    x = np.array([[2, 3, 4, 0], [3, 4, 2, 0], [5, 6, 7, 0], [6, 7, 5, 0]] * 5, dtype=np.int32)
    params = ModelParams(vocab_size=12, seq_len=4, embed_dim=4)
    init = text_embedding_init(x, params, "lsa")
    assert init.shape == (12, 4)

    def cos(a: int, b: int) -> float:
        return float(init[a] @ init[b] / np.linalg.norm(init[a]) / np.linalg.norm(init[b]))

    assert cos(2, 3) > 0.9
    assert abs(cos(2, 5)) < 0.5
    assert text_embedding_init(x, params, "random") is None


def test_token_dropout_only_hides_real_tokens() -> None:
    ids = np.array([[5, 6, 7, 8, 0, 0]] * 200, dtype=np.int32)
    dropped, targets, weights = _token_dropout(0.5)(ids, np.ones((200, 3)), np.ones(200))
    dropped = np.asarray(dropped)
    assert (dropped[:, 4:] == PAD_ID).all()
    hidden = dropped[:, :4] == OOV_ID
    assert 0.3 < hidden.mean() < 0.7
    assert (dropped[:, :4][~hidden] == ids[:, :4][~hidden]).all()


def test_teacher_targets_are_out_of_fold_probabilities() -> None:
    texts, y = toy_texts(60, seed=6)
    soft = text_teacher_targets(texts, y, TINY.num_classes, RECIPE.teacher_temperature, folds=3)
    assert soft.shape == (60, 3)
    assert np.allclose(soft.sum(axis=1), 1.0, atol=1e-5)
    assert (soft.argmax(axis=1) == y).mean() > 0.9
