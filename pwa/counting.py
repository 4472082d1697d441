"""Count: a counter's blind count of a location a supervisor has frozen for a count session. Scan what is on the
shelf, lot by lot (a lot-tracked item needs its lot, a serial one its serial), with the quantity found; saving sends
a `count` action naming the session. Nothing expected is ever shown; several counters' counts add up on the server
(pwa/counts.py). The session's recount requests are shown when online.

Online the server answers each step; offline the device answers from its catalog (the freezes it knows give the
sessions and locations), with the same fragment templates (README, "How screens work offline").
"""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from . import db
from .actions import ACTION_TYPES
from .auth import roles_required
from .counts import CountError, find_session, session_json
from .freezes import active_freezes
from .screens import BLANK_ITEM, find_item

bp = Blueprint("count", __name__, url_prefix="/count")

ROLES = ACTION_TYPES["count"].roles


def counting_places() -> list[dict]:
    """Every location of the user's that an open count session holds: where they may count now."""
    names = {loc.code: loc.name for loc in current_user.locations}
    places = [{"code": code, "name": names[code], "session": freeze.session_id,
               "started_at": freeze.started_at.strftime("%H:%M")}
              for code, freeze in active_freezes(db.session()).items() if code in names]
    return sorted(places, key=lambda place: place["name"])


@bp.get("/")
@roles_required(*ROLES)
def index():
    return render_template("count/index.html", places=counting_places(), item=BLANK_ITEM)


@bp.get("/item")
@roles_required(*ROLES)
def item():
    raw = request.args.get("scan", "")
    found = find_item(db.session(), raw)
    if found is None:
        return render_template("count/_unknown.html", scan=raw[:200]), 200, {"Vary": "HX-Request"}
    return render_template("count/_item.html", item=found), 200, {"Vary": "HX-Request"}


@bp.get("/recount")
@roles_required(*ROLES)
def recount():
    """What the supervisor sent back to be counted again at this location (never the quantities)."""
    location = request.args.get("location", "")
    try:
        count_session = find_session(db.session(), request.args.get("count_session", ""), current_user)
    except CountError:
        items = []
    else:
        items = [line for line in session_json(db.session(), count_session, current_user)["recount"]
                 if line["location"] == location]
    return render_template("count/_recount.html", items=items, offline=""), 200, {"Vary": "HX-Request"}
