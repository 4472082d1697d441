"""The Odoo side of the test hospital, made through the same RPC calls on the double and on a real Odoo: the
mapped locations (by `odoo check --fix`), a handful of the demo supplies, analytic accounts per department,
and helpers to read back what the sync made.

Everything is found before it is made, so a real Odoo can be reused across runs; each test makes its own
encounters, lots and receipts so that tests never see each other's records.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from pwa.seed import DEPARTMENTS, LOCATIONS, demo_products
from sync.check import fix
from sync.gateway import Gateway
from sync.mapping import AppLocation, load_mapping

# (ref, why it is here)
PRODUCTS = {
    "SYR-10ML": "lot-tracked, billable, box of 100",
    "SAL-100MLBAG": "lot-tracked, billable",
    "GLV-N-M": "untracked, not billable, box of 200",
    "BAN-5CM": "untracked, billable",
    "ETT-7.0MM": "serial-tracked, billable",
    "GAU-5X5CM": "lot-tracked, not billable",
}
APP_LOCATIONS = [AppLocation(code, name, kind) for code, name, kind in LOCATIONS]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


@dataclass
class World:
    gateway: Gateway
    products: dict[str, dict] = field(default_factory=dict)  # ref -> product.product record
    locations: dict[str, int] = field(default_factory=dict)  # app code -> stock.location id
    analytic: dict[str, int] = field(default_factory=dict)
    receipt_type: int = 0
    internal_type: int = 0

    def product_id(self, ref: str) -> int:
        return self.products[ref]["id"]

    # Reading back what the sync made

    def pickings(self, action_id: str) -> list[dict]:
        return self.gateway.search_read("stock.picking", [("origin", "like", f"WS:{action_id}")],
                                        ["name", "state", "origin", "location_id", "location_dest_id",
                                         "backorder_id", "picking_type_id"], order="id")

    def moves(self, picking_id: int) -> list[dict]:
        return self.gateway.search_read("stock.move", [("picking_id", "=", picking_id)],
                                        ["product_id", "product_uom_qty", "quantity", "state", "name"], order="id")

    def move_lines(self, picking_id: int) -> list[dict]:
        return self.gateway.search_read("stock.move.line", [("picking_id", "=", picking_id)],
                                        ["product_id", "lot_id", "quantity", "state", "location_id",
                                         "location_dest_id"], order="id")

    def invoice_lines(self, action_id: str) -> list[dict]:
        return self.gateway.search_read("account.move.line", [("name", "like", f"[WS:{action_id}]"),
                                                              ("display_type", "=", "product")],
                                        ["move_id", "product_id", "quantity", "price_unit", "name",
                                         "analytic_distribution", "parent_state"], order="id")

    def invoices(self, account: str) -> list[dict]:
        return self.gateway.search_read("account.move", [("invoice_origin", "=", account),
                                                         ("move_type", "=", "out_invoice")],
                                        ["state", "partner_id", "invoice_origin", "amount_untaxed"], order="id")

    def scraps(self, action_id: str) -> list[dict]:
        return self.gateway.search_read("stock.scrap", [("origin", "like", f"WS:{action_id}")],
                                        ["name", "state", "product_id", "scrap_qty", "lot_id", "location_id",
                                         "scrap_location_id", "origin"], order="id")

    def quantity(self, ref: str, code: str, lot: str | None = None) -> float:
        domain = [("product_id", "=", self.product_id(ref)), ("location_id", "=", self.locations[code])]
        if lot is not None:
            domain.append(("lot_id.name", "=", lot))
        return sum(q["quantity"] for q in self.gateway.search_read("stock.quant", domain, ["quantity"]))

    def lot(self, ref: str, name: str) -> dict | None:
        found = self.gateway.search_read("stock.lot", [("product_id", "=", self.product_id(ref)), ("name", "=", name)],
                                         ["name", "expiration_date"])
        return found[0] if found else None

    # Making what a test needs

    def put_stock(self, ref: str, code: str, quantity: float, lot: str | None = None,
                  expiry: str | None = None) -> None:
        """Sets the quantity on hand through an inventory adjustment, as a stock keeper would."""
        lot_id = False
        if lot:
            found = self.lot(ref, lot)
            lot_id = found["id"] if found else self.gateway.create("stock.lot", [{
                "name": lot, "product_id": self.product_id(ref),
                **({"expiration_date": f"{expiry} 00:00:00"} if expiry else {})}])[0]
        self._count(ref, code, [("lot_id", "=", lot_id)], quantity, lot_id)

    def clear_stock(self, ref: str, code: str) -> None:
        """Counts every lot of a product at a location down to zero (stock earlier runs left in a real Odoo)."""
        self._count(ref, code, [], 0.0, None)

    def _count(self, ref: str, code: str, lots: list, quantity: float, lot_id) -> None:
        """An inventory adjustment of the matching quants: the first to `quantity`, any other to zero (Odoo may keep
        several quants of one product and lot at a location)."""
        context = {"inventory_mode": True}
        where = [("product_id", "=", self.product_id(ref)), ("location_id", "=", self.locations[code])]
        ids = [q["id"] for q in self.gateway.search_read("stock.quant", where + lots, ["id"], order="id")]
        for position, quant_id in enumerate(ids):
            self.gateway.write("stock.quant", [quant_id], {"inventory_quantity": quantity if position == 0 else 0},
                               context=context)
        if not ids and lot_id is not None:
            ids = self.gateway.create("stock.quant", [{
                "product_id": self.product_id(ref), "location_id": self.locations[code], "inventory_quantity": quantity,
                **({"lot_id": lot_id} if lot_id else {})}], context=context)
        if ids:
            self.gateway.execute("stock.quant", "action_apply_inventory", ids, context=context)

    def reorder_rule(self, ref: str, code: str, low: float, high: float, active: bool = True) -> int:
        """The reordering rule of a product at a location, made or reset (Odoo allows one per pair)."""
        found = self.gateway.search_read("stock.warehouse.orderpoint", [
            ("product_id", "=", self.product_id(ref)), ("location_id", "=", self.locations[code]),
            ("active", "in", [True, False])], ["active"])
        vals = {"product_min_qty": low, "product_max_qty": high, "active": active}
        if found:
            self.gateway.write("stock.warehouse.orderpoint", [found[0]["id"]], vals)
            return found[0]["id"]
        return self.gateway.create("stock.warehouse.orderpoint", [{
            "product_id": self.product_id(ref), "location_id": self.locations[code], **vals}])[0]

    def open_receipt(self, lines: dict[str, float], origin: str | None = None) -> dict:
        """An incoming picking from the vendors, confirmed, as a purchase order leaves it."""
        vendors = self.gateway.call("ir.model.data", "check_object_reference", module="stock",
                                    xml_id="stock_location_suppliers")[1]
        stock = self.locations["WH-STOCK"]
        pid = self.gateway.create("stock.picking", [{
            "picking_type_id": self.receipt_type, "location_id": vendors, "location_dest_id": stock,
            "origin": origin or unique("PO"),
            "move_ids": [[0, 0, {"name": ref, "product_id": self.product_id(ref), "product_uom_qty": qty,
                                 "location_id": vendors, "location_dest_id": stock}] for ref, qty in lines.items()]}])[0]
        self.gateway.execute("stock.picking", "action_confirm", [pid])
        return self.gateway.read("stock.picking", [pid], ["name", "state", "origin"])[0]


def ensure_world(gateway: Gateway) -> World:
    fix(gateway, APP_LOCATIONS)
    world = World(gateway)
    mapping = load_mapping(gateway, APP_LOCATIONS)
    world.locations = {code: record["id"] for code, record in mapping.locations.items()}
    world.receipt_type, world.internal_type = mapping.receipt_type_id, mapping.internal_type_id
    _ensure_products(world)
    _ensure_analytic(world)
    return world


def _ensure_products(world: World) -> None:
    gateway = world.gateway
    fields = ["default_code", "name", "tracking", "sale_ok", "list_price", "uom_id", "barcode"]
    found = {p["default_code"]: p for p in gateway.search_read("product.product",
                                                               [("default_code", "in", list(PRODUCTS))], fields)}
    demo = {item["ref"]: item for item in demo_products()}
    missing = [ref for ref in PRODUCTS if ref not in found]
    vals = [{"name": demo[ref]["name"], "default_code": ref, "barcode": demo[ref]["barcode"],
             "tracking": demo[ref]["tracking"], "sale_ok": demo[ref]["billable"], "list_price": demo[ref]["price"],
             **gateway.dialect.storable_values()} for ref in missing]
    created = gateway.create("product.product", vals)
    packs = [{"name": f"Box of {demo[ref]['pack'][1]}", "product_id": pid, "qty": demo[ref]["pack"][1],
              "barcode": demo[ref]["pack"][0]} for ref, pid in zip(missing, created) if demo[ref]["pack"]]
    gateway.create("product.packaging", packs)
    world.products = {p["default_code"]: p for p in gateway.search_read(
        "product.product", [("default_code", "in", list(PRODUCTS))], fields)}


def _ensure_analytic(world: World) -> None:
    gateway = world.gateway
    accounts = {a["code"]: a["id"] for a in gateway.search_read("account.analytic.account",
                                                                [("code", "in", list(DEPARTMENTS))], ["code"])}
    missing = [code for code in DEPARTMENTS if code not in accounts]
    if missing:
        plans = gateway.search_read("account.analytic.plan", [("name", "=", "Hospital departments")], ["name"])
        plan = plans[0]["id"] if plans else gateway.create("account.analytic.plan",
                                                           [{"name": "Hospital departments"}])[0]
        created = gateway.create("account.analytic.account", [{"name": f"Department {code}", "code": code,
                                                               "plan_id": plan} for code in missing])
        accounts.update(zip(missing, created))
    world.analytic = accounts
