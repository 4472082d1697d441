"""The push loop: claim due actions from the journal, push them, record how each ended; again, until stopped.

One worker owns a location's queue at a time (see `pwa.journal`). A worker killed at any moment loses nothing:
its actions stay `syncing` in the journal, the next owner of their location claims them again, and the push
looks up what the interrupted attempt already made in Odoo before making anything.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from flask import Flask
from sqlalchemy import select

from pwa import db, journal
from pwa.journal import PushResult
from pwa.models import NEEDS_ATTENTION, RETRYING, SYNCED, Location, utcnow

from .gateway import DEFAULT_TIMEOUT, Gateway, TransientError
from .mapping import AppLocation, Mapping, load_mapping
from .push import push_actions, retrying
from .retry import Backoff

log = logging.getLogger(__name__)


class NotConfigured(Exception):
    pass


NOT_CONFIGURED = ("Odoo is not configured (set ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD or ODOO_API_KEY): "
                  "actions stay in the journal until it is.")


def app_locations(session) -> list[AppLocation]:
    return [AppLocation(loc.code, loc.name, loc.kind)
            for loc in session.scalars(select(Location).where(Location.active.is_(True)))]


@dataclass
class Worker:
    app: Flask
    batch_size: int = 100
    poll_seconds: float = 2.0
    timeout: float = DEFAULT_TIMEOUT
    backoff: Backoff = field(default_factory=Backoff)
    mapping_ttl: float = 60.0
    echo: Callable[[str], None] = print
    gateway: Gateway | None = None
    stopping: bool = False
    totals: dict = field(default_factory=lambda: {SYNCED: 0, RETRYING: 0, NEEDS_ATTENTION: 0})
    _mapping: Mapping | None = None
    _mapping_at: float = 0.0

    def __post_init__(self):
        if self.app.config.get("ODOO") is None:
            raise NotConfigured(NOT_CONFIGURED)

    def stop(self, *_signal) -> None:
        """Finishes the batch in hand, then stops (SIGTERM, SIGINT)."""
        self.stopping = True

    def run(self, once: bool = False, wait_seconds: float = 0.0) -> dict:
        """Pushes until stopped; with `once`, until nothing is due within `wait_seconds`."""
        with self.app.app_context():
            session = db.session()
            with journal.queue_lock(db.engine(), on_wait=self.echo) as lock:
                while not self.stopping:
                    if self.step(session, lock):
                        continue
                    pause = self.poll_seconds
                    if once:
                        due = journal.next_due_at(session)
                        if due is None or (due - utcnow()).total_seconds() > wait_seconds:
                            break
                        pause = min(pause, max(0.02, (due - utcnow()).total_seconds()))
                    time.sleep(pause)
        return self.totals

    def step(self, session, lock: journal.QueueLock) -> int:
        """One batch: claim, push, record. Returns how many actions it handled."""
        try:
            claimed = journal.claim(session, lock, limit=self.batch_size)
            if not claimed:
                return 0
            results = self._push(session, claimed)
            journal.finish(session, results)
        finally:
            lock.release_locations()
        counts = {status: sum(1 for r in results if r.status == status) for status in self.totals}
        for status, count in counts.items():
            self.totals[status] += count
        self.echo(f"{len(claimed)} actions pushed: {counts[SYNCED]} synced, {counts[RETRYING]} to retry, "
                  f"{counts[NEEDS_ATTENTION]} need attention" +
                  "".join(f"\n  {r.action_id}: {r.status}: {r.error}" for r in results if r.error))
        return len(claimed)

    def _push(self, session, claimed) -> list[PushResult]:
        now = utcnow()
        try:
            gateway = self.connect()
            mapping = self.mapping(session, gateway)
            return push_actions(gateway, mapping, claimed, self.backoff, now)
        except TransientError as error:
            self.gateway = None  # reconnect next time
            return [retrying(action, error, self.backoff, now) for action in claimed]

    def connect(self) -> Gateway:
        if self.gateway is None:
            self.gateway = Gateway.connect(self.app.config["ODOO"], timeout=self.timeout)
            log.info("connected to %s", self.gateway.describe())
        return self.gateway

    def mapping(self, session, gateway: Gateway) -> Mapping:
        """Read again after `mapping_ttl` (for changes in Odoo) or at once when the app's locations changed."""
        locations = app_locations(session)
        if self._mapping is None or time.monotonic() - self._mapping_at > self.mapping_ttl or \
                set(self._mapping.app_locations.values()) != set(locations):
            self._mapping = load_mapping(gateway, locations)
            self._mapping_at = time.monotonic()
        return self._mapping


def run_worker(app: Flask, once: bool, wait_seconds: float = 0.0, **options) -> dict:
    worker = Worker(app, **options)
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, worker.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return worker.run(once=once, wait_seconds=wait_seconds)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
