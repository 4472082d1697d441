"""Issue to a patient (charge capture): the encounter first — the wristband scanned or the number typed — then the
items used, each with its quantity (a pack barcode counts packs) and the lot and expiry its scan carried; a confirmed
`issue` action goes to the outbox. The sync engine charges the billable lines to the encounter's draft invoice. Where
policy allows it (FLOOR_CHARGE_ROLES) the issue may instead be a floor charge to the department.

The item lookup answers here online and on the device offline from the same fragment templates (README, "How
screens work offline"); the encounter step, the shift's recent encounters and a supervisor's override of a stock
freeze live on the device (static/js/ward.js).
"""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from .actions import ACTION_TYPES, may_floor_charge
from .auth import roles_required
from .screens import BLANK_ITEM, ItemView, item_fragment, ward_locations

bp = Blueprint("issue", __name__, url_prefix="/issue")

ROLES = ACTION_TYPES["issue"].roles


def issue_view(item: ItemView) -> dict:
    """What the item fragment shows; static/js/ward.js builds the same offline from the device's catalog."""
    return {**item.as_dict(), "charge_note": "Billable" if item.billable else ""}


@bp.get("/")
@roles_required(*ROLES)
def index():
    return render_template("issue/index.html", locations=ward_locations(current_user),
                           floor_charge=may_floor_charge(current_user), item=issue_view(BLANK_ITEM))


@bp.get("/item")
@roles_required(*ROLES)
def item():
    return item_fragment("issue", issue_view)
