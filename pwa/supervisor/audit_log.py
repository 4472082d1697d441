"""The audit log: who (and in which role, on which device), when (the device's time and the server's), what, the
state before and after, and the reason — for every sign-in, decision and override. Viewable and as CSV.

A supervisor sees the entries about their own locations and those tied to no location; an administrator sees
every entry.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import db
from ..auth import roles_required
from ..models import Action, AuditEntry, CountSession
from . import bp
from .common import aware, csv_response, scope

PAGE = 100
CSV_LIMIT = 50000
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Row:
    entry: AuditEntry
    device_at: datetime | None  # when the device made the action the entry is about
    locations: set[str]

    def as_csv(self) -> list:
        e = self.entry
        return [e.id, aware(e.at), self.device_at, e.actor, e.role, e.device_id, e.event, e.subject,
                ", ".join(sorted(self.locations)), _json(e.before), _json(e.after), e.reason]


def _json(value: dict | None) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False) if value else ""


def _ids(subject: str | None, prefix: str) -> str | None:
    if not subject:
        return None
    match = UUID.search(subject)
    if match and (subject.startswith(prefix) or subject == match.group(0)):
        return match.group(0)
    return None


def _named_locations(value: dict | None) -> set[str]:
    found = set()
    if isinstance(value, dict):
        if isinstance(value.get("location"), str):
            found.add(value["location"])
        if isinstance(value.get("locations"), list):
            found |= {code for code in value["locations"] if isinstance(code, str)}
    return found


def annotate(session: Session, entries: list[AuditEntry]) -> list[Row]:
    """Each entry with the device time and locations of what it is about (an action, a count session)."""
    action_ids = {i for e in entries if (i := _ids(e.subject, "action"))}
    session_ids = {i for e in entries if (i := _ids(e.subject, "count session"))}
    actions = {row.id: (row.created_at, row.location_code) for row in session.execute(
        select(Action.id, Action.created_at, Action.location_code).where(Action.id.in_(action_ids)))} \
        if action_ids else {}
    sessions = {cs.id: {loc.code for loc in cs.locations} for cs in session.scalars(
        select(CountSession).where(CountSession.id.in_(session_ids)))} if session_ids else {}
    rows = []
    for entry in entries:
        locations = _named_locations(entry.before) | _named_locations(entry.after)
        device_at = None
        action_id = _ids(entry.subject, "action")
        if action_id in actions:
            device_at = aware(actions[action_id][0])
            locations.add(actions[action_id][1])
        session_id = _ids(entry.subject, "count session")
        if session_id in sessions:
            locations |= sessions[session_id]
        rows.append(Row(entry, device_at, locations))
    return rows


def _filters() -> tuple[list, dict]:
    args = request.args
    criteria, shown = [], {}
    for name, column in (("event", AuditEntry.event), ("actor", AuditEntry.actor)):
        value = args.get(name, "").strip()[:80]
        if value:
            criteria.append(column == value)
            shown[name] = value
    text = args.get("q", "").strip()[:100]
    if text:
        criteria.append(AuditEntry.subject.contains(text, autoescape=True))
        shown["q"] = text
    for name, compare in (("from", lambda day: AuditEntry.at >= day),
                          ("to", lambda day: AuditEntry.at < day + timedelta(days=1))):
        try:
            day = datetime.combine(date.fromisoformat(args.get(name, "")), time(), tzinfo=timezone.utc)
        except ValueError:
            continue
        criteria.append(compare(day))
        shown[name] = day.date().isoformat()
    return criteria, shown


def visible_rows(session: Session, criteria: list, limit: int, before_id: int | None = None) -> list[Row]:
    """Newest first; a supervisor's view skips entries about other locations (and reads on to fill the page)."""
    everything = current_user.has_role("admin")
    codes = scope()
    rows: list[Row] = []
    cursor = before_id
    while len(rows) < limit:
        query = select(AuditEntry).where(*criteria).order_by(AuditEntry.id.desc()).limit(limit * 2)
        if cursor is not None:
            query = query.where(AuditEntry.id < cursor)
        batch = list(session.scalars(query))
        if not batch:
            break
        cursor = batch[-1].id
        rows += [row for row in annotate(session, batch) if everything or not row.locations
                 or row.locations & codes]
    return rows[:limit]


@bp.get("/audit")
@roles_required("supervisor", "admin")
def audit():
    criteria, shown = _filters()
    before = request.args.get("before", "")
    rows = visible_rows(db.session(), criteria, PAGE, int(before) if before.isdigit() else None)
    events = sorted(db.session().scalars(select(AuditEntry.event).distinct()))
    more = rows[-1].entry.id if len(rows) == PAGE else None
    return render_template("supervisor/audit.html", rows=rows, shown=shown, events=events, more=more,
                           args={k: v for k, v in shown.items()})


@bp.get("/audit.csv")
@roles_required("supervisor", "admin")
def audit_csv():
    criteria, _shown = _filters()
    rows = visible_rows(db.session(), criteria, CSV_LIMIT)
    return csv_response("audit-log.csv", ["id", "server time", "device time", "who", "role", "device", "what",
                                          "subject", "locations", "before", "after", "reason"],
                        [row.as_csv() for row in rows])
