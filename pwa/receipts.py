"""Open receipts from suppliers in the journal: what the catalog pull reports from Odoo, and what the receivers'
devices get in their catalog (the delivery to scan against, with the lines still expected).

The pull hands over the whole picture as `ReceiptReport`s in the app's words (location code, product refs); a row
changes revision only when what it says changes, and a receipt Odoo no longer reports as open is archived.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .catalog import stamp
from .journal import aware
from .models import Location, Receipt, utcnow


@dataclass(frozen=True)
class ReceiptReport:
    name: str
    location: str  # where it is received: a location code
    lines: list[dict] = field(default_factory=list)  # [{"ref", "qty"}] units still expected
    origin: str | None = None
    partner: str | None = None
    odoo_id: int | None = None
    scheduled_at: datetime | None = None


def record_receipts(session: Session, reports: list[ReceiptReport], now: datetime | None = None) -> dict:
    """Brings the journal's open receipts in line with Odoo's; the caller commits. Returns added/changed/archived."""
    now = now or utcnow()
    locations = {loc.code: loc for loc in session.scalars(select(Location))}
    existing = {row.name: row for row in session.scalars(select(Receipt))}
    counts = {"added": 0, "changed": 0, "archived": 0}
    touched: list[Receipt] = []
    reported = set()
    for report in reports:
        location = locations.get(report.location)
        if location is None:
            continue
        reported.add(report.name)
        lines = [{"ref": line["ref"], "qty": float(line["qty"])} for line in report.lines]
        row = existing.get(report.name)
        values = {"odoo_id": report.odoo_id, "origin": report.origin, "partner": report.partner,
                  "location_id": location.id, "lines": lines}
        if row is None:
            row = Receipt(name=report.name, **values, scheduled_at=report.scheduled_at, seen_at=now, active=True)
            session.add(row)
            counts["added"] += 1
            touched.append(row)
            continue
        row.seen_at = now
        if row.active and all(getattr(row, key) == value for key, value in values.items()) \
                and aware(row.scheduled_at) == aware(report.scheduled_at):
            continue
        for key, value in values.items():
            setattr(row, key, value)
        row.scheduled_at, row.active = report.scheduled_at, True
        counts["changed"] += 1
        touched.append(row)
    for name, row in existing.items():
        if row.active and name not in reported:
            row.active = False
            counts["archived"] += 1
            touched.append(row)
    if touched:
        session.flush()
        stamp(session, *touched)
    return counts


def open_receipts(session: Session, location_codes: list[str]) -> list[Receipt]:
    return list(session.scalars(select(Receipt).join(Receipt.location)
                                .where(Location.code.in_(location_codes), Receipt.active.is_(True))
                                .order_by(Receipt.scheduled_at, Receipt.name)))
