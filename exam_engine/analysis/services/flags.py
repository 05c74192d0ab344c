"""Turning an item version's statistics into concrete tasks for its writer.

Each flag names what was seen and what to do. Flags are raised only on samples large
enough to trust (`statistics.MIN_CLASSICAL`, `MIN_IRT`); the rules and thresholds are
here, in one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from exam_engine.analysis.formatting import number, p_value
from exam_engine.analysis.services.model_fit import MISFIT_P, Q3_CRITERION
from exam_engine.analysis.services.statistics import MIN_CLASSICAL, MIN_IRT, ItemStatistics

RARE_OPTION = 0.03  # a distractor chosen by fewer than this share of learners does no work
TOO_EASY, TOO_HARD = 0.90, 0.20  # facility outside these is outside the unit's useful range
MISKEY_CORRELATION = 0.05  # with a distractor out-drawing the key, r below this suggests a mis-key
FIT_RANGE = (0.7, 1.3)  # infit / outfit mean squares (Wright & Linacre)
DRIFT_FACILITY = 0.10  # observed minus expected facility since calibration
DRIFT_Z = 3.0


@dataclass(frozen=True)
class Flag:
    code: str
    title: str
    task: str


def flags_for(stats: ItemStatistics) -> list[Flag]:
    if stats.responses < MIN_CLASSICAL:
        return []
    found = _option_flags(stats) + _range_flags(stats)
    if stats.responses >= MIN_IRT:
        found += _fit_flags(stats) + _s_x2_flags(stats)
    found += _dependence_flags(stats)
    found += [Flag("dif", "DIF category C",
                   f"Check the item for content that favours one group: {row.group} {row.focal} against "
                   f"{row.reference}, MH delta {row.delta:+.2f} (category C). Revise or retire.")
              for row in stats.dif if row.category == "C"]
    return found + _drift_flags(stats)


def _option_flags(stats: ItemStatistics) -> list[Flag]:
    key_abilities = [row.mean_ability for row in stats.options if row.keyed and row.mean_ability is not None]
    key_ability = max(key_abilities, default=None)
    found = []
    for row in stats.options:
        if row.keyed:
            continue
        if row.share < RARE_OPTION:
            found.append(Flag("unused_distractor", f"Distractor {row.id} nobody chooses",
                              f"Rewrite option {row.id}: only {row.share:.0%} of learners chose it, "
                              "so it does not work as a distractor."))
        elif key_ability is not None and row.mean_ability is not None and row.mean_ability > key_ability:
            weak = stats.correlation is not None and stats.correlation < MISKEY_CORRELATION
            if weak:
                found.append(Flag("miskey", "Possible mis-key",
                                  f"Check the key: option {row.id} draws stronger learners (mean ability "
                                  f"{row.mean_ability:+.2f}) than the key ({key_ability:+.2f}) and the item "
                                  f"does not discriminate (r = {stats.correlation:.2f})."))
            else:
                found.append(Flag("strong_distractor", f"Distractor {row.id} chosen by strong learners",
                                  f"Review option {row.id}: its choosers' mean ability {row.mean_ability:+.2f} "
                                  f"is above the key's {key_ability:+.2f}; it may be defensible as correct."))
    return found


def _range_flags(stats: ItemStatistics) -> list[Flag]:
    if stats.facility is None:
        return []
    if stats.facility > TOO_EASY:
        return [Flag("too_easy", "Too easy for the unit",
                     f"Facility {stats.facility:.2f} is above {TOO_EASY}: strengthen the distractors or retire.")]
    if stats.facility < TOO_HARD:
        return [Flag("too_hard", "Too hard for the unit",
                     f"Facility {stats.facility:.2f} is below {TOO_HARD}: check the key, the wording and "
                     "the amplification point it assesses.")]
    return []


def _fit_flags(stats: ItemStatistics) -> list[Flag]:
    low, high = FIT_RANGE
    outside = [f"{name} {value:.2f}" for name, value in (("infit", stats.infit), ("outfit", stats.outfit))
               if value is not None and not low <= value <= high]
    if not outside:
        return []
    return [Flag("misfit", "Misfit",
                 f"The responses do not follow the model ({', '.join(outside)}; expected {low}-{high}): "
                 "look for ambiguity, cueing or guessing.")]


def _s_x2_flags(stats: ItemStatistics) -> list[Flag]:
    fit = stats.item_fit
    if fit is None or not fit.misfit or fit.statistic is None:
        return []
    return [Flag("s_x2", "Misfit by S-X²",
                 f"On fixed forms the proportion right at each summed score departs from the model "
                 f"(S-X² {number(fit.statistic)} on {fit.df} df, p {p_value(fit.p_value)}, below {MISFIT_P}; "
                 f"{fit.learners} learners): look for ambiguity, a second correct option or guessing, "
                 "and recalibrate.")]


def _dependence_flags(stats: ItemStatistics) -> list[Flag]:
    found = []
    for pair in stats.dependent:  # items sharing a scenario: other flagged pairs are listed, not tasks
        if not pair.flagged or pair.scenario is None or pair.q3 is None or pair.above_mean is None:
            continue
        other = pair.second_label if pair.first == stats.version_id else pair.first_label
        found.append(Flag("local_dependence", f"Answers hang together with {other}",
                          f"This item and {other} share scenario {pair.scenario}, and their answers agree beyond "
                          "what ability explains "
                          f"(Yen's Q3 {pair.q3:+.2f}, {pair.above_mean:+.2f} above the unit's mean; criterion "
                          f"{Q3_CRITERION}; {pair.learners} learners): check whether one cues the other or the "
                          "scenario gives the answer away; rewrite one, or put them in an enemy set."))
    return found


def _drift_flags(stats: ItemStatistics) -> list[Flag]:
    if stats.drift is None:
        return []
    observed, expected, n = stats.drift
    spread = math.sqrt(max(expected * (1 - expected), 1e-9) / n)
    if n >= MIN_CLASSICAL and abs(observed - expected) > DRIFT_FACILITY and abs(observed - expected) / spread > DRIFT_Z:
        return [Flag("drift", "Drift since calibration",
                     f"Since calibration, facility is {observed:.2f} against {expected:.2f} expected "
                     f"({n} responses): check for exposure or a changed syllabus, and recalibrate.")]
    return []
