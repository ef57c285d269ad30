from enum import StrEnum


class BatchOutStatus(StrEnum):
    DONE = "done"
    QUEUED = "queued"

    def __str__(self) -> str:
        return str(self.value)
