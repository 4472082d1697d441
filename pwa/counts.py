"""Count sessions (DESIGN §5): freeze locations with a snapshot, gather blind counts, reconcile, apply.

A supervisor starts a session over one or more locations: they freeze (pwa.freezes) and what the journal knows
to be on hand there is kept as the snapshot. Counters send `count` actions naming the session; several counters'
lines add up per product and lot, each attributed. Closing reconciles every product and lot against the snapshot
and the moves made after it (before or after the item was counted), and the supervisor decides per line: use the
count (approval needed above the variance), or recount. Applying journals one `count` action per location, made
by the server in the approving supervisor's name, which the sync engine pushes as Odoo inventory adjustments;
then the freeze ends.

The API routes are on API v1's blueprint; the supervisor's pages call the same functions.
"""
from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, g, jsonify, request
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import db, generated
from .actions import Refusal
from .api import ApiError, bp, json_object
from .audit import record
from .auth import api_error, require_token, roles_required
from .freezes import active_freezes, aware, session_named
from .models import (APPLIED, CANCELLED, COUNTING, FREEZING_STATUSES, RECONCILING, VOIDED,
                     Action, CountExpected, CountLine, CountSession, Counter, Location, Product, User, utcnow)
from .onhand import Key, known_on_hand, line_lot, movements

COUNTABLE_KINDS = ("store", "department")
MAX_LOCATIONS = 50
DECISIONS = ("use_count", "recount")
PENDING, USE_COUNT, RECOUNT = "pending", "use_count", "recount"


class CountError(Exception):
    """A request the count workflow refuses: HTTP status, a code a program can test, a sentence for a person."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Contribution:
    """One counter's line: how many of a product and lot they found at a location, and when."""
    action_id: str
    key: Key
    qty: float
    user: str
    at: datetime

    def as_json(self) -> dict:
        return {"location": self.key[0], "product": self.key[1], "lot": self.key[2] or None, "qty": self.qty,
                "user": self.user, "action": self.action_id, "at": self.at.isoformat()}


# Starting

def start_session(session: Session, supervisor: User, codes: list[str], blind: bool = True,
                  note: str | None = None) -> CountSession:
    """Freezes the locations and takes the snapshot; the caller commits."""
    _serialise_starts(session)
    found = {loc.code: loc for loc in session.scalars(select(Location).where(Location.code.in_(codes)))}
    scope = {loc.code for loc in supervisor.locations}
    for code in codes:
        location = found.get(code)
        if location is None or not location.active:
            raise CountError(400, "unknown_location", f"{code!r} is not a location this hospital knows.")
        if location.kind not in COUNTABLE_KINDS:
            raise CountError(400, "not_countable", f"{location.name} holds no shelf stock to count.")
        if code not in scope:
            raise CountError(403, "location_not_allowed", f"{supervisor.login} may not count {location.name}.")
    frozen = active_freezes(session)
    busy = [found[code].name for code in codes if code in frozen]
    if busy:
        raise CountError(409, "already_frozen", f"{', '.join(busy)} is already being counted: close that count "
                                                "session first.")
    now = utcnow()
    count_session = CountSession(id=str(uuid.uuid4()), status=COUNTING, blind=blind, note=note, started_at=now,
                                 started_by=supervisor.login, locations=[found[code] for code in codes])
    session.add(count_session)
    for (code, ref, lot), qty in sorted(known_on_hand(session, set(codes), at=now).items()):
        if qty:
            session.add(CountExpected(session_id=count_session.id, location_code=code, ref=ref, lot=lot, qty=qty))
    record("count_session_started", actor=supervisor.login, role=supervisor.roles, device_id=_device(),
           subject=f"count session {count_session.id}", after={"locations": codes, "blind": blind, "note": note})
    return count_session


def _serialise_starts(session: Session) -> None:
    """Two supervisors freezing the same shelf at once: the second waits here, then sees the first's freeze."""
    if session.get(Counter, "count_sessions") is None:
        session.add(Counter(name="count_sessions", value=0))
        session.flush()
    session.execute(update(Counter).where(Counter.name == "count_sessions").values(value=Counter.value + 1))


def _device() -> str | None:
    return g.api_token.device_id if "api_token" in g else None


