"""The journal store the sync engine works through: claim due actions in order, record how each push ended, and
the supervisor's decisions (retry, void, resolve) with who and why.

Ownership: one worker owns a location's queue at a time. On PostgreSQL the claim locks rows with
`FOR UPDATE SKIP LOCKED` and the worker holds a session advisory lock per location for as long as it pushes; on
SQLite one worker at a time holds a file lock next to the database. The lock dies with its process, so an action
left `syncing` by a killed worker is claimed again by the next owner of its location — never by two at once.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from .audit import record
from .models import (NEEDS_ATTENTION, OPEN_STATUSES, RECEIVED, RESOLVED, RETRYING, STATUSES, SYNCED, SYNCING,
                     VOIDED, Action, User, aware, utcnow)


@dataclass(frozen=True)
class QueuedAction:
    """An action as the sync engine pushes it: what the device recorded plus where it stands."""
    seq: int
    id: str
    type: str
    location_code: str
    encounter: str | None
    created_at: datetime
    lines: list[dict]
    payload: dict
    attempts: int  # claims so far, this one included
    odoo_refs: dict = field(default_factory=dict)
    user_login: str | None = None
    device_id: str | None = None

    @property
    def floor_charge(self) -> bool:
        return self.payload.get("floor_charge") is True

    @property
    def first_attempt(self) -> bool:
        """Claimed for the first time: no earlier push can have left anything behind."""
        return self.attempts <= 1


class SupervisorError(Exception):
    """A supervisor operation that does not apply to the action as it stands; the message says why."""


# Queue ownership

class QueueLock:
    """The right to push some locations' actions; `owns(code)` takes a location if no other worker holds it.

    `in_hand` holds the actions this worker claimed and has not finished: `syncing`, but not orphans.
    """

    in_hand: set[str]

    def owns(self, location_code: str) -> bool:
        raise NotImplementedError

    def release(self, location_code: str) -> None:
        """Lets other workers take this location again."""

    def release_locations(self) -> None:
        """Lets other workers take the locations pushed in the last batch."""
        self.in_hand.clear()

    def close(self) -> None:
        pass

    def __enter__(self) -> "QueueLock":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


class FileQueueLock(QueueLock):
    """SQLite: one worker process at a time for the whole journal."""

    def __init__(self, path: Path, wait_seconds: float | None = None, on_wait=None):
        self.path = path
        self.in_hand = set()
        self.handle = open(path, "a+")
        deadline = None if wait_seconds is None else time.monotonic() + wait_seconds
        told = False
        while True:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    self.handle.close()
                    raise TimeoutError(f"another sync worker holds {path}") from None
                if on_wait and not told:
                    on_wait(f"Another sync worker is running on this journal ({path}); waiting for it to stop.")
                    told = True
                time.sleep(0.2)
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(str(os.getpid()))
        self.handle.flush()

    def owns(self, location_code: str) -> bool:
        return True

    def close(self) -> None:
        if not self.handle.closed:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()


class AdvisoryQueueLock(QueueLock):
    """PostgreSQL: a session advisory lock per location on a connection of its own, held while its actions are
    pushed; the server drops it the moment the worker's connection dies."""

    NAMESPACE = "ward-supply-queue:"

    def __init__(self, engine: Engine):
        self.connection: Connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.held: set[str] = set()
        self.in_hand = set()

    @classmethod
    def key(cls, location_code: str) -> int:
        digest = hashlib.sha256((cls.NAMESPACE + location_code).encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    def owns(self, location_code: str) -> bool:
        if location_code in self.held:
            return True
        taken = self.connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                        {"key": self.key(location_code)}).scalar()
        if taken:
            self.held.add(location_code)
        return bool(taken)

    def release(self, location_code: str) -> None:
        if location_code in self.held:
            self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key(location_code)})
            self.held.discard(location_code)

    def release_locations(self) -> None:
        for code in list(self.held):
            self.release(code)
        self.in_hand.clear()

    def close(self) -> None:
        try:
            self.release_locations()
        finally:
            self.connection.close()


