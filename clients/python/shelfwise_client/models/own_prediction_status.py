from enum import StrEnum


class OwnPredictionStatus(StrEnum):
    DONE = "done"
    FAILED = "failed"
    QUEUED = "queued"
    TIMEOUT = "timeout"

    def __str__(self) -> str:
        return str(self.value)
