"""Item statistics and calibration, from CSV files or from the bank's stored responses.

Each name says which data it reads:

* ``calibrate-csv``, ``item-stats-csv``, ``score`` and ``equate-csv`` run the psychometrics
  core on CSV files (no database); input problems are reported naming the file, row and column (see
  `exam_engine.psychometrics.response_table` for the file formats);
* ``calibrate-bank`` and ``item-stats-bank`` read a unit's stored responses.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
import numpy as np
from flask.cli import with_appcontext

from exam_engine.analysis.services.equating import EquatingError, equate_forms
from exam_engine.analysis.services.evidence import fit_summary, statistics_csv, unit_evidence
from exam_engine.analysis.services.pretest import PRETEST_RESPONSES, calibrate_unit
from exam_engine.core.transactions import transactional
from exam_engine.psychometrics import classical
from exam_engine.psychometrics.ability import eap_many, map_estimate, ml_estimate, wle
from exam_engine.psychometrics.calibration import (
    GRADED_MODELS,
    ITEM_MODELS,
    MODELS,
    Calibration,
    FixedValues,
    fit_problems,
)
from exam_engine.psychometrics.calibration import calibrate as run_calibration
from exam_engine.psychometrics.dif import (
    MIN_GROUP,
    LogisticDif,
    MantelHaenszel,
    PolytomousDif,
    ability_strata,
    logistic_dif,
    mantel_haenszel,
    polytomous_dif,
    purified_mantel_haenszel,
)
from exam_engine.psychometrics.dimensionality import Q3_CRITERION, local_dependence, m2
from exam_engine.psychometrics.fit import MIN_FORM_PERSONS, common_forms, s_x2_by_form
from exam_engine.psychometrics.models import ItemParameters
from exam_engine.psychometrics.mstep import SLOPES
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
    read_scenarios,
)

INPUT = click.Path(exists=True, dir_okay=False, path_type=Path)
OUTPUT = click.Path(dir_okay=False, writable=True, path_type=Path)
FIT_MODELS = {"rasch": 1, "rasch-fixed": 1, "1pl": 1, "2pl": 2, "3pl": 3, "4pl": 4, "gpcm": 2, "pcm": 1,
              "grm": 2}  # the parameters each estimates for a one-mark item
M2_MODEL = {"gpcm": "2pl", "grm": "2pl", "pcm": "rasch"}  # the same count in `dimensionality.m2`'s terms


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
@click.option("--model", type=click.Choice(list(MODELS)), default="2pl", show_default=True,
              help="Item response model: rasch (ability SD estimated), rasch-fixed (ability N(0,1)), 1pl, 2pl, 3pl, "
                   "4pl; gpcm, pcm, grm (graded response) and grm-equal (one slope for all items) for multi-mark "
                   "items.")
@click.option("--out", type=OUTPUT, required=True, help="PARAMS.csv to write.")
@click.option("--fixed", "fixed_file", type=INPUT,
              help="PARAMS.csv of live items to hold fixed, so the other (pretest) items land on their scale.")
@click.option("--guessing-prior", default="5,17", show_default=True,
              help="3PL: the Beta(A,B) prior on guessing as 'A,B' (5,17 is BILOG's for five options), or 'none' "
                   "for none (plain maximum likelihood).")
@click.option("--upper-prior", default="20,2", show_default=True,
              help="4PL: the Beta(A,B) prior on the upper asymptote u as 'A,B' (20,2 has its mode at 0.95), or "
                   "'none'.")
@click.option("--multi-mark-model", type=click.Choice(["gpcm", "grm"]),
              help="Calibrate the multi-mark columns by this model in the same run as the one-mark columns, which "
                   "take --model (2pl, 3pl or 4pl).")
@click.option("--item-model", "item_model_texts", multiple=True, metavar="ITEM=MODEL",
              help="This item's model (2pl, 3pl, 4pl, gpcm or grm), the others following --model and "
                   "--multi-mark-model; repeatable.")
@click.option("--fix", "fix_texts", multiple=True, metavar="ITEM:PARAM=VALUE",
              help="Hold one parameter of one item at a value, e.g. q5:c=0.1 (3pl), q2:a=1.2, q3:d2=-0.5; "
                   "repeatable. Its standard error is left empty.")
@click.option("--tolerance", type=float, default=1e-5, show_default=True, help="EM stops below this change.")
@click.option("--max-iterations", type=int, default=2000, show_default=True)
def calibrate_csv_command(
    responses: Path, model: str, out: Path, fixed_file: Path | None, guessing_prior: str, upper_prior: str,
    multi_mark_model: str | None, item_model_texts: tuple[str, ...], fix_texts: tuple[str, ...],
    tolerance: float, max_iterations: int
) -> None:
    """Calibrate items by marginal maximum likelihood (Bock-Aitkin EM)."""
    prior = _beta_prior(guessing_prior)
    upper = _beta_prior(upper_prior, "'--upper-prior'")
    table = _load(responses)
    item_models = _item_models(table, model, multi_mark_model, item_model_texts)
    fixed, fixed_mask = _fixed_items(fixed_file, table.items)
    held = set() if fixed_mask is None else {item for item, is_held in zip(table.items, fixed_mask) if is_held}
    fix = _single_fixes(fix_texts, table, model, held, item_models)
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
        fit = run_calibration(table.scores, item_models or model, fixed=fixed, fixed_mask=fixed_mask,
                              guessing_prior=prior, upper_prior=upper, tolerance=tolerance,
                              max_iterations=max_iterations, progress=progress, fix=fix)
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
    elif model == "rasch-fixed":
        click.echo("ability SD: fixed at 1")


def _beta_prior(text: str, option: str = "'--guessing-prior'") -> tuple[float, float]:
    """A Beta(A, B) prior from 'A,B', or the flat Beta(1, 1) (no prior) from 'none'."""
    if text.strip().lower() == "none":
        return 1.0, 1.0
    try:
        alpha, beta = (float(part) for part in text.split(","))
    except ValueError:
        raise click.BadParameter(f"{text!r}: give 'A,B' (two numbers, e.g. 5,17) or 'none'",
                                 param_hint=option) from None
    if not (0 < alpha <= 1000 and 0 < beta <= 1000):
        raise click.BadParameter(f"{text!r}: both Beta parameters must be above 0 (and at most 1000)",
                                 param_hint=option)
    return alpha, beta


def _item_models(table: ResponseTable, model: str, multi_mark: str | None, texts: tuple[str, ...]) -> list[str] | None:
    """Each item's model when --multi-mark-model or --item-model is given (else None: ``model`` for all)."""
    if multi_mark is None and not texts:
        return None
    if model not in ITEM_MODELS:
        raise click.BadParameter(f"--multi-mark-model and --item-model work with --model {', '.join(ITEM_MODELS)} "
                                 f"(each item its own slope), not {model}", param_hint="'--model'")
    top = np.nanmax(np.where(np.isnan(table.scores), -1, table.scores), axis=0)
    models = [model if top[j] <= 1 else (multi_mark or model) for j in range(len(table.items))]
    for text in texts:
        item, _, name = (part.strip() for part in text.partition("="))
        if item not in table.items or name.lower() not in ITEM_MODELS:
            raise click.BadParameter(f"{text!r}: give ITEM=MODEL with an item of the responses and a model among "
                                     f"{', '.join(ITEM_MODELS)}", param_hint="'--item-model'")
        models[table.items.index(item)] = name.lower()
    for j, name in enumerate(models):
        if name in ("2pl", "3pl") and top[j] > 1:
            raise click.ClickException(f"item {table.items[j]!r} has scores up to {top[j]:g}, so it cannot be {name} "
                                       f"(a one-mark model): give --multi-mark-model gpcm or grm, or --item-model")
    return models


