"""Route access rules, declared next to each route.

Every view carries an access rule: `@public` or `@roles_required(...)`. `create_app`
refuses to start if any route has none, so a new route cannot be left open by
forgetting its check, and tests can walk the URL map and know what each route expects.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from exam_engine.auth.roles import Role

View = TypeVar("View", bound=Callable[..., Any])

PUBLIC = frozenset[Role]()
ACCESS_ATTRIBUTE = "access_rule"


def public(view: View) -> View:
    """Mark a view as open to everyone, signed in or not."""
    setattr(view, ACCESS_ATTRIBUTE, PUBLIC)
    return view


def roles_required(*roles: Role) -> Callable[[View], View]:
    """Allow a view only to signed-in users holding one of `roles`.

    Anonymous visitors are sent to sign in (JSON requests get 401); a signed-in user
    without the role gets 403.
    """
    if not roles:
        raise ValueError("roles_required needs at least one role; use @public for open routes")
    allowed = frozenset(roles)

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                if request.is_json or request.accept_mimetypes.best == "application/json":
                    abort(401)
                return redirect(url_for("auth.login", next=request.full_path))
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        setattr(guarded, ACCESS_ATTRIBUTE, allowed)
        return cast(View, guarded)

    return decorate


signed_in = roles_required(*Role)
"""Any signed-in user, whatever the role."""


def access_rule(endpoint: str) -> frozenset[Role] | None:
    """The roles an endpoint admits (empty for public), or None if it declares nothing."""
    view = current_app.view_functions[endpoint]
    return getattr(view, ACCESS_ATTRIBUTE, None)


def undeclared_endpoints(view_functions: dict[str, Callable[..., Any]]) -> list[str]:
    """Endpoints whose view declares no access rule (Flask's own `static` excepted)."""
    return sorted(
        endpoint
        for endpoint, view in view_functions.items()
        if endpoint != "static" and not hasattr(view, ACCESS_ATTRIBUTE)
    )


def check_access_rules(app: Flask) -> None:
    """Refuse to start an app in which any route lacks a declared access rule."""
    if "static" in app.view_functions:
        public(app.view_functions["static"])
    missing = undeclared_endpoints(app.view_functions)
    if missing:
        raise RuntimeError(f"routes without an access rule: {', '.join(missing)}")
