"""Item statistics and calibration, from CSV files or from the bank's stored responses.

Each name says which data it reads:

* ``calibrate-csv``, ``item-stats-csv`` and ``score`` run the psychometrics core on CSV
  files (no database); input problems are reported naming the file, row and column (see
  `exam_engine.psychometrics.response_table` for the file formats);
* ``calibrate-bank`` and ``item-stats-bank`` read a unit's stored responses.
"""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np
from flask.cli import with_appcontext

from exam_engine.analysis.services.evidence import statistics_csv
from exam_engine.analysis.services.pretest import PRETEST_RESPONSES, calibrate_unit
from exam_engine.core.transactions import transactional
from exam_engine.psychometrics import classical
from exam_engine.psychometrics.ability import eap_many, map_estimate, ml_estimate, wle
from exam_engine.psychometrics.calibration import Calibration, fit_problems
from exam_engine.psychometrics.calibration import calibrate as run_calibration
from exam_engine.psychometrics.dif import MIN_GROUP, ability_strata, logistic_dif, mantel_haenszel, polytomous_dif
from exam_engine.psychometrics.models import ItemParameters
from exam_engine.psychometrics.quadrature import normal_grid
from exam_engine.psychometrics.response_table import (
    ResponseTable,
    TableError,
    format_table,
    problems_for_calibration,
    read_groups,
    read_key,
    read_parameters,
    read_responses,
)

INPUT = click.Path(exists=True, dir_okay=False, path_type=Path)
OUTPUT = click.Path(dir_okay=False, writable=True, path_type=Path)


def _load(path: Path) -> ResponseTable:
    try:
        return read_responses(path)
    except TableError as error:
        raise click.ClickException(str(error)) from None


def _emit(out: Path | None, header: list[str], rows: list[list[object]]) -> None:
    text = format_table(header, rows)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text)


@click.command("calibrate-csv")
@click.argument("responses", type=INPUT)
@click.option("--model", type=click.Choice(["rasch", "1pl", "2pl", "3pl", "gpcm", "pcm"]), default="2pl",
              show_default=True, help="Item response model.")
@click.option("--out", type=OUTPUT, required=True, help="PARAMS.csv to write.")
@click.option("--fixed", "fixed_file", type=INPUT,
              help="PARAMS.csv of live items to hold fixed, so the other (pretest) items land on their scale.")
@click.option("--guessing-prior", default="5,17", show_default=True,
              help="3PL: the Beta(A,B) prior on guessing as 'A,B' (5,17 is BILOG's for five options), or 'none' "
                   "for none (plain maximum likelihood).")
@click.option("--tolerance", type=float, default=1e-5, show_default=True, help="EM stops below this change.")
@click.option("--max-iterations", type=int, default=2000, show_default=True)
def calibrate_csv_command(
    responses: Path, model: str, out: Path, fixed_file: Path | None, guessing_prior: str, tolerance: float,
    max_iterations: int
) -> None:
    """Calibrate items by marginal maximum likelihood (Bock-Aitkin EM)."""
    prior = _beta_prior(guessing_prior)
    table = _load(responses)
    fixed, fixed_mask = _fixed_items(fixed_file, table.items)
    held = set() if fixed_mask is None else {item for item, is_held in zip(table.items, fixed_mask) if is_held}
    problems = [problem for item, problem in problems_for_calibration(table).items() if item not in held]
    if problems:
        raise click.ClickException(f"{responses}: cannot calibrate:\n  " + "\n  ".join(problems))
    unanswered = int(np.isnan(table.scores).all(axis=1).sum())
    if unanswered:
        click.echo(f"warning: {unanswered} person(s) answered nothing and are ignored", err=True)

    def progress(iteration: int, log_likelihood: float, change: float) -> None:
        click.echo(f"\rEM cycle {iteration:5d}  log-likelihood {log_likelihood:14.4f}  change {change:.2e}",
                   err=True, nl=False)

    try:
        fit = run_calibration(table.scores, model, fixed=fixed, fixed_mask=fixed_mask, guessing_prior=prior,
                              tolerance=tolerance, max_iterations=max_iterations, progress=progress)
    except (ValueError, np.linalg.LinAlgError) as error:
        raise click.ClickException(f"{responses}: calibration failed: {error}") from None
    click.echo("", err=True)
    unusable = fit_problems(fit, int((~np.isnan(table.scores)).any(axis=1).sum()))
    if unusable:
        reasons = unusable.overall + [f"item {table.items[j]!r}: {why}" for j, why in unusable.items.items()]
        raise click.ClickException(f"{responses}: the fit is not usable, so {out} was not written:\n  "
                                   + "\n  ".join(reasons))
    _write_parameters(out, table.items, fit)
    click.echo(f"log-likelihood: {fit.log_likelihood:.4f}")
    click.echo(f"iterations: {fit.iterations} ({'converged' if fit.converged else 'NOT converged'})")
    if fixed_mask is not None:
        click.echo(f"held {int(fixed_mask.sum())} item(s) fixed; ability mean {fit.mean:.4f}, SD {fit.sd:.4f}")
    elif model in ("rasch", "pcm"):
        click.echo(f"ability SD: {fit.sd:.4f} (score with --prior-sd {fit.sd:.4f})")


