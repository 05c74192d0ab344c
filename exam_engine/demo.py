"""Demo data for trying the product (`exam-engine load-demo`): accounts for every role,
clearly marked as demo, the item bank that ships with the product, a demo centre and a
session today.

Loading is idempotent: accounts that exist are left as they are, except that their
password is reset to the printed one so the printed sign-in always works.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from exam_engine.core.transactions import transactional
from exam_engine.delivery.demo import sitting_instructions
from invigilation.demo import load_invigilation_demo
from item_bank.items.services import load_bank


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    username: str
    password: str
    display_name: str


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(Role.LEARNER, "demo-learner", "demo-learner-pass", "Alex Morgan (demo learner)"),
    DemoAccount(Role.INVIGILATOR, "demo-invigilator", "demo-invigilator-pass", "Sam Patel (demo invigilator)"),
    DemoAccount(Role.ITEM_WRITER, "demo-writer", "demo-writer-pass", "Jo Evans (demo item writer)"),
    DemoAccount(Role.REVIEWER, "demo-reviewer", "demo-reviewer-pass", "Chris Lee (demo reviewer)"),
    DemoAccount(Role.CENTRE_ADMIN, "demo-centre-admin", "demo-centre-admin-pass",
                "Pat Jones (demo centre administrator)"),
    DemoAccount(Role.AWARDING_BODY_ADMIN, "demo-admin", "demo-admin-pass",
                "Riley Shaw (demo awarding-body administrator)"),
)


@dataclass
class DemoReport:
    accounts: tuple[DemoAccount, ...] = DEMO_ACCOUNTS
    created: list[str] = field(default_factory=list)


def load_demo(progress: Callable[[str], None] = lambda _message: None) -> DemoReport:
    """Create the demo accounts, load the item bank kept in the repository, then the demo
    centre and today's session (in the caller's transaction)."""
    report = DemoReport()
    users: dict[str, User] = {}
    for account in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.username == account.username))
        if user is None:
            user = User(username=account.username, display_name=account.display_name, role=account.role)
            db.session.add(user)
            report.created.append(account.username)
        user.set_password(account.password)
        user.failed_logins = 0
        user.locked_until = None
        users[account.username] = user
    progress(f"Demo accounts: {len(report.created)} created, "
             f"{len(DEMO_ACCOUNTS) - len(report.created)} already there.")
    items = load_bank()
    progress(f"Item bank: {sum(items.per_unit.values())} items in {len(items.per_unit)} units "
             f"({items.created} new, {items.new_versions} new versions).")
    load_invigilation_demo(users, progress)
    return report


@click.command("load-demo")
@with_appcontext
@transactional
def load_demo_command() -> None:
    """Load the demo data and print how to sign in (demo accounts only; never in live use)."""
    report = load_demo(progress=click.echo)
    click.echo("")
    click.echo("DEMO ACCOUNTS (for trying the product; not for live use):")
    for account in report.accounts:
        click.echo(f"  {account.role.label:<28} username {account.username:<20} password {account.password}")
    instructions = sitting_instructions()
    if instructions:
        click.echo("")
        for line in instructions:
            click.echo(line)
