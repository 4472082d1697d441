"""The home screen of each role, and the supervisor's plain view of the journal."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from . import db
from .auth import roles_required
from .models import Action, ROLES, STATUSES

bp = Blueprint("home", __name__)


@dataclass(frozen=True)
class Workflow:
    title: str
    description: str
    roles: tuple[str, ...]
    endpoint: str | None = None  # None: not built yet, shown as coming


WORKFLOWS = (
    Workflow("Issue to patient", "Scan the encounter, then the items used.", ("requester", "supervisor"),
             "issue.index"),
    Workflow("Requisition", "Order supplies back up to par.", ("requester", "supervisor"), "requisition.index"),
    Workflow("My requisitions", "Where each order stands: sent, picked, on its way, arrived.",
             ("requester", "supervisor"), "requisition.mine"),
    Workflow("Confirm arrival", "Check in a delivery to the ward.", ("requester", "receiver", "supervisor"),
             "arrival.index"),
    Workflow("Return", "Put unused items back on the shelf.", ("requester", "supervisor"), "returns.index"),
    Workflow("Waste", "Record expired, damaged or opened items.", ("requester", "receiver", "supervisor"),
             "waste.index"),
    Workflow("Receive", "Receive a purchase order with lots and expiry.", ("receiver", "supervisor"),
             "receive.index"),
    Workflow("Count", "Blind count of a location.", ("counter", "supervisor"), "count.index"),
    Workflow("Supervisor's desk", "Exceptions, count sessions and freezes, KPIs, recall lookup, audit log.",
             ("supervisor",), "supervisor.index"),
    Workflow("Journal", "Every action received and where it stands.", ("supervisor",), "home.journal"),
    Workflow("Users and devices", "Accounts, roles, locations, badges and PINs; tablets and Odoo.", ("admin",),
             "admin.users"),
    Workflow("Switch user", "Hand this tablet over: badge and PIN.", ROLES, "badges.switch"),
    Workflow("Outbox", "What this tablet has recorded and whether the server has it.", ROLES, "device.outbox"),
    Workflow("Labels", "Print location, bin, badge and demo item labels to scan.", ("supervisor", "admin"),
             "labels.index"),
    Workflow("Unknown items", "Barcodes scanned on the wards that no item carries.", ("supervisor",),
             "unknown.index"),
)


@bp.get("/")
@roles_required()
def index():
    mine = [w for w in WORKFLOWS if current_user.has_role(*w.roles)]
    return render_template("home/index.html", workflows=mine)


@bp.get("/journal")
@roles_required("supervisor")
def journal():
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    scope = [loc.code for loc in current_user.locations]
    query = select(Action).where(Action.location_code.in_(scope)).order_by(Action.seq.desc()).limit(200)
    if status:
        query = query.where(Action.status == status)
    counts = dict(db.session().execute(select(Action.status, func.count()).where(Action.location_code.in_(scope))
                                       .group_by(Action.status)).all())
    actions = db.session().scalars(query).all()
    return render_template("home/journal.html", actions=actions, counts=counts, statuses=STATUSES,
                           status=status)
