"""Internal transfers to departments in the journal: what the catalog pull reports from Odoo, and what the wards'
screens read (Confirm arrival lists the open ones; "My requisitions" follows each requisition's transfers).

The pull hands over every transfer it sees as a `TransferReport` in the app's words (status, location code, product
refs); a row changes revision only when what it says changes, so devices pull only real changes, and a transfer
Odoo no longer reports is archived (devices drop it).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .catalog import stamp
from .models import (OPEN_TRANSFER_STATUSES, TRANSFER_STATUSES, VOIDED, Action, Location, Product, Transfer,
                     aware, utcnow)

# How long a requisition Odoo reports no transfer of counts as ordered, and a confirmation as done.
AWAITED_DAYS = 14
STATUS_LABELS = {"sent": "Sent", "picked": "Picked", "on_its_way": "On its way", "arrived": "Arrived",
                 "cancelled": "Cancelled"}


@dataclass(frozen=True)
class TransferReport:
    """One transfer as Odoo reports it, in the app's words."""
    name: str
    location: str  # the destination's location code
    status: str  # one of TRANSFER_STATUSES
    lines: list[dict] = field(default_factory=list)  # [{"ref", "qty"}] in units
    requisition: str | None = None  # the requisition action id its origin names
    scheduled_at: datetime | None = None
    done_at: datetime | None = None


def record_transfers(session: Session, reports: list[TransferReport], now: datetime | None = None) -> dict:
    """Brings the journal's transfers in line with what Odoo reports now; the caller commits.

    `reports` is the whole picture: an active transfer it leaves out is archived. Reports for locations the app does
    not know are skipped. Returns how many rows were added, changed and archived.
    """
    now = now or utcnow()
    locations = {loc.code: loc for loc in session.scalars(select(Location))}
    existing = {row.name: row for row in session.scalars(select(Transfer))}
    touched: list[Transfer] = []
    counts = {"added": 0, "changed": 0, "archived": 0}
    reported = set()
    for report in reports:
        location = locations.get(report.location)
        if location is None or report.status not in TRANSFER_STATUSES:
            continue
        reported.add(report.name)
        lines = [{"ref": line["ref"], "qty": float(line["qty"])} for line in report.lines]
        row = existing.get(report.name)
        if row is None:
            row = Transfer(name=report.name, location=location, active=True)
            session.add(row)
            counts["added"] += 1
        elif (row.location_id == location.id and row.requisition_id == report.requisition
              and row.status == report.status and row.lines == lines and row.active
              and aware(row.scheduled_at) == aware(report.scheduled_at) and aware(row.done_at) == aware(report.done_at)):
            row.seen_at = now
            continue
        else:
            counts["changed"] += 1
        row.location = location
        row.requisition_id = report.requisition
        row.status = report.status
        row.lines = lines
        row.scheduled_at = report.scheduled_at
        row.done_at = report.done_at
        row.seen_at = now
        row.active = True
        touched.append(row)
    for name, row in existing.items():
        if row.active and name not in reported:
            row.active = False
            touched.append(row)
            counts["archived"] += 1
    if touched:
        session.flush()
        stamp(session, *touched)
    return counts


@dataclass(frozen=True)
class TransferLine:
    ref: str
    name: str
    qty: float
    pack_qty: float  # the smallest pack the item comes in (1: none)
    pack_label: str


@dataclass(frozen=True)
class TransferView:
    """A transfer as the wards' screens show it (the device builds the same from its catalog)."""
    name: str
    location: str
    location_name: str
    requisition: str | None
    status: str
    status_label: str
    scheduled_at: str
    lines: list[TransferLine]

    @property
    def line_count(self) -> int:
        return len(self.lines)

    @property
    def units(self) -> float:
        return sum(line.qty for line in self.lines)


def smallest_pack(product: Product) -> float:
    packs = [barcode.qty for barcode in product.barcodes if barcode.qty > 1]
    return min(packs) if packs else 1.0


