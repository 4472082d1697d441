"""The sync engine's command line: `odoo check`, `sync pull`, `sync run`, and the supervisor's `actions …`."""
from __future__ import annotations

import getpass
import logging
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from pwa import db, journal
from pwa.journal import SupervisorError

from . import catalog, check
from .gateway import DEFAULT_TIMEOUT, Gateway, OdooError
from .retry import Backoff
from .worker import NOT_CONFIGURED, NotConfigured, app_locations, run_worker

sync_cli = AppGroup("sync", help="Pull the catalog from Odoo and push the journal's actions into it.")
actions_cli = AppGroup("actions", help="The supervisor's queue: list actions, retry or void them.")
odoo_cli = AppGroup("odoo", help="The Odoo connection and what the mapping needs there.")


def odoo_settings():
    settings = current_app.config.get("ODOO")
    if settings is None:
        raise click.ClickException(NOT_CONFIGURED)
    return settings


@sync_cli.command("run")
@click.option("--once", is_flag=True, help="Push everything due, then exit (instead of running until stopped).")
@click.option("--wait", "wait_seconds", type=float, default=0.0, show_default=True,
              help="With --once: also wait for retries due within this many seconds.")
@click.option("--batch", "batch_size", type=click.IntRange(1, 1000), default=100, show_default=True,
              help="Actions claimed and pushed together.")
@click.option("--poll", "poll_seconds", type=float, default=2.0, show_default=True,
              help="Seconds between looks at an empty queue.")
@click.option("--timeout", type=float, default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds before an Odoo call is given up (and retried later).")
@click.option("--retry-base", type=float, default=Backoff.base, show_default=True,
              help="Seconds before the first retry; each next one waits twice as long (with jitter).")
def run_command(once: bool, wait_seconds: float, batch_size: int, poll_seconds: float, timeout: float,
                retry_base: float) -> None:
    """Push journal actions into Odoo, exactly once and in order per location."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        totals = run_worker(current_app._get_current_object(), once=once, wait_seconds=wait_seconds,
                            batch_size=batch_size, poll_seconds=poll_seconds, timeout=timeout,
                            backoff=Backoff(base=retry_base), echo=click.echo)
    except NotConfigured as error:
        raise click.ClickException(str(error)) from None
    counts = journal.count_open(db.session())
    click.echo(f"Stopped: {totals['synced']} synced, {totals['needs_attention']} need attention; "
               f"{counts['received'] + counts['retrying']} still to push ({counts['retrying']} waiting to retry).")


def connect(timeout: float = DEFAULT_TIMEOUT) -> Gateway:
    settings = odoo_settings()
    try:
        return Gateway.connect(settings, timeout=timeout)
    except OdooError as error:
        raise click.ClickException(f"Cannot use Odoo at {settings.url}: {error}") from None


@odoo_cli.command("check")
@click.option("--fix", "fix_it", is_flag=True, help="Create the missing locations (found by barcode first).")
def check_command(fix_it: bool) -> None:
    """Connect, then check everything the mapping needs in Odoo; exit 1 when something is missing."""
    gateway = connect()
    click.echo(gateway.describe())
    locations = app_locations(db.session())
    try:
        if fix_it:
            for line in check.fix(gateway, locations):
                click.echo(f"fixed    {line}")
        findings = check.check(gateway, locations)
    except OdooError as error:
        raise click.ClickException(f"Odoo refused a check: {error}") from None
    for finding in findings:
        click.echo(finding.line())
    missing = [finding for finding in findings if not finding.ok]
    if missing:
        fixable = sum(1 for finding in missing if finding.fixable)
        hint = f" `--fix` creates {fixable} of them." if fixable and not fix_it else ""
        click.echo(f"{len(missing)} thing{'s' if len(missing) != 1 else ''} missing in Odoo.{hint}")
        raise SystemExit(1)
    click.echo("Odoo has everything the sync needs.")


@sync_cli.command("pull")
@click.option("--full", is_flag=True, help="Read everything again (the first pull always does).")
def pull_command(full: bool) -> None:
    """Bring the catalog (products, locations, par levels, stock, receipts, transfers) in line with Odoo."""
    gateway = connect()
    started = time.perf_counter()
    try:
        report = catalog.pull(gateway, db.session(), full=full)
    except OdooError as error:
        raise click.ClickException(f"The pull stopped, nothing of it was kept: {error}") from None
    click.echo(f"{report.summary()} {gateway.calls} Odoo calls, {time.perf_counter() - started:.1f} s.")


def _actor(by: str | None) -> str:
    return by or f"cli:{getpass.getuser()}"


def _show(action) -> str:
    where = f"{action.location_code:<10}"
    error = f"  {action.last_error}" if action.last_error else ""
    return (f"{action.id}  {action.type:<16} {where} {action.status:<16} attempts {action.attempts:<3} "
            f"{action.created_at:%Y-%m-%d %H:%M}{error}")


@actions_cli.command("list")
@click.option("--status", help="received, syncing, synced, retrying, needs_attention, resolved or voided.")
@click.option("--location", help="A location code.")
@click.option("--limit", type=click.IntRange(1, 100000), default=200, show_default=True)
def list_command(status: str | None, location: str | None, limit: int) -> None:
    """List actions, oldest first, with their last error."""
    try:
        rows = journal.list_actions(db.session(), status=status, location=location, limit=limit)
    except SupervisorError as error:
        raise click.ClickException(str(error)) from None
    for action in rows:
        click.echo(_show(action))
    click.echo(f"{len(rows)} action{'s' if len(rows) != 1 else ''}.")


def _decide(operation, action_id: str, by: str | None, reason: str | None) -> None:
    try:
        action = operation(db.session(), action_id, _actor(by), reason)
    except SupervisorError as error:
        raise click.ClickException(str(error)) from None
    click.echo(_show(action))


@actions_cli.command("retry")
@click.argument("action_id")
@click.option("--by", help="Who decides (a login); by default cli:<system user>.")
@click.option("--reason", help="Why, for the audit log.")
def retry_command(action_id: str, by: str | None, reason: str | None) -> None:
    """Put an action that needs attention (or waits to retry) back in the queue now."""
    _decide(journal.retry, action_id, by, reason)


@actions_cli.command("void")
@click.argument("action_id")
@click.option("--reason", required=True, help="Why the action will never reach Odoo (kept in the audit log).")
@click.option("--by", help="Who decides (a login); by default cli:<system user>.")
def void_command(action_id: str, reason: str, by: str | None) -> None:
    """Take an action out of the queue for good; it is kept, never deleted."""
    _decide(journal.void, action_id, by, reason)


@actions_cli.command("resolve")
@click.argument("action_id")
@click.option("--reason", required=True, help="What was done in Odoo by hand.")
@click.option("--by", help="Who decides (a login); by default cli:<system user>.")
def resolve_command(action_id: str, reason: str, by: str | None) -> None:
    """Close an action whose effect was made in Odoo by hand."""
    _decide(journal.resolve, action_id, by, reason)


def init_app(app: Flask) -> None:
    for group in (sync_cli, actions_cli, odoo_cli):
        app.cli.add_command(group)
