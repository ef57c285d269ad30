from enum import StrEnum


class PredictionModalitiesType0Item(StrEnum):
    IMAGE = "image"
    TEXT = "text"

    def __str__(self) -> str:
        return str(self.value)
