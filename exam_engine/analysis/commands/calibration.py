"""Calibration, scoring and equating from CSV files (``calibrate-csv``, ``score``, ``equate-csv``; no
database), and ``calibrate-bank`` on a unit's stored responses. Input problems are reported naming the
file, row and column (see `exam_engine.psychometrics.response_table` for the file formats)."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np
from flask.cli import with_appcontext

from exam_engine.analysis.commands.tables import INPUT, OUTPUT, emit, load_table, parameters_for
from exam_engine.analysis.services.equating import EquatingError, equate_forms
from exam_engine.analysis.services.pretest import PRETEST_RESPONSES, calibrate_unit
from exam_engine.core.transactions import transactional
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
from exam_engine.psychometrics.models import ItemParameters
from exam_engine.psychometrics.mstep import SLOPES
from exam_engine.psychometrics.quadrature import normal_grid
from exam_engine.psychometrics.response_table import (
    ResponseTable,
    TableError,
    format_table,
    problems_for_calibration,
    read_parameters,
)


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
    table = load_table(responses)
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
    table = load_table(responses)
    bank = parameters_for(params_file, table, responses)
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
    emit(out, ["person", "theta", "se"], [[p, float(t), float(s)] for p, t, s in zip(table.persons, theta, se)])



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
    emit(out, result.table_header, result.table)


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


