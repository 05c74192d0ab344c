"""The composition root: the Flask application factory, which wires every package together.

Packages below know nothing of each other beyond the layers they import (see the README's
"Where things live"); only this module imports them all, registers their Flask blueprints,
and connects the hooks through which a lower package hears from a higher one.
"""

from pathlib import Path
from typing import Any

from flask import Flask, url_for
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from exam_engine.admin.accounts import bp as accounts_bp
from exam_engine.admin.views import bp as admin_bp
from exam_engine.analysis.views import bp as analysis_bp
from exam_engine.auth.access import check_access_rules
from exam_engine.auth.models import User
from exam_engine.auth.views import bp as auth_bp
from exam_engine.core.config import settings_from_environment
from exam_engine.core.converters import DatabaseIdConverter
from exam_engine.core.errors import register_error_handlers
from exam_engine.core.extensions import csrf, db, login_manager
from exam_engine.core.limits import register_request_limits
from exam_engine.core.request_log import register_request_log
from exam_engine.core.security import register_security_headers
from exam_engine.core.transactions import register_unit_of_work
from exam_engine.delivery.api import bp as runner_api_bp
from exam_engine.delivery.cat_api import bp as adaptive_service_bp
from exam_engine.delivery.practice import api as practice_api_bp
from exam_engine.delivery.practice import pages as practice_bp
from exam_engine.delivery.services.attempt_log import register as register_attempt_heads
from exam_engine.delivery.services.progress import register as register_delivery_progress
from exam_engine.delivery.views import bp as delivery_bp
from exam_engine.delivery.views import reports_bp as delivery_reports_bp
from exam_engine.results.views import bp as results_bp
from invigilation.views import bp as invigilation_bp
from item_bank.items import text
from item_bank.qti.views import bp as qti_bp
from item_bank.taxonomy.api import bp as taxonomy_api_bp
from item_bank.workbench.views import bp as workbench_bp


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, overridden by `config`."""
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(settings_from_environment(Path(app.instance_path)))
    if config:
        app.config.update(config)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    app.url_map.converters["int"] = DatabaseIdConverter  # before any route is added
    register_request_limits(app)
    _init_extensions(app)
    _register_blueprints(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_request_log(app)
    register_unit_of_work(app)  # last registered, first run: the commit precedes the logged duration
    check_access_rules(app)
    return app


def _formatted(markup: str, version_id: int | None = None) -> Markup:
    """A stem's or scenario's markup as staff pages show it; a version's images from the workbench."""
    return text.html(markup, None if version_id is None else (
        lambda name: url_for("workbench.medium", version_id=version_id, name=name)))


def import_all_models() -> None:
    """Import every package's models, so that the metadata (and Alembic) sees every table."""
    import exam_engine.results.models  # noqa: F401
    import item_bank.items.models
    import item_bank.standards.models
    import item_bank.taxonomy.models  # noqa: F401


def _init_extensions(app: Flask) -> None:
    import_all_models()
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_token: str) -> User | None:
        user = db.session.query(User).filter_by(session_token=session_token).one_or_none()
        return user if user is not None and user.active else None


def _register_blueprints(app: Flask) -> None:
    register_delivery_progress()
    register_attempt_heads()
    for blueprint in (auth_bp, admin_bp, accounts_bp, delivery_bp, delivery_reports_bp, runner_api_bp,
                      adaptive_service_bp, invigilation_bp, workbench_bp, analysis_bp, qti_bp, taxonomy_api_bp,
                      results_bp, practice_bp, practice_api_bp):
        app.register_blueprint(blueprint)
    app.add_template_filter(_formatted, "formatted")
    app.add_template_filter(text.plain, "plain")
