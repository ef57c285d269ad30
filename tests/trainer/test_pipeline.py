"""End to end on tiny data: import, train, version on disk, registry, evaluate, behaviour."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from sqlalchemy import func, select

from common import model_store
from common.categories import CODES
from common.db import init_db, session_factory
from common.image_store import ImageStore
from common.orm import PRODUCTION, ModelVersionRecord, Product
from common.settings import load_settings
from model_service.fusion import ProductInput
from model_service.preprocessing import clean_text, load_image
from tests.conftest import VGG16_WEIGHTS
from tests.trainer import synthetic
from trainer import dataset, pipeline, scoring
from trainer.context import build_context
from trainer.evaluate import evaluate_directory, load_predictor
from trainer.importer import import_directory

REAL_WEIGHTS = VGG16_WEIGHTS.is_file()
# Tiny data plateaus for a few epochs before it learns: patience covers every epoch.
TINY_RECIPE = replace(synthetic.TINY_RECIPE, epochs=15, batch_size=16, learning_rate=1e-2,
                      patience=15, image_epochs=10, image_batch_size=8,
                      image_learning_rate=1e-3, image_patience=10)  # fmt: skip


@pytest.fixture(scope="module")
def trained(tmp_path_factory, redis_server):
    """One tiny model trained from an imported directory, shared by this module's tests."""
    root = tmp_path_factory.mktemp("pipeline")
    settings = load_settings(
        redis_url=redis_server.url, var_dir=root / "var", data_dir=root / "data",
        vgg16_weights=str(VGG16_WEIGHTS) if REAL_WEIGHTS else "random",
        heartbeat_s=0.2, claim_idle_ms=1000,
    )  # fmt: skip
    items = synthetic.products(per_class=30)
    import_directory(
        settings, session_factory(init_db(settings)), synthetic.write_shared(root / "src", items)
    )
    stages: list[tuple[str, int | None, dict]] = []
    result = pipeline.train(
        build_context(settings),
        TINY_RECIPE,
        synthetic.TINY_PARAMS,
        progress=lambda s, e, m: stages.append((s, e, dict(m))),
    )
    predictor = load_predictor(settings, result.path)
    return settings, result, stages, items, predictor


def test_training_writes_a_complete_promoted_version(trained):
    settings, result, stages, items, _ = trained
    path = result.path
    assert result.version == "v1" and result.promoted
    assert (
        model_store.is_complete(path)
        and model_store.production_version(settings.models_path) == "v1"
    )
    for name in ("metrics.json", "provenance.json", "report.md", "curves.png", "confusion.png"):
        assert (path / name).is_file(), name
    assert list((path / "tensorboard" / "text").glob("events.out.tfevents.*"))
    metrics = json.loads((path / "metrics.json").read_text())
    n_eval = sum(dataset.split_of(it.productid) == dataset.EVAL for it in items)
    assert metrics["n"] == n_eval > 0
    assert {
        "accuracy",
        "f1_macro",
        "f1_weighted",
        "precision_weighted",
        "recall_macro",
        "per_class_f1",
        "confusion_matrix",
    } <= set(metrics)
    assert set(metrics["by_modality"]) == {"text", "image", "both"}
    assert set(metrics["branches"]) == {"text", "image"}
    assert 0.0 <= metrics["fusion"]["text_weight"] <= 1.0
    provenance = json.loads((path / "provenance.json").read_text())
    assert provenance["ingestion_batches"] == [1]
    assert provenance["git_revision"]
    assert provenance["data"]["eval"]["rows"] == n_eval
    assert [s for s, _, _ in stages][0] == "load" and stages[-1][0] == "done"
    epochs = [e for s, e, _ in stages if s == "train_text"]
    assert epochs == list(range(1, len(epochs) + 1)) and "val_f1_macro" in stages[1 + 1][2]
    with session_factory(init_db(settings))() as s:
        record = s.scalars(select(ModelVersionRecord)).one()
        assert (record.name, record.status) == ("v1", PRODUCTION)
        assert record.f1_weighted == pytest.approx(metrics["f1_weighted"])


