"""The catalog pull's transfers: the internal transfers from Odoo to the departments, open or finished lately, handed
to the journal in the app's words (pwa/transfers.py), so the wards' devices know what is on its way to them
(Confirm arrival) and where each requisition stands ("My requisitions").

Odoo's one-step internal transfer has no "shipped" state, so the status follows the store's picker, who ticks each
move "picked" as it goes on the trolley: nothing ticked yet is `sent` (in the store's queue, reserved or not), some
ticked is `picked` (being picked), all ticked is `on_its_way` (it left the store); validated — which the ward's
confirmation of its arrival does — is `arrived`; cancelled is `cancelled`.

Three reads per pull, whatever the number of transfers: the pickings, their moves, the moves' products.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from pwa.models import utcnow
from pwa.transfers import TransferReport, record_transfers

from .gateway import Gateway
from .mapping import Mapping, Problem
from .push import STAMP

RECENT_DAYS = 14  # finished transfers are reported this long, so "arrived" and "cancelled" reach the wards
OPEN = ["draft", "waiting", "confirmed", "assigned"]
REQUISITION = re.compile(rf"^{STAMP}([0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}})")
PICKING_FIELDS = ["name", "state", "origin", "location_dest_id", "scheduled_date", "date_done"]
MOVE_FIELDS = ["picking_id", "product_id", "product_uom_qty", "quantity", "state", "picked"]


def odoo_time(text: str | bool | None) -> datetime | None:
    """Odoo's UTC datetime text as an aware datetime."""
    if not text:
        return None
    return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)


def status_of(picking: dict, moves: list[dict]) -> str:
    if picking["state"] == "done":
        return "arrived"
    if picking["state"] == "cancel":
        return "cancelled"
    live = [move for move in moves if move["state"] != "cancel"]
    picked = [move for move in live if move.get("picked")]
    if live and len(picked) == len(live):
        return "on_its_way"
    return "picked" if picked else "sent"


def lines_of(picking: dict, moves: list[dict], refs: dict[int, str]) -> list[dict]:
    """Units per product: what an open transfer carries (its demand), or what a finished one delivered."""
    done = picking["state"] == "done"
    units: dict[str, float] = {}
    for move in moves:
        if move["state"] == "cancel" or (done and move["state"] != "done"):
            continue
        ref = refs.get(move["product_id"][0])
        if ref:
            units[ref] = units.get(ref, 0.0) + (move["quantity"] if done else move["product_uom_qty"])
    return [{"ref": ref, "qty": qty} for ref, qty in units.items() if qty > 0]


def transfer_reports(gateway: Gateway, mapping: Mapping, now: datetime | None = None) -> list[TransferReport]:
    """Every internal transfer to a mapped department that is open, or finished in the last RECENT_DAYS."""
    departments = {mapping.locations[code]["id"]: code for code, app in mapping.app_locations.items()
                   if app.kind == "department" and code in mapping.locations}
    if not departments:
        raise Problem("No department is mapped to an Odoo location: run `flask --app app odoo check`.")
    since = ((now or utcnow()) - timedelta(days=RECENT_DAYS)).strftime("%Y-%m-%d %H:%M:%S")
    pickings = gateway.search_read("stock.picking", [
        ("picking_type_code", "=", "internal"), ("location_dest_id", "in", sorted(departments)),
        "|", ("state", "in", OPEN), "|", ("date_done", ">=", since), ("write_date", ">=", since)],
        PICKING_FIELDS, order="id")
    moves: dict[int, list[dict]] = {picking["id"]: [] for picking in pickings}
    if pickings:
        for move in gateway.search_read("stock.move", [("picking_id", "in", sorted(moves))], MOVE_FIELDS, order="id"):
            moves[move["picking_id"][0]].append(move)
    product_ids = sorted({move["product_id"][0] for found in moves.values() for move in found})
    refs = {product["id"]: product["default_code"]
            for product in gateway.read("product.product", product_ids, ["default_code"]) if product["default_code"]}
    reports = []
    for picking in pickings:
        stamp = REQUISITION.match(picking.get("origin") or "")
        reports.append(TransferReport(
            name=picking["name"], location=departments[picking["location_dest_id"][0]],
            status=status_of(picking, moves[picking["id"]]), lines=lines_of(picking, moves[picking["id"]], refs),
            requisition=stamp.group(1) if stamp else None, scheduled_at=odoo_time(picking.get("scheduled_date")),
            done_at=odoo_time(picking.get("date_done"))))
    return reports


def pull_transfers(gateway: Gateway, mapping: Mapping, session: Session, now: datetime | None = None) -> dict:
    """Reads the transfers from Odoo and brings the journal's in line; commits. Returns what changed."""
    counts = record_transfers(session, transfer_reports(gateway, mapping, now), now)
    session.commit()
    return counts
