"""Return: unused items back on the department's shelf, each with a reason; against an encounter (or a floor charge)
when they had been charged, so a cancelled procedure reverses the charge. A confirmed `return` action goes to the
outbox; the sync engine moves the stock back and adds a credit line to the encounter's draft invoice.

Odoo takes a lot-tracked item back only into its own lot: when the scan carried none, the item card asks for it.
The lookup answers here online and on the device offline from the same fragment templates (README, "How screens
work offline"); the encounter step and the freeze override are static/js/ward.js, shared with Issue.
"""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from .actions import ACTION_TYPES, may_floor_charge
from .auth import roles_required
from .screens import BLANK_ITEM, ItemView, item_fragment, ward_locations

bp = Blueprint("returns", __name__, url_prefix="/return")

ROLES = ACTION_TYPES["return"].roles
REASONS = (("unused", "Not used, still sealed"), ("procedure-cancelled", "Procedure cancelled"),
           ("wrong-item", "Wrong item taken"), ("other", "Other"))


def return_view(item: ItemView) -> dict:
    """What the item fragment shows; static/js/ward.js builds the same offline from the device's catalog."""
    # An ambiguous scan asks which reading is right instead (templates/scan/_ambiguous.html).
    needs_lot = item.tracking in ("lot", "serial") and not (item.lot or item.serial or item.ambiguous)
    return {**item.as_dict(), "needs_lot": "yes" if needs_lot else "",
            "lot_label": "Serial number" if item.tracking == "serial" else "Lot number"}


@bp.get("/")
@roles_required(*ROLES)
def index():
    return render_template("returns/index.html", locations=ward_locations(current_user), reasons=REASONS,
                           floor_charge=may_floor_charge(current_user), item=return_view(BLANK_ITEM))


@bp.get("/item")
@roles_required(*ROLES)
def item():
    return item_fragment("returns", return_view, reasons=REASONS)
