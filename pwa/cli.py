"""Headless administration: `flask --app app users …`, `seed demo`, `db upgrade`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from . import db
from .audit import record
from .auth import hash_password
from .migrate import upgrade
from .models import ROLES, Location, User
from .seed import journal_is_empty, seed_demo

users_cli = AppGroup("users", help="Create users, grant locations, disable accounts.")
seed_cli = AppGroup("seed", help="Load the demo hospital.")
db_cli = AppGroup("db", help="The journal's schema.")


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise click.ClickException("The password must have at least 8 characters.")
    return password


def find_locations(codes: tuple[str, ...]) -> list[Location]:
    found = {loc.code: loc for loc in db.session().scalars(select(Location).where(Location.code.in_(codes)))}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise click.ClickException(f"Unknown location code: {', '.join(unknown)}")
    return [found[code] for code in codes]


def find_user(login: str) -> User:
    user = db.session().scalar(select(User).where(User.login == login))
    if user is None:
        raise click.ClickException(f"No user {login!r}.")
    return user


@users_cli.command("create")
@click.argument("login")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.option("--location", "codes", multiple=True, help="A location code the user may act for (repeat).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def create_user(login: str, roles: tuple[str, ...], codes: tuple[str, ...], password_stdin: bool) -> None:
    """Create LOGIN with one or more roles; the password is asked for, never taken from the command line."""
    session = db.session()
    if session.scalar(select(User).where(User.login == login)) is not None:
        raise click.ClickException(f"A user {login!r} already exists.")
    locations = find_locations(codes)
    user = User(login=login, password_hash=hash_password(read_password(password_stdin)),
                roles=" ".join(dict.fromkeys(roles)), locations=locations)
    session.add(user)
    record("user_created", actor="cli", subject=login, after={"roles": list(roles), "locations": list(codes)})
    session.commit()
    click.echo(f"Created {login} ({', '.join(roles)}) for {', '.join(codes) or 'no location yet'}.")


@users_cli.command("grant")
@click.argument("login")
@click.argument("codes", nargs=-1, required=True)
def grant(login: str, codes: tuple[str, ...]) -> None:
    """Let LOGIN act for more locations."""
    user = find_user(login)
    before = [loc.code for loc in user.locations]
    for location in find_locations(codes):
        if location not in user.locations:
            user.locations.append(location)
    after = [loc.code for loc in user.locations]
    record("user_granted", actor="cli", subject=login, before={"locations": before}, after={"locations": after})
    db.session().commit()
    click.echo(f"{login} may now act for {', '.join(after)}.")


@users_cli.command("disable")
@click.argument("login")
def disable(login: str) -> None:
    """Disable LOGIN at once: pages and every device token are refused from now on."""
    user = find_user(login)
    user.active = False
    record("user_disabled", actor="cli", subject=login, before={"active": True}, after={"active": False})
    db.session().commit()
    click.echo(f"{login} is disabled.")


@seed_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (and say so) when the journal already holds data.")
def seed(if_empty: bool) -> None:
    """Load the demo hospital into an empty journal; refuses to write over real data."""
    session = db.session()
    if not journal_is_empty(session):
        if if_empty:
            click.echo("The journal already holds data; the demo hospital was not loaded.")
            return
        raise click.ClickException("The journal already holds data: the demo hospital is loaded only into an "
                                   "empty database.")
    counts = seed_demo(session)
    session.commit()
    click.echo("Demo hospital loaded: " + ", ".join(f"{n} {what}" for what, n in counts.items())
               + ". Sign in as nurse, receiver, counter, supervisor or admin with password 'demo'.")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Bring the journal's schema to the latest migration."""
    upgrade(db.engine())
    click.echo("The journal's schema is up to date.")




@click.command("serve")
@click.option("--workers", type=int, help="Worker processes (default: WEB_CONCURRENCY or 2).")
@click.option("--https", "https", is_flag=True, envvar="HTTPS",
              help="Serve HTTPS with a self-signed certificate made into instance/tls/ (also HTTPS=1).")
def serve_command(workers: int | None, https: bool) -> None:
    """Serve the app with gunicorn on HOST:PORT."""
    from flask import current_app

    from .serve import serve
    app = current_app._get_current_object()
    if not https:
        serve(app, workers=workers)
        return
    from .tls import self_signed_certificate
    certfile, keyfile = self_signed_certificate(Path(app.instance_path), [app.config["HOST"]])
    click.echo(f"Serving https://{app.config['HOST']}:{app.config['PORT']} with a self-signed certificate. "
               f"On a tablet, install {Path(app.instance_path) / 'tls' / 'ca.crt'} (also at /device/ca.crt) "
               "as a trusted certificate first; see the README, 'HTTPS on a real tablet'.")
    serve(app, workers=workers, certfile=str(certfile), keyfile=str(keyfile))


def init_app(app: Flask) -> None:
    for command in (users_cli, seed_cli, db_cli, serve_command):
        app.cli.add_command(command)
