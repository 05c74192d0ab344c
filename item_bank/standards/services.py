"""Running a standard-setting study and applying its standard to a form (pure arithmetic in
`exam_engine.psychometrics.standard_setting`).

A study runs in rounds: every panellist judges every item (or places one bookmark), the
facilitator closes the round once at least two have, the panel sees the spread and the
impact data and judges again; after at least two rounds the awarding body decides, and
the last round's standard is kept with the evidence of every round. The standard in force
for a unit is its latest decision.

A form's pass mark (`form_cut`): once the study has an ability cut and every item of the
form is calibrated, the form's test characteristic curve at the cut; otherwise the sum of
its items' Angoff values. Either way the smallest whole mark at or above the raw cut.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sqlalchemy import select

from exam_engine.auth.models import User
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.psychometrics.standard_setting import (
    OrderedItemBooklet,
    angoff_cut,
    angoff_items,
    bookmark_cut,
    ordered_item_booklet,
    pass_mark,
    raw_cut_from_theta,
    theta_cut_from_raw,
)
from item_bank.items.models import Item, ItemStatus, ItemVersion
from item_bank.items.pools import adaptive_gate, live_versions, parameters_of
from item_bank.standards.models import (
    MINIMUM_PANELLISTS,
    MINIMUM_ROUNDS,
    AngoffJudgement,
    BookmarkPlacement,
    StandardMethod,
    StandardStudy,
)


class StandardError(ValueError):
    """A standard-setting step refused, saying what is wrong."""


@dataclass(frozen=True)
class ItemJudgement:
    """One item's judgements in a round: mean and SD of the shares (0..1), value in marks."""

    item_version_id: int
    marks: int
    mean: float
    sd: float
    value: float


@dataclass(frozen=True)
class RoundSummary:
    """What the panel sees after a round: the spread of its judgements and the cut they give.

    `raw_cut` is on the reference form (all the study's items, `available` marks); the
    panellists' own cuts are on the same form; `theta_cut` is in logits where known."""

    round: int
    panellists: tuple[str, ...]  # who completed the round
    raw_cut: float
    available: int
    panellist_cuts: tuple[float, ...]  # marks on the reference form
    panel_sd: float  # marks
    standard_error: float  # marks
    theta_cut: float | None
    items: tuple[ItemJudgement, ...] = ()

    @property
    def share(self) -> float:
        """The raw cut as a share of the available marks."""
        return self.raw_cut / self.available

    def item_values(self) -> dict[str, float]:
        """Each item's value in marks by item version id (as the decision keeps them); empty for a bookmark."""
        return {str(item.item_version_id): item.value for item in self.items}

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["items"] = [asdict(item) for item in self.items]
        return data


@dataclass(frozen=True)
class FormCut:
    raw_cut: float  # marks, unrounded
    pass_mark: int
    theta_cut: float | None
    basis: str  # how the cut was reached, for the result's record


def study_versions(study: StandardStudy) -> list[ItemVersion]:
    versions = {v.id: v for v in db.session.scalars(select(ItemVersion)
                                                     .where(ItemVersion.id.in_(study.item_version_ids)))}
    return [versions[i] for i in study.item_version_ids]


def open_study(unit_reference: str, method: StandardMethod, actor: User) -> StandardStudy:
    """Open a study of the unit's live items (no other study of the unit may be open)."""
    if db.session.scalar(select(StandardStudy.id).where(StandardStudy.unit_reference == unit_reference,
                                                        StandardStudy.decided_at.is_(None))):
        raise StandardError(f"unit {unit_reference} already has a study in progress; decide it first")
    live = [version for _, version in live_versions(unit_reference)]
    if not live:
        raise StandardError(f"unit {unit_reference} has no live items to judge")
    booklet_theta = None
    if method is StandardMethod.BOOKMARK:
        gate = adaptive_gate(unit_reference)
        if not gate.open:
            raise StandardError("the bookmark method orders items by their calibrated difficulty: " + gate.describe())
        booklet = ordered_item_booklet(parameters_of(live))
        live = [live[i] for i in booklet.items]
        booklet_theta = [float(t) for t in booklet.theta]
    study = StandardStudy(unit_reference=unit_reference, method=method, item_version_ids=[v.id for v in live],
                          booklet_theta=booklet_theta, opened_by_id=actor.id)
    db.session.add(study)
    db.session.flush()
    return study


def _open(study: StandardStudy) -> None:
    if study.decided:
        raise StandardError(f"study {study.id} was decided on {study.decided_at:%d %B %Y}; open a new study")