def _single_fixes(texts: tuple[str, ...], table: ResponseTable, model: str, held: set[str],
                  item_models: list[str] | None = None) -> FixedValues:
    """``--fix ITEM:PARAM=VALUE`` options as ``{(item index, PARAM): VALUE}``, each problem named."""
    fix: dict[tuple[int, str], float] = {}
    for text in texts:
        item, _, rest = text.partition(":")
        name, _, number = rest.partition("=")
        item, name = item.strip(), name.strip().lower()
        try:
            value = float(number)
        except ValueError:
            value = float("nan")
        if not item or not name or not np.isfinite(value):
            raise click.BadParameter(f"{text!r}: give ITEM:PARAM=VALUE with a finite number, e.g. q5:c=0.1",
                                     param_hint="'--fix'")
        if item not in table.items:
            raise click.ClickException(f"--fix {text}: there is no item {item!r} in {len(table.items)} item columns")
        j = table.items.index(item)
        column = table.scores[:, j]
        top = int(np.nanmax(column)) if (~np.isnan(column)).any() else 0
        problem = None
        if item in held:
            problem = f"item {item!r} is held whole by --fixed"
        elif name == "a" and item_models is None and SLOPES[model] != "free":
            problem = f"model {model} does not estimate a slope per item"
        elif name == "a" and not value > 0:
            problem = "a slope must be above 0"
        elif name == "c" and (model if item_models is None else item_models[j]) not in ("3pl", "4pl"):
            problem = f"guessing c can only be fixed for 3pl items (--model 3pl or --item-model {item}=3pl)"
        elif name == "u" and (model if item_models is None else item_models[j]) != "4pl":
            problem = f"the upper asymptote u can only be fixed for 4pl items (--model 4pl or --item-model {item}=4pl)"
        elif name == "u" and not 0 < value <= 1:
            problem = "the upper asymptote u must be above 0 and at most 1"
        elif name == "c" and not 0 <= value < 1:
            problem = "guessing c must be from 0 up to (not including) 1"
        elif name not in ("a", "c", "d", "u") and not (name[:1] == "d" and name[1:].isdigit() and int(name[1:]) >= 1):
            problem = f"{name!r} is not a parameter: use a, d (= d1), d1, d2, ..., c or u"
        elif name[:1] == "d" and int(name[1:] or 1) > top:
            problem = f"item {item!r} has no score {int(name[1:] or 1)} in the responses, so no intercept {name}"
        elif (j, "d1" if name == "d" else name) in fix or (j, "d" if name == "d1" else name) in fix:
            problem = f"{name} of item {item!r} is fixed twice"
        if problem:
            raise click.ClickException(f"--fix {text}: {problem}")
        fix[(j, name)] = value
    return fix


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
    if fit.model == "mixed":  # a, d1..dK and c for every item, and each item's model
        k = range(1, d.shape[1] + 1)
        header = ["item", "a", *(f"d{i}" for i in k), "c", "se_a", *(f"se_d{i}" for i in k), "se_c", "loglik",
                  "model"]
        rows = [[name, a[j], *d[j], c[j], fit.se_a[j], *fit.se_d[j], fit.se_c[j], fit.log_likelihood,
                 fit.item_models[j]] for j, name in enumerate(items)]
        if "4pl" in fit.item_models:
            header[header.index("c") + 1 : header.index("c") + 1] = ["u"]
            header[header.index("se_c") + 1 : header.index("se_c") + 1] = ["se_u"]
            se_u = fit.se_u if fit.se_u is not None else np.full(len(items), np.nan)
            for j, row in enumerate(rows):
                row.insert(3 + d.shape[1], fit.items.upper[j])
                row.insert(6 + 2 * d.shape[1], se_u[j])
    elif fit.model in ("gpcm", "pcm", *GRADED_MODELS):
        k = range(1, d.shape[1] + 1)
        header = ["item", "a", *(f"d{i}" for i in k), "se_a", *(f"se_d{i}" for i in k), "loglik"]
        rows = [[name, a[j], *d[j], fit.se_a[j], *fit.se_d[j], fit.log_likelihood] for j, name in enumerate(items)]
        if fit.items.is_graded.any():  # the model column tells score and --fixed these are not GPCM items
            header.append("model")
            for row, graded in zip(rows, fit.items.is_graded):
                row.append("grm" if graded else "gpcm")
    else:
        header = ["item", "a", "d", "b", "c", "se_a", "se_d", "se_c", "loglik"]
        rows = [[name, a[j], d[j, 0], -d[j, 0] / a[j], c[j], fit.se_a[j], fit.se_d[j, 0], fit.se_c[j],
                 fit.log_likelihood] for j, name in enumerate(items)]
        if fit.model == "4pl":
            se_u = fit.se_u if fit.se_u is not None else np.full(len(items), np.nan)
            header = ["item", "a", "d", "b", "c", "u", "se_a", "se_d", "se_c", "se_u", "loglik"]
            for j, row in enumerate(rows):
                row.insert(5, fit.items.upper[j])
                row.insert(9, se_u[j])
    out.write_text(format_table(header, rows))


