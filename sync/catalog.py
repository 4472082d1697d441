"""The catalog pull: Odoo is the source of truth for what the devices scan against.

Products that are stocked or consumed (internal reference, name, barcode, packaging barcodes with their
quantities, unit, tracking, billable = `sale_ok`, price), locations with a barcode (the barcode is the app's code),
par levels from reordering rules, the last known stock at the app's locations, open receipts and the transfers to
departments. The first pull takes everything and archives what Odoo does not have; later pulls ask only for what
changed since (by `write_date`, per model, kept as a watermark in the journal). Receipts, transfers and stock are
small and read whole each time. Each catalog row that changes takes a new revision, so devices get deltas too.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from pwa.catalog import stamp
from pwa.models import Barcode, Counter, Location, ParLevel, Product, StockLevel, utcnow
from pwa.receipts import ReceiptReport, record_receipts
from pwa.transfers import AWAITED_DAYS, TransferReport, record_transfers

from .gateway import Gateway
from .push import STAMP

PRODUCT_FIELDS = ["default_code", "name", "barcode", "uom_id", "tracking", "sale_ok", "list_price", "active",
                  "write_date"]
LOCATION_FIELDS = ["name", "barcode", "usage", "scrap_location", "active", "write_date"]
ORDERPOINT_FIELDS = ["product_id", "location_id", "product_min_qty", "product_max_qty", "active", "write_date"]
WATERMARKS = {"products": "odoo-pull:product.product", "packaging": "odoo-pull:product.packaging",
              "locations": "odoo-pull:stock.location", "par": "odoo-pull:stock.warehouse.orderpoint"}
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass
class PullReport:
    full: bool
    changed: dict[str, int] = field(default_factory=dict)  # section -> rows added, changed or archived

    def summary(self) -> str:
        counts = ", ".join(f"{n} {section}" for section, n in self.changed.items())
        return f"{'Full' if self.full else 'Delta'} pull from Odoo: changed {counts}."


def _odoo_time(text: str | None) -> int:
    if not text:
        return 0
    moment = datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    return int((moment - EPOCH).total_seconds())


def _odoo_text(seconds: int) -> str:
    return (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


def _utc(text: str | None) -> datetime | None:
    return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc) if text else None


class Watermarks:
    """The newest `write_date` seen per Odoo model, kept as counters; deltas ask from that second on (inclusive:
    a record written in the same second as the last one seen is read again, never missed)."""

    def __init__(self, session: Session):
        self.session = session

    def get(self, key: str) -> int:
        counter = self.session.get(Counter, WATERMARKS[key])
        return counter.value if counter else 0

    def domain(self, key: str) -> list:
        seen = self.get(key)
        return [("write_date", ">=", _odoo_text(seen))] if seen else []

    def advance(self, key: str, records: list[dict]) -> None:
        newest = max((_odoo_time(r.get("write_date")) for r in records), default=0)
        counter = self.session.get(Counter, WATERMARKS[key])
        if counter is None:
            self.session.add(Counter(name=WATERMARKS[key], value=newest))
        elif newest > counter.value:
            counter.value = newest


def pull(gateway: Gateway, session: Session, full: bool = False, now: datetime | None = None) -> PullReport:
    """Brings the app's catalog in line with Odoo and commits; `full` reads everything again."""
    now = now or utcnow()
    marks = Watermarks(session)
    full = full or not marks.get("products")
    report = PullReport(full)
    report.changed["locations"] = _pull_locations(gateway, session, marks, full)
    report.changed["products"] = _pull_products(gateway, session, marks, full)
    report.changed["par levels"] = _pull_par_levels(gateway, session, marks, full)
    report.changed["stock levels"] = _pull_stock(gateway, session, now)
    receipts = record_receipts(session, _receipt_reports(gateway, session), now)
    report.changed["receipts"] = sum(receipts.values())
    transfers = record_transfers(session, _transfer_reports(gateway, session, now), now)
    report.changed["transfers"] = sum(transfers.values())
    session.commit()
    return report


# Locations

def _kind(record: dict, store_ids: set[int]) -> str | None:
    if record["usage"] == "internal":
        return "store" if record["id"] in store_ids else "department"
    if record.get("scrap_location"):
        return "scrap"
    if record["usage"] in ("inventory", "customer"):
        return "consumption"
    return None


