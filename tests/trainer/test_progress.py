"""The trainer's progress bars: per epoch with metrics on a terminal, nothing elsewhere."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import replace

import pytest

from tests.trainer import synthetic
from tests.trainer.test_jobs_cli import env  # noqa: F401  (the fixture)
from trainer import recipe
from trainer.__main__ import main
from trainer.progress import EpochBars, bars_wanted


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_epoch_bars_show_each_branch_with_its_metrics() -> None:
    screen = Terminal()
    bars = EpochBars({"train_text": 12, "train_image": 40}, stream=screen)
    bars("load", None, {})
    bars("train_text", 1, {"loss": 2.5, "val_f1": 0.31})
    bars("train_text", 2, {"loss": 1.25, "val_f1": 0.42})
    bars("train_image", 1, {"loss": 3.0, "val_f1": 0.1})
    bars("done", None, {"f1": 0.5})
    shown = screen.getvalue()
    assert "text epochs" in shown and "2/12" in shown and "val_f1=0.42" in shown
    assert "image epochs" in shown and "1/40" in shown
    assert bars.bar is None  # closed at the stage without epochs


def test_no_bars_when_the_output_is_not_a_terminal() -> None:
    log = io.StringIO()
    assert not bars_wanted(log)
    bars = EpochBars({"train_text": 12}, stream=log)
    bars("train_text", 1, {"loss": 2.5})
    bars("done", None, {})
    assert log.getvalue() == ""


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "redirected"])
def test_bootstrap_draws_bars_on_a_terminal_and_keeps_stdout_json(
    env,  # noqa: F811
    tmp_path,
    capsys,
    monkeypatch,
    terminal: bool,
) -> None:
    synthetic.write_shared(tmp_path / "data", synthetic.products(per_class=20))
    recipe.save_tuned(
        env.tuned_params_path,
        replace(synthetic.TINY_RECIPE, learning_rate=1e-2, batch_size=16),
        synthetic.TINY_PARAMS,
        {},
    )
    stderr = Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    assert main(["bootstrap", "--epochs", "2"]) == 0
    result = json.loads(capsys.readouterr().out)  # stdout: the JSON result alone
    assert result["version"] == "v1"
    shown = stderr.getvalue()
    if terminal:
        # The text bar counts both members' epochs: two of two.
        assert "text epochs" in shown and "4/4" in shown and "image epochs" in shown
        assert "importing" in shown
    else:
        assert "epochs" not in shown and "importing" not in shown