def _beta_prior(text: str) -> tuple[float, float]:
    """A Beta(A, B) prior from 'A,B', or the flat Beta(1, 1) (no prior) from 'none'."""
    if text.strip().lower() == "none":
        return 1.0, 1.0
    try:
        alpha, beta = (float(part) for part in text.split(","))
    except ValueError:
        raise click.BadParameter(f"{text!r}: give 'A,B' (two numbers, e.g. 5,17) or 'none'",
                                 param_hint="'--guessing-prior'") from None
    if not (0 < alpha <= 1000 and 0 < beta <= 1000):
        raise click.BadParameter(f"{text!r}: both Beta parameters must be above 0 (and at most 1000)",
                                 param_hint="'--guessing-prior'")
    return alpha, beta


def _fixed_items(path: Path | None, items: list[str]) -> tuple[ItemParameters | None, np.ndarray | None]:
    """Parameters of the items listed in ``path``, aligned with ``items``, and the mask of those items."""
    if path is None:
        return None, None
    try:
        names, bank = read_parameters(path)
    except TableError as error:
        raise click.ClickException(str(error)) from None
    mask = np.array([item in names for item in items])
    if not mask.any():
        raise click.ClickException(f"{path}: none of its items appear in the responses")
    position = np.array([names.index(item) if item in names else 0 for item in items])
    return bank.subset(position), mask


def _write_parameters(out: Path, items: list[str], fit: Calibration) -> None:
    a, d, c = fit.items.a, fit.items.d, fit.items.c
    if fit.model in ("gpcm", "pcm"):
        k = range(1, d.shape[1] + 1)
        header = ["item", "a", *(f"d{i}" for i in k), "se_a", *(f"se_d{i}" for i in k), "loglik"]
        rows = [[name, a[j], *d[j], fit.se_a[j], *fit.se_d[j], fit.log_likelihood] for j, name in enumerate(items)]
    else:
        header = ["item", "a", "d", "b", "c", "se_a", "se_d", "se_c", "loglik"]
        rows = [[name, a[j], d[j, 0], -d[j, 0] / a[j], c[j], fit.se_a[j], fit.se_d[j, 0], fit.se_c[j],
                 fit.log_likelihood] for j, name in enumerate(items)]
    out.write_text(format_table(header, rows))


@click.command("item-stats-csv")
@click.argument("responses", type=INPUT)
@click.option("--key", "key_file", type=INPUT, help="KEY.csv (item,key): RESPONSES holds chosen options.")
@click.option("--group", "group_file", type=INPUT, help="GROUP.csv (person,group) for Mantel-Haenszel DIF.")
@click.option("--focal", default="1", show_default=True, help="Group value of the focal group.")
@click.option("--params", "params_file", type=INPUT,
              help="PARAMS.csv from calibrate: DIF matches persons on ability (needed when not everyone took "
                   "every item, as in adaptive tests).")
