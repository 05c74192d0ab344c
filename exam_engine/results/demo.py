"""The demo's standard setting (`exam-engine load-demo`): a two-round modified-Angoff study of each
unit in the bank by the three demo subject experts, decided by the demo awarding-body administrator.

The demo panel's judgements are generated, not a real panel's: each starts from the writer's
difficulty rating (easy 75%, medium 60%, hard 45% for a just-passing candidate), moved by the
panellist's own leniency and by item-by-item disagreement (seeded, so every load gives the same
figures); in round 2 each panellist moves halfway towards the panel's round-1 mean. The decision
says so. A unit whose standard in force already covers every live item is left as it is.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence

import numpy as np

from exam_engine.auth.models import User
from exam_engine.results.services.panel import decide_with_evidence, round_reports
from item_bank.items.models import ItemVersion
from item_bank.items.pools import live_versions
from item_bank.standards.models import StandardMethod
from item_bank.standards.services import next_round, open_study, record_angoff, standard_in_force, study_versions

RATING_SHARE = {"easy": 0.75, "medium": 0.60, "hard": 0.45}
LENIENCY = (-0.04, 0.0, 0.04)  # each demo panellist's own shift
DISAGREEMENT = 0.08  # SD of a panellist's item-by-item departure, as a share of the marks
RATIONALE = ("Demonstration standard: the judgements were generated from the writers' difficulty ratings for the "
             "demo panel, not made by a real panel. Adopted after two rounds.")


def _round_one(versions: Sequence[ItemVersion], panellist: int, unit: str) -> dict[int, float]:
    rng = np.random.default_rng(zlib.crc32(f"{unit} {panellist}".encode()))
    base = np.array([RATING_SHARE.get(v.difficulty_rating, 0.6) for v in versions]) + LENIENCY[panellist]
    shares = np.clip(np.round(base + rng.normal(0.0, DISAGREEMENT, len(versions)), 2), 0.05, 0.95)
    return {v.id: float(s) for v, s in zip(versions, shares)}


def load_standards_demo(unit_references: Sequence[str], panel: Sequence[User], chair: User,
                        progress: Callable[[str], None]) -> None:
    """Set each unit's demo standard, unless its standard in force covers all its live items."""
    for unit in unit_references:
        live = {version.id for _, version in live_versions(unit)}
        study = standard_in_force(unit)
        if study is None or not live <= set(study.item_version_ids):
            study = open_study(unit, StandardMethod.ANGOFF, chair)
            versions = study_versions(study)
            first = [_round_one(versions, n, unit) for n in range(len(panel))]
            for member, shares in zip(panel, first):
                record_angoff(study, member, shares)
            next_round(study)
            mean = {v.id: float(np.mean([shares[v.id] for shares in first])) for v in versions}
            for member, shares in zip(panel, first):
                record_angoff(study, member, {k: round(s + (mean[k] - s) / 2, 2) for k, s in shares.items()})
            decide_with_evidence(study, chair, RATIONALE)
        last = round_reports(study)[-1].summary
        progress(f"unit {unit}: demo standard (study {study.id}, modified Angoff, {len(last.panellists)} demo "
                 f"panellists, round {last.round}): {last.raw_cut:.1f} of {last.available} marks "
                 f"({last.share:.0%}); each form's pass mark is the sum of its items' values")