def pack_words(pack_qty: float, uom: str) -> str:
    return f"box of {pack_qty:g}" if pack_qty > 1 else uom.lower()


def view(session: Session, transfer: Transfer) -> TransferView:
    refs = [line["ref"] for line in transfer.lines]
    products = {p.ref: p for p in session.scalars(select(Product).where(Product.ref.in_(refs)))} if refs else {}
    lines = []
    for line in transfer.lines:
        product = products.get(line["ref"])
        pack = smallest_pack(product) if product else 1.0
        lines.append(TransferLine(ref=line["ref"], name=product.name if product else line["ref"], qty=line["qty"],
                                  pack_qty=pack, pack_label=pack_words(pack, product.uom) if product else ""))
    return TransferView(name=transfer.name, location=transfer.location.code, location_name=transfer.location.name,
                        requisition=transfer.requisition_id, status=transfer.status,
                        status_label=STATUS_LABELS[transfer.status],
                        scheduled_at=aware(transfer.scheduled_at).isoformat() if transfer.scheduled_at else "", lines=lines)


def open_transfers(session: Session, location_code: str) -> list[Transfer]:
    """Transfers still to arrive at a location, oldest first."""
    return list(session.scalars(
        select(Transfer).join(Transfer.location)
        .where(Location.code == location_code, Transfer.active.is_(True),
               Transfer.status.in_(OPEN_TRANSFER_STATUSES))
        .order_by(Transfer.scheduled_at, Transfer.name)))


def confirmed_names(session: Session, location_codes: list[str], now: datetime | None = None) -> set[str]:
    """Transfers whose arrival someone has confirmed lately (not voided), even if Odoo has not validated them yet."""
    since = (now or utcnow()) - timedelta(days=AWAITED_DAYS)
    payloads = session.scalars(select(Action.payload).where(Action.type == "transfer_confirm",
                                                            Action.location_code.in_(location_codes),
                                                            Action.status != VOIDED, Action.created_at >= since))
    return {json.loads(payload).get("transfer") for payload in payloads} - {None}


def awaiting_arrival(session: Session, location_code: str) -> list[Transfer]:
    """The open transfers to a location that nobody has confirmed yet, oldest first."""
    done = confirmed_names(session, [location_code])
    return [row for row in open_transfers(session, location_code) if row.name not in done]


def find_open(session: Session, name: str, location_codes: list[str]) -> Transfer | None:
    """An open transfer nobody has confirmed yet, by name, only if it goes to one of the given locations."""
    row = session.scalar(select(Transfer).join(Transfer.location)
                         .where(Transfer.name == name, Location.code.in_(location_codes),
                                Transfer.active.is_(True), Transfer.status.in_(OPEN_TRANSFER_STATUSES)))
    if row is None or row.name in confirmed_names(session, [row.location.code]):
        return None
    return row


def on_order(session: Session, location_code: str, now: datetime | None = None) -> dict[str, float]:
    """Units per product ordered for a location and not arrived yet: what its open transfers carry, and what its
    recent requisitions ask for while Odoo has reported no transfer of them (not yet synced, or not yet pulled)."""
    totals: dict[str, float] = {}

    def add(ref: str, units: float) -> None:
        totals[ref] = totals.get(ref, 0.0) + units

    for transfer in open_transfers(session, location_code):
        for line in transfer.lines:
            add(line["ref"], line["qty"])
    since = (now or utcnow()) - timedelta(days=AWAITED_DAYS)
    transferred = select(Transfer.requisition_id).where(Transfer.requisition_id.is_not(None))
    waiting = session.scalars(select(Action).where(Action.type == "requisition",
                                                   Action.location_code == location_code,
                                                   Action.status.not_in((VOIDED,)), Action.created_at >= since,
                                                   Action.id.not_in(transferred)))
    for action in waiting:
        for line in action.lines:
            add(line["ref"], line["units"])
    return totals