def queue_lock(engine: Engine, wait_seconds: float | None = None, on_wait=None) -> QueueLock:
    if engine.dialect.name == "postgresql":
        return AdvisoryQueueLock(engine)
    database = engine.url.database
    if not database or database == ":memory:":
        raise ValueError("the sync worker needs a journal in a file or on PostgreSQL")
    return FileQueueLock(Path(f"{database}.sync-lock"), wait_seconds, on_wait)


# Claiming

def _queued(action: Action) -> QueuedAction:
    return QueuedAction(seq=action.seq, id=action.id, type=action.type, location_code=action.location_code,
                        encounter=action.encounter, created_at=aware(action.created_at), lines=list(action.lines),
                        payload=json.loads(action.payload), attempts=action.attempts,
                        odoo_refs=dict(action.odoo_refs or {}),
                        user_login=action.user.login if action.user else None, device_id=action.device_id)


def _is_due(action: Action, now: datetime, in_hand: set[str]) -> bool:
    if action.status == RETRYING:
        return action.next_attempt_at is None or aware(action.next_attempt_at) <= now
    if action.status == SYNCING:
        # Seen by the owner of its location and not claimed by it: the worker that claimed it died mid-push, and
        # the push resumes where it stopped.
        return action.id not in in_hand
    return action.status == RECEIVED


def claim(session: Session, lock: QueueLock, limit: int = 100, now: datetime | None = None) -> list[QueuedAction]:
    """Claims due actions and marks them `syncing`, committing before any of them is pushed.

    Per location only the head of its queue is taken: the unbroken run of due actions of one type from its oldest
    unfinished action (`created_at`, then arrival order). Whatever stands behind an unfinished action that is not
    due (waiting to retry, or held by another worker) waits too.
    """
    now = now or utcnow()
    rank = func.row_number().over(partition_by=Action.location_code,
                                  order_by=(Action.created_at, Action.seq)).label("rank")
    ranked = select(Action.seq, Action.location_code, rank).where(Action.status.in_(OPEN_STATUSES)).subquery()
    heads = session.execute(select(ranked.c.seq, ranked.c.location_code, ranked.c.rank)
                            .where(ranked.c.rank <= limit)).all()
    if not heads:
        session.rollback()
        return []
    first_open = {code: seq for seq, code, position in heads if position == 1}
    query = select(Action).where(Action.seq.in_([seq for seq, _code, _rank in heads]),
                                 Action.status.in_(OPEN_STATUSES))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Action)
    queues: dict[str, list[Action]] = {}
    for action in sorted(session.scalars(query), key=lambda a: (aware(a.created_at), a.seq)):
        queues.setdefault(action.location_code, []).append(action)
    chosen: list[Action] = []
    for code, queue in queues.items():  # oldest head first
        if len(chosen) >= limit:
            break
        # The run must start at the location's oldest open action: one locked by another claim is never overtaken.
        if queue[0].seq != first_open.get(code) or not lock.owns(code):
            continue
        run = _head_run(queue, now, lock.in_hand)[: limit - len(chosen)]
        if run:
            chosen.extend(run)
        else:
            lock.release(code)
    for action in chosen:
        action.status = SYNCING
        action.attempts = (action.attempts or 0) + 1
        action.next_attempt_at = None
    claimed = [_queued(action) for action in chosen]
    session.commit()
    lock.in_hand.update(action.id for action in claimed)
    return claimed


def _head_run(queue: list[Action], now: datetime, in_hand: set[str]) -> list[Action]:
    run: list[Action] = []
    for action in queue:
        if not _is_due(action, now, in_hand) or (run and action.type != run[0].type):
            break
        run.append(action)
    return run


# How a push ended. Each result applies only to an action still `syncing`: a supervisor's decision taken
# meanwhile stands.

@dataclass(frozen=True)
class PushResult:
    action_id: str
    status: str  # synced, retrying or needs_attention
    refs: dict | None = None  # the Odoo records the action made or touched
    error: str | None = None  # Odoo's message, or why the action cannot go through
    next_attempt_at: datetime | None = None  # retrying only