def _pull_locations(gateway: Gateway, session: Session, marks: Watermarks, full: bool) -> int:
    domain = [("barcode", "!=", False), ("usage", "in", ["internal", "inventory", "customer"]),
              ("active", "in", [True, False])]
    records = gateway.search_read("stock.location", domain + ([] if full else marks.domain("locations")),
                                  LOCATION_FIELDS, order="id")
    store_ids = {w["lot_stock_id"][0] for w in gateway.search_read("stock.warehouse", [], ["lot_stock_id"])}
    rows = list(session.scalars(select(Location)))
    by_odoo = {row.odoo_id: row for row in rows if row.odoo_id}
    by_code = {row.code: row for row in rows}
    touched, seen = [], set()
    for record in records:
        kind = _kind(record, store_ids)
        if kind is None:
            continue
        row = by_odoo.get(record["id"]) or by_code.get(record["barcode"])
        if row is None:
            if not record["active"]:
                continue
            row = Location(code=record["barcode"], name=record["name"], kind=kind, active=True,
                           odoo_id=record["id"])
            session.add(row)
            by_code[row.code] = row
            touched.append(row)
        elif (row.name, row.kind, row.active, row.odoo_id) != (record["name"], kind, record["active"], record["id"]):
            row.name, row.kind, row.active, row.odoo_id = record["name"], kind, record["active"], record["id"]
            touched.append(row)
        seen.add(row.code)
    if full:  # Odoo is the source of truth: what it does not have is archived
        touched += _archive_unseen({row.code: row for row in rows}, seen)
    marks.advance("locations", records)
    return _stamp(session, touched)


def _archive_unseen(rows: dict, seen: set) -> list:
    """Archives the active rows (by key) whose key Odoo did not report; returns them."""
    archived = [row for key, row in rows.items() if row.active and key not in seen]
    for row in archived:
        row.active = False
    return archived


def _stamp(session: Session, rows: list) -> int:
    if rows:
        session.flush()
        stamp(session, *rows)
    return len(rows)


# Products

def _pull_products(gateway: Gateway, session: Session, marks: Watermarks, full: bool) -> int:
    goods = gateway.dialect.goods_domain() + [("active", "in", [True, False])]
    records = gateway.search_read("product.product", goods + ([] if full else marks.domain("products")),
                                  PRODUCT_FIELDS, order="id")
    packaging_domain = [("barcode", "!=", False)]
    if not full:  # a changed box barcode refreshes its product
        changed_packs = gateway.search_read("product.packaging", packaging_domain + marks.domain("packaging"),
                                            ["product_id", "write_date"])
        marks.advance("packaging", changed_packs)
        more = sorted({p["product_id"][0] for p in changed_packs} - {r["id"] for r in records})
        if more:
            records += gateway.search_read("product.product", goods + [("id", "in", more)], PRODUCT_FIELDS)
    else:
        marks.advance("packaging", gateway.search_read("product.packaging", [], ["write_date"], order="write_date desc",
                                                       limit=1))
    ids = [r["id"] for r in records]
    packs: dict[int, list[tuple[str, float]]] = defaultdict(list)
    if ids:
        for pack in gateway.search_read("product.packaging", packaging_domain + [("product_id", "in", ids)],
                                        ["product_id", "barcode", "qty"], order="id"):
            packs[pack["product_id"][0]].append((pack["barcode"], pack["qty"]))
    rows = list(session.scalars(select(Product).options(selectinload(Product.barcodes))))
    by_odoo = {row.odoo_id: row for row in rows if row.odoo_id}
    by_ref = {row.ref: row for row in rows}
    barcodes = {b.code: b for b in session.scalars(select(Barcode))}
    touched, seen = [], set()
    for record in records:
        ref = record.get("default_code")
        if not ref:
            continue  # the app names items by internal reference; one without cannot be scanned by reference
        row = by_odoo.get(record["id"]) or by_ref.get(ref)
        values = {"ref": ref, "name": record["name"], "uom": record["uom_id"][1] if record.get("uom_id") else "Units",
                  "tracking": record.get("tracking") or "none", "billable": bool(record["sale_ok"]),
                  "price": round(float(record.get("list_price") or 0), 2), "active": bool(record["active"]),
                  "odoo_id": record["id"]}
        if row is None:
            if not record["active"]:
                continue
            row = Product(**values)
            session.add(row)
            by_ref[ref] = row
            changed = True
        else:
            changed = any(_differs(getattr(row, key), value) for key, value in values.items())
            for key, value in values.items():
                setattr(row, key, value)
        wanted = ({record["barcode"]: 1.0} if record.get("barcode") else {}) | \
            {code: float(qty) for code, qty in packs.get(record["id"], [])}
        changed = _set_barcodes(row, wanted, barcodes) or changed
        if changed:
            touched.append(row)
        seen.add(ref)
    if full:
        touched += _archive_unseen({row.ref: row for row in rows}, seen)
    marks.advance("products", records)
    return _stamp(session, touched)