# Counting

def contributions(session: Session, count_session: CountSession) -> list[Contribution]:
    """Every counter's line for this session, oldest first; voided counts left out."""
    codes = [loc.code for loc in count_session.locations]
    query = (select(Action).where(Action.type == "count", Action.location_code.in_(codes),
                                  Action.status != VOIDED, Action.received_at >= count_session.started_at)
             .order_by(Action.created_at, Action.seq))
    found = []
    for action in session.scalars(query):
        payload = json.loads(action.payload)
        if payload.get("generated_by") == "count_session" or session_named(payload) != count_session.id:
            continue
        for line in action.lines:
            found.append(Contribution(action.id, (action.location_code, line["ref"], line_lot(line)),
                                      line["units"], action.user.login, aware(action.created_at)))
    return found


# Reconciling

def lines_of(session: Session, count_session: CountSession) -> list[CountLine]:
    return list(session.scalars(select(CountLine).where(CountLine.session_id == count_session.id)
                                .order_by(CountLine.location_code, CountLine.ref, CountLine.lot)))


def expected_at_count(line: CountLine) -> float:
    return line.expected + line.moved_before_count


def difference(line: CountLine) -> float:
    return line.counted - expected_at_count(line)


def apply_qty(line: CountLine) -> float:
    """What the shelf holds now by this count: the count plus what moved after it was taken (never below 0)."""
    return max(0.0, line.counted + line.moved_after_count)


def needs_approval(diff: float, unit_value: float) -> bool:
    config = current_app.config
    return abs(diff) > config["COUNT_VARIANCE_UNITS"] or abs(diff) * unit_value > config["COUNT_VARIANCE_VALUE"]


def reconcile(session: Session, count_session: CountSession, now: datetime | None = None) -> list[CountLine]:
    """Brings every line up to date with the counts and moves so far; the caller commits.

    A line keeps the supervisor's decision while its numbers stay the same; a line waiting for a recount keeps
    its old numbers until a new count of it arrives. Lines within the variance are taken as counted.
    """
    if count_session.status not in FREEZING_STATUSES:
        raise CountError(409, "session_closed", "This count session is already closed.")
    now = now or utcnow()
    codes = {loc.code for loc in count_session.locations}
    started = aware(count_session.started_at)
    expected = {(e.location_code, e.ref, e.lot): e.qty for e in session.scalars(
        select(CountExpected).where(CountExpected.session_id == count_session.id))}
    lines = {(line.location_code, line.ref, line.lot): line for line in lines_of(session, count_session)}
    counted: dict[Key, list[Contribution]] = defaultdict(list)
    for contribution in contributions(session, count_session):
        line = lines.get(contribution.key)
        if line is None or line.recount_from is None or contribution.at > aware(line.recount_from):
            counted[contribution.key].append(contribution)
    moves: dict[Key, list] = defaultdict(list)
    for move in movements(session, codes, received_after=started):
        if not move.absolute and move.key[0] in codes:
            moves[move.key].append(move)
    keys = set(expected) | set(counted) | set(lines) | {key for key, found in moves.items()
                                                        if sum(m.qty for m in found)}
    prices = dict(session.execute(select(Product.ref, Product.price)
                                  .where(Product.ref.in_({key[1] for key in keys}))).all()) if keys else {}
    for key in sorted(keys):
        line = lines.get(key)
        if line is None:
            line = CountLine(session_id=count_session.id, location_code=key[0], ref=key[1], lot=key[2],
                             expected=0.0, moved_before_count=0.0, moved_after_count=0.0, counted=0.0, counts=[],
                             decision=PENDING)
            session.add(line)
            lines[key] = line
        found = counted.get(key, [])
        if line.decision == RECOUNT and not found:
            continue
        count_time = max((c.at for c in found), default=now)
        numbers = (expected.get(key, 0.0),
                   sum(m.qty for m in moves.get(key, []) if m.created_at <= count_time),
                   sum(m.qty for m in moves.get(key, []) if m.created_at > count_time),
                   sum(c.qty for c in found))
        changed = numbers != (line.expected, line.moved_before_count, line.moved_after_count, line.counted)
        line.expected, line.moved_before_count, line.moved_after_count, line.counted = numbers
        line.counts = [c.as_json() for c in found]
        line.unit_value = float(prices.get(key[1]) or 0)
        line.needs_approval = needs_approval(difference(line), line.unit_value)
        if line.decision == RECOUNT or changed or line.decision == PENDING:
            line.decision = PENDING if line.needs_approval else USE_COUNT
            line.decided_by, line.decided_at = None, None
    if count_session.status == COUNTING:
        count_session.status = RECONCILING
    count_session.reconciled_at = now
    session.flush()
    return lines_of(session, count_session)