@click.command("item-stats-csv")
@click.argument("responses", type=INPUT)
@click.option("--key", "key_file", type=INPUT, help="KEY.csv (item,key): RESPONSES holds chosen options.")
@click.option("--group", "group_file", type=INPUT, help="GROUP.csv (person,group) for Mantel-Haenszel DIF.")
@click.option("--focal", default="1", show_default=True, help="Group value of the focal group.")
@click.option("--params", "params_file", type=INPUT,
              help="PARAMS.csv from calibrate: DIF matches persons on ability (needed when not everyone took "
                   "every item, as in adaptive tests).")
@click.option("--purify", is_flag=True,
              help="With --group: purify the DIF matching criterion (items flagged by Mantel-Haenszel are dropped "
                   "from it and the analysis re-run until the flagged set settles, at most 10 passes).")
@click.option("--model", "fit_model", type=click.Choice(list(FIT_MODELS)),
              help="With --params: the model they were calibrated under (sets the S-X^2 and M2 degrees of freedom; "
                   "default read from the file). Without --params: fit this model here. Either way the CSV gains "
                   "S-X^2, Yen's Q3 and, on stderr, M2/RMSEA2.")
@click.option("--prior-sd", "ability_sd", type=float, default=1.0, show_default=True,
              help="SD of the ability distribution the --params were calibrated under (calibrate-csv prints it for "
                   "Rasch fits); above 0, at most 10.")
