"""Signing in and out of the pages (flask-login), with the same throttling as the API."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, flash, redirect, render_template, request, session as web_session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from . import db
from .audit import record
from .auth import authenticate, client_address, record_failure, too_many_failures

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    login = StringField("Login", validators=[DataRequired(), Length(max=80)],
                        render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


def safe_next(target: str | None) -> str:
    """Only a path on this site: a login link must not become a way to send a nurse elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and not urlparse(target).netloc:
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if web_session.pop("idle_locked", False):
        flash("You were signed out after a period without activity.", "info")
    if form.validate_on_submit():
        client = client_address()
        if too_many_failures(client):
            flash("Too many failed sign-ins. Wait a few minutes and try again.", "error")
            status = 429
        else:
            user = authenticate(form.login.data.strip(), form.password.data)
            if user is None:
                record_failure(client, form.login.data)
                flash("Wrong login or password.", "error")
                status = 401
            else:
                web_session.clear()
                login_user(user)
                record("login", actor=user.login, role=user.roles, subject="pages")
                db.session().commit()
                return redirect(safe_next(form.next.data))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        record("logout", actor=current_user.login, role=current_user.roles, subject="pages")
        db.session().commit()
    logout_user()
    web_session.clear()
    flash("Signed out.", "info")
    return redirect(url_for("auth.login"))
