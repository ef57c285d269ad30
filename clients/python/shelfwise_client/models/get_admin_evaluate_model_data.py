from enum import StrEnum


class GetAdminEvaluateModelData(StrEnum):
    EVALUATION_SET = "evaluation_set"
    RECENT = "recent"

    def __str__(self) -> str:
        return str(self.value)