@click.option("--scenarios", "scenario_file", type=INPUT,
              help="SCENARIOS.csv (item,scenario): Yen's Q3 for the pairs of items that share a scenario "
                   "(default: every pair).")
@click.option("--out", type=OUTPUT, help="CSV to write (default: standard output).")
def item_stats_csv_command(responses: Path, key_file: Path | None, group_file: Path | None, focal: str,
                           params_file: Path | None, purify: bool, fit_model: str | None, ability_sd: float,
                           scenario_file: Path | None, out: Path | None) -> None:
    """Classical item statistics (DIF with --group; item fit, local dependence and M2 with --params or
    --model) as CSV."""
    if purify and group_file is None:
        raise click.UsageError("--purify needs --group (it purifies the DIF matching criterion)")
    if not 0 < ability_sd <= 10:  # NaN too
        raise click.BadParameter(f"{ability_sd} is not a spread: give a number above 0 and at most 10",
                                 param_hint="'--prior-sd'")
    table = _load(responses)
    try:
        key = read_key(key_file, table.items) if key_file else None
        focal_mask = read_groups(group_file, table.persons, focal) if group_file else None
        scenarios = read_scenarios(scenario_file, table.items) if scenario_file else None
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
        header, columns = _dif(scores, focal_mask, header, columns, bank, purify)
    if params_file or fit_model:
        header, columns = _model_fit(ResponseTable(table.persons, table.items, scores), responses, params_file,
                                     fit_model, ability_sd, scenarios, header, columns)
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
         bank: ItemParameters | None, purify: bool = False) -> Columns:
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
    one_mark = np.nanmax(scores, axis=0) <= 1
    binary = scores[:, one_mark]
    if purify and not one_mark.any():
        raise click.UsageError("--purify drops the items Mantel-Haenszel flags, which needs one-mark items; "
                               "there are none")
    if purify:
        mh, lr, poly, anchor = _purified_dif(scores, focal, bank, one_mark)
    else:
        ability = None if bank is None else eap_many(scores, bank, normal_grid())[0]
        levels = np.nansum(scores, axis=1) if ability is None else ability_strata(ability)
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
    if purify:
        header.append("dif_anchor")
        columns.append(np.where(anchor, "yes", "no"))
    return header, columns


