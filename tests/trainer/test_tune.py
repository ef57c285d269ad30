from __future__ import annotations

import json

import optuna

from common.db import init_db, session_factory
from tests.conftest import VGG16_WEIGHTS
from tests.trainer import synthetic
from trainer import recipe
from trainer.context import build_context
from trainer.importer import import_directory
from trainer.tune import STUDY, tune

WEIGHTS = str(VGG16_WEIGHTS) if VGG16_WEIGHTS.is_file() else "random"


def test_tune_keeps_its_study_in_the_database_and_saves_the_next_defaults(settings, tmp_path):
    settings = settings.model_copy(update={"vgg16_weights": WEIGHTS})
    import_directory(
        settings,
        session_factory(init_db(settings)),
        synthetic.write_shared(tmp_path / "src", synthetic.products(per_class=15)),
    )
    overrides = synthetic.TINY_PARAMS.to_dict() | {"epochs": 2, "image_epochs": 2, "min_count": 1}
    result = tune(build_context(settings), trials=2, overrides=overrides)

    study = optuna.load_study(study_name=STUDY, storage=settings.database_url)
    assert len(study.trials) == result["trials"] == 2
    assert 0.0 <= result["best_value"] <= 1.0
    chosen, params = recipe.resolve(settings.tuned_params_path)
    assert params.embed_dim == result["best_params"]["embed_dim"]
    assert chosen.learning_rate == result["best_params"]["learning_rate"]
    assert params.image_size == synthetic.TINY_PARAMS.image_size  # untuned fields carried over
    # An explicit override still beats the tuned default.
    assert recipe.resolve(settings.tuned_params_path, {"embed_dim": 7})[1].embed_dim == 7
    assert chosen.min_count == 1  # recipe fields are saved with the tuned defaults too


def test_tuned_defaults_saved_before_text_members_keep_one_member(tmp_path):
    """Their epochs were tuned for one BiGRU: read as each member's, they would double."""
    tuned = tmp_path / "tuned.json"
    recipe.save_tuned(tuned, recipe.TrainingRecipe(epochs=12), synthetic.TINY_PARAMS, {})
    assert recipe.resolve(tuned)[1].text_members == synthetic.TINY_PARAMS.text_members == 2
    saved = json.loads(tuned.read_text())
    del saved["model_params"]["text_members"]  # what earlier releases saved
    tuned.write_text(json.dumps(saved))
    chosen, params = recipe.resolve(tuned)
    assert (chosen.epochs, params.text_members) == (12, 1)
    assert recipe.resolve(tuned, {"text_members": 3})[1].text_members == 3
