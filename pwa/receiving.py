"""Receive: the open receipts from suppliers (the catalog Odoo reports), one checked in by scanning what came, on a
handheld with a keyboard-wedge scanner. GS1 lot and expiry are taken from the scan; a lot-tracked item scanned
without its lot asks for it. Expired or soon-expiring lots are said at once. Each product is expected against
received, short, over and not-on-the-receipt said in words and colour. Receiving saves a `receive` naming the
receipt with what came up to what it expects (Odoo validates it and backorders what is short), and what came over
or beside it as a second one for the supervisor (the sync engine sends that to the exception queue).

Online the server answers each step; offline the device answers from its catalog with the same fragment templates
(README, "How screens work offline"); static/js/receive.js keeps the counts and saves the actions.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from . import db
from .actions import ACTION_TYPES
from .auth import roles_required
from .models import Location, Product, Receipt
from .screens import BLANK_ITEM, ItemView, find_item

bp = Blueprint("receive", __name__, url_prefix="/receive")

ROLES = ACTION_TYPES["receive"].roles
RECEIVED_AT = ("store", "department")
# A lot expiring within this many days is said at scan time (static/js/receive.js EXPIRY_WARNING_DAYS).
EXPIRY_WARNING_DAYS = 90


def receiving_locations() -> list[Location]:
    """Where this user receives: the store first (where suppliers deliver), then the departments."""
    places = [loc for loc in current_user.locations if loc.active and loc.kind in RECEIVED_AT]
    return sorted(places, key=lambda loc: (loc.kind != "store", loc.name))


def number(value: float) -> str:
    return f"{value:g}"


def receipt_card(receipt: Receipt) -> dict:
    """One open receipt in the list; the device's `receiptCard` builds the same offline."""
    units = sum(float(line["qty"]) for line in receipt.lines)
    scheduled = f"due {receipt.scheduled_at:%d %b}" if receipt.scheduled_at else ""
    return {"name": receipt.name, "details": " · ".join(part for part in (receipt.partner, receipt.origin, scheduled)
                                                         if part),
            "line_count": len(receipt.lines), "units": number(units)}


def check_view(receipt: Receipt | None) -> dict:
    """The check-in of one receipt: each product expected; the device's `checkView` builds the same offline."""
    if receipt is None:
        return {"name": "", "location": "", "location_name": "", "partner": "", "origin": "", "lines": []}
    products = {p.ref: p for p in db.session().scalars(select(Product).where(
        Product.ref.in_([line["ref"] for line in receipt.lines])))}
    lines = []
    for line in receipt.lines:
        product = products.get(line["ref"])
        lines.append({"ref": line["ref"], "name": product.name if product else line["ref"],
                      "qty": number(float(line["qty"])), "tracking": product.tracking if product else "none",
                      "expected": number(float(line["qty"]))})
    return {"name": receipt.name, "location": receipt.location.code, "location_name": receipt.location.name,
            "partner": receipt.partner or "", "origin": receipt.origin or "", "lines": lines}


def expiry_state(expiry: str, today: date | None = None) -> str:
    """"expired", "soon" (within EXPIRY_WARNING_DAYS) or "" — the device's `expiryState` agrees."""
    if not expiry:
        return ""
    today = today or date.today()
    if expiry < today.isoformat():
        return "expired"
    if expiry <= (today + timedelta(days=EXPIRY_WARNING_DAYS)).isoformat():
        return "soon"
    return ""


def receive_view(item: ItemView, today: date | None = None) -> dict:
    """The scanned item as the receiving fragment shows it: what to ask for (a lot, a serial) and the expiry said."""
    state = expiry_state(item.expiry, today)
    return {**item.as_dict(), "units": number(item.pack_qty), "expired": "yes" if state == "expired" else "",
            "expires_soon": "yes" if state == "soon" else "",
            "needs_lot": "yes" if item.tracking == "lot" and not item.lot and not item.ambiguous else "",
            "needs_serial": "yes" if item.tracking == "serial" and not item.serial and not item.ambiguous else ""}


def open_receipts(codes: list[str]) -> list[Receipt]:
    return list(db.session().scalars(select(Receipt).join(Receipt.location).where(
        Location.code.in_(codes), Receipt.active.is_(True)).order_by(Receipt.scheduled_at, Receipt.name)))


BLANK_VIEW = receive_view(BLANK_ITEM)


@bp.get("/")
@roles_required(*ROLES)
def index():
    return render_template("receive/index.html", locations=receiving_locations(), check=check_view(None),
                           item=BLANK_VIEW, receipts=[], count=0)


@bp.get("/receipts")
@roles_required(*ROLES)
def receipts():
    code = request.args.get("location", "")
    if code not in {loc.code for loc in receiving_locations()}:
        cards = []
    else:
        cards = [receipt_card(row) for row in open_receipts([code])]
    return (render_template("receive/_receipts.html", receipts=cards, count=len(cards)), 200,
            {"Vary": "HX-Request"})


@bp.get("/receipt")
@roles_required(*ROLES)
def receipt():
    name = request.args.get("name", "")[:64]
    found = next((row for row in open_receipts([loc.code for loc in receiving_locations()]) if row.name == name),
                 None)
    if found is None:
        return render_template("receive/_gone.html", name=name), 200, {"Vary": "HX-Request"}
    return render_template("receive/_check.html", check=check_view(found)), 200, {"Vary": "HX-Request"}


@bp.get("/item")
@roles_required(*ROLES)
def item():
    raw = request.args.get("scan", "")
    found = find_item(db.session(), raw)
    if found is None:
        return render_template("receive/_unknown.html", scan=raw[:200]), 200, {"Vary": "HX-Request"}
    return render_template("receive/_item.html", item=receive_view(found)), 200, {"Vary": "HX-Request"}
