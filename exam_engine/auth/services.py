"""Sign-in and account operations.

Throttling is per account: exam rooms share one public address, so counting failures
per address would lock a whole centre out. After `LOGIN_MAX_FAILURES` consecutive wrong
passwords or one-time codes the account is locked for `LOGIN_LOCK_MINUTES`; other
accounts are untouched.

Staff whose role can see live items or results (`TWO_FACTOR_ROLES`) sign in with a
second factor: a one-time code from an authenticator app (TOTP, RFC 6238), enrolled at
their first sign-in.
"""

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

import pyotp
from flask import current_app
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from exam_engine.auth.models import User, new_session_token
from exam_engine.auth.roles import Role
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.core.transactions import unit_of_work

TOTP_ISSUER = "Exam engine"
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


TEMPORARY_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I to misread
TEMPORARY_PASSWORD_LENGTH = 16  # about 94 bits


def temporary_password() -> str:
    """A random password for an administrator to hand over once (never stored in the clear)."""
    return "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(TEMPORARY_PASSWORD_LENGTH))


def reset_password(user: User) -> str:
    """Give the account a new temporary password and return it (to be shown once).

    Every session ends (`set_password` issues a new session token) and any sign-in lock is lifted.
    """
    password = temporary_password()
    user.set_password(password)
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
    return password


def active_awarding_body_admins() -> int:
    """How many awarding-body administrators are active, their rows locked (on PostgreSQL) until the
    transaction ends, so that two administrators deactivating each other at once cannot leave none."""
    query = select(User.id).where(User.role == Role.AWARDING_BODY_ADMIN, User.active.is_(True)).with_for_update()
    return len(db.session.scalars(query).all())


def set_active(user: User, active: bool, actor: User) -> None:
    """Deactivate (signing the account out everywhere) or reactivate an account.

    Refuses to deactivate the actor's own account or the last active awarding-body administrator.
    """
    if not active:
        if user.id == actor.id:
            raise AccountError("You cannot deactivate your own account.")
        if user.role is Role.AWARDING_BODY_ADMIN and user.active and active_awarding_body_admins() <= 1:
            raise AccountError("This is the last active awarding-body administrator: "
                               "make or reactivate another one first.")
    user.active = active
    if not active:
        user.session_token = new_session_token()
    db.session.flush()


def unlock(user: User) -> None:
    """Lift a sign-in lock early (for example after the person's identity is checked)."""
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()


def reset_second_factor(user: User) -> None:
    """Forget the account's authenticator (a lost phone): its next sign-in enrols a new one.
    Every session is ended, since one may have been opened with the lost device."""
    user.totp_secret = user.totp_enrolled_at = user.totp_last_step = None
    revoke_sessions(user)


def revoke_sessions(user: User) -> None:
    """End every session of this account: cookies issued before now stop working.

    Sessions live in signed cookies, so clearing one on sign-out would leave a copy
    (kept, or stolen) valid; giving the account a new session token invalidates them all.
    """
    user.session_token = new_session_token()
    db.session.flush()


def needs_second_factor(user: User) -> bool:
    """Whether the account's role can see live items or results, so its sign-in takes a second factor."""
    return user.role.value in current_app.config["TWO_FACTOR_ROLES"]


def new_second_factor_secret() -> str:
    return pyotp.random_base32()


def authenticator_link(user: User, secret: str) -> str:
    """The otpauth:// link an authenticator app reads from the enrolment QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def check_second_factor(user: User, code: str, secret: str | None = None, now: datetime | None = None) -> bool:
    """Whether `code` is the account's current one-time code (RFC 6238, 30-second steps).

    A code is accepted for the step before or after the server's (clocks drift) but never
    twice: each sign-in takes a later step than the last. `secret` is a new one being
    confirmed at enrolment, which it becomes. A wrong code counts as a failed sign-in.
    """
    now = now or utcnow()
    secret = secret or user.totp_secret
    if secret is None:
        return False
    totp, current = pyotp.TOTP(secret), pyotp.TOTP(secret).timecode(now)
    code = "".join(code.split())
    step = next((step for step in (current - 1, current, current + 1)
                 if step > (user.totp_last_step or -1) and hmac.compare_digest(totp.generate_otp(step), code)),
                None)
    if step is None:
        _record_failure(user, now)
        return False
    if user.totp_secret != secret:
        user.totp_secret, user.totp_enrolled_at = secret, now
    user.totp_last_step = step
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    db.session.flush()
    return True
