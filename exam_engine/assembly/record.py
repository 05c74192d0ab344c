"""The record of one sitting's selections, as plain data (JSON-ready).

For every administered item it holds the ability estimate and SE the choice was made
at, the eligible pool size, the rules at a bound in the shadow test, the exposure state
of the item and the engine's reason; for the sitting, the random seed, the engine
version, digests of the bank and the blueprint, the items excluded for a resit and the exposure
eligibility draws. With the bank and blueprint this is enough for `replay` to re-run
the engine and reproduce the sequence exactly (for appeals).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from exam_engine.assembly.blueprint import Mode


@dataclass
class Step:
    """One administered item and why it was chosen."""

    position: int
    item: str
    pretest: bool
    theta: float | None  # estimate the choice was made at (logits); None for pretest items
    se: float | None
    eligible_pool: int  # items the rules and exposure control left to choose from
    reason: str
    ability_class: int | None = None
    eligibility_probability: float | None = None
    information: float | None = None  # of the chosen item at theta
    shadow_test: list[str] = field(default_factory=list)
    binding: list[str] = field(default_factory=list)
    variables: int | None = None  # 0-1 variables after exact pruning
    fallback: bool = False  # ineligible items had to be allowed to meet the rules
    score: float | None = None
    select_ms: float = 0.0


@dataclass
class SittingRecord:
    """Everything needed to reproduce and explain one sitting."""

    engine_version: str
    mode: Mode
    unit: str
    bank_digest: str
    blueprint_digest: str
    seed: int
    seen: list[str]
    exposure_edges: list[float]
    eligibility: dict[str, list[str]]  # ability class -> item ids not drawn eligible
    pretest: list[dict[str, Any]]  # {"item": id, "after": scored items before it}
    steps: list[Step] = field(default_factory=list)
    form: int | None = None
    assembly: dict[str, Any] = field(default_factory=dict)
    score: dict[str, Any] = field(default_factory=dict)
    capped: list[str] = field(default_factory=list)  # item ids at the exposure ceiling

    @property
    def scored_items(self) -> list[str]:
        return [step.item for step in self.steps if not step.pretest]

    @property
    def pretest_items(self) -> list[str]:
        return [step.item for step in self.steps if step.pretest]

    @property
    def items(self) -> list[str]:
        return [step.item for step in self.steps]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SittingRecord:
        """Read a record back; a missing or unexpected field is a clear error."""
        try:
            steps = [Step(**step) for step in data["steps"]]
            fields = {k: v for k, v in data.items() if k not in ("steps", "mode")}
            return cls(**fields, mode=Mode(data["mode"]), steps=steps)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not a sitting record: {error}") from None
