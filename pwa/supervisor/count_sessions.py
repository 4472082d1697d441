"""Count sessions from the desk: freeze locations, follow the counters, reconcile line by line, apply or cancel.

The same functions as the count-session API (pwa.counts); each decision on a line is an htmx request that redraws
the line and the summary of what is still pending.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import db
from ..auth import roles_required
from ..counts import (COUNTABLE_KINDS, CountError, apply_qty, cancel_session, check_scope, close, contributions,
                      decide, difference, expected_at_count, find_session, lines_of, pending, start_session,
                      visible_sessions)
from ..freezes import active_freezes
from ..models import APPLIED, CountLine, Location, Product
from . import bp
from .common import csv_response, is_htmx, scope


def _context(count_session) -> dict:
    session = db.session()
    lines = lines_of(session, count_session)
    names = dict(session.execute(select(Product.ref, Product.name)
                                 .where(Product.ref.in_({line.ref for line in lines}))).all()) if lines else {}
    found = contributions(session, count_session)
    by_counter: dict[str, dict] = {}
    for contribution in found:
        entry = by_counter.setdefault(contribution.user, {"user": contribution.user, "lines": 0, "units": 0.0,
                                                          "last": contribution.at})
        entry["lines"] += 1
        entry["units"] += contribution.qty
        entry["last"] = max(entry["last"], contribution.at)
    # What needs the supervisor first: lines waiting for approval, then recounts, then the rest.
    lines.sort(key=lambda line: ({"pending": 0, "recount": 1}.get(line.decision, 2), line.location_code, line.ref,
                                 line.lot))
    return {"count_session": count_session, "lines": lines, "names": names, "pending": pending(lines),
            "counters": sorted(by_counter.values(), key=lambda e: e["user"]), "counted_lines": len(found),
            "difference": difference, "expected_at_count": expected_at_count, "apply_qty": apply_qty}


@bp.get("/counts")
@roles_required("supervisor")
def counts():
    session = db.session()
    frozen = active_freezes(session)
    choices = list(session.scalars(select(Location).where(Location.code.in_(scope()), Location.active.is_(True),
                                                          Location.kind.in_(COUNTABLE_KINDS))
                                   .order_by(Location.kind.desc(), Location.code)))
    recent = visible_sessions(session, current_user, statuses=None)[:30]
    return render_template("supervisor/counts.html", choices=choices, frozen=frozen, recent=recent)


@bp.post("/counts")
@roles_required("supervisor")
def start_count():
    session = db.session()
    codes = request.form.getlist("location")
    if not codes:
        flash("Choose at least one location to count.", "error")
        return redirect(url_for("supervisor.counts"))
    note = request.form.get("note", "").strip()[:500] or None
    try:
        count_session = start_session(session, current_user, codes[:50], request.form.get("blind") == "on", note)
    except CountError as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("supervisor.counts"))
    session.commit()
    flash(f"Counting started: {', '.join(loc.name for loc in count_session.locations)} "
          "frozen until the count is applied or cancelled.", "info")
    return redirect(url_for("supervisor.count_session", session_id=count_session.id))


def _session_or_404(session_id: str):
    try:
        return find_session(db.session(), session_id, current_user)
    except CountError:
        abort(404)


@bp.get("/counts/<session_id>")
@roles_required("supervisor")
def count_session(session_id: str):
    return render_template("supervisor/count_session.html", **_context(_session_or_404(session_id)))


@bp.post("/counts/<session_id>/reconcile")
@roles_required("supervisor")
def reconcile_count(session_id: str):
    """Stop counting (or bring the reconciliation up to date with counts that came in since)."""
    return _close(session_id, apply=False)


@bp.post("/counts/<session_id>/apply")
@roles_required("supervisor")
def apply_count(session_id: str):
    return _close(session_id, apply=True)


def _close(session_id: str, apply: bool):
    session = db.session()
    count_session = _session_or_404(session_id)
    try:
        check_scope(count_session, current_user)
        made = close(session, count_session, current_user, [], apply)
    except CountError as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("supervisor.count_session", session_id=session_id))
    session.commit()
    if count_session.status == APPLIED:
        flash(f"Count applied: {len(made)} count action(s) journaled for Odoo; the freeze has ended.", "info")
    elif apply:
        waiting = pending(lines_of(session, count_session))
        flash(f"Not applied yet: {waiting['approval']} line(s) need your approval and {waiting['recount']} a "
              "recount.", "error")
    return redirect(url_for("supervisor.count_session", session_id=session_id))


@bp.post("/counts/<session_id>/lines/<int:line_id>")
@roles_required("supervisor")
def decide_line(session_id: str, line_id: int):
    session = db.session()
    count_session = _session_or_404(session_id)
    try:
        check_scope(count_session, current_user)
        decide(session, count_session, line_id, request.form.get("decision", ""), current_user)
    except CountError as error:
        session.rollback()
        if is_htmx():
            return (render_template("supervisor/_count_error.html", message=error.message), 200,
                    {"HX-Retarget": "#count-pending", "HX-Reswap": "outerHTML"})
        flash(error.message, "error")
        return redirect(url_for("supervisor.count_session", session_id=session_id))
    session.commit()
    if not is_htmx():
        return redirect(url_for("supervisor.count_session", session_id=session_id) + f"#line-{line_id}")
    context = _context(count_session)
    line = session.get(CountLine, line_id)
    return render_template("supervisor/_count_line_oob.html", line=line, **context)


@bp.post("/counts/<session_id>/cancel")
@roles_required("supervisor")
def cancel_count(session_id: str):
    session = db.session()
    count_session = _session_or_404(session_id)
    try:
        check_scope(count_session, current_user)
        cancel_session(session, count_session, current_user, request.form.get("reason", "")[:500])
    except CountError as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("supervisor.count_session", session_id=session_id))
    session.commit()
    flash("Count session cancelled; nothing was applied and the freeze has ended.", "info")
    return redirect(url_for("supervisor.count_session", session_id=session_id))


@bp.get("/counts/<session_id>.csv")
@roles_required("supervisor")
def count_csv(session_id: str):
    context = _context(_session_or_404(session_id))
    rows = [[line.location_code, line.ref, context["names"].get(line.ref, ""), line.lot, line.expected,
             line.moved_before_count, expected_at_count(line), line.counted, difference(line),
             round(difference(line) * line.unit_value, 2), line.moved_after_count, apply_qty(line),
             "yes" if line.needs_approval else "no", line.decision, line.decided_by,
             "; ".join(f"{c['user']} {c['qty']:g}" for c in line.counts)] for line in context["lines"]]
    return csv_response(f"count-{session_id[:8]}.csv",
                        ["location", "product", "name", "lot", "expected at snapshot", "moved before count",
                         "expected at count", "counted", "difference", "value difference", "moved after count",
                         "quantity applied", "needs approval", "decision", "decided by", "counted by"], rows)

