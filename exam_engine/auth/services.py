"""Sign-in and account operations. Each public function is one transaction.

Throttling is per account: exam rooms share one public address, so counting failures
per address would lock a whole centre out. After `LOGIN_MAX_FAILURES` consecutive wrong
passwords the account is locked for `LOGIN_LOCK_MINUTES`; other accounts are untouched.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from flask import current_app
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from exam_engine.auth.models import User, new_session_token
from exam_engine.auth.roles import Role
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.core.transactions import unit_of_work

# Checked against when the username is unknown, so both paths cost one hash.
_UNKNOWN_USER_HASH = generate_password_hash("unknown-user-placeholder")


class SignInOutcome(Enum):
    SIGNED_IN = "signed_in"
    WRONG_CREDENTIALS = "wrong_credentials"
    LOCKED = "locked"
    DISABLED = "disabled"


@dataclass(frozen=True)
class SignInResult:
    outcome: SignInOutcome
    user: User | None = None
    locked_until: datetime | None = None


class AccountError(ValueError):
    """An account operation that cannot be done, with a message fit to show."""


def authenticate(username: str, password: str) -> SignInResult:
    """Check a username and password, counting failures against the account."""
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        check_password_hash(_UNKNOWN_USER_HASH, password)
        return SignInResult(SignInOutcome.WRONG_CREDENTIALS)
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        return SignInResult(SignInOutcome.LOCKED, locked_until=user.locked_until)
    if not user.check_password(password):
        _record_failure(user, now)
        db.session.refresh(user)
        if user.locked_until is not None and user.locked_until > now:
            return SignInResult(SignInOutcome.LOCKED, locked_until=user.locked_until)
        return SignInResult(SignInOutcome.WRONG_CREDENTIALS)
    if not user.active:
        return SignInResult(SignInOutcome.DISABLED)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return SignInResult(SignInOutcome.SIGNED_IN, user=user)


def _record_failure(user: User, now: datetime) -> None:
    """Count a failure atomically (concurrent attempts must all count) and lock if due.

    Its own unit of work: the failure is kept although the sign-in it records is refused."""
    config = current_app.config
    with unit_of_work():
        db.session.execute(
            update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
        )
        db.session.execute(
            update(User)
            .where(User.id == user.id, User.failed_logins >= config["LOGIN_MAX_FAILURES"])
            .values(
                failed_logins=0,
                locked_until=now + timedelta(minutes=config["LOGIN_LOCK_MINUTES"]),
            )
        )


def create_user(username: str, display_name: str, role: Role, password: str) -> User:
    """Create an account; refuses a taken username or a short password."""
    username = username.strip()
    if not username:
        raise AccountError("username must not be empty")
    if len(password) < 8:
        raise AccountError("password must be at least 8 characters")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"username {username!r} is already taken")
    user = User(username=username, display_name=display_name.strip() or username, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def unlock(user: User) -> None:
    """Lift a sign-in lock early (for example after the person's identity is checked)."""
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()


def revoke_sessions(user: User) -> None:
    """End every session of this account: cookies issued before now stop working.

    Sessions live in signed cookies, so clearing one on sign-out would leave a copy
    (kept, or stolen) valid; giving the account a new session token invalidates them all.
    """
    user.session_token = new_session_token()
    db.session.flush()
