from enum import StrEnum


class RetrainInPromoteType0(StrEnum):
    ALWAYS = "always"
    AUTO = "auto"
    NEVER = "never"

    def __str__(self) -> str:
        return str(self.value)
