"""The test blueprint as plain data: every rule an assembled test of a unit must meet.

A blueprint is read from a reviewable YAML file (`blueprints.files`) and handed, as
these frozen dataclasses, to the pure assembly engine (`exam_engine.assembly`), which
knows nothing of files or the database.

Learning outcomes are numbered as in the specification ("1", "2", ...) and assessment
criteria as "1.3"; an item belongs to the learning outcome of its (primary) criterion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Mode(StrEnum):
    """How a test is put together: the one definition, used by blueprints, delivery and simulation."""

    FIXED = "fixed"  # a few pre-assembled parallel forms, one drawn per sitting
    LOFT = "loft"  # a whole test assembled for each sitting at its start
    CAT = "cat"  # adaptive shadow tests, one item at a time
    MAXINFO = "maxinfo"  # simulation's yardstick: most information, no rules, no exposure limit

    @property
    def is_linear(self) -> bool:
        """Whole at the start, so learners may review and change answers; an adaptive test goes
        forward only, since each item depends on the answers before it."""
        return self in (Mode.FIXED, Mode.LOFT)

    @property
    def allows_review(self) -> bool:
        return self.is_linear


DELIVERY_MODES = (Mode.FIXED, Mode.LOFT, Mode.CAT)  # what a blueprint may ask for


@dataclass(frozen=True)
class OutcomeRule:
    """A learning outcome's share of the marks and the criteria that belong to it."""

    number: str
    min_marks: int
    max_marks: int
    criteria: tuple[str, ...]


@dataclass(frozen=True)
class ItemTypeRule:
    """How many items of one type a test may hold, and the time one takes (seconds)."""

    type: str
    min_items: int
    max_items: int
    seconds: int


@dataclass(frozen=True)
class Blueprint:
    """The rules for one unit's onscreen test.

    Attributes
    ----------
    unit : unit reference, e.g. ``Y/506/2152``.
    minutes : the test's time; the expected answering time of its items (scored and
        pretest) must fit in it.
    total_marks : scored marks of every test, exactly.
    test_items : scored items of every test, exactly (0: any number). With `total_marks` it fixes
        how many one-mark and two-mark items a test holds, so an adaptive test's length is known
        from its first item.
    cut_theta : pass mark on the ability scale (logits); its equivalent in marks on the
        reference form follows from that form's test characteristic curve.
    outcomes : per learning outcome minimum and maximum marks (every LO is assessed).
    max_items_per_criterion : at most this many items tagged to any one criterion.
    item_types : item-type mix and answering time per type.
    enemy_sets : groups of item ids of which at most one may appear in a test (in addition
        to the bank's own enemy sets and shared scenarios).
    pretest_slots : unscored items seeded into each live test.
    max_exposure : target maximum share of tests in which any one item appears.
    mode : fixed forms, linear-on-the-fly or adaptive.
    information_offsets : abilities (relative to the cut) at which fixed and
        linear-on-the-fly tests are held to their target information.
    target_fraction : those tests aim at this share of the information of the most
        informative test the bank allows at each of those abilities.
    exposure_edges : ability class boundaries (logits) for exposure control conditional
        on ability; each item's target exposure per class is allocated by the engine so
        that no item exceeds max_exposure overall. Empty means one class.
    reference_form : item ids of the reference form on which equivalent marks are
        reported; empty means the engine assembles one (the most informative at the cut).
    content_only : assemble from the content rules alone and score by marks: every item is
        given the same neutral parameters (`ItemPool.content_only`), so no provisional
        estimate steers the choice of items or the score. Live sessions set it while the
        bank is not calibrated from real responses.
    """

    unit: str
    title: str
    minutes: int
    total_marks: int
    cut_theta: float
    outcomes: tuple[OutcomeRule, ...]
    max_items_per_criterion: int
    item_types: tuple[ItemTypeRule, ...]
    max_exposure: float
    mode: Mode
    pretest_slots: int = 0
    enemy_sets: tuple[tuple[str, ...], ...] = ()
    information_offsets: tuple[float, ...] = (-1.0, 0.0, 1.0)
    target_fraction: float = 0.8
    exposure_edges: tuple[float, ...] = ()
    reference_form: tuple[str, ...] = ()
    content_only: bool = False
    test_items: int = 0
    source: str = field(default="", compare=False, repr=False)

    @property
    def criteria(self) -> dict[str, str]:
        """Criterion number -> learning outcome number."""
        return {ac: rule.number for rule in self.outcomes for ac in rule.criteria}

    @property
    def seconds(self) -> int:
        return self.minutes * 60

    def type_rule(self, item_type: str) -> ItemTypeRule | None:
        return next((rule for rule in self.item_types if rule.type == item_type), None)

    @property
    def pretest_seconds(self) -> int:
        """Time reserved for the pretest slots: the slowest item type, per slot."""
        return self.pretest_slots * max((rule.seconds for rule in self.item_types), default=0)
