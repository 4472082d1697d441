"""Confirm arrival: the open transfers to a department (from the catalog Odoo reports), one checked in by scanning
what came; expected against received per item, shortages and extras said in words, never forced. Confirming saves a
`transfer_confirm` naming the transfer with what arrived of it (Odoo validates it and backorders what is short), and
what came on top of it as a second one for the supervisor to sort out with the store (static/js/arrival.js).

Online the server answers each step; offline the device answers from its catalog with the same fragment templates
(README, "How screens work offline").
"""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from . import db
from .actions import ACTION_TYPES
from .auth import roles_required
from .models import Location
from .screens import BLANK_ITEM, find_item
from .transfers import TransferView, awaiting_arrival, find_open, view

bp = Blueprint("arrival", __name__, url_prefix="/arrival")

ROLES = ACTION_TYPES["transfer_confirm"].roles


def department_locations() -> list[Location]:
    return [loc for loc in current_user.locations if loc.active and loc.kind == "department"]


def quantity_words(qty: float, pack_qty: float, uom: str = "units") -> str:
    """How many units, and in how many packs when they come in whole packs: "600 (3 × box of 200)"."""
    if pack_qty > 1 and qty and qty % pack_qty == 0:
        return f"{qty:g} ({qty / pack_qty:g} × box of {pack_qty:g})"
    return f"{qty:g}"


def transfer_card(transfer: TransferView) -> dict:
    """One open transfer in the list; the device's `transferCard` builds the same offline."""
    return {"name": transfer.name, "status": transfer.status, "status_label": transfer.status_label,
            "scheduled_at": transfer.scheduled_at, "line_count": transfer.line_count,
            "units": f"{transfer.units:g}", "requisition": transfer.requisition or ""}


def check_view(transfer: TransferView | None) -> dict:
    """The check-in of one transfer: its lines as expected; the device's `checkView` builds the same offline."""
    if transfer is None:
        return {"name": "", "location": "", "location_name": "", "status_label": "", "lines": []}
    lines = [{**asdict(line), "qty": f"{line.qty:g}", "pack_qty": f"{line.pack_qty:g}",
              "expected": quantity_words(line.qty, line.pack_qty)} for line in transfer.lines]
    return {"name": transfer.name, "location": transfer.location, "location_name": transfer.location_name,
            "status_label": transfer.status_label, "lines": lines}


@bp.get("/")
@roles_required(*ROLES)
def index():
    return render_template("arrival/index.html", locations=department_locations(), transfers=[],
                           check=check_view(None), item=BLANK_ITEM)


@bp.get("/transfers")
@roles_required(*ROLES)
def transfers():
    code = request.args.get("location", "")
    if code not in {loc.code for loc in department_locations()}:
        abort(404)
    cards = [transfer_card(view(db.session(), row)) for row in awaiting_arrival(db.session(), code)]
    return (render_template("arrival/_transfers.html", transfers=cards, count=len(cards)), 200,
            {"Vary": "HX-Request"})


@bp.get("/transfer")
@roles_required(*ROLES)
def transfer():
    row = find_open(db.session(), request.args.get("name", "")[:64], [loc.code for loc in department_locations()])
    if row is None:
        return render_template("arrival/_gone.html", name=request.args.get("name", "")[:64]), 200, \
            {"Vary": "HX-Request"}
    return render_template("arrival/_check.html", check=check_view(view(db.session(), row))), 200, \
        {"Vary": "HX-Request"}


@bp.get("/item")
@roles_required(*ROLES)
def item():
    """A scan while checking in: an item (counted against the transfer on the device), or a transfer's own
    reference from its delivery note (opened)."""
    raw = request.args.get("scan", "")
    found = find_item(db.session(), raw)
    if found is not None:
        return render_template("arrival/_item.html", item=found, named=""), 200, {"Vary": "HX-Request"}
    named = find_open(db.session(), raw.strip()[:64], [loc.code for loc in department_locations()])
    if named is not None:
        return render_template("arrival/_item.html", item=BLANK_ITEM, named=named.name), 200, \
            {"Vary": "HX-Request"}
    return render_template("arrival/_unknown.html", scan=raw[:200]), 200, {"Vary": "HX-Request"}
