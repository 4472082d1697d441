"""Waste: pick a location, scan what is thrown away with a reason, confirm; a `waste` action goes to the outbox.
A scan whose GS1 expiry has passed comes with the reason set to "Expired" and says so; one whose lot is still good
says that too, so an unexpired lot is not written off as expired by habit (static/js/waste.js offline).

The item lookup answers online here and offline on the device from the same fragment template (README, "How
screens work offline"); the confirmed action is always saved on the device first and replayed to the API.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user

from . import db
from .auth import roles_required
from .screens import BLANK_ITEM, ItemView, find_item

bp = Blueprint("waste", __name__, url_prefix="/waste")

ROLES = ("requester", "receiver", "supervisor")
REASONS = (("expired", "Expired"), ("damaged", "Damaged"), ("opened-unused", "Opened, not used"),
           ("contaminated", "Contaminated"), ("other", "Other"))
WASTE_FROM = ("department", "store")


def waste_view(item: ItemView, today: date | None = None) -> dict:
    """The item fragment's data: the item, and whether its scanned expiry has passed (the device's `wasteView`
    says the same offline, by the tablet's date)."""
    today_text = (today or date.today()).isoformat()
    expired = bool(item.expiry) and item.expiry < today_text
    return {**item.as_dict(), "expired": "yes" if expired else "",
            "good_until": item.expiry if item.expiry and not expired else ""}


@bp.get("/")
@roles_required(*ROLES)
def index():
    locations = [loc for loc in current_user.locations if loc.active and loc.kind in WASTE_FROM]
    return render_template("waste/index.html", locations=locations, reasons=REASONS, item=waste_view(BLANK_ITEM))


@bp.get("/item")
@roles_required(*ROLES)
def item():
    raw = request.args.get("scan", "")
    found = find_item(db.session(), raw)
    if found is None:
        response = render_template("waste/_unknown.html", scan=raw[:200])
    else:
        response = render_template("waste/_item.html", item=waste_view(found), reasons=REASONS)
    return response, 200, {"Vary": "HX-Request"}
