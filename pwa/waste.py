"""Waste: pick a location, scan what is thrown away with a reason, confirm; a `waste` action goes to the outbox.
A scan whose GS1 expiry has passed comes with the reason set to "Expired" and says so; one whose lot is still good
says that too, so an unexpired lot is not written off as expired by habit (static/js/waste.js offline).

The item lookup answers online here and offline on the device from the same fragment template (README, "How
screens work offline"); the confirmed action is always saved on the device first and replayed to the API.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template
from flask_login import current_user

from .auth import roles_required
from .screens import BLANK_ITEM, ItemView, item_fragment

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
    return item_fragment("waste", waste_view, reasons=REASONS)
