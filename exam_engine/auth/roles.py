"""The roles people hold, and the page each lands on after signing in."""

from enum import StrEnum


class Role(StrEnum):
    """One role per account: exam duties are kept apart (an invigilator is not a writer)."""

    LEARNER = "learner"
    INVIGILATOR = "invigilator"
    ITEM_WRITER = "item_writer"
    REVIEWER = "reviewer"
    CENTRE_ADMIN = "centre_admin"
    AWARDING_BODY_ADMIN = "awarding_body_admin"
    SUBJECT_EXPERT = "subject_expert"  # sits on standard-setting panels

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.LEARNER: "Learner",
    Role.INVIGILATOR: "Invigilator",
    Role.ITEM_WRITER: "Item writer",
    Role.REVIEWER: "Reviewer",
    Role.CENTRE_ADMIN: "Centre administrator",
    Role.AWARDING_BODY_ADMIN: "Awarding-body administrator",
    Role.SUBJECT_EXPERT: "Subject expert (panel)",
}

BANK_STAFF = (Role.ITEM_WRITER, Role.REVIEWER, Role.AWARDING_BODY_ADMIN)
"""Who may read the item bank and its evidence (writers read the whole live bank by design)."""

LANDING_ENDPOINTS: dict[Role, str] = {
    Role.LEARNER: "delivery.home",
    Role.INVIGILATOR: "invigilation.home",
    Role.ITEM_WRITER: "workbench.home",
    Role.REVIEWER: "workbench.home",
    Role.CENTRE_ADMIN: "invigilation.centre_home",
    Role.AWARDING_BODY_ADMIN: "admin.home",
    Role.SUBJECT_EXPERT: "results.studies",
}
