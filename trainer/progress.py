"""Progress bars of the trainer's commands: one per stage, per epoch with its metrics.

Bars go to stderr, and only when stderr is a terminal: a script or a log file sees none,
and stdout keeps the JSON result alone.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

from tqdm import tqdm

logger = logging.getLogger(__name__)


def bars_wanted(stream: TextIO | None = None) -> bool:
    """Whether progress bars should be drawn: only on a terminal."""
    stream = stream if stream is not None else sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def _short(values: dict[str, Any]) -> dict[str, str]:
    return {
        key: f"{value:.4g}" if isinstance(value, float) else str(value)
        for key, value in values.items()
        if isinstance(value, int | float | str)
    }


class EpochBars:
    """A training progress callback ``(stage, epoch, metrics)`` drawing a bar per branch.

    ``totals`` gives the most epochs of each epoch stage (``train_text``, ``train_image``);
    early stopping may end a bar before its total. Stages without epochs are logged.
    """

    def __init__(
        self,
        totals: dict[str, int],
        enabled: bool | None = None,
        stream: TextIO | None = None,
    ) -> None:
        self.totals = totals
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bars_wanted(self.stream) if enabled is None else enabled
        self.bar: tqdm | None = None
        self.stage: str | None = None

    def __call__(self, stage: str, epoch: int | None, values: dict[str, Any]) -> None:
        if epoch is None:
            self.close()
            logger.info("stage: %s", stage)
            return
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = tqdm(
                total=self.totals.get(stage),
                desc=stage.removeprefix("train_") + " epochs",
                unit="epoch",
                file=self.stream,
                disable=not self.enabled,
                dynamic_ncols=True,
            )
        assert self.bar is not None
        self.bar.update(epoch - self.bar.n)
        self.bar.set_postfix(_short(values), refresh=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        self.bar, self.stage = None, None
