"""Demo data for trying the product (`exam-engine load-demo`): accounts for every role,
clearly marked as demo, the item bank that ships with the product, a demo centre and a
session today.

Loading is idempotent: accounts that exist are left as they are, except that a changed
password is set back to the printed one so the printed sign-in always works (an unchanged
one is left alone, so nobody signed in is signed out, a learner mid-test included). Staff demo
accounts that take a second factor get a fixed, printed authenticator key, so a phone
set up once keeps working; `exam-engine demo-code` prints a demo account's current code
for those without an authenticator app to hand.
"""

import base64
from collections.abc import Callable
from dataclasses import dataclass, field

import click
import pyotp
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.auth.services import needs_second_factor
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.core.transactions import transactional
from exam_engine.delivery.demo import sitting_instructions
from exam_engine.results.demo import load_standards_demo
from invigilation.demo import load_invigilation_demo
from item_bank.items.pools import adaptive_gate
from item_bank.items.services import load_bank


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    username: str
    password: str
    display_name: str

    @property
    def authenticator_key(self) -> str:
        """A fixed base32 key for the authenticator app (demo only: anyone can work it out)."""
        return base64.b32encode(f"{self.username}-demo-key".encode()).decode().rstrip("=")


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(Role.LEARNER, "demo-learner", "demo-learner-pass", "Alex Morgan (demo learner)"),
    DemoAccount(Role.INVIGILATOR, "demo-invigilator", "demo-invigilator-pass", "Sam Patel (demo invigilator)"),
    DemoAccount(Role.ITEM_WRITER, "demo-writer", "demo-writer-pass", "Jo Evans (demo item writer)"),
    DemoAccount(Role.REVIEWER, "demo-reviewer", "demo-reviewer-pass", "Chris Lee (demo reviewer)"),
    DemoAccount(Role.CENTRE_ADMIN, "demo-centre-admin", "demo-centre-admin-pass",
                "Pat Jones (demo centre administrator)"),
    DemoAccount(Role.AWARDING_BODY_ADMIN, "demo-admin", "demo-admin-pass",
                "Riley Shaw (demo awarding-body administrator)"),
    *(DemoAccount(Role.SUBJECT_EXPERT, f"demo-expert-{n}", f"demo-expert-{n}-pass",
                  f"{name} (demo subject expert)") for n, name in enumerate(("Priya Nair", "Tom Hughes",
                                                                              "Ana Costa"), start=1)),
)


@dataclass
class DemoReport:
    accounts: tuple[DemoAccount, ...] = DEMO_ACCOUNTS
    created: list[str] = field(default_factory=list)


def load_demo(progress: Callable[[str], None] = lambda _message: None, fresh_session: bool = False) -> DemoReport:
    """Create the demo accounts, load the item bank kept in the repository, then the demo
    centre and today's session, a new one if asked (in the caller's transaction)."""
    report = DemoReport()
    users: dict[str, User] = {}
    for account in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.username == account.username))
        if user is None:
            user = User(username=account.username, display_name=account.display_name, role=account.role)
            db.session.add(user)
            report.created.append(account.username)
        if not user.password_hash or not user.check_password(account.password):
            user.set_password(account.password)
        user.failed_logins = 0
        user.locked_until = None
        if needs_second_factor(user) and user.totp_secret != account.authenticator_key:
            user.totp_secret, user.totp_enrolled_at, user.totp_last_step = account.authenticator_key, utcnow(), None
        users[account.username] = user
    progress(f"Demo accounts: {len(report.created)} created, "
             f"{len(DEMO_ACCOUNTS) - len(report.created)} already there.")
    items = load_bank()
    progress(f"Item bank: {sum(items.per_unit.values())} items in {len(items.per_unit)} units "
             f"({items.created} new, {items.new_versions} new versions).")
    for unit in sorted(items.per_unit):  # the demo bank's parameters are the writers' ratings, not estimates
        progress(adaptive_gate(unit).describe())
    load_invigilation_demo(users, progress, fresh=fresh_session)
    load_standards_demo(sorted(items.per_unit), [users[a.username] for a in DEMO_ACCOUNTS
                                                 if a.role is Role.SUBJECT_EXPERT], users["demo-admin"], progress)
    return report


@click.command("load-demo")
@click.option("--reset", is_flag=True,
              help="Start the demo test over: a new demo session today (earlier ones keep their records).")
@with_appcontext
@transactional
def load_demo_command(reset: bool) -> None:
    """Load the demo data and print how to sign in (demo accounts only; never in live use)."""
    report = load_demo(progress=click.echo, fresh_session=reset)
    click.echo("")
    click.echo("DEMO ACCOUNTS (for trying the product; not for live use):")
    for account in report.accounts:
        click.echo(f"  {account.role.label:<28} username {account.username:<20} password {account.password}")
    staff = [account for account in report.accounts if account.role.value in current_app.config["TWO_FACTOR_ROLES"]]
    if staff:
        click.echo("")
        click.echo("Staff accounts also type a one-time code from an authenticator app. Add the key to any")
        click.echo("authenticator app, or print the current code with: .venv/bin/exam-engine demo-code USERNAME")
        for account in staff:
            click.echo(f"  {account.username:<20} key {account.authenticator_key}")
    instructions = sitting_instructions()
    if instructions:
        click.echo("")
        for line in instructions:
            click.echo(line)


@click.command("demo-code")
@click.argument("username")
@with_appcontext
def demo_code_command(username: str) -> None:
    """Print a demo staff account's current one-time code (demo accounts only)."""
    account = next((account for account in DEMO_ACCOUNTS if account.username == username), None)
    if account is None:
        raise click.ClickException(f"{username!r} is not a demo account; real accounts use their own authenticator")
    click.echo(pyotp.TOTP(account.authenticator_key).now())