def _purified_dif(scores: np.ndarray, focal: np.ndarray, bank: ItemParameters | None,
                  one_mark: np.ndarray) -> tuple[MantelHaenszel, LogisticDif, PolytomousDif, np.ndarray]:
    """DIF with a purified criterion: Mantel-Haenszel purification picks the anchor (multi-mark items, which it
    does not test, stay in it); then every statistic matches each item on the anchor plus itself (the total
    score over them, or the EAP ability from them under the bank)."""

    def raw(items: np.ndarray) -> np.ndarray:
        if bank is None:
            return np.asarray(np.nansum(scores[:, items], axis=1), float)
        return np.asarray(eap_many(np.where(items, scores, np.nan), bank, normal_grid())[0], float)

    def levels(items: np.ndarray) -> np.ndarray:
        return raw(items) if bank is None else ability_strata(raw(items))

    def full(binary_items: np.ndarray) -> np.ndarray:
        items = np.ones(scores.shape[1], bool)
        items[one_mark] = binary_items
        return items

    purified = purified_mantel_haenszel(scores[:, one_mark], focal, matching_from=lambda b: levels(full(b)))
    anchor = full(purified.anchor)
    dropped = int((~anchor).sum())
    click.echo(f"purification: {purified.iterations} pass(es), "
               f"{'settled' if purified.converged else 'NOT settled (results of the last pass)'}; {dropped} item(s) "
               f"with DIF left out of the matching criterion (column dif_anchor)", err=True)
    lr = _on_criterion(purified.anchor, lambda b: raw(full(b)),
                       lambda cols, x: logistic_dif(scores[:, one_mark][:, cols], focal, x))
    poly = _on_criterion(anchor, levels, lambda cols, level: polytomous_dif(scores[:, cols], focal, level))
    return purified.result, lr, poly, anchor


Result = TypeVar("Result", LogisticDif, PolytomousDif)


def _on_criterion(anchor: np.ndarray, criterion: Callable[[np.ndarray], np.ndarray],
                  run: Callable[[np.ndarray, np.ndarray], Result]) -> Result:
    """`run(columns, matching)` on the anchor columns matched on the anchor, and on each other column matched
    on the anchor plus itself; the results back in column order."""
    groups = [np.flatnonzero(anchor)] + [np.array([j]) for j in np.flatnonzero(~anchor)]
    parts, order = [], []
    for columns in groups:
        if columns.size:
            items = anchor.copy()
            items[columns] = True
            parts.append(run(columns, criterion(items)))
            order.extend(columns.tolist())
    position = np.argsort(order)
    return type(parts[0])(*(np.concatenate([getattr(part, name) for part in parts])[position]
                            for name in parts[0]._fields))