def _differs(current, new) -> bool:
    if isinstance(new, float) and current is not None:
        return abs(float(current) - new) > 1e-9
    return current != new


def _set_barcodes(product: Product, wanted: dict[str, float], barcodes: dict[str, Barcode]) -> bool:
    """Gives the product exactly these codes (moving a code from another product if Odoo moved it)."""
    changed = False
    for barcode in list(product.barcodes):
        if barcode.code not in wanted:
            product.barcodes.remove(barcode)
            barcodes.pop(barcode.code, None)
            changed = True
    for code, qty in wanted.items():
        barcode = barcodes.get(code)
        if barcode is None:
            barcode = Barcode(code=code, qty=qty)
            product.barcodes.append(barcode)
            barcodes[code] = barcode
            changed = True
        elif barcode.product is not product or barcode.qty != qty:
            barcode.product, barcode.qty = product, qty
            changed = True
    return changed


# Par levels: reordering rules at the app's locations

def _pull_par_levels(gateway: Gateway, session: Session, marks: Watermarks, full: bool) -> int:
    records = gateway.search_read("stock.warehouse.orderpoint",
                                  [("active", "in", [True, False])] + ([] if full else marks.domain("par")),
                                  ORDERPOINT_FIELDS, order="id")
    locations = {row.odoo_id: row for row in session.scalars(select(Location).where(Location.odoo_id.is_not(None)))}
    products = {row.odoo_id: row for row in session.scalars(select(Product).where(Product.odoo_id.is_not(None)))}
    existing = {(row.location_id, row.product_id): row for row in session.scalars(select(ParLevel))}
    touched, seen = [], set()
    for record in records:
        location = locations.get(record["location_id"][0])
        product = products.get(record["product_id"][0])
        if location is None or product is None:
            continue
        key = (location.id, product.id)
        values = {"min_qty": float(record["product_min_qty"]), "max_qty": float(record["product_max_qty"]),
                  "active": bool(record["active"])}
        row = existing.get(key)
        if row is None:
            if not record["active"]:
                continue
            row = ParLevel(location=location, product=product, **values)
            session.add(row)
            existing[key] = row
            touched.append(row)
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            touched.append(row)
        if record["active"]:
            seen.add(key)
    if full:
        touched += _archive_unseen(existing, seen)
    marks.advance("par", records)
    return _stamp(session, touched)


# Stock on hand at the app's internal locations, read whole: the last known quantity per product and lot

def _pull_stock(gateway: Gateway, session: Session, now: datetime) -> int:
    locations = {row.odoo_id: row for row in session.scalars(
        select(Location).where(Location.odoo_id.is_not(None), Location.active.is_(True),
                               Location.kind.in_(("store", "department"))))}
    if not locations:
        return 0
    products = {row.odoo_id: row for row in session.scalars(select(Product).where(Product.odoo_id.is_not(None)))}
    quantities: dict[tuple[int, int, str], float] = defaultdict(float)
    for quant in gateway.search_read("stock.quant", [("location_id", "in", sorted(locations))],
                                     ["product_id", "location_id", "lot_id", "quantity"]):
        product = products.get(quant["product_id"][0])
        if product is not None:
            key = (locations[quant["location_id"][0]].id, product.id, quant["lot_id"][1] if quant["lot_id"] else "")
            quantities[key] += quant["quantity"]
    location_ids = [row.id for row in locations.values()]
    existing = {(row.location_id, row.product_id, row.lot): row for row in session.scalars(
        select(StockLevel).where(StockLevel.location_id.in_(location_ids)))}
    touched = []
    for key, qty in quantities.items():
        row = existing.get(key)
        if row is None:
            row = StockLevel(location_id=key[0], product_id=key[1], lot=key[2], qty=qty, as_of=now, active=True)
            session.add(row)
            touched.append(row)
        elif abs(row.qty - qty) > 1e-9 or not row.active:
            row.qty, row.active = qty, True
            touched.append(row)
    touched += _archive_unseen(existing, set(quantities))
    # Every level of these locations is as of now: what the journal synced before this moment is in them.
    session.execute(update(StockLevel).where(StockLevel.location_id.in_(location_ids)).values(as_of=now))
    for row in touched:
        row.as_of = now
    return _stamp(session, touched)