def test_a_text_naming_its_category_is_predicted_there(trained):
    predictor = trained[4]
    probs = predictor.predict(
        [
            ProductInput(clean_text(t), None)
            for t in ("piscine pompe filtre", "carte pokemon booster", "livre roman")
        ]
    )
    assert [CODES[i] for i in probs.argmax(axis=1)] == [2583, 1160, 10]
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_predictions_ignore_html_markup_and_letter_case(trained):
    predictor = trained[4]
    plain = clean_text("piscine pompe neuf", "filtre & bassin")
    variants = [
        clean_text("<b>Piscine</b> POMPE neuf", "<p>filtre &amp; <i>bassin</i></p>"),
        clean_text("PISCINE Pompe NEUF", "FILTRE &amp; BASSIN"),
    ]
    base = predictor.predict([ProductInput(plain, None)])
    for text in variants:
        np.testing.assert_allclose(predictor.predict([ProductInput(text, None)]), base, atol=1e-6)


def test_evaluation_set_scores_match_the_serving_path(trained):
    """The pipeline scores images from cached features; the Keras model and the fp32 ONNX
    files run VGG16 on the photos: same numbers."""
    if not REAL_WEIGHTS:
        pytest.skip(
            f"needs the fixed ImageNet VGG16 weights at {VGG16_WEIGHTS} "
            "(a 'random' base differs between builds)"
        )
    settings, result, *_ = trained
    keras_model = load_predictor(settings, result.path, "keras")
    with session_factory(init_db(settings))() as s:
        eval_ex = dataset.split(dataset.load_examples(s))[dataset.EVAL]
    cache = scoring.feature_cache(settings, synthetic.TINY_PARAMS)
    p_text, p_image = scoring.branch_probs(keras_model.version, eval_ex, cache)
    ours = scoring.fused_probs(keras_model.version, eval_ex, p_text, p_image)
    store = ImageStore(settings.images_path)
    items = [
        ProductInput(t, load_image(store.get(h), size=32) if h else None)
        for t, h in zip(eval_ex.texts, eval_ex.image_hashes, strict=True)
    ]
    np.testing.assert_allclose(keras_model.predict(items), ours, atol=1e-4)
    served_fp32 = load_predictor(settings, result.path, "fp32")
    np.testing.assert_allclose(served_fp32.predict(items), ours, atol=1e-4)
    assert eval_ex.has_image.any() and eval_ex.has_text.any()


def test_evaluate_scores_a_directory_without_importing_it(trained, tmp_path):
    settings, result, *_ = trained
    unseen = synthetic.products(per_class=6, seed=7)
    unseen[0] = synthetic.image_only(unseen[0])
    source = synthetic.write_challenge(tmp_path / "unseen", unseen)
    sessions = session_factory(init_db(settings))
    with sessions() as s:
        before = s.scalar(select(func.count()).select_from(Product))
    out = evaluate_directory(settings, source)
    assert out["version"] == "v1" and out["n"] == len(unseen)
    assert set(out["by_modality"]) == {"text", "image", "both"}
    assert out["by_modality"]["image"]["n"] == 1
    assert sum(out["by_modality"][m]["n"] for m in ("text", "image", "both")) == len(unseen)
    assert out["by_modality"]["text"]["f1_weighted"] >= 0.8
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Product)) == before


def test_retraining_reuses_cached_features_and_respects_never(trained):
    settings, first, *_ = trained
    files = sorted(settings.features_path.rglob("*.npy"))
    assert files
    second = pipeline.train(
        build_context(settings), TINY_RECIPE, synthetic.TINY_PARAMS,
        pipeline.TrainingRequest(promote="never"),
    )  # fmt: skip
    provenance = json.loads((second.path / "provenance.json").read_text())
    assert provenance["vgg16_features_computed"] == 0  # VGG16 never ran (nor was built)
    assert sorted(settings.features_path.rglob("*.npy")) == files
    # Nor was it converted to ONNX again: the second version's image files reuse the backbone.
    first_bb, second_bb = (
        json.loads((r.path / "serving.json").read_text())["backbone"] for r in (first, second)
    )
    assert first_bb["converted"] and second_bb == {**first_bb, "converted": False}
    assert second.version == "v2" and not second.promoted
    assert model_store.production_version(settings.models_path) == "v1"
    assert second.production_f1 == pytest.approx(first.metrics["f1_weighted"])