@click.option("--out", type=OUTPUT, help="CSV to write (default: standard output).")
def item_stats_csv_command(responses: Path, key_file: Path | None, group_file: Path | None, focal: str,
                           params_file: Path | None, out: Path | None) -> None:
    """Classical item statistics (and DIF with --group) as CSV."""
    table = _load(responses)
    try:
        key = read_key(key_file, table.items) if key_file else None
        focal_mask = read_groups(group_file, table.persons, focal) if group_file else None
    except TableError as error:
        raise click.ClickException(str(error)) from None
    scores = table.scores if key is None else np.where(np.isnan(table.scores), np.nan, table.scores == key)
    for problem in problems_for_calibration(ResponseTable(table.persons, table.items, scores)).values():
        click.echo(f"warning: {problem}", err=True)

    taken = (~np.isnan(scores)).sum(axis=0)
    p = classical.facility(scores)
    p_low, p_high = classical.wilson_interval(p * taken, np.maximum(taken, 1))
    r = classical.item_rest_correlation(scores)
    r_low, r_high = classical.correlation_interval(r, np.maximum(taken, 4))
    index, efficiency = classical.upper_lower_index(scores)
    complete = ~np.isnan(scores).any(axis=1)
    header = ["item", "n", "facility", "facility_lower", "facility_upper", "rest_r", "rest_r_lower",
              "rest_r_upper", "upper_lower_d", "discriminative_efficiency"]
    columns: list[np.ndarray] = [taken.astype(float), p, p_low, p_high, r, r_low, r_high, index, efficiency]
    if complete.sum() >= 2 and scores.shape[1] >= 3:
        header.append("alpha_if_deleted")
        columns.append(classical.alpha_if_deleted(scores))
        _report_reliability(scores, int(complete.sum()))
    else:
        click.echo("warning: too few complete rows or items for alpha", err=True)
    if key is not None:
        header, columns = _distractors(table.scores, key, header, columns)
    if focal_mask is not None:
        bank = _bank(params_file, ResponseTable(table.persons, table.items, scores), responses) \
            if params_file else None
        header, columns = _dif(scores, focal_mask, header, columns, bank)
    rows = [[item, *(col[j] for col in columns)] for j, item in enumerate(table.items)]
    _emit(out, header, rows)


def _report_reliability(scores: np.ndarray, complete_rows: int) -> None:
    alpha = classical.cronbach_alpha(scores)
    low, high = classical.alpha_interval(alpha, complete_rows, scores.shape[1])
    sem = classical.standard_error_of_measurement(scores)
    click.echo(f"alpha (KR-20 for one-mark items): {alpha:.4f}  95% CI [{low:.4f}, {high:.4f}]  "
               f"SEM: {sem:.4f} marks  (n = {complete_rows} complete rows)", err=True)


Columns = tuple[list[str], list[np.ndarray]]


def _distractors(choices: np.ndarray, key: np.ndarray, header: list[str], columns: list[np.ndarray]) -> Columns:
    table = classical.distractor_analysis(choices, key)
    for k, option in enumerate(table.options):
        header += [f"option_{option:g}_share", f"option_{option:g}_mean_total"]
        columns += [table.share[:, k], table.mean_total[:, k]]
    return header, columns


def _dif(scores: np.ndarray, focal: np.ndarray, header: list[str], columns: list[np.ndarray],
         bank: ItemParameters | None) -> Columns:
    """DIF of every item, each judged on those who took it, persons matched on total score or, when
    a bank is given, on ability (EAP under it; in strata for the tables): Mantel-Haenszel and
    logistic regression for one-mark items, Mantel's test and the standardised mean difference
    for every item."""
    sizes = {"focal": int(focal.sum()), "reference": int((~focal).sum())}
    small = [f"the {name} group has {size}" for name, size in sizes.items() if size < MIN_GROUP]
    if small:
        raise click.UsageError(f"DIF needs at least {MIN_GROUP} persons in each group; {' and '.join(small)}")
    incomplete = int(np.isnan(scores).any(axis=1).sum())
    if bank is None and incomplete:
        raise click.UsageError(f"{incomplete} person(s) did not take every item, so there is no common total score "
                               f"to match on: give --params PARAMS.csv (from calibrate) to match on ability")
    ability = None if bank is None else eap_many(scores, bank, normal_grid())[0]
    levels = np.nansum(scores, axis=1) if ability is None else ability_strata(ability)
    one_mark = np.nanmax(scores, axis=0) <= 1
    binary = scores[:, one_mark]
    mh = mantel_haenszel(binary, focal, levels)
    lr = logistic_dif(binary, focal, np.nansum(scores, axis=1) if ability is None else ability)
    poly = polytomous_dif(scores, focal, levels)
    if (poly.category == "").any():
        click.echo(f"warning: no DIF estimate for {int((poly.category == '').sum())} item(s) (a group never "
                   f"took them, or everyone answered alike); their DIF cells are empty", err=True)

    def spread(values: np.ndarray) -> np.ndarray:
        """One-mark items' values in the columns of every item (blank for multi-mark items)."""
        full = np.full(scores.shape[1], "" if values.dtype.kind == "U" else np.nan, dtype=values.dtype)
        full[one_mark] = values
        return full

    header += ["mh_alpha", "mh_delta", "mh_delta_se", "mh_chi_square", "mh_p", "ets_category",
               "lr_chi_square", "lr_p", "lr_uniform_p", "lr_nonuniform_p", "lr_delta_r2", "lr_category",
               "mantel_chi_square", "mantel_p", "smd", "smd_effect", "smd_category"]
    columns += [*map(spread, (mh.alpha, mh.delta, mh.delta_se, mh.chi_square, mh.p_value, mh.category,
                              lr.chi_square, lr.p_value, lr.uniform_p, lr.nonuniform_p, lr.delta_r2, lr.category)),
                poly.chi_square, poly.p_value, poly.smd, poly.effect, poly.category]
    return header, columns


