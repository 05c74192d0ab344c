"""Sign in (with a one-time code for staff who can see live items or results), sign out, and
the landing redirect."""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import segno
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from exam_engine.auth.access import public, signed_in
from exam_engine.auth.forms import CodeForm, SignInForm
from exam_engine.auth.models import User
from exam_engine.auth.roles import LANDING_ENDPOINTS
from exam_engine.auth.services import (
    SignInOutcome,
    authenticate,
    authenticator_link,
    check_second_factor,
    needs_second_factor,
    new_second_factor_secret,
    revoke_sessions,
)
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db

bp = Blueprint("auth", __name__, template_folder="templates")
PENDING = "second_factor"  # session key: the account whose password was right, awaiting its code
PENDING_MINUTES = 5


def _safe_next(target: str | None) -> str | None:
    """Only follow `next` to a path on this site, never to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _signed_in(user: User, target: str | None) -> Response:
    session.clear()  # a new session on sign-in: no fixation
    login_user(user)
    session.permanent = True
    return redirect(target or url_for(LANDING_ENDPOINTS[user.role]))


@bp.route("/")
@public
def index() -> Response:
    if current_user.is_authenticated:
        return redirect(url_for(LANDING_ENDPOINTS[current_user.role]))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    form = SignInForm()
    if form.validate_on_submit():
        result = authenticate(form.username.data or "", form.password.data or "")
        if result.outcome is SignInOutcome.SIGNED_IN and result.user is not None:
            target = _safe_next(request.args.get("next"))
            if not needs_second_factor(result.user):
                return _signed_in(result.user, target)
            session.clear()
            session[PENDING] = {"account": result.user.session_token, "at": utcnow().isoformat(), "next": target}
            return redirect(url_for("auth.second_factor" if result.user.totp_secret else "auth.enrol"))
        if result.outcome is SignInOutcome.LOCKED and result.locked_until is not None:
            minutes = max(1, round((result.locked_until - utcnow()).total_seconds() / 60))
            flash(
                f"This account is locked after repeated wrong passwords. "
                f"Try again in about {minutes} minute(s), or ask your centre to unlock it.",
                "error",
            )
        elif result.outcome is SignInOutcome.DISABLED:
            flash("This account is disabled. Ask your centre administrator.", "error")
        else:
            flash("The username or password is not right.", "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


def _pending_account() -> User | None:
    """The account whose password was right in the last few minutes, awaiting its second factor."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    try:
        fresh = utcnow() - datetime.fromisoformat(str(pending.get("at"))) < timedelta(minutes=PENDING_MINUTES)
    except ValueError:
        return None
    user = db.session.scalar(select(User).where(User.session_token == str(pending.get("account"))))
    return user if fresh and user is not None and user.active else None


@bp.route("/login/code", methods=["GET", "POST"])
@public
def second_factor() -> ResponseReturnValue:
    user = _pending_account()
    if user is None or user.totp_secret is None:
        flash("Sign in again: that took too long.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if check_second_factor(user, form.code.data or ""):
            return _signed_in(user, session.get(PENDING, {}).get("next"))
        form.code.errors = ["That code is not right, or was used already. Type the code your app shows now."]
        form.code.data = ""  # a fresh code goes in an empty field
        return render_template("auth/second_factor.html", form=form), 401
    return render_template("auth/second_factor.html", form=form)


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
def enrol() -> ResponseReturnValue:
    """First sign-in of staff: add the account to an authenticator app and confirm a code from it."""
    user = _pending_account()
    if user is None or user.totp_secret is not None:
        return redirect(url_for("auth.login"))
    pending = dict(session[PENDING])
    secret = pending.setdefault("secret", new_second_factor_secret())
    session[PENDING] = pending
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        if check_second_factor(user, form.code.data or "", secret):
            return _signed_in(user, pending.get("next"))
        form.code.errors = ["That code is not right. Check the app shows this account, then type its code."]
        form.code.data = ""
        status = 401
    link = authenticator_link(user, secret)
    return render_template("auth/enrol.html", form=form, secret=secret,
                           qr=segno.make(link, error="m").svg_data_uri(scale=4)), status


@bp.route("/logout", methods=["POST"])
@signed_in
def logout() -> Response:
    user = current_user._get_current_object()
    logout_user()  # CSRFProtect has already checked the form's token
    revoke_sessions(user)  # a copy of the old cookie must not sign anyone back in
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))
