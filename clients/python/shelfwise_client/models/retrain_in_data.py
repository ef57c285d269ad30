from enum import StrEnum


class RetrainInData(StrEnum):
    ALL = "all"
    RECENT = "recent"

    def __str__(self) -> str:
        return str(self.value)