@click.command("score")
@click.argument("responses", type=INPUT)
@click.option("--params", "params_file", type=INPUT, required=True, help="PARAMS.csv from calibrate.")
@click.option("--method", type=click.Choice(["eap", "map", "ml", "wle"]), default="eap", show_default=True)
@click.option("--prior-sd", type=float, default=1.0, show_default=True,
              help="SD of the N(0, sd^2) prior (EAP/MAP), in logits: above 0, at most 10.")
@click.option("--out", type=OUTPUT, help="CSV to write (default: standard output).")
def score_command(responses: Path, params_file: Path, method: str, prior_sd: float, out: Path | None) -> None:
    """Estimate one ability (logits) and its SE per person."""
    if not 0 < prior_sd <= 10:  # NaN too
        raise click.BadParameter(f"{prior_sd} is not a spread: give a number above 0 and at most 10",
                                 param_hint="'--prior-sd'")
    table = _load(responses)
    bank = _bank(params_file, table, responses)
    answered = ~np.isnan(table.scores).all(axis=1)
    if not answered.all():
        click.echo(f"warning: {int((~answered).sum())} person(s) answered nothing; their cells are empty", err=True)
    theta, se = np.full(answered.size, np.nan), np.full(answered.size, np.nan)
    if method == "eap":
        theta[answered], se[answered] = eap_many(table.scores[answered], bank, normal_grid(sd=prior_sd))
    else:
        estimator = {"map": lambda r: map_estimate(r, bank, prior_sd=prior_sd),
                     "ml": lambda r: ml_estimate(r, bank), "wle": lambda r: wle(r, bank)}[method]
        for i in np.flatnonzero(answered):
            theta[i], se[i] = estimator(table.scores[i])
    _emit(out, ["person", "theta", "se"], [[p, float(t), float(s)] for p, t, s in zip(table.persons, theta, se)])


def _bank(params_file: Path, table: ResponseTable, responses: Path) -> ItemParameters:
    """The parameters of a response table's items, in its column order; a clear error for a missing
    item or a score above an item's maximum."""
    try:
        names, items = read_parameters(params_file)
    except TableError as error:
        raise click.ClickException(str(error)) from None
    missing = [item for item in table.items if item not in names]
    if missing:
        raise click.ClickException(f"{params_file}: no parameters for item(s) {', '.join(missing)}")
    bank = items.subset(np.array([names.index(item) for item in table.items]))
    too_high = np.nan_to_num(table.scores, nan=0) > bank.max_scores
    if too_high.any():
        row, col = np.argwhere(too_high)[0]
        raise click.ClickException(f"{responses}: row {row + 2}, column {table.items[col]!r}: score above the "
                                   f"item's maximum {bank.max_scores[col]}")
    return bank


@click.command("calibrate-bank")
@click.option("--unit", "unit_reference", required=True, help="Unit reference, e.g. Y/506/2152.")
@click.option("--min-responses", default=PRETEST_RESPONSES, show_default=True,
              help="Responses a pretest item needs before it is calibrated.")
@with_appcontext
@transactional
def calibrate_bank_command(unit_reference: str, min_responses: int) -> None:
    """Calibrate the unit's pretest items onto the live scale from stored responses and propose them."""
    outcome = calibrate_unit(unit_reference, min_responses, progress=click.echo)
    for code, count in outcome.waiting:
        click.echo(f"Waiting: {code} has {count} of {min_responses} responses.")
    click.echo(f"{len(outcome.proposed)} item version(s) proposed for promotion.")


@click.command("item-stats-bank")
@click.option("--unit", "unit_reference", required=True, help="Unit reference, e.g. Y/506/2152.")
@with_appcontext
def item_stats_bank_command(unit_reference: str) -> None:
    """Print the statistics of every item version of a unit, from stored responses, as CSV."""
    click.echo(statistics_csv(unit_reference), nl=False)
