from enum import StrEnum


class BatchItemModalitiesType0Item(StrEnum):
    IMAGE = "image"
    TEXT = "text"

    def __str__(self) -> str:
        return str(self.value)
