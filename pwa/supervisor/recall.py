"""Recall lookup: for a product and lot (typed, or scanned straight off the manufacturer's notice or a box), where it
was received, which locations still hold it, and which encounters it was issued to and when — the question a
hospital must answer within hours of a recall. From the journal; printable and as CSV.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import db
from ..actions import load_catalog, lookup_keys
from ..auth import roles_required
from ..models import VOIDED, Action, Product
from ..onhand import known_on_hand, line_lot
from ..scanning import parse_scan
from . import bp
from .common import aware, csv_response, scope

EVENT_TYPES = ("receive", "transfer_confirm", "issue", "return", "waste")
WORDS = {"receive": "received", "transfer_confirm": "arrived at the ward", "issue": "issued to a patient",
         "return": "returned to the shelf", "waste": "wasted"}


@dataclass(frozen=True)
class Event:
    kind: str
    at: datetime
    location: str
    qty: float
    lot: str
    encounter: str | None
    receipt: str | None
    user: str
    action_id: str
    status: str

    def as_csv(self) -> list:
        return [WORDS[self.kind], self.at, self.location, self.lot, self.qty, self.encounter or "",
                self.receipt or "", self.user, self.action_id, self.status]


@dataclass
class Recall:
    product: Product | None
    lot: str
    received: list[Event]
    moved: list[Event]  # arrivals at wards, returns, waste
    issued: list[Event]
    held: list[tuple[str, str, float]]  # location, lot, quantity known on hand

    @property
    def encounters(self) -> list[str]:
        return sorted({event.encounter for event in self.issued if event.encounter})


def find_product(session: Session, text: str) -> tuple[Product | None, str | None]:
    """The product a typed reference or a scanned barcode names, and the lot the scan carries (if any)."""
    text = text.strip()
    if not text:
        return None, None
    product = session.scalar(select(Product).where(Product.ref == text))
    if product is not None:
        return product, None
    line = {"scan": text}
    catalog = load_catalog(session, [{"lines": [line, {"product": text}]}])
    for key in lookup_keys(line) + [text]:
        found = catalog.product_for(key)
        if found:
            scan = parse_scan(text)
            return found[0], scan.lot or scan.serial
    return None, None


def lookup(session: Session, product: Product, lot: str, codes: set[str]) -> Recall:
    """Every journaled movement of this product and lot at the user's locations, and who holds it now."""
    wanted = lot.casefold()
    query = (select(Action).where(Action.type.in_(EVENT_TYPES), Action.status != VOIDED,
                                  Action.location_code.in_(codes))
             .order_by(Action.created_at, Action.seq))
    if lot:
        # A cheap first cut: the lot is somewhere in what the device sent (a field, or inside a GS1 scan).
        query = query.where(Action.payload.icontains(lot, autoescape=True))
    events = []
    for action in session.scalars(query):
        for line in action.lines:
            line_lot_value = line_lot(line)
            if line.get("ref") != product.ref or (lot and line_lot_value.casefold() != wanted):
                continue
            events.append(Event(action.type, aware(action.created_at), action.location_code, line["units"],
                                line_lot_value, action.encounter, line.get("receipt"), action.user.login, action.id,
                                action.status))
    held = [(code, item_lot, qty) for (code, ref, item_lot), qty in sorted(known_on_hand(session, codes).items())
            if ref == product.ref and (not lot or item_lot.casefold() == wanted) and qty > 0]
    return Recall(product, lot,
                  received=[e for e in events if e.kind == "receive"],
                  moved=[e for e in events if e.kind in ("transfer_confirm", "return", "waste")],
                  issued=[e for e in events if e.kind == "issue"], held=held)


def _recall_from_request() -> tuple[Recall | None, str | None, str, str]:
    product_text = request.args.get("product", "")[:300]
    lot = request.args.get("lot", "").strip()[:64]
    if not product_text.strip():
        return None, None, product_text, lot
    session = db.session()
    product, scanned_lot = find_product(session, product_text)
    if product is None:
        return None, f"No product with the reference or barcode {product_text.strip()!r}.", product_text, lot
    lot = lot or scanned_lot or ""
    return lookup(session, product, lot, scope()), None, product_text, lot


@bp.get("/recall")
@roles_required("supervisor")
def recall():
    result, error, product_text, lot = _recall_from_request()
    return render_template("supervisor/recall.html", result=result, error=error, product_text=product_text,
                           lot=lot, words=WORDS)


@bp.get("/recall.csv")
@roles_required("supervisor")
def recall_csv():
    result, error, _product_text, lot = _recall_from_request()
    rows = []
    if result is not None:
        for event in result.received + result.moved + result.issued:
            rows.append(event.as_csv())
        for code, item_lot, qty in result.held:
            rows.append(["held now (last known)", "", code, item_lot, qty, "", "", "", "", ""])
    ref = result.product.ref if result else "none"
    return csv_response(f"recall-{ref}-{lot or 'all-lots'}.csv",
                        ["what", "when (device time)", "location", "lot", "quantity", "encounter", "receipt", "by",
                         "action", "status"], rows)
