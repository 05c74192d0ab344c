"""Sign in, sign out, and the landing redirect."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from exam_engine.auth.access import public, signed_in
from exam_engine.auth.forms import SignInForm
from exam_engine.auth.roles import LANDING_ENDPOINTS
from exam_engine.auth.services import SignInOutcome, authenticate, revoke_sessions
from exam_engine.core.database import utcnow

bp = Blueprint("auth", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str | None:
    """Only follow `next` to a path on this site, never to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/")
@public
def index() -> Response:
    if current_user.is_authenticated:
        return redirect(url_for(LANDING_ENDPOINTS[current_user.role]))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Response | str | tuple[str, int]:
    form = SignInForm()
    if form.validate_on_submit():
        result = authenticate(form.username.data or "", form.password.data or "")
        if result.outcome is SignInOutcome.SIGNED_IN and result.user is not None:
            session.clear()  # a new session on sign-in: no fixation
            login_user(result.user)
            session.permanent = True
            target = _safe_next(request.args.get("next"))
            return redirect(target or url_for(LANDING_ENDPOINTS[result.user.role]))
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


@bp.route("/logout", methods=["POST"])
@signed_in
def logout() -> Response:
    user = current_user._get_current_object()
    logout_user()  # CSRFProtect has already checked the form's token
    revoke_sessions(user)  # a copy of the old cookie must not sign anyone back in
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))
