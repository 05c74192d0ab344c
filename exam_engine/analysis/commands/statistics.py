"""Item statistics: ``item-stats-csv`` from CSV files (classical statistics, distractors, DIF, model
fit and local dependence; no database) and ``item-stats-bank`` from a unit's stored responses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
import numpy as np
from flask.cli import with_appcontext

from exam_engine.analysis.commands.tables import INPUT, OUTPUT, emit, load_table, parameters_for
from exam_engine.analysis.services.evidence import fit_summary, statistics_csv, unit_evidence
from exam_engine.psychometrics import classical
from exam_engine.psychometrics.ability import eap_many
from exam_engine.psychometrics.calibration import calibrate as run_calibration
from exam_engine.psychometrics.calibration import fit_problems
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
from exam_engine.psychometrics.quadrature import normal_grid
from exam_engine.psychometrics.response_table import (
    ResponseTable,
    TableError,
    problems_for_calibration,
    read_groups,
    read_key,
    read_scenarios,
)

FIT_MODELS = {"rasch": 1, "rasch-fixed": 1, "1pl": 1, "2pl": 2, "3pl": 3, "4pl": 4, "gpcm": 2, "pcm": 1,
              "grm": 2}  # the parameters each estimates for a one-mark item
M2_MODEL = {"gpcm": "2pl", "grm": "2pl", "pcm": "rasch"}  # the same count in `dimensionality.m2`'s terms


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
    table = load_table(responses)
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
        bank = parameters_for(params_file, ResponseTable(table.persons, table.items, scores), responses) \
            if params_file else None
        header, columns = _dif(scores, focal_mask, header, columns, bank, purify)
    if params_file or fit_model:
        header, columns = _model_fit(ResponseTable(table.persons, table.items, scores), responses, params_file,
                                     fit_model, ability_sd, scenarios, header, columns)
    rows = [[item, *(col[j] for col in columns)] for j, item in enumerate(table.items)]
    emit(out, header, rows)


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
        bank = parameters_for(params_file, table, responses)
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