# Receipts and transfers, read whole: the open picture (and transfers that ended lately)

def _refs(gateway: Gateway, session: Session, product_ids: set[int]) -> dict[int, str]:
    refs = {row.odoo_id: row.ref for row in session.scalars(select(Product).where(Product.odoo_id.in_(product_ids)))}
    missing = sorted(product_ids - set(refs))
    for product in gateway.read("product.product", missing, ["default_code"]):
        if product.get("default_code"):
            refs[product["id"]] = product["default_code"]
    return refs


def _lines(gateway: Gateway, session: Session, picking_ids: list[int], done_quantities: bool = False) -> dict:
    moves = gateway.search_read("stock.move", [("picking_id", "in", picking_ids), ("state", "!=", "cancel")],
                                ["picking_id", "product_id", "product_uom_qty", "quantity", "state", "picked"],
                                order="id") if picking_ids else []
    refs = _refs(gateway, session, {m["product_id"][0] for m in moves})
    lines: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    picked: dict[int, list[bool]] = defaultdict(list)
    for move in moves:
        ref = refs.get(move["product_id"][0])
        picked[move["picking_id"][0]].append(bool(move.get("picked")))
        if ref:
            qty = move["quantity"] if done_quantities and move["state"] == "done" else move["product_uom_qty"]
            lines[move["picking_id"][0]][ref] += qty
    return {"lines": {pid: [{"ref": ref, "qty": qty} for ref, qty in by_ref.items()] for pid, by_ref in lines.items()},
            "picked": picked}


def _receipt_reports(gateway: Gateway, session: Session) -> list[ReceiptReport]:
    stores = {row.odoo_id: row.code for row in session.scalars(select(Location).where(Location.odoo_id.is_not(None)))}
    pickings = gateway.search_read("stock.picking", [("picking_type_code", "=", "incoming"), ("state", "=", "assigned"),
                                                     ("location_dest_id", "in", sorted(stores))],
                                   ["name", "origin", "partner_id", "location_dest_id", "scheduled_date"], order="id")
    details = _lines(gateway, session, [p["id"] for p in pickings])
    return [ReceiptReport(name=p["name"], location=stores[p["location_dest_id"][0]],
                          lines=details["lines"].get(p["id"], []), origin=p.get("origin") or None,
                          partner=p["partner_id"][1] if p.get("partner_id") else None, odoo_id=p["id"],
                          scheduled_at=_utc(p.get("scheduled_date"))) for p in pickings]


def _transfer_status(picking: dict, picked: list[bool]) -> str:
    state = picking["state"]
    if state == "done":
        return "arrived"
    if state == "cancel":
        return "cancelled"
    if state == "assigned":
        return "on_its_way" if picked and all(picked) else "picked"
    return "sent"


def _requisition(origin: str | None) -> str | None:
    first = (origin or "").split(" ")[0]
    return first[len(STAMP):] if first.startswith(STAMP) and len(first) == len(STAMP) + 36 else None


def _transfer_reports(gateway: Gateway, session: Session, now: datetime) -> list[TransferReport]:
    departments = {row.odoo_id: row.code for row in session.scalars(
        select(Location).where(Location.odoo_id.is_not(None), Location.kind == "department"))}
    if not departments:
        return []
    since = (now - timedelta(days=AWAITED_DAYS)).strftime("%Y-%m-%d %H:%M:%S")
    pickings = gateway.search_read(
        "stock.picking", [("picking_type_code", "=", "internal"), ("location_dest_id", "in", sorted(departments)),
                          ("location_id.usage", "=", "internal"),  # not returns from the consumption location
                          "|", ("state", "not in", ["done", "cancel"]), ("write_date", ">=", since)],
        ["name", "origin", "state", "location_dest_id", "scheduled_date", "date_done"], order="id")
    details = _lines(gateway, session, [p["id"] for p in pickings], done_quantities=True)
    return [TransferReport(name=p["name"], location=departments[p["location_dest_id"][0]],
                           status=_transfer_status(p, details["picked"].get(p["id"], [])),
                           lines=details["lines"].get(p["id"], []), requisition=_requisition(p.get("origin")),
                           scheduled_at=_utc(p.get("scheduled_date")), done_at=_utc(p.get("date_done")))
            for p in pickings]
