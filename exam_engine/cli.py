"""The `exam-engine` command line. Every command runs inside the app's context.

Packages contribute their commands in their own `commands.py`; `_COMMANDS` lists them.
"""

import click
from flask.cli import FlaskGroup

from exam_engine import create_app
from blueprints.commands import blueprint_check_command, blueprint_defaults_command
from exam_engine.commands.accounts import create_user_command, load_demo_command
from exam_engine.commands.assembly import replay_command, simulate_command
from exam_engine.commands.database import db_group
from exam_engine.commands.operations import backup_command, hold_group, purge_expired_command, restore_command
from exam_engine.commands.psychometrics import calibrate, item_stats, score
from item_bank.commands import export_taxonomy_command, import_spec_command
from invigilation.commands import rehearse_command, verify_log_command
from item_bank.items.commands import export_items_command, load_items_command
from item_bank.workbench.commands import (
    calibrate_bank_command, export_item_files_command, item_statistics_command,
)
from item_bank.qti.commands import export_qti_command, import_qti_command


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False, load_dotenv=False)
@click.version_option(package_name="exam-engine")
def cli() -> None:
    """Adaptive onscreen knowledge-test engine."""


_COMMANDS: tuple[click.Command, ...] = (
    db_group, create_user_command, load_demo_command, backup_command, restore_command,
    purge_expired_command, hold_group,
    import_spec_command, export_taxonomy_command,
    load_items_command, export_items_command, import_qti_command, export_qti_command,
    calibrate, item_stats, score,
    calibrate_bank_command, export_item_files_command, item_statistics_command,
    verify_log_command, rehearse_command,
    blueprint_check_command, blueprint_defaults_command, simulate_command, replay_command,
)

for _command in _COMMANDS:
    cli.add_command(_command)