def decide(session: Session, count_session: CountSession, line_id: int, decision: str, supervisor: User,
           now: datetime | None = None) -> CountLine:
    """The supervisor's word on one line: use the count (approving it if above the variance) or recount it."""
    if count_session.status != RECONCILING:
        raise CountError(409, "not_reconciling", "Close the counting first: there is nothing to decide yet.")
    if decision not in DECISIONS:
        raise CountError(400, "bad_decision", 'A decision is "use_count" or "recount".')
    line = session.get(CountLine, line_id) if isinstance(line_id, int) and not isinstance(line_id, bool) else None
    if line is None or line.session_id != count_session.id:
        raise CountError(400, "unknown_line", f"There is no line {line_id!r} in this count session.")
    now = now or utcnow()
    before = {"decision": line.decision, "counted": line.counted}
    line.decision, line.decided_by, line.decided_at = decision, supervisor.login, now
    if decision == RECOUNT:
        line.recount_from = now
        event = "count_recount_requested"
    else:
        event = "count_line_approved" if line.needs_approval else "count_line_accepted"
    record(event, actor=supervisor.login, role=supervisor.roles, device_id=_device(),
           subject=f"count session {count_session.id}", before=before,
           after={"line": line.id, "location": line.location_code, "product": line.ref, "lot": line.lot or None,
                  "expected": expected_at_count(line), "counted": line.counted, "difference": difference(line),
                  "decision": decision})
    return line


def pending(lines: list[CountLine]) -> dict:
    """What still stops the session from being applied."""
    return {"approval": sum(1 for line in lines if line.decision == PENDING),
            "recount": sum(1 for line in lines if line.decision == RECOUNT)}


# Applying

def apply_session(session: Session, count_session: CountSession, supervisor: User) -> list[Action]:
    """Journals the result, one `count` action per location, and ends the freeze; the caller commits."""
    lines = lines_of(session, count_session)
    waiting = pending(lines)
    if count_session.status != RECONCILING or any(waiting.values()):
        raise CountError(409, "not_ready", f"{waiting['approval']} line(s) need approval and {waiting['recount']} "
                                           "a recount before the count can be applied.")
    tracking = dict(session.execute(select(Product.ref, Product.tracking)
                                    .where(Product.ref.in_({line.ref for line in lines}))).all()) if lines else {}
    made = []
    for location in count_session.locations:
        mine = [line for line in lines if line.location_code == location.code]
        if not mine:
            continue
        raw = []
        for line in mine:
            item = {"product": line.ref, "qty": apply_qty(line)}
            if line.lot:
                item["serial" if tracking.get(line.ref) == "serial" else "lot"] = line.lot
            raw.append(item)
        action = generated.new_action("count", location.code, raw, supervisor, count_session=count_session.id,
                                      generated_by="count_session")
        try:
            row = generated.journal(session, action, supervisor)
        except Refusal as refusal:
            raise CountError(409, refusal.code, refusal.message) from None
        for line in mine:
            line.applied_action_id = row.id
        made.append(row)
    now = utcnow()
    count_session.status, count_session.ended_at, count_session.ended_by = APPLIED, now, supervisor.login
    record("count_session_applied", actor=supervisor.login, role=supervisor.roles, device_id=_device(),
           subject=f"count session {count_session.id}",
           after={"actions": [row.id for row in made], "lines": len(lines),
                  "variance_value": round(sum(difference(line) * line.unit_value for line in lines), 2)})
    return made


