"""The `exam-engine` command line: every package's commands, each run inside the app's context.

Packages contribute their commands in their own `commands.py`; `COMMANDS` lists them.
`calibrate`, `item-stats` and `item-statistics` were renamed so that each name says which data
it reads; the old names still work, hidden, with a notice, until a release drops them.
"""

from typing import Any

import click
from flask.cli import FlaskGroup
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from blueprints.commands import blueprint_check_command, blueprint_defaults_command, simulate_command
from exam_engine.analysis.commands import (
    calibrate_bank_command,
    calibrate_csv_command,
    equate_csv_command,
    item_stats_bank_command,
    item_stats_csv_command,
    score_command,
)
from exam_engine.app import create_app
from exam_engine.auth.commands import create_user_command
from exam_engine.core.commands import db_group
from exam_engine.delivery.commands import (
    checkpoint_logs_command,
    log_key_command,
    replay_command,
    service_client_group,
    verify_log_command,
)
from exam_engine.demo import demo_code_command, load_demo_command
from exam_engine.operations.commands import backup_command, hold_group, purge_expired_command, restore_command
from exam_engine.rehearsal.commands import rehearse_command
from exam_engine.results.commands import export_qti_results_command, standards_command
from item_bank.items.commands import bank_check_command, export_items_command, load_items_command
from item_bank.qti.commands import export_qti_command, import_qti_command
from item_bank.taxonomy.commands import export_taxonomy_command, import_spec_command, qualification_group
from item_bank.workbench.commands import export_item_files_command


class EngineGroup(FlaskGroup):
    """Flask's group, with one clear error for a database that has no tables yet (instead of a traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (OperationalError, ProgrammingError) as error:
            if not _missing_table(error):
                raise
            raise click.ClickException("the database has no tables yet: run `exam-engine db upgrade` (with the same "
                                       "DATABASE_URL) first") from error


def _missing_table(error: DBAPIError) -> bool:
    """SQLite's "no such table", PostgreSQL's undefined table (SQLSTATE 42P01)."""
    return "no such table" in str(error.orig) or getattr(error.orig, "sqlstate", None) == "42P01"


@click.group(cls=EngineGroup, create_app=create_app, add_version_option=False, load_dotenv=False)
@click.version_option(package_name="exam-engine")
def cli() -> None:
    """Adaptive onscreen knowledge-test engine."""


COMMANDS: tuple[click.Command, ...] = (
    db_group, create_user_command, load_demo_command, demo_code_command, backup_command, restore_command,
    purge_expired_command, hold_group,
    import_spec_command, export_taxonomy_command, qualification_group,
    load_items_command, bank_check_command, export_items_command, import_qti_command, export_qti_command,
    export_item_files_command,
    calibrate_csv_command, item_stats_csv_command, score_command, equate_csv_command, calibrate_bank_command,
    item_stats_bank_command,
    verify_log_command, checkpoint_logs_command, log_key_command, service_client_group, rehearse_command,
    standards_command, export_qti_results_command,
    blueprint_check_command, blueprint_defaults_command, simulate_command, replay_command,
)
RENAMED = {"calibrate": calibrate_csv_command, "item-stats": item_stats_csv_command,
           "item-statistics": item_stats_bank_command}


def _renamed(old: str, command: click.Command) -> click.Command:
    """`command` under its old name: hidden from --help, and saying what it is called now."""
    callback = command.callback
    assert callback is not None

    def run(*args: Any, **kwargs: Any) -> Any:
        click.echo(f"note: '{old}' is now '{command.name}'", err=True)
        return callback(*args, **kwargs)

    return click.Command(old, callback=run, params=command.params, help=command.help, hidden=True)


for _command in COMMANDS:
    cli.add_command(_command)
for _old, _command in RENAMED.items():
    cli.add_command(_renamed(_old, _command))