def record_angoff(study: StandardStudy, panellist: User, shares: Mapping[int, float]) -> None:
    """Keep a panellist's judgements for the current round: for every item of the study, the share
    of its marks (0..1) a just-passing candidate would earn. A second save replaces the first."""
    _open(study)
    if study.method is not StandardMethod.ANGOFF:
        raise StandardError("this study places bookmarks, not Angoff judgements")
    missing = [i for i in study.item_version_ids if i not in shares]
    if missing:
        raise StandardError(f"judge every item: {len(missing)} of {len(study.item_version_ids)} have no judgement")
    extra = set(shares) - set(study.item_version_ids)
    if extra:
        raise StandardError(f"item version(s) {', '.join(map(str, sorted(extra)))} are not in this study")
    bad = [i for i, share in shares.items() if not 0.0 <= share <= 1.0]
    if bad:
        raise StandardError(f"a judgement is a chance from 0 to 100%; {len(bad)} are outside it")
    existing = {j.item_version_id: j for j in db.session.scalars(
        select(AngoffJudgement).where(AngoffJudgement.study_id == study.id, AngoffJudgement.round == study.round,
                                      AngoffJudgement.panellist_id == panellist.id))}
    now = utcnow()
    for version_id in study.item_version_ids:
        judgement = existing.get(version_id)
        if judgement is None:
            db.session.add(AngoffJudgement(study_id=study.id, round=study.round, panellist_id=panellist.id,
                                           item_version_id=version_id, value=float(shares[version_id]),
                                           recorded_at=now))
        else:
            judgement.value, judgement.recorded_at = float(shares[version_id]), now
    db.session.flush()


def record_bookmark(study: StandardStudy, panellist: User, page: int) -> None:
    """Keep a panellist's bookmark for the current round (the last page a just-passing candidate masters)."""
    _open(study)
    if study.method is not StandardMethod.BOOKMARK:
        raise StandardError("this study takes Angoff judgements, not bookmarks")
    pages = len(study.item_version_ids)
    if not 1 <= page <= pages:
        raise StandardError(f"the bookmark goes on a page from 1 to {pages}")
    placement = db.session.scalar(select(BookmarkPlacement).where(
        BookmarkPlacement.study_id == study.id, BookmarkPlacement.round == study.round,
        BookmarkPlacement.panellist_id == panellist.id))
    if placement is None:
        db.session.add(BookmarkPlacement(study_id=study.id, round=study.round, panellist_id=panellist.id, page=page))
    else:
        placement.page, placement.recorded_at = page, utcnow()
    db.session.flush()


def own_judgements(study: StandardStudy, panellist: User, round_number: int) -> dict[int, float]:
    """The panellist's shares (Angoff) or {0: page} (bookmark) in a round, to fill the form again."""
    if study.method is StandardMethod.BOOKMARK:
        page = db.session.scalar(select(BookmarkPlacement.page).where(
            BookmarkPlacement.study_id == study.id, BookmarkPlacement.round == round_number,
            BookmarkPlacement.panellist_id == panellist.id))
        return {} if page is None else {0: float(page)}
    return dict(db.session.execute(select(AngoffJudgement.item_version_id, AngoffJudgement.value).where(
        AngoffJudgement.study_id == study.id, AngoffJudgement.round == round_number,
        AngoffJudgement.panellist_id == panellist.id)).tuples().all())


def _calibrated(unit_reference: str) -> bool:
    return adaptive_gate(unit_reference).open


def _names(user_ids: Sequence[int]) -> tuple[str, ...]:
    names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).tuples().all())
    return tuple(names[i] for i in user_ids)