def cancel_session(session: Session, count_session: CountSession, supervisor: User, reason: str) -> None:
    """Ends the freeze without applying anything; the counters' lines stay in the journal, never applied."""
    if count_session.status not in FREEZING_STATUSES:
        raise CountError(409, "session_closed", "This count session is already closed.")
    if not reason.strip():
        raise CountError(400, "reason_required", "Say why the count session is cancelled.")
    before = count_session.status
    count_session.status, count_session.ended_at, count_session.ended_by = CANCELLED, utcnow(), supervisor.login
    record("count_session_cancelled", actor=supervisor.login, role=supervisor.roles, device_id=_device(),
           subject=f"count session {count_session.id}", before={"status": before},
           after={"status": CANCELLED}, reason=reason.strip())


# Reading

def visible_sessions(session: Session, user: User, statuses=FREEZING_STATUSES) -> list[CountSession]:
    scope = {loc.code for loc in user.locations}
    query = select(CountSession).order_by(CountSession.started_at.desc())
    if statuses:
        query = query.where(CountSession.status.in_(statuses))
    return [cs for cs in session.scalars(query.limit(200)) if scope & {loc.code for loc in cs.locations}]


def find_session(session: Session, session_id: str, user: User) -> CountSession:
    """The session if it exists and touches the user's locations; otherwise the same 404 as for an unknown id."""
    count_session = session.get(CountSession, session_id[:36])
    scope = {loc.code for loc in user.locations}
    if count_session is None or not scope & {loc.code for loc in count_session.locations}:
        raise CountError(404, "not_found", "No count session with this id.")
    return count_session


def line_json(line: CountLine, names: dict[str, str] | None = None) -> dict:
    diff = difference(line)
    return {"id": line.id, "location": line.location_code, "product": line.ref,
            "name": (names or {}).get(line.ref), "lot": line.lot or None, "expected": line.expected,
            "moved_before_count": line.moved_before_count, "moved_after_count": line.moved_after_count,
            "expected_at_count": expected_at_count(line), "counted": line.counted, "difference": diff,
            "value_difference": round(diff * line.unit_value, 2), "needs_approval": line.needs_approval,
            "decision": line.decision, "decided_by": line.decided_by, "apply_qty": apply_qty(line),
            "counts": line.counts, "applied_action": line.applied_action_id}


def session_json(session: Session, count_session: CountSession, user: User) -> dict:
    """The supervisor sees everything; a counter sees only their own counts and what to recount (blind)."""
    supervisor = user.has_role("supervisor")
    body = {"id": count_session.id, "status": count_session.status, "blind": count_session.blind,
            "note": count_session.note, "started_at": aware(count_session.started_at).isoformat(),
            "started_by": count_session.started_by,
            "reconciled_at": _iso(count_session.reconciled_at), "ended_at": _iso(count_session.ended_at),
            "ended_by": count_session.ended_by,
            "locations": [{"code": loc.code, "name": loc.name} for loc in count_session.locations]}
    found = contributions(session, count_session)
    body["counts"] = [c.as_json() for c in found if supervisor or c.user == user.login]
    lines = lines_of(session, count_session)
    body["recount"] = [{"location": line.location_code, "product": line.ref, "lot": line.lot or None}
                       for line in lines if line.decision == RECOUNT]
    if supervisor:
        names = dict(session.execute(select(Product.ref, Product.name)
                                     .where(Product.ref.in_({line.ref for line in lines}))).all()) if lines else {}
        body["lines"] = [line_json(line, names) for line in lines]
        body["pending"] = pending(lines)
        body["variance"] = {"units": current_app.config["COUNT_VARIANCE_UNITS"],
                            "value": current_app.config["COUNT_VARIANCE_VALUE"]}
    elif not count_session.blind:
        body["expected"] = [{"location": e.location_code, "product": e.ref, "lot": e.lot or None, "qty": e.qty}
                            for e in session.scalars(select(CountExpected)
                                                     .where(CountExpected.session_id == count_session.id))]
    return body


def _iso(moment: datetime | None) -> str | None:
    return aware(moment).isoformat() if moment else None


# API v1

@bp.errorhandler(CountError)
def count_error(error: CountError):
    return api_error(error.status, error.code, error.message)


