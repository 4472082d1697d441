"""The catalog devices scan against: products with every barcode, locations and par levels, served as deltas.

Every change to a catalog row takes the next number of the `catalog` counter (its revision); a device keeps the
highest revision it has seen as its cursor and asks only for what changed after it, archived rows included so
it can drop them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from .models import Barcode, Counter, Location, ParLevel, Product, Receipt, StockLevel, Transfer, User, aware

PAGE_SIZE = 5000


def next_revisions(session: Session, count: int = 1) -> range:
    """Reserves `count` consecutive revision numbers; the row lock keeps writers from sharing one."""
    if session.get(Counter, "catalog") is None:
        session.add(Counter(name="catalog", value=0))
        session.flush()
    top = session.execute(update(Counter).where(Counter.name == "catalog")
                          .values(value=Counter.value + count).returning(Counter.value)).scalar_one()
    return range(top - count + 1, top + 1)


def stamp(session: Session, *rows: Location | Product | ParLevel | StockLevel | Transfer | Receipt) -> None:
    for row, revision in zip(rows, next_revisions(session, len(rows))):
        row.rev = revision


@dataclass
class ProductRow:
    """A product as the catalog sends it, read as plain rows: a first sync sends tens of thousands."""
    rev: int
    ref: str
    name: str
    uom: str
    tracking: str
    billable: bool
    price: float
    active: bool
    barcodes: list[tuple[str, float]] = field(default_factory=list)


def changed_products(session: Session, since: int | None, limit: int) -> list[ProductRow]:
    query = (select(Product.id, Product.rev, Product.ref, Product.name, Product.uom, Product.tracking,
                    Product.billable, Product.price, Product.active)
             .where(Product.rev > (since or 0)).order_by(Product.rev).limit(limit + 1))
    if since is None:
        query = query.where(Product.active.is_(True))
    products = {row.id: ProductRow(*row[1:]) for row in session.execute(query)}
    ids = list(products)
    for start in range(0, len(ids), 900):  # stays under SQLite's bound-parameter limit
        chunk = ids[start:start + 900]
        for product_id, code, qty in session.execute(
                select(Barcode.product_id, Barcode.code, Barcode.qty).where(Barcode.product_id.in_(chunk))
                .order_by(Barcode.qty, Barcode.code)):
            products[product_id].barcodes.append((code, qty))
    return list(products.values())


def product_json(product: ProductRow) -> dict:
    return {"ref": product.ref, "name": product.name,
            "barcodes": [code for code, qty in product.barcodes if qty == 1],
            "packs": [{"barcode": code, "qty": qty} for code, qty in product.barcodes if qty != 1],
            "uom": product.uom, "tracking": product.tracking, "billable": product.billable,
            "price": float(product.price), "active": product.active}


def location_json(location: Location) -> dict:
    return {"code": location.code, "name": location.name, "kind": location.kind, "active": location.active}


def par_json(par: ParLevel) -> dict:
    return {"location": par.location.code, "ref": par.product.ref, "min": par.min_qty, "max": par.max_qty,
            "active": par.active}


def stock_json(level: StockLevel) -> dict:
    return {"location": level.location.code, "ref": level.product.ref, "lot": level.lot or None, "qty": level.qty,
            "as_of": level.as_of.isoformat(), "active": level.active}


def transfer_json(transfer: Transfer) -> dict:
    """An internal transfer to a department as Odoo last reported it; `lines` are units per product."""
    def as_text(moment):
        return aware(moment).isoformat() if moment else None
    return {"name": transfer.name, "location": transfer.location.code, "requisition": transfer.requisition_id,
            "status": transfer.status, "lines": transfer.lines, "scheduled_at": as_text(transfer.scheduled_at),
            "done_at": as_text(transfer.done_at), "active": transfer.active}


def receipt_json(receipt: Receipt) -> dict:
    """An open delivery from a supplier as Odoo last reported it; `lines` are units still expected per product."""
    scheduled = aware(receipt.scheduled_at)
    return {"name": receipt.name, "origin": receipt.origin, "partner": receipt.partner,
            "location": receipt.location.code, "lines": receipt.lines,
            "scheduled_at": scheduled.isoformat() if scheduled else None, "active": receipt.active}


def receives(user: User) -> bool:
    return user.has_role("receiver", "supervisor", "admin")


def sees_stock(user: User) -> bool:
    """Counts are blind: someone who only counts never receives the quantities the shelf should hold."""
    return user.has_role("requester", "receiver", "supervisor", "admin")


def parse_cursor(raw: str | None) -> int | None:
    """None for a first sync; raises ValueError for something that is not a cursor this server gave out."""
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise ValueError(raw)
    return int(raw)


def catalog_page(session: Session, user: User, since: int | None, limit: int = PAGE_SIZE) -> dict:
    """One page of what changed after `since` for this user's locations, oldest revision first.

    Products are the hospital's whole item master (a nurse may scan anything on the shelf); locations, par levels
    and last known stock are those of the user's scope. The first sync leaves out archived rows; a delta includes
    them.
    """
    codes = {location.code for location in user.locations}
    after = since or 0

    def changed(model, *criteria):
        query = select(model).where(model.rev > after, *criteria).order_by(model.rev).limit(limit + 1)
        if since is None:
            query = query.where(model.active.is_(True))
        if hasattr(model, "product"):
            query = query.options(joinedload(model.location), joinedload(model.product))
        elif hasattr(model, "location"):
            query = query.options(joinedload(model.location))
        return list(session.scalars(query))

    rows = [("product", product) for product in changed_products(session, since, limit)]
    in_scope = Location.code.in_(codes)
    rows += [("location", loc) for loc in changed(Location, in_scope)]
    rows += [("par", par) for par in changed(ParLevel, ParLevel.location.has(in_scope))]
    if sees_stock(user):
        rows += [("stock", level) for level in changed(StockLevel, StockLevel.location.has(in_scope))]
        rows += [("transfer", row) for row in changed(Transfer, Transfer.location.has(in_scope))]
    if receives(user):
        rows += [("receipt", row) for row in changed(Receipt, Receipt.location.has(in_scope))]
    rows.sort(key=lambda kind_row: kind_row[1].rev)
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = rows[-1][1].rev if rows else max(after, current_revision(session))
    page = {"products": [], "locations": [], "par": [], "stock": [], "transfers": [], "receipts": [],
            "cursor": str(cursor), "more": more}
    for kind, row in rows:
        page[SECTIONS[kind][0]].append(SECTIONS[kind][1](row))
    if not sees_stock(user):
        del page["stock"], page["transfers"]
    if not receives(user):
        del page["receipts"]
    return page


SECTIONS = {"product": ("products", product_json), "location": ("locations", location_json),
            "par": ("par", par_json), "stock": ("stock", stock_json),
            "transfer": ("transfers", transfer_json), "receipt": ("receipts", receipt_json)}


def current_revision(session: Session) -> int:
    counter = session.get(Counter, "catalog")
    return counter.value if counter else 0