def round_summary(study: StandardStudy, round_number: int) -> RoundSummary | None:
    """The round's spread and cut; None until at least two panellists have completed it."""
    versions = study_versions(study)
    marks = np.array([v.marks for v in versions], float)
    if study.method is StandardMethod.BOOKMARK:
        placed = db.session.execute(select(BookmarkPlacement.panellist_id, BookmarkPlacement.page).where(
            BookmarkPlacement.study_id == study.id, BookmarkPlacement.round == round_number)
            .order_by(BookmarkPlacement.panellist_id)).tuples().all()
        if len(placed) < MINIMUM_PANELLISTS:
            return None
        booklet_theta = np.array(study.booklet_theta or [], float)
        booklet = OrderedItemBooklet(np.arange(len(versions)), booklet_theta)
        bookmarks = bookmark_cut(booklet, [page for _, page in placed])
        form = parameters_of(versions)
        cuts = np.array([raw_cut_from_theta(float(t), form) for t in bookmarks.panellist_cuts])
        sd = float(cuts.std(ddof=1))
        return RoundSummary(round_number, _names([p for p, _ in placed]), raw_cut_from_theta(bookmarks.theta_cut, form),
                            int(marks.sum()), tuple(float(c) for c in cuts), sd, sd / np.sqrt(len(cuts)),
                            bookmarks.theta_cut)
    rows = db.session.execute(select(AngoffJudgement.panellist_id, AngoffJudgement.item_version_id,
                                     AngoffJudgement.value).where(AngoffJudgement.study_id == study.id,
                                                                  AngoffJudgement.round == round_number)).all()
    table: dict[int, dict[int, float]] = {}
    for panellist_id, version_id, value in rows:
        table.setdefault(panellist_id, {})[version_id] = value
    complete = sorted(p for p, shares in table.items() if len(shares) == len(versions))
    if len(complete) < MINIMUM_PANELLISTS:
        return None
    judgements = np.array([[table[p][v.id] for v in versions] for p in complete])
    per_item = angoff_items(judgements, marks)
    cut = angoff_cut(judgements, marks)
    theta = theta_cut_from_raw(cut.raw_cut, parameters_of(versions)) if _calibrated(study.unit_reference) else None
    items = tuple(ItemJudgement(v.id, v.marks, float(m), float(s), float(x))
                  for v, m, s, x in zip(versions, per_item.mean, per_item.sd, per_item.value))
    return RoundSummary(round_number, _names(complete), cut.raw_cut, int(marks.sum()),
                        tuple(float(t) for t in cut.judge_totals), cut.panel_sd, cut.standard_error, theta, items)


def next_round(study: StandardStudy) -> int:
    """Close the current round (at least two panellists complete) and open the next."""
    _open(study)
    if round_summary(study, study.round) is None:
        raise StandardError(f"round {study.round} needs at least {MINIMUM_PANELLISTS} panellists' complete "
                            "judgements before the panel moves on")
    study.round += 1
    db.session.flush()
    return study.round


def decide(study: StandardStudy, actor: User, rationale: str, evidence: dict[str, Any]) -> StandardStudy:
    """The awarding body adopts the last completed round's standard, with its reasons and the evidence."""
    _open(study)
    rationale = (rationale or "").strip()
    if not rationale:
        raise StandardError("record the reasons for the decision")
    last = study.round if round_summary(study, study.round) is not None else study.round - 1
    if last < MINIMUM_ROUNDS:
        raise StandardError(f"a standard rests on at least {MINIMUM_ROUNDS} completed rounds; "
                            f"{max(last, 0)} completed so far")
    summary = round_summary(study, last)
    assert summary is not None
    study.round = last
    study.item_values = summary.item_values() or None
    study.raw_cut, study.theta_cut = summary.raw_cut, summary.theta_cut
    study.rationale, study.evidence = rationale, evidence
    study.decided_by_id, study.decided_at = actor.id, utcnow()
    db.session.flush()
    return study


def units_with_live_items() -> list[str]:
    return list(db.session.scalars(select(Item.unit_reference).join(ItemVersion)
                                   .where(ItemVersion.status == ItemStatus.LIVE).distinct()
                                   .order_by(Item.unit_reference)))


def standard_in_force(unit_reference: str) -> StandardStudy | None:
    """The unit's latest decided study."""
    return db.session.scalar(select(StandardStudy).where(StandardStudy.unit_reference == unit_reference,
                                                         StandardStudy.decided_at.is_not(None))
                             .order_by(StandardStudy.decided_at.desc(), StandardStudy.id.desc()).limit(1))


def form_cut(item_values: Mapping[str, float] | None, theta_cut: float | None,
             versions: Sequence[ItemVersion]) -> FormCut:
    """The pass mark of a form (its scored item versions) under a standard: its items' Angoff
    values in marks (by item version id) and its ability cut (logits) where there is one.

    Raises StandardError naming the items the standard does not cover."""
    if not versions:
        raise StandardError("the form has no scored items")
    if theta_cut is not None and all(v.calibration_shortfall is None for v in versions):
        raw = raw_cut_from_theta(theta_cut, parameters_of(versions))
        return FormCut(raw, pass_mark(raw), theta_cut,
                       f"ability cut {theta_cut:.2f} through this form's test characteristic curve")
    values = item_values or {}
    missing = [v for v in versions if str(v.id) not in values]
    if missing:
        raise StandardError(f"the standard does not cover {len(missing)} of the form's items (item version(s) "
                            f"{', '.join(str(v.id) for v in missing[:5])}); the panel must judge them")
    raw = float(sum(values[str(v.id)] for v in versions))
    return FormCut(raw, pass_mark(raw), theta_cut, "sum of the form's items' Angoff values")