def _model_fit(table: ResponseTable, responses: Path, params_file: Path | None, fit_model: str | None,
               ability_sd: float, scenarios: list[str] | None, header: list[str], columns: list[np.ndarray]) -> Columns:
    """S-X^2 by form, Yen's Q3 (scenario pairs, or every pair) and M2/RMSEA2 on the largest form, under the
    given or fitted parameters (abilities N(0, 1): a Rasch fit's SD is carried as the common slope)."""
    if params_file is not None:
        bank = _bank(params_file, table, responses)
        model = fit_model or ("3pl" if (bank.c > 0).any() else "rasch" if np.allclose(bank.a, bank.a[0]) else "2pl")
        bank = bank.replace(a=bank.a * ability_sd)
        if fit_model is None:
            click.echo(f"note: item fit treats {params_file.name} as a {model} calibration (give --model to say "
                       f"otherwise)", err=True)
    else:
        model = fit_model or "2pl"
        problems = list(problems_for_calibration(table).values())
        if problems:
            raise click.ClickException(f"{responses}: cannot fit the {model} model for item fit:\n  "
                                       + "\n  ".join(problems))
        try:
            fitted = run_calibration(table.scores, model)
        except (ValueError, np.linalg.LinAlgError) as error:
            raise click.ClickException(f"{responses}: fitting the {model} model failed: {error}") from None
        unusable = fit_problems(fitted, int((~np.isnan(table.scores)).any(axis=1).sum()))
        if unusable:
            raise click.ClickException(f"{responses}: the {model} fit is not usable for item fit:\n  " + "\n  ".join(
                unusable.overall + [f"item {table.items[j]!r}: {why}" for j, why in unusable.items.items()]))
        bank = fitted.items.replace(a=fitted.items.a * fitted.sd,
                                    d=fitted.items.d + fitted.items.a[:, None] * fitted.mean)
    scores = table.scores
    fit = s_x2_by_form(scores, bank, FIT_MODELS[model])
    if np.isnan(fit.statistic).all():
        click.echo(f"warning: no S-X^2: it needs at least {MIN_FORM_PERSONS} persons given the same one-mark items "
                   f"(a fixed form); adaptive data have none", err=True)
    theta = eap_many(scores, bank, normal_grid())[0]
    pairs = None
    if scenarios is not None:
        pairs = [(j, k) for j in range(len(scenarios)) for k in range(j + 1, len(scenarios))
                 if scenarios[j] and scenarios[j] == scenarios[k]]
    dependence = local_dependence(scores, theta, bank, pairs=np.array(pairs or [], np.intp) if pairs is not None
                                  else None)
    partner, flag = np.full(scores.shape[1], "", dtype=object), np.full(scores.shape[1], "", dtype=object)
    q3, excess = np.full(scores.shape[1], np.nan), np.full(scores.shape[1], np.nan)
    for (j, k), value, above, flagged in zip(dependence.pairs, dependence.q3, dependence.excess, dependence.flagged):
        for one, other in ((j, k), (k, j)):
            if np.isfinite(above) and not above <= excess[one]:
                partner[one], q3[one], excess[one], flag[one] = table.items[other], value, above, \
                    "yes" if flagged else ""
    named = [f"{table.items[j]}-{table.items[k]} (Q3 {v:+.3f})"
             for (j, k), v, f in zip(dependence.pairs, dependence.q3, dependence.flagged) if f]
    scope = "pairs sharing a scenario" if scenarios is not None else "every pair"
    click.echo(f"local dependence ({scope}; Yen's Q3 more than {Q3_CRITERION} above the mean Q3 "
               f"{dependence.mean:+.3f}, Christensen et al. 2017): " + ("; ".join(named) or "no pair"), err=True)
    _report_m2(scores, bank, M2_MODEL.get(model, model), table.items)
    header += ["s_x2", "s_x2_df", "s_x2_p", "s_x2_persons", "q3_partner", "q3", "q3_above_mean", "q3_flag"]
    columns += [fit.statistic, np.where(fit.df > 0, fit.df, np.nan), fit.p_value, fit.persons.astype(float), partner,
                q3, excess, flag]
    return header, columns


def _report_m2(scores: np.ndarray, bank: ItemParameters, model: str, items: list[str]) -> None:
    """M2 and RMSEA2 (unidimensionality) on the largest form of one-mark items, on stderr."""
    one_mark = bank.max_scores == 1
    forms = [(rows, columns) for rows, columns in common_forms(scores) if one_mark[columns].all()
             and columns.size >= 3]
    if not forms:
        click.echo(f"warning: no M2: it needs at least {MIN_FORM_PERSONS} persons given the same three or more "
                   f"one-mark items", err=True)
        return
    rows, form = forms[0]
    try:
        result = m2(scores[np.ix_(rows, form)], bank.subset(form), model)
    except (ValueError, np.linalg.LinAlgError) as error:
        click.echo(f"warning: no M2: {error}", err=True)
        return
    scope = "all items" if form.size == len(items) else f"the {form.size} items of the largest form"
    click.echo(f"unidimensionality: M2 = {result.m2:.4f} on {result.df} df (p = {result.p_value:.4g}), "
               f"RMSEA2 = {result.rmsea:.4f}: {result.verdict} (Maydeu-Olivares & Joe 2014; {scope}, "
               f"{result.persons} persons)", err=True)


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


@click.command("equate-csv")
@click.option("--from", "from_file", type=INPUT, required=True,
              help="PARAMS.csv of the new form X (from calibrate-csv), on its own scale.")
@click.option("--to", "to_file", type=INPUT, required=True,
              help="PARAMS.csv of the reference form Y, whose scale is kept.")
@click.option("--anchor", "anchor_text", metavar="ITEM,ITEM,...",
              help="The anchor items (default: every item in both files).")
@click.option("--method", type=click.Choice(["stocking-lord", "haebara", "mean-sigma", "none"]),
              default="stocking-lord", show_default=True,
              help="How to link X onto Y's scale; 'none' when X was calibrated with Y's items held fixed.")
