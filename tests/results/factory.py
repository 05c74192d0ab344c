"""A standard decided through the services: two panellists, two rounds, the same share of the
marks on every item in round 2 (round 1 deliberately wider)."""

from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from exam_engine.results.services.panel import decide_with_evidence
from item_bank.standards.models import StandardMethod, StandardStudy
from item_bank.standards.services import next_round, open_study, record_angoff
from tests.delivery.factory import UNIT


def set_standard(make_user, shares: tuple[float, float] = (0.5, 0.7), unit: str = UNIT,
                 chair: User | None = None) -> StandardStudy:
    chair = chair or make_user(Role.AWARDING_BODY_ADMIN)
    panel = [make_user(Role.SUBJECT_EXPERT), make_user(Role.SUBJECT_EXPERT)]
    study = open_study(unit, StandardMethod.ANGOFF, chair)
    for member, share in zip(panel, (0.2, 0.9)):
        record_angoff(study, member, dict.fromkeys(study.item_version_ids, share))
    next_round(study)
    for member, share in zip(panel, shares):
        record_angoff(study, member, dict.fromkeys(study.item_version_ids, share))
    decide_with_evidence(study, chair, "Adopted after two rounds.")
    db.session.commit()
    return study
