from enum import StrEnum


class GetAdminFeedbackStatusType0(StrEnum):
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"
    NEW = "new"

    def __str__(self) -> str:
        return str(self.value)
