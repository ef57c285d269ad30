"""Errors a trainer command reports to its user as one line (no traceback)."""


class TrainerError(Exception):
    """Bad input or missing prerequisites, with a message that says what to do."""


class LayoutError(TrainerError, ValueError):
    """A directory that holds neither supported layout, or a malformed one."""


class NoTrainingData(TrainerError):
    """The database holds no (or too few) products to train on."""


class NoModel(TrainerError, LookupError):
    """No version to evaluate: none given and none in production."""


class BadParameter(TrainerError, ValueError):
    """A training parameter that does not exist or is out of range."""