def finish(session: Session, results: list[PushResult]) -> int:
    """Records a batch of push results in one transaction; returns how many actions changed."""
    changed = 0
    now = utcnow()
    for result in results:
        values: dict = {"status": result.status}
        if result.refs:
            values["odoo_refs"] = result.refs
        if result.status == SYNCED:
            values.update(synced_at=now, last_error=None, next_attempt_at=None)
        elif result.status == RETRYING:
            values.update(last_error=(result.error or "")[:4000], next_attempt_at=result.next_attempt_at or now)
        elif result.status == NEEDS_ATTENTION:
            values.update(last_error=(result.error or "")[:4000], next_attempt_at=None)
        else:
            raise ValueError(f"a push cannot end as {result.status!r}")
        changed += session.execute(update(Action).where(Action.id == result.action_id, Action.status == SYNCING)
                                   .values(**values)).rowcount
    session.commit()
    return changed


# Reading the queue

def find(session: Session, action_id: str) -> Action | None:
    return session.scalar(select(Action).where(Action.id == action_id.strip().lower()[:36]))


def list_actions(session: Session, status: str | None = None, location: str | None = None,
                 limit: int = 200) -> list[Action]:
    query = select(Action).order_by(Action.created_at, Action.seq).limit(limit)
    if status:
        if status not in STATUSES:
            raise SupervisorError(f"{status!r} is not a status; use one of {', '.join(STATUSES)}.")
        query = query.where(Action.status == status)
    if location:
        query = query.where(Action.location_code == location)
    return list(session.scalars(query))


def count_open(session: Session) -> dict[str, int]:
    counts = dict.fromkeys(OPEN_STATUSES, 0)
    counts.update(session.execute(select(Action.status, func.count()).where(Action.status.in_(OPEN_STATUSES))
                                  .group_by(Action.status)).all())
    return counts


def next_due_at(session: Session) -> datetime | None:
    """When the earliest waiting retry falls due (None when nothing waits)."""
    return aware(session.scalar(select(Action.next_attempt_at).where(Action.status == RETRYING)
                                .order_by(Action.next_attempt_at).limit(1)))


# Supervisor decisions: each one audited with who and why, committed together.

def _decide(session: Session, action_id: str, allowed: tuple[str, ...], event: str, actor: str,
            reason: str | None, **values) -> Action:
    action = find(session, action_id)
    if action is None:
        raise SupervisorError(f"No action {action_id!r}.")
    if action.status not in allowed:
        raise SupervisorError(f"Action {action.id} is {action.status}; this applies only to an action that is "
                              f"{' or '.join(allowed)}.")
    before = {"status": action.status, "attempts": action.attempts, "last_error": action.last_error}
    result = session.execute(update(Action).where(Action.seq == action.seq, Action.status == action.status)
                             .values(**values))
    if result.rowcount != 1:
        session.rollback()
        raise SupervisorError(f"Action {action.id} changed while deciding; look again.")
    record(event, actor=actor, role=_roles(session, actor), subject=action.id, before=before,
           after={"status": values["status"]}, reason=reason)
    session.commit()
    session.refresh(action)
    return action


def _roles(session: Session, actor: str) -> str | None:
    user = session.scalar(select(User).where(User.login == actor))
    return user.roles if user else None


def retry(session: Session, action_id: str, actor: str, reason: str | None = None) -> Action:
    """Puts an action back in the queue at once (after a fix in Odoo, or to skip the wait of a retry)."""
    return _decide(session, action_id, (NEEDS_ATTENTION, RETRYING), "action_retried", actor, reason,
                   status=RECEIVED, next_attempt_at=None)


def void(session: Session, action_id: str, actor: str, reason: str) -> Action:
    """Takes an action out of the queue for good: it will never reach Odoo. Kept, never deleted."""
    if not reason or not reason.strip():
        raise SupervisorError("Say why the action is voided.")
    return _decide(session, action_id, (RECEIVED, RETRYING, NEEDS_ATTENTION), "action_voided", actor, reason,
                   status=VOIDED, resolved_by=actor, resolved_at=utcnow(), resolution=reason.strip())


def resolve(session: Session, action_id: str, actor: str, reason: str) -> Action:
    """Closes an action whose effect a supervisor made in Odoo by hand."""
    if not reason or not reason.strip():
        raise SupervisorError("Say how the action was resolved.")
    return _decide(session, action_id, (NEEDS_ATTENTION, RETRYING), "action_resolved", actor, reason,
                   status=RESOLVED, resolved_by=actor, resolved_at=utcnow(), resolution=reason.strip())