@bp.post("/count-sessions")
@require_token
@roles_required("supervisor")
def create_count_session():
    body = json_object('{"locations": [codes], "blind": true}')
    codes, blind, note = body.get("locations"), body.get("blind", True), body.get("note")
    if not isinstance(codes, list) or not codes or len(codes) > MAX_LOCATIONS \
            or not all(isinstance(code, str) and 0 < len(code) <= 64 for code in codes):
        raise ApiError(400, "bad_shape", f'"locations" must be a list of 1 to {MAX_LOCATIONS} location codes.')
    if not isinstance(blind, bool):
        raise ApiError(400, "bad_shape", '"blind" must be true or false.')
    if note is not None and (not isinstance(note, str) or len(note) > 500):
        raise ApiError(400, "bad_shape", '"note" must be a short text.')
    session = db.session()
    count_session = start_session(session, g.api_token.user, list(dict.fromkeys(codes)), blind, note)
    session.commit()
    response = jsonify(session_json(session, count_session, g.api_token.user))
    response.status_code = 201
    return response


@bp.get("/count-sessions")
@require_token
@roles_required("counter", "supervisor")
def list_count_sessions():
    session = db.session()
    user = g.api_token.user
    return jsonify({"sessions": [{"id": cs.id, "status": cs.status, "blind": cs.blind,
                                  "started_at": aware(cs.started_at).isoformat(),
                                  "locations": [loc.code for loc in cs.locations]}
                                 for cs in visible_sessions(session, user)]})


@bp.get("/count-sessions/<session_id>")
@require_token
@roles_required("counter", "supervisor")
def get_count_session(session_id: str):
    session = db.session()
    user = g.api_token.user
    return jsonify(session_json(session, find_session(session, session_id, user), user))


@bp.post("/count-sessions/<session_id>/close")
@require_token
@roles_required("supervisor")
def close_count_session(session_id: str):
    body = json_object('{"decisions": [{"line": id, "decision": "use_count" | "recount"}], "apply": true}') \
        if request.get_data(cache=True) else {}
    decisions, wants_apply = body.get("decisions", []), body.get("apply", True)
    if not isinstance(decisions, list) or not isinstance(wants_apply, bool) or not all(
            isinstance(d, dict) and isinstance(d.get("line"), int) and d.get("decision") in DECISIONS
            for d in decisions):
        raise ApiError(400, "bad_shape", 'Send {"decisions": [{"line": id, "decision": "use_count" | "recount"}], '
                                         '"apply": true}.')
    session = db.session()
    user = g.api_token.user
    count_session = find_session(session, session_id, user)
    check_scope(count_session, user)
    close(session, count_session, user, [(d["line"], d["decision"]) for d in decisions], wants_apply)
    session.commit()
    return jsonify(session_json(session, count_session, user))


@bp.post("/count-sessions/<session_id>/cancel")
@require_token
@roles_required("supervisor")
def cancel_count_session(session_id: str):
    body = json_object('{"reason": "why"}')
    reason = body.get("reason")
    if not isinstance(reason, str) or len(reason) > 500:
        raise ApiError(400, "bad_shape", 'Send {"reason": "why the count is cancelled"}.')
    session = db.session()
    user = g.api_token.user
    count_session = find_session(session, session_id, user)
    check_scope(count_session, user)
    cancel_session(session, count_session, user, reason)
    session.commit()
    return jsonify(session_json(session, count_session, user))


def close(session: Session, count_session: CountSession, supervisor: User, decisions: list[tuple[int, str]],
          wants_apply: bool = True) -> list[Action]:
    """Reconcile, take the supervisor's decisions, and apply when nothing is left pending."""
    reconcile(session, count_session)
    for line_id, decision in decisions:
        decide(session, count_session, line_id, decision, supervisor)
    session.flush()
    if wants_apply and not any(pending(lines_of(session, count_session)).values()):
        return apply_session(session, count_session, supervisor)
    return []


def check_scope(count_session: CountSession, user: User) -> None:
    """Closing decides for every location of the session: the supervisor must hold them all."""
    scope = {loc.code for loc in user.locations}
    outside = [loc.name for loc in count_session.locations if loc.code not in scope]
    if outside:
        raise CountError(403, "location_not_allowed", f"{user.login} may not decide counts for {', '.join(outside)}.")
