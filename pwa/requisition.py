"""Requisition to par: pick or scan the department, adjust the par list's suggested quantities, scan anything else,
confirm; a `requisition` action goes to the outbox and becomes an internal transfer from the central store in Odoo.
"My requisitions" follows each one through Odoo (sent, picked, on its way, arrived) as the catalog reports it.

The suggestion, the same here and on the device offline (static/js/requisition.js, `parRows`): an item whose last
known on hand plus what is already on its way is at or below its par minimum is ordered back up to its par maximum,
rounded up to whole packs of its smallest pack (ordered by the pack's barcode, so the store sends boxes); every
other par item is listed with nothing suggested, for the nurse to raise if the shelf says otherwise.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from . import db
from .actions import ACTION_TYPES
from .auth import roles_required
from .models import Location, ParLevel, Product, StockLevel
from .screens import BLANK_ITEM, item_fragment
from .transfers import on_order, pack_words

bp = Blueprint("requisition", __name__, url_prefix="/requisition")

ROLES = ACTION_TYPES["requisition"].roles


@dataclass(frozen=True)
class ParRow:
    """One par item of a location, as the par list shows it and as its line orders it."""
    ref: str
    name: str
    min: float
    max: float
    on_hand: float
    on_order: float
    low: bool  # at or below the par minimum, counting what is on its way
    product: str  # what the line names: the pack's barcode when the item comes in packs, else the reference
    pack_qty: float
    order_unit: str  # "box of 100", or the item's unit
    suggested: int  # in order units (packs, or units)

    def as_dict(self) -> dict:
        return {**asdict(self), "min": f"{self.min:g}", "max": f"{self.max:g}", "on_hand": f"{self.on_hand:g}",
                "on_order": f"{self.on_order:g}" if self.on_order else ""}


def suggestion(minimum: float, maximum: float, on_hand: float, on_order: float, pack_qty: float) -> int:
    """Order units to bring the shelf back to par: nothing above the minimum, else up to the maximum in whole packs."""
    have = on_hand + on_order
    if have > minimum:
        return 0
    return max(0, math.ceil((maximum - have) / pack_qty - 1e-9))


def smallest_pack_barcode(product: Product) -> tuple[str, float]:
    packs = sorted((barcode.qty, barcode.code) for barcode in product.barcodes if barcode.qty > 1)
    return (packs[0][1], packs[0][0]) if packs else (product.ref, 1.0)


def par_rows(session: Session, location: Location) -> tuple[list[ParRow], datetime | None]:
    """The location's par list, items to order first; with the time of the oldest stock figure it rests on."""
    pars = session.scalars(select(ParLevel).join(ParLevel.product)
                           .where(ParLevel.location_id == location.id, ParLevel.active.is_(True),
                                  Product.active.is_(True))
                           .options(selectinload(ParLevel.product).selectinload(Product.barcodes))).all()
    stock: dict[int, float] = {}
    oldest = None
    for level in session.scalars(select(StockLevel).where(StockLevel.location_id == location.id,
                                                          StockLevel.active.is_(True))):
        stock[level.product_id] = stock.get(level.product_id, 0.0) + level.qty
        as_of = level.as_of if level.as_of.tzinfo else level.as_of.replace(tzinfo=timezone.utc)
        oldest = as_of if oldest is None or as_of < oldest else oldest
    coming = on_order(session, location.code)
    rows = []
    for par in pars:
        product = par.product
        code, pack_qty = smallest_pack_barcode(product)
        on_hand, ordered = stock.get(product.id, 0.0), coming.get(product.ref, 0.0)
        rows.append(ParRow(ref=product.ref, name=product.name, min=par.min_qty, max=par.max_qty, on_hand=on_hand,
                           on_order=ordered, low=on_hand + ordered <= par.min_qty, product=code, pack_qty=pack_qty,
                           order_unit=pack_words(pack_qty, product.uom),
                           suggested=suggestion(par.min_qty, par.max_qty, on_hand, ordered, pack_qty)))
    rows.sort(key=lambda row: (not row.low, row.name))
    return rows, oldest


def department_locations() -> list[Location]:
    return [loc for loc in current_user.locations if loc.active and loc.kind == "department"]


def par_view(location: Location | None) -> dict:
    """What the par list fragment shows; the device's `parView` builds the same from its catalog offline."""
    if location is None:
        return {"location": "", "location_name": "", "as_of": "", "as_of_text": "", "low": [], "rest": [],
                "low_count": 0, "rest_count": 0, "empty": ""}
    rows, oldest = par_rows(db.session(), location)
    low = [row.as_dict() for row in rows if row.low]
    rest = [row.as_dict() for row in rows if not row.low]
    return {"location": location.code, "location_name": location.name,
            "as_of": oldest.isoformat() if oldest else "",
            "as_of_text": f"{oldest:%d %b %H:%M} UTC" if oldest else "",
            "low": low, "rest": rest, "low_count": len(low), "rest_count": len(rest),
            "empty": "" if rows else "yes"}


@bp.get("/")
@roles_required(*ROLES)
def index():
    return render_template("requisition/index.html", locations=department_locations(), item=BLANK_ITEM,
                           par=par_view(None))


@bp.get("/par")
@roles_required(*ROLES)
def par():
    code = request.args.get("location", "")
    location = next((loc for loc in department_locations() if loc.code == code), None)
    if location is None:
        abort(404)
    return render_template("requisition/_par.html", par=par_view(location)), 200, {"Vary": "HX-Request"}


@bp.get("/item")
@roles_required(*ROLES)
def item():
    return item_fragment("requisition")


@bp.get("/mine")
@roles_required(*ROLES)
def mine():
    """The requisitions of this tablet's user and of their departments, filled on the device from its outbox and
    the transfers its catalog knows (static/js/requisition.js)."""
    return render_template("requisition/mine.html")
