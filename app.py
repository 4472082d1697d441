"""The Ward Supply app factory and the `flask --app app` entry point."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from pwa import (api, arrival, auth, cli, db, device, home, issue, labels, requisition, returns, security, signin,
                 unknown, waste)
from pwa import admin, badges, counting, receiving, supervisor
from pwa.config import DEFAULTS, ConfigError, from_environment
from pwa.scanning import views as decode
from sync import cli as sync_cli

csrf = CSRFProtect()


def create_app(config: dict | None = None) -> Flask:
    """Builds the app; `config` (tests) overrides the environment. A bad setting stops start-up with one line."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    try:
        app.config.from_mapping(from_environment(instance_path=Path(app.instance_path)))
    except ConfigError as error:
        if config is None:
            raise SystemExit(f"Ward Supply cannot start: {error}") from None
        raise
    if config:
        app.config.from_mapping(config)
    if app.config["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=app.config["PROXY_COUNT"],
                                x_host=app.config["PROXY_COUNT"])
    db.init_app(app)
    auth.login_manager.init_app(app)
    csrf.init_app(app)
    # The API authenticates by bearer token only, never by cookie, so a forged cross-site request carries nothing.
    csrf.exempt(api.bp)
    csrf.exempt(decode.bp)
    csrf.exempt(unknown.api_bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(decode.bp)
    app.register_blueprint(signin.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(device.bp)
    app.register_blueprint(waste.bp)
    app.register_blueprint(requisition.bp)
    app.register_blueprint(arrival.bp)
    app.register_blueprint(issue.bp)
    app.register_blueprint(returns.bp)
    app.register_blueprint(labels.bp)
    app.register_blueprint(receiving.bp)
    app.register_blueprint(counting.bp)
    app.register_blueprint(supervisor.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(badges.bp)
    app.register_blueprint(unknown.api_bp)
    app.register_blueprint(unknown.bp)
    app.before_request(auth.enforce_idle_timeout)
    security.init_app(app)
    cli.init_app(app)
    sync_cli.init_app(app)
    register_error_pages(app)
    return app


ERROR_PAGES = {
    400: ("Bad request", "The form could not be read. Go back and try again."),
    403: ("Not allowed", "Your role does not allow this page. Ask your supervisor if you need it."),
    404: ("Not found", "There is no page here."),
    405: ("Not allowed", "This page cannot be used that way."),
    413: ("Too large", "What was sent is too large."),
}


def register_error_pages(app: Flask) -> None:
    def http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return api.http_error(error)
        title, message = ERROR_PAGES.get(error.code, (error.name, error.description))
        return render_template("error.html", title=title, message=message), error.code

    def server_error(_error: Exception):
        if request.path.startswith("/api/"):
            return auth.api_error(500, "server_error", "The server failed; nothing accepted was lost. Try again.")
        return render_template("error.html", title="Something went wrong",
                               message="Nothing you recorded is lost. Try again, or tell your supervisor."), 500

    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(500, server_error)