@click.option("--drift", type=click.Choice(["robust-z", "rmsd", "none"]), default="robust-z", show_default=True,
              help="Anchor drift check: robust z of the difficulty differences (|z| > 1.645), or the RMSD of the "
                   "linked expected-score curves (> 0.05 of the item's marks); the worst is dropped and the link "
                   "redone until none is flagged.")
@click.option("--drift-threshold", type=float, help="Replace the drift criterion's default threshold.")
@click.option("--scale", "scale_text", default="1,0", show_default=True, metavar="SLOPE,INTERCEPT",
              help="Reported scale: SLOPE * theta + INTERCEPT on Y's scale, rounded to whole numbers (halves up).")
@click.option("--scale-range", "range_text", metavar="LOW,HIGH", help="Clip scale scores to this range.")
@click.option("--out", type=OUTPUT, help="Conversion table CSV to write (default: standard output).")
@click.option("--drift-out", type=OUTPUT, help="Per-anchor drift report CSV to write.")
def equate_csv_command(from_file: Path, to_file: Path, anchor_text: str | None, method: str, drift: str,
                       drift_threshold: float | None, scale_text: str, range_text: str | None, out: Path | None,
                       drift_out: Path | None) -> None:
    """Link form X onto form Y's scale and equate X's raw scores (IRT true- and observed-score) as CSV."""
    slope, intercept = _pair(scale_text, "--scale", "SLOPE,INTERCEPT")
    if not slope > 0:
        raise click.BadParameter(f"{scale_text!r}: the slope must be above 0", param_hint="'--scale'")
    scale_range = _pair(range_text, "--scale-range", "LOW,HIGH") if range_text else None
    if scale_range is not None and not scale_range[0] < scale_range[1]:
        raise click.BadParameter(f"{range_text!r}: LOW must be below HIGH", param_hint="'--scale-range'")
    if drift_threshold is not None and not drift_threshold > 0:
        raise click.BadParameter(f"{drift_threshold} must be above 0", param_hint="'--drift-threshold'")
    anchors = [name.strip() for name in anchor_text.split(",") if name.strip()] if anchor_text else None
    try:
        names_x, form_x = read_parameters(from_file)
        names_y, form_y = read_parameters(to_file)
        result = equate_forms(names_x, form_x, names_y, form_y, anchors, method, None if drift == "none" else drift,
                              drift_threshold, (slope, intercept), scale_range)
    except (TableError, EquatingError) as error:
        raise click.ClickException(str(error)) from None
    if method != "none":
        click.echo(f"link ({method}, {len(result.anchors) - len(result.dropped)} of {len(result.anchors)} anchors): "
                   f"theta_Y = {result.link.slope:.6f} theta_X + {result.link.intercept:.6f}", err=True)
        if result.drift is None and drift != "none":
            click.echo("warning: too few anchors to check them for drift", err=True)
        for name in result.dropped:
            click.echo(f"anchor {name} dropped for drift", err=True)
        if result.dropped and drift == "robust-z":
            click.echo("note: |robust z| > 1.645 also flags about one stable anchor in ten; review the anchors "
                       "(--drift-out) before accepting the link", err=True)
    if drift_out is not None:
        drift_out.write_text(format_table(result.drift_header, result.drift_rows))
    _emit(out, result.table_header, result.table)


def _pair(text: str, option: str, shape: str) -> tuple[float, float]:
    """Two finite numbers from 'A,B', or a usage error naming ``option``."""
    try:
        first, second = (float(part) for part in text.split(","))
    except ValueError:
        raise click.BadParameter(f"{text!r}: give {shape} (two numbers)", param_hint=f"'{option}'") from None
    if not (np.isfinite(first) and np.isfinite(second)):
        raise click.BadParameter(f"{text!r}: both numbers must be finite", param_hint=f"'{option}'")
    return first, second


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
    """Print the statistics of every item version of a unit, from stored responses, as CSV (and the unit's
    model fit on stderr)."""
    evidence = unit_evidence(unit_reference)
    click.echo(statistics_csv(unit_reference, evidence), nl=False)
    for line in fit_summary(evidence):
        click.echo(line, err=True)
