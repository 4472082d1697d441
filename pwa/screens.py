"""What every workflow screen shares: the item a scan names, as the fragment templates show it.

A screen's fragments render online here and offline on the device from the same template; the device builds the
same `ItemView` from its IndexedDB catalog (static/js/catalog.js, `itemView`), so the two must keep these fields.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from flask import render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import db
from .actions import gtin_forms
from .models import Barcode, Location, Product, User
from .scanning import Scan, ambiguous_readings, parse_scan


@dataclass(frozen=True)
class ItemView:
    """An item found by a scan: what the fragment shows and what the action's line will carry."""
    scan: str
    ref: str
    name: str
    uom: str
    pack_qty: float
    pack_label: str
    tracking: str
    lot: str
    expiry: str
    serial: str
    billable: bool
    # A scan whose separator the scanner dropped: the tail it could not split ("(10)LOT4221SN9") and the readings
    # the user chooses from (`reading_choices`); lot, serial and expiry then come from the chosen reading.
    ambiguous: str = ""
    readings: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


# The empty item a `<template>` is rendered with: every slot present, every value blank.
BLANK_ITEM = ItemView(scan="", ref="", name="", uom="", pack_qty=1, pack_label="", tracking="", lot="", expiry="",
                      serial="", billable=False)


def lookup_keys(raw: str) -> list[str]:
    """The codes a scan may be stored under, most specific first (the device's `lookupKeys` does the same)."""
    scan = parse_scan(raw)
    if scan.kind == "invalid":
        return []
    keys = gtin_forms(scan.gtin) if scan.gtin else []
    if scan.code and scan.code not in keys:
        keys.append(scan.code)
    return keys


def pack_label(pack_qty: float, uom: str) -> str:
    return f"pack of {pack_qty:g} {uom.lower()}" if pack_qty != 1 else ""


def reading_choices(scan: Scan) -> list[dict]:
    """The readings of an ambiguous scan as the item fragment offers them (the device's `readingChoices` agrees):
    each with its lot, serial and expiry, `value` (the line fields it sets, as JSON), `default` on the first (the
    value in one piece, when that is valid), `whole` on a reading that keeps the value in one piece."""
    whole_value = scan.ambiguous[scan.ambiguous.index(")") + 1:] if scan.ambiguous else ""
    choices = []
    for number, reading in enumerate(ambiguous_readings(scan)):
        fields = {name: reading[name] or "" for name in ("lot", "serial", "expiry")}
        choices.append({**fields, "value": json.dumps(fields, separators=(",", ":")),
                        "default": "yes" if number == 0 else "",
                        "whole": "yes" if whole_value in (fields["lot"], fields["serial"]) else "",
                        "no_lot": "" if fields["lot"] or fields["serial"] else "yes"})
    return choices


def find_item(session: Session, raw: str) -> ItemView | None:
    """The active product a scan or typed code names, with the lot, expiry and serial the scan carried."""
    raw = (raw or "").strip()
    keys = [key for key in lookup_keys(raw) if len(key) <= 64] if raw and len(raw) <= 200 else []
    if not keys:
        return None
    barcodes = {b.code: b for b in session.scalars(select(Barcode).where(Barcode.code.in_(keys)))}
    by_ref = {p.ref: p for p in session.scalars(select(Product).where(Product.ref.in_(keys)))}
    for key in keys:
        if key in barcodes:
            product, pack_qty = barcodes[key].product, barcodes[key].qty
        elif key in by_ref:
            product, pack_qty = by_ref[key], 1.0
        else:
            continue
        if not product.active:
            return None
        scan = parse_scan(raw)
        return ItemView(scan=raw, ref=product.ref, name=product.name, uom=product.uom, pack_qty=pack_qty,
                        pack_label=pack_label(pack_qty, product.uom), tracking=product.tracking,
                        lot=scan.lot or "", expiry=scan.expiry or "", serial=scan.serial or "",
                        billable=product.billable, ambiguous=scan.ambiguous or "",
                        readings=reading_choices(scan))
    return None


def ward_locations(user: User) -> list[Location]:
    """The departments this user records ward work for (issue, return): active, in the user's scope."""
    return [loc for loc in user.locations if loc.active and loc.kind == "department"]


def item_fragment(workflow: str, view=None, **context):
    """A screen's answer to its item lookup (`?scan=`): `<workflow>/_item.html` for what the scan names, shaped by
    `view`, else `<workflow>/_unknown.html`. The same fragments fill the device's templates offline."""
    raw = request.args.get("scan", "")
    found = find_item(db.session(), raw)
    if found is None:
        html = render_template(f"{workflow}/_unknown.html", scan=raw[:200])
    else:
        html = render_template(f"{workflow}/_item.html", item=view(found) if view else found, **context)
    return html, 200, {"Vary": "HX-Request"}
