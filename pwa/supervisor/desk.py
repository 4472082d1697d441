"""The desk's front page: what is waiting, what is frozen, how far behind the sync is."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from .. import db
from ..auth import roles_required
from ..counts import visible_sessions
from ..models import OPEN_STATUSES, Action
from ..unknown import shown_raw
from . import bp
from .common import age, ago, scope, when
from .exceptions import queue


@bp.context_processor
def desk_helpers() -> dict:
    return {"age": age, "ago": ago, "when": when, "shown_raw": shown_raw}


@bp.get("/")
@roles_required("supervisor")
def index():
    session = db.session()
    codes = scope()
    waiting = queue(session, codes)
    sessions = [{"label": ", ".join(loc.name for loc in cs.locations) + f" ({cs.status})"}
                for cs in visible_sessions(session, current_user)]
    backlog = session.scalar(select(func.count()).select_from(Action).where(
        Action.status.in_(OPEN_STATUSES), Action.location_code.in_(codes)))
    return render_template("supervisor/index.html", exceptions=len(waiting),
                           oldest=age(waiting[0].made_at) if waiting else None, sessions=sessions, backlog=backlog)

