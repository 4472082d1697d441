"""The Odoo models and workflow methods the sync engine uses, behaving as Odoo 17/18 Community does over RPC
(checked against a real Odoo 18: see the contract suite). Where real Odoo refuses something, so does this.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone

from .orm import Field, InvalidValue, Model, Registry, UserError, ValidationError, now_text

F = Field


def _m2o(relation: str, **kw) -> Field:
    return Field("many2one", relation=relation, **kw)


def _o2m(relation: str, inverse: str, **kw) -> Field:
    return Field("one2many", relation=relation, inverse=inverse, **kw)


def _m2m(relation: str, **kw) -> Field:
    return Field("many2many", relation=relation, **kw)


def build(version: int = 18) -> Registry:
    env = Registry()
    env.version = version
    env.sequences = defaultdict(int)
    _define_base(env)
    _define_products(env, version)
    _define_stock(env)
    _define_account(env)
    _seed_minimum(env)
    return env


# Base

def _define_base(env: Registry) -> None:
    env.define(Model("res.company", {"name": F(required=True)}))
    env.define(Model("res.users", {"name": F(required=True), "login": F(required=True),
                                   "company_id": _m2o("res.company", default=1), "active": F("boolean", default=True)}))
    env.define(Model("res.partner", {"name": F(required=True, string="Name"), "ref": F(), "is_company": F("boolean"),
                                     "active": F("boolean", default=True), "company_id": _m2o("res.company")}))
    env.define(Model("uom.uom", {"name": F(required=True), "rounding": F("float", default=0.01)}))
    env.define(Model("ir.model.data", {"module": F(), "name": F(), "model": F(), "res_id": F("integer")}))

    @env.method("res.users", "context_get")
    def context_get(env, ids=None, **_):
        return {"lang": "en_US", "tz": "Europe/Brussels", "uid": env.uid}

    @env.method("ir.model.data", "check_object_reference")
    def check_object_reference(env, module, xml_id, raise_on_access_error=False, **_):
        for rec in env.model("ir.model.data").records.values():
            if rec["module"] == module and rec["name"] == xml_id:
                return [rec["model"], rec["res_id"]]
        raise InvalidValue(f"External ID not found in the system: {module}.{xml_id}")


# Products

def _product_display(env, rec) -> str:
    return f"[{rec['default_code']}] {rec['name']}" if rec.get("default_code") else rec["name"]


def _define_products(env: Registry, version: int) -> None:
    fields = {
        "name": F(required=True, string="Name"), "default_code": F(), "barcode": F(),
        "tracking": F("selection", selection=("none", "lot", "serial"), default="none"),
        "sale_ok": F("boolean", default=True), "purchase_ok": F("boolean", default=True),
        "list_price": F("float", default=1.0), "standard_price": F("float", default=0.0),
        "lst_price": F("float", compute=lambda env, rec: rec.get("list_price") or 0.0,
                       setter=lambda env, rec, value: rec.__setitem__("list_price", float(value))),
        "uom_id": _m2o("uom.uom", default=1, required=True), "uom_po_id": _m2o("uom.uom", default=1),
        "active": F("boolean", default=True), "use_expiration_date": F("boolean"),
        "expiration_time": F("integer", default=0), "categ_id": F("integer", default=1),
        "packaging_ids": _o2m("product.packaging", "product_id"),
        "qty_available": F("float", readonly=True, compute=_qty_available),
    }
    if version >= 18:
        fields["type"] = F("selection", selection=("consu", "service", "combo"), default="consu")
        fields["is_storable"] = F("boolean")
    else:
        fields["detailed_type"] = F("selection", selection=("consu", "service", "product"), default="consu")
        fields["type"] = F("selection", selection=("consu", "service", "product"),
                           compute=lambda env, rec: rec.get("detailed_type"),
                           setter=lambda env, rec, value: rec.__setitem__("detailed_type", value))
    env.define(Model("product.product", fields, display=_product_display, check=_check_product_barcode,
                     order="default_code, name, id"))
    env.define(Model("product.packaging", {
        "name": F(required=True, string="Product Packaging"), "product_id": _m2o("product.product", required=True),
        "qty": F("float", default=1.0), "barcode": F(), "sequence": F("integer", default=1),
        "company_id": _m2o("res.company")}, check=_check_packaging_barcode))


def _qty_available(env, rec) -> float:
    location = env.context.get("location")
    total = 0.0
    for quant in env.model("stock.quant").records.values():
        if quant["product_id"] != rec["id"]:
            continue
        loc = env.get("stock.location", quant["location_id"])
        if loc["usage"] != "internal":
            continue
        if location and not _is_child_of(env, loc["id"], location):
            continue
        total += quant["quantity"] or 0.0
    return total


def _check_product_barcode(env, rec) -> None:
    if not rec.get("barcode"):
        return
    for other in env.model("product.product").records.values():
        if other["id"] != rec["id"] and other.get("barcode") == rec["barcode"] and other.get("active", True):
            raise ValidationError(f'Barcode(s) already assigned:\n\n- Barcode "{rec["barcode"]}" already assigned '
                                  f'to product(s): {_product_display(env, other)}')


def _check_packaging_barcode(env, rec) -> None:
    if not rec.get("barcode"):
        return
    for other in env.model("product.packaging").records.values():
        if other["id"] != rec["id"] and other.get("barcode") == rec["barcode"]:
            raise ValidationError(f"A barcode can only be assigned to one packaging: {rec['barcode']}")


# Stock

def _location_name(env, rec) -> str:
    parent = env.get("stock.location", rec.get("location_id"))
    if parent and rec.get("usage") != "view":
        return f"{_location_name(env, parent)}/{rec['name']}"
    return rec["name"]


def _is_child_of(env, location_id: int, ancestor_id: int) -> bool:
    while location_id:
        if location_id == ancestor_id:
            return True
        location_id = env.get("stock.location", location_id).get("location_id")
    return False


def _check_location(env, rec) -> None:
    if rec.get("barcode"):
        for other in env.model("stock.location").records.values():
            if other["id"] != rec["id"] and other.get("barcode") == rec["barcode"]:
                raise ValidationError("The barcode for a location must be unique per company!")


def _picking_state(env, rec) -> str:
    moves = [m for m in env.model("stock.move").records.values() if m.get("picking_id") == rec["id"]]
    if not moves:
        return "draft"
    states = {m["state"] for m in moves}
    if states <= {"cancel"}:
        return "cancel"
    if states <= {"done", "cancel"}:
        return "done"
    if "draft" in states:
        return "draft"
    if states & {"assigned", "partially_available"}:
        return "assigned"
    return "confirmed"


def _move_lines(env, move_id: int) -> list[dict]:
    return [ml for ml in env.model("stock.move.line").records.values() if ml.get("move_id") == move_id]


def _move_quantity(env, rec) -> float:
    return round(sum(ml.get("quantity") or 0.0 for ml in _move_lines(env, rec["id"])), 6)


def _set_move_quantity(env, move: dict, value) -> None:
    """stock.move.quantity's inverse: shrink the move lines from the last, or grow the first lot-less one."""
    value = float(value or 0.0)
    lines = sorted(_move_lines(env, move["id"]), key=lambda ml: ml["id"])
    delta = value - _move_quantity(env, move)
    if delta > 0:
        plain = [ml for ml in lines if not ml.get("lot_id")]
        if plain:
            env.write("stock.move.line", [plain[0]], {"quantity": plain[0]["quantity"] + delta})
        else:
            env.create("stock.move.line", _line_values(env, move, delta))
    else:
        for line in reversed(lines):
            if delta >= 0:
                break
            take = min(line["quantity"], -delta)
            delta += take
            if line["quantity"] - take <= 0:
                env.unlink("stock.move.line", [line])
            else:
                env.write("stock.move.line", [line], {"quantity": line["quantity"] - take})
    if move["state"] in ("draft", "confirmed", "partially_available", "assigned") and value > 0:
        move["state"] = "assigned" if value >= move["product_uom_qty"] else "partially_available"


def _line_values(env, move: dict, quantity: float, lot_id: int | None = None) -> dict:
    return {"move_id": move["id"], "picking_id": move.get("picking_id"), "product_id": move["product_id"],
            "product_uom_id": move["product_uom"], "quantity": quantity, "lot_id": lot_id,
            "location_id": move["location_id"], "location_dest_id": move["location_dest_id"]}


def _define_stock(env: Registry) -> None:
    env.define(Model("stock.location", {
        "name": F(required=True), "complete_name": F(compute=_location_name),
        "usage": F("selection", required=True, default="internal",
                   selection=("supplier", "view", "internal", "customer", "inventory", "production", "transit")),
        "location_id": _m2o("stock.location"), "barcode": F(), "active": F("boolean", default=True),
        "scrap_location": F("boolean"), "company_id": _m2o("res.company", default=1),
        "last_inventory_date": F("date"),
    }, display=_location_name, check=_check_location, order="complete_name, id", rec_name="complete_name"))
    env.models["stock.location"].fields["complete_name"].readonly = True
    env.define(Model("stock.warehouse", {
        "name": F(required=True), "code": F(required=True), "lot_stock_id": _m2o("stock.location"),
        "view_location_id": _m2o("stock.location"), "int_type_id": _m2o("stock.picking.type"),
        "in_type_id": _m2o("stock.picking.type"), "out_type_id": _m2o("stock.picking.type"),
        "company_id": _m2o("res.company", default=1), "active": F("boolean", default=True)}))
    env.define(Model("stock.picking.type", {
        "name": F(required=True), "code": F("selection", selection=("incoming", "outgoing", "internal"),
                                             required=True),
        "sequence_code": F(required=True), "warehouse_id": _m2o("stock.warehouse"),
        "default_location_src_id": _m2o("stock.location"), "default_location_dest_id": _m2o("stock.location"),
        "create_backorder": F("selection", selection=("ask", "always", "never"), default="ask"),
        "use_create_lots": F("boolean", default=True), "use_existing_lots": F("boolean", default=True),
        "active": F("boolean", default=True), "company_id": _m2o("res.company", default=1)},
        display=lambda env, rec: f"My Company: {rec['name']}"))
    env.define(Model("stock.picking", {
        "name": F(default="/"), "picking_type_id": _m2o("stock.picking.type", required=True),
        "location_id": _m2o("stock.location", default=lambda env, vals: _type_default(env, vals, "src")),
        "location_dest_id": _m2o("stock.location", default=lambda env, vals: _type_default(env, vals, "dest")),
        "origin": F(), "note": F("html"), "partner_id": _m2o("res.partner"),
        "state": F("selection", compute=_picking_state, readonly=True),
        "move_ids": _o2m("stock.move", "picking_id"), "move_line_ids": _o2m("stock.move.line", "picking_id"),
        "backorder_id": _m2o("stock.picking"), "scheduled_date": F("datetime", default=lambda env, v: now_text()),
        "date_done": F("datetime"), "company_id": _m2o("res.company", default=1), "user_id": _m2o("res.users"),
        "picking_type_code": F(compute=lambda env, rec: env.get("stock.picking.type", rec["picking_type_id"])["code"]),
    }, on_create=_name_picking, order="id desc"))
    env.define(Model("stock.move", {
        "name": F(required=True, string="Description"), "product_id": _m2o("product.product", required=True),
        "product_uom_qty": F("float", required=True, default=0.0), "product_qty": F("float", compute=lambda e, r: r["product_uom_qty"]),
        "quantity": F("float", compute=_move_quantity, setter=_set_move_quantity),
        "product_uom": _m2o("uom.uom", default=lambda env, vals: _product_uom(env, vals)),
        "location_id": _m2o("stock.location", default=lambda env, vals: _picking_default(env, vals, "location_id")),
        "location_dest_id": _m2o("stock.location",
                                 default=lambda env, vals: _picking_default(env, vals, "location_dest_id")),
        "picking_id": _m2o("stock.picking"), "picking_type_id": _m2o("stock.picking.type",
                                                                     default=lambda env, vals: _picking_default(env, vals, "picking_type_id")),
        "state": F("selection", default="draft",
                   selection=("draft", "waiting", "confirmed", "partially_available", "assigned", "done", "cancel")),
        "move_line_ids": _o2m("stock.move.line", "move_id"), "picked": F("boolean"), "origin": F(),
        "is_inventory": F("boolean"), "description_picking": F(), "scrapped": F("boolean"),
        "scrap_id": _m2o("stock.scrap"), "date": F("datetime", default=lambda env, v: now_text()),
        "company_id": _m2o("res.company", default=1), "price_unit": F("float", default=0.0),
        "procure_method": F(default="make_to_stock"), "partner_id": _m2o("res.partner"),
        "reference": F(compute=lambda env, rec: (env.get("stock.picking", rec.get("picking_id")) or {}).get("name")
                       or rec["name"]),
    }, display=lambda env, rec: f"{(env.get('stock.picking', rec.get('picking_id')) or {}).get('name') or rec['name']}"))
    env.define(Model("stock.move.line", {
        "move_id": _m2o("stock.move"), "picking_id": _m2o("stock.picking"),
        "product_id": _m2o("product.product", required=True),
        "product_uom_id": _m2o("uom.uom", required=True, string="Unit of Measure"),
        "lot_id": _m2o("stock.lot"), "lot_name": F(), "quantity": F("float", default=0.0),
        "location_id": _m2o("stock.location", required=True), "location_dest_id": _m2o("stock.location", required=True),
        "state": F(compute=lambda env, rec: (env.get("stock.move", rec.get("move_id")) or {}).get("state")),
        "picked": F("boolean"), "expiration_date": F("datetime"), "description_picking": F(),
        "company_id": _m2o("res.company", default=1), "date": F("datetime", default=lambda env, v: now_text()),
        "reference": F(compute=lambda env, rec: (env.get("stock.picking", rec.get("picking_id")) or {}).get("name")),
    }, on_create=_line_created, check=_check_line_lot))
    env.define(Model("stock.lot", {
        "name": F(required=True), "product_id": _m2o("product.product", required=True),
        "expiration_date": F("datetime"), "use_date": F("datetime"), "removal_date": F("datetime"),
        "alert_date": F("datetime"), "company_id": _m2o("res.company"), "ref": F(),
    }, check=_check_lot, on_create=_lot_dates, order="name, id"))
    env.define(Model("stock.quant", {
        "product_id": _m2o("product.product", required=True), "location_id": _m2o("stock.location", required=True),
        "lot_id": _m2o("stock.lot"), "quantity": F("float", default=0.0), "reserved_quantity": F("float", default=0.0),
        "inventory_quantity": F("float", default=0.0), "inventory_quantity_set": F("boolean"),
        "inventory_diff_quantity": F("float", compute=lambda env, rec: (rec["inventory_quantity"] or 0) - (rec["quantity"] or 0)
                                     if rec.get("inventory_quantity_set") else 0.0),
        "inventory_date": F("date"), "user_id": _m2o("res.users"), "in_date": F("datetime", default=lambda e, v: now_text()),
        "company_id": _m2o("res.company", default=1), "package_id": F("integer"), "owner_id": _m2o("res.partner"),
    }, on_write=_counted))
    env.define(Model("stock.scrap.reason.tag", {"name": F(required=True)}))
    env.define(Model("stock.scrap", {
        "name": F(default="New"), "product_id": _m2o("product.product", required=True),
        "scrap_qty": F("float", required=True, default=1.0),
        "product_uom_id": _m2o("uom.uom", default=lambda env, vals: _product_uom(env, vals)),
        "location_id": _m2o("stock.location", required=True),
        "scrap_location_id": _m2o("stock.location", default=lambda env, vals: _default_scrap_location(env)),
        "origin": F(), "lot_id": _m2o("stock.lot"), "state": F("selection", selection=("draft", "done"), default="draft"),
        "move_ids": _o2m("stock.move", "scrap_id"), "date_done": F("datetime"),
        "company_id": _m2o("res.company", default=1), "picking_id": _m2o("stock.picking"),
        **({"scrap_reason_tag_ids": _m2m("stock.scrap.reason.tag")} if env.version >= 17 else {}),
    }, order="id desc"))
    env.define(Model("stock.warehouse.orderpoint", {
        "name": F(default=lambda env, vals: _next_name(env, "OP/", 5)), "product_id": _m2o("product.product", required=True),
        "location_id": _m2o("stock.location", required=True), "warehouse_id": _m2o("stock.warehouse", default=1),
        "product_min_qty": F("float", default=0.0), "product_max_qty": F("float", default=0.0),
        "qty_multiple": F("float", default=1.0), "trigger": F(default="auto"), "active": F("boolean", default=True),
        "company_id": _m2o("res.company", default=1)}))
    env.define(Model("stock.backorder.confirmation", {
        "pick_ids": _m2m("stock.picking", default=lambda env, vals: _context_ids(env, "default_pick_ids")),
        "show_transfers": F("boolean")}))
    env.define(Model("stock.track.confirmation", {"quant_ids": _m2m("stock.quant")}))
    _stock_methods(env)


def _counted(env, quant: dict, vals: dict) -> None:
    """A counted quantity written on a quant marks it counted (Odoo computes `inventory_quantity_set` from it)."""
    if "inventory_quantity" in vals and "inventory_quantity_set" not in vals:
        quant["inventory_quantity_set"] = True


def _context_ids(env, key: str) -> list[int]:
    ids = []
    for command in env.context.get(key) or []:
        if isinstance(command, int):
            ids.append(command)
        elif command[0] == 4:
            ids.append(command[1])
        elif command[0] == 6:
            ids.extend(command[2])
    return ids


def _type_default(env, vals: dict, which: str):
    picking_type = env.get("stock.picking.type", vals.get("picking_type_id"))
    if not picking_type:
        return None
    return picking_type["default_location_src_id" if which == "src" else "default_location_dest_id"]


def _picking_default(env, vals: dict, name: str):
    picking = env.get("stock.picking", vals.get("picking_id"))
    return picking.get(name) if picking else None


def _product_uom(env, vals: dict):
    product = env.get("product.product", vals.get("product_id"))
    return product["uom_id"] if product else None


def _default_scrap_location(env):
    for loc in env.model("stock.location").records.values():
        if loc.get("scrap_location") and loc.get("active"):
            return loc["id"]
    return None


def _next_name(env, prefix: str, width: int) -> str:
    env.sequences[prefix] += 1
    return f"{prefix}{env.sequences[prefix]:0{width}d}"


def _name_picking(env, rec, vals) -> None:
    if rec.get("name") in (None, "/"):
        picking_type = env.get("stock.picking.type", rec["picking_type_id"])
        warehouse = env.get("stock.warehouse", picking_type.get("warehouse_id")) or {"code": "WH"}
        rec["name"] = _next_name(env, f"{warehouse['code']}/{picking_type['sequence_code']}/", 5)


def _line_created(env, rec, vals) -> None:
    move = env.get("stock.move", rec.get("move_id"))
    if move and move["state"] in ("draft", "confirmed", "partially_available", "waiting"):
        move["state"] = "assigned" if _move_quantity(env, move) >= move["product_uom_qty"] else "partially_available"


def _check_line_lot(env, rec) -> None:
    lot = env.get("stock.lot", rec.get("lot_id"))
    if lot and lot["product_id"] != rec["product_id"]:
        raise ValidationError(f"The Lot/Serial number ({lot['name']}) is linked to another product.")


def _check_lot(env, rec) -> None:
    for other in env.model("stock.lot").records.values():
        if other["id"] != rec["id"] and other["name"] == rec["name"] and other["product_id"] == rec["product_id"] \
                and (other.get("company_id") or 1) == (rec.get("company_id") or 1):
            raise ValidationError("The combination of lot/serial number and product must be unique within a company "
                                  "including when no company is defined.")


def _lot_dates(env, rec, vals) -> None:
    if not rec.get("expiration_date"):
        product = env.get("product.product", rec["product_id"])
        if product.get("use_expiration_date"):
            from datetime import timedelta
            moment = datetime.now(timezone.utc) + timedelta(days=product.get("expiration_time") or 0)
            rec["expiration_date"] = moment.strftime("%Y-%m-%d %H:%M:%S")
    for name in ("use_date", "removal_date", "alert_date"):
        rec[name] = rec[name] or rec.get("expiration_date")


def _location(env, location_id) -> dict:
    return env.get("stock.location", location_id)


def _update_quant(env, product_id: int, location_id: int, lot_id: int | None, delta: float) -> None:
    if _location(env, location_id)["usage"] not in ("internal", "transit"):
        return
    for quant in env.model("stock.quant").records.values():
        if quant["product_id"] == product_id and quant["location_id"] == location_id and \
                (quant.get("lot_id") or None) == (lot_id or None):
            env.write("stock.quant", [quant], {"quantity": (quant["quantity"] or 0.0) + delta})
            return
    env.create("stock.quant", {"product_id": product_id, "location_id": location_id, "lot_id": lot_id,
                               "quantity": delta})


def _tracking(env, product_id: int) -> str:
    return env.get("product.product", product_id).get("tracking") or "none"


def _missing_lot_error(env, product_ids) -> UserError:
    names = "\n".join(f"- {_product_display(env, env.get('product.product', pid))}" for pid in product_ids)
    return UserError(f"You need to supply a Lot/Serial Number for product:\n{names}")


def _done_line(env, line: dict) -> None:
    """A move line reaches done: its lot is created from lot_name if needed, and stock moves."""
    if not line.get("quantity"):
        env.unlink("stock.move.line", [line])
        return
    tracking = _tracking(env, line["product_id"])
    if tracking != "none" and not line.get("lot_id"):
        if not line.get("lot_name"):
            raise _missing_lot_error(env, [line["product_id"]])
        lots = [lot for lot in env.model("stock.lot").records.values()
                if lot["name"] == line["lot_name"] and lot["product_id"] == line["product_id"]]
        lot = lots[0] if lots else env.create("stock.lot", {"name": line["lot_name"], "product_id": line["product_id"],
                                                            "company_id": 1,
                                                            "expiration_date": line.get("expiration_date")})
        line["lot_id"] = lot["id"]
    if tracking == "serial" and line["quantity"] != 1:
        uom = env.get("uom.uom", line["product_uom_id"])["name"]
        raise UserError(f"You can only process 1.0 {uom} of products with unique serial number.")
    line["picked"] = True
    _update_quant(env, line["product_id"], line["location_id"], line.get("lot_id"), -line["quantity"])
    _update_quant(env, line["product_id"], line["location_dest_id"], line.get("lot_id"), line["quantity"])


def _reserve(env, moves: list[dict]) -> None:
    """Reservation at confirmation: receipts take their demand as is; internal sources take available stock in the
    source location and every location inside it, first-expiring lot first."""
    for move in moves:
        if move["state"] in ("done", "cancel", "draft"):
            continue
        missing = move["product_uom_qty"] - _move_quantity(env, move)
        if missing <= 0:
            move["state"] = "assigned"
            continue
        source = _location(env, move["location_id"])
        if source["usage"] != "internal":
            env.create("stock.move.line", _line_values(env, move, missing))
            move["state"] = "assigned"
            continue
        reserved = defaultdict(float)  # per (product, lot, location)
        for line in env.model("stock.move.line").records.values():
            other = env.get("stock.move", line.get("move_id"))
            if other and other["state"] not in ("done", "cancel"):
                reserved[(line["product_id"], line.get("lot_id"), line["location_id"])] += line["quantity"] or 0.0
        quants = [q for q in env.model("stock.quant").records.values()
                  if q["product_id"] == move["product_id"] and q["quantity"] > 0
                  and _is_child_of(env, q["location_id"], source["id"])]
        tracked = _tracking(env, move["product_id"]) != "none"

        def expiry(quant):
            lot = env.get("stock.lot", quant.get("lot_id")) or {}
            return (lot.get("expiration_date") or "9999", quant["id"])
        for quant in sorted(quants, key=expiry):
            if missing <= 0:
                break
            if tracked and not quant.get("lot_id"):
                continue
            key = (quant["product_id"], quant.get("lot_id"), quant["location_id"])
            take = min(quant["quantity"] - reserved[key], missing)
            if take > 0:
                env.create("stock.move.line", {**_line_values(env, move, take, quant.get("lot_id")),
                                               "location_id": quant["location_id"]})
                reserved[key] += take
                missing -= take
        quantity = _move_quantity(env, move)
        move["state"] = "assigned" if missing <= 0 else ("partially_available" if quantity else "confirmed")


MERGE_KEYS = ("product_id", "location_id", "location_dest_id", "product_uom", "description_picking", "price_unit",
              "scrapped", "procure_method")


def _confirm_moves(env, moves: list[dict]) -> None:
    """stock.move._action_confirm: merge like moves of a picking (origin is not kept apart), then reserve."""
    kept: dict[tuple, dict] = {}
    survivors = []
    for move in sorted(moves, key=lambda m: m["id"]):
        if move["state"] != "draft":
            continue
        key = (move.get("picking_id"),) + tuple(move.get(name) for name in MERGE_KEYS)
        if move.get("picking_id") and key in kept and not _move_lines(env, move["id"]):
            into = kept[key]
            origins = sorted({o for o in (into.get("origin"), move.get("origin")) if o})
            env.write("stock.move", [into], {"product_uom_qty": into["product_uom_qty"] + move["product_uom_qty"],
                                             "origin": "/".join(origins) or None})
            env.unlink("stock.move", [move])
            continue
        kept[key] = move
        move["state"] = "confirmed"
        survivors.append(move)
    _reserve(env, survivors)


def _picking_moves(env, picking: dict) -> list[dict]:
    return sorted((m for m in env.model("stock.move").records.values() if m.get("picking_id") == picking["id"]),
                  key=lambda m: m["id"])


def _backorder_wizard(pickings: list[dict], show: bool) -> dict:
    return {"name": "Create Backorder?", "type": "ir.actions.act_window", "view_mode": "form",
            "res_model": "stock.backorder.confirmation", "views": [[892, "form"]], "view_id": 892, "target": "new",
            "context": {"button_validate_picking_ids": [p["id"] for p in pickings], "default_show_transfers": show,
                        "default_pick_ids": [[4, p["id"]] for p in pickings]}}


def _needs_backorder(env, picking: dict) -> bool:
    picking_type = env.get("stock.picking.type", picking["picking_type_id"])
    if picking_type["create_backorder"] != "ask":
        return False
    return any((move["product_uom_qty"] and not move["picked"]) or
               _picked_quantity(env, move) < move["product_uom_qty"]
               for move in _picking_moves(env, picking) if move["state"] != "cancel")


def _picked_quantity(env, move: dict) -> float:
    return _move_quantity(env, move) if move["picked"] else 0.0


def _validate(env, pickings: list[dict]) -> object:
    """stock.picking.button_validate."""
    pickings = [p for p in pickings if _picking_state(env, p) != "done"]
    for picking in pickings:
        if _picking_state(env, picking) == "draft":
            _confirm_moves(env, _picking_moves(env, picking))
            for move in _picking_moves(env, picking):
                if not _move_quantity(env, move) and move["product_uom_qty"]:
                    _set_move_quantity(env, move, move["product_uom_qty"])
    for picking in pickings:
        live = [m for m in _picking_moves(env, picking) if m["state"] not in ("done", "cancel")]
        if not live:
            raise UserError("You can’t validate an empty transfer. Please add some products to move before "
                            "proceeding.")
        if all(not _move_quantity(env, m) for m in live):
            raise UserError("You cannot validate a transfer if no quantities are reserved. To force the transfer, "
                            "encode quantities.")
    for picking in pickings:  # _pre_action_done_hook: nothing picked yet means everything with a quantity is
        moves = _picking_moves(env, picking)
        if any(_move_quantity(env, m) for m in moves) and not any(m["picked"] for m in moves if not m["scrapped"]):
            for move in moves:
                move["picked"] = True
    if not env.context.get("skip_backorder"):
        asking = [p for p in pickings if _needs_backorder(env, p)]
        if asking:
            return _backorder_wizard(asking, len(pickings) > 1)
    not_to_backorder = set(env.context.get("picking_ids_not_to_backorder") or [])
    for picking in pickings:
        picking_type = env.get("stock.picking.type", picking["picking_type_id"])
        cancel = picking_type["create_backorder"] == "never" or \
            (picking["id"] in not_to_backorder and picking_type["create_backorder"] != "always")
        _action_done(env, picking, cancel_backorder=cancel)
    return True


def _action_done(env, picking: dict, cancel_backorder: bool) -> None:
    remaining: list[tuple[dict, float]] = []
    moves = [m for m in _picking_moves(env, picking) if m["state"] not in ("done", "cancel")]
    missing_lots = []
    for move in moves:
        if move["picked"]:
            for line in _move_lines(env, move["id"]):
                if line.get("quantity") and _tracking(env, move["product_id"]) != "none" and \
                        not line.get("lot_id") and not line.get("lot_name"):
                    missing_lots.append(move["product_id"])
    if missing_lots:
        raise _missing_lot_error(env, sorted(set(missing_lots)))
    for move in moves:
        quantity = _picked_quantity(env, move)
        if quantity < move["product_uom_qty"]:
            remaining.append((move, move["product_uom_qty"] - quantity))
        if not quantity:
            for line in _move_lines(env, move["id"]):
                env.unlink("stock.move.line", [line])
            continue
        for line in sorted(_move_lines(env, move["id"]), key=lambda ml: ml["id"]):
            _done_line(env, line)
        env.write("stock.move", [move], {"product_uom_qty": quantity, "state": "done", "picked": True,
                                         "date": now_text()})
    picking["date_done"] = now_text()
    unfinished = remaining
    if not unfinished:
        return
    if cancel_backorder:
        for move, qty in unfinished:
            if move["state"] != "done":
                env.write("stock.move", [move], {"state": "cancel"})
        return
    backorder = env.create("stock.picking", {
        "picking_type_id": picking["picking_type_id"], "location_id": picking["location_id"],
        "location_dest_id": picking["location_dest_id"], "origin": picking.get("origin"),
        "partner_id": picking.get("partner_id"), "backorder_id": picking["id"], "note": picking.get("note")})
    moved = []
    for move, qty in unfinished:
        if move["state"] == "done":
            copy_vals = {k: move.get(k) for k in ("name", "product_id", "product_uom", "location_id",
                                                  "location_dest_id", "origin", "description_picking", "price_unit")}
            new = env.create("stock.move", {**copy_vals, "product_uom_qty": qty, "picking_id": backorder["id"],
                                            "picking_type_id": picking["picking_type_id"]})
        else:
            env.write("stock.move", [move], {"picking_id": backorder["id"], "picked": False, "product_uom_qty": qty})
            new = move
        new["state"] = "confirmed"
        moved.append(new)
    _reserve(env, moved)


def _stock_methods(env: Registry) -> None:
    @env.method("stock.picking", "action_confirm")
    def action_confirm(env, ids, **_):
        for picking in env.browse("stock.picking", ids):
            _confirm_moves(env, _picking_moves(env, picking))
        return True

    @env.method("stock.picking", "action_assign")
    def action_assign(env, ids, **_):
        for picking in env.browse("stock.picking", ids):
            moves = _picking_moves(env, picking)
            _confirm_moves(env, moves)
            _reserve(env, [m for m in _picking_moves(env, picking) if m["state"] not in ("draft", "done", "cancel")])
        return True

    @env.method("stock.picking", "button_validate")
    def button_validate(env, ids, **_):
        return _validate(env, env.browse("stock.picking", ids))

    @env.method("stock.picking", "action_cancel")
    def action_cancel(env, ids, **_):
        for picking in env.browse("stock.picking", ids):
            for move in _picking_moves(env, picking):
                if move["state"] != "done":
                    move["state"] = "cancel"
        return True

    @env.method("stock.backorder.confirmation", "process")
    def process(env, ids, **_):
        return _process_backorder(env, ids, cancel=False)

    @env.method("stock.backorder.confirmation", "process_cancel_backorder")
    def process_cancel_backorder(env, ids, **_):
        return _process_backorder(env, ids, cancel=True)

    @env.method("stock.scrap", "action_validate")
    def scrap_validate(env, ids, **_):
        scraps = env.browse("stock.scrap", ids)
        for scrap in scraps:
            if scrap["scrap_qty"] <= 0:
                raise UserError("You can only enter positive quantities.")
            product = env.get("product.product", scrap["product_id"])
            if _storable(env, product):
                available = sum(q["quantity"] for q in env.model("stock.quant").records.values()
                                if q["product_id"] == scrap["product_id"] and q["location_id"] == scrap["location_id"]
                                and (q.get("lot_id") or None) == (scrap.get("lot_id") or None))
                if available < scrap["scrap_qty"]:
                    return {"name": f"{_product_display(env, product)}: Insufficient Quantity To Scrap",
                            "res_model": "stock.warn.insufficient.qty.scrap", "view_id": 900,
                            "type": "ir.actions.act_window", "target": "new",
                            "context": {"default_product_id": product["id"], "default_location_id": scrap["location_id"],
                                        "default_scrap_id": scrap["id"], "default_quantity": scrap["scrap_qty"],
                                        "default_product_uom_name": "Units"}}
        return _do_scrap(env, scraps)

    @env.method("stock.scrap", "do_scrap")
    def do_scrap(env, ids, **_):
        return _do_scrap(env, env.browse("stock.scrap", ids))

    @env.method("stock.quant", "action_apply_inventory")
    def apply_inventory(env, ids, **_):
        quants = env.browse("stock.quant", ids)
        lotless = [q for q in quants if _tracking(env, q["product_id"]) != "none" and not q.get("lot_id")
                   and q["inventory_quantity"] != q["quantity"] and not q["quantity"]]
        if lotless:
            return {"name": "Tracked Products in Inventory Adjustment", "type": "ir.actions.act_window",
                    "view_mode": "form", "views": [[False, "form"]], "res_model": "stock.track.confirmation",
                    "target": "new", "context": {"default_quant_ids": ids,
                                                 "default_product_ids": [q["product_id"] for q in lotless]}}
        _apply_inventory(env, [q for q in quants if q.get("inventory_quantity_set")])
        return None

    @env.method("stock.quant", "action_clear_inventory_quantity")
    def clear_inventory(env, ids, **_):
        for quant in env.browse("stock.quant", ids):
            env.write("stock.quant", [quant], {"inventory_quantity": 0.0, "inventory_quantity_set": False})
        return None


def _storable(env, product: dict) -> bool:
    if env.version >= 18:
        return bool(product.get("is_storable"))
    return product.get("detailed_type") == "product"


def _process_backorder(env, ids, cancel: bool):
    wizards = env.browse("stock.backorder.confirmation", ids)
    picking_ids = env.context.get("button_validate_picking_ids")
    if not picking_ids:
        return True  # without the context of button_validate, Odoo does nothing either
    pick_ids = sorted({pid for wizard in wizards for pid in wizard.get("pick_ids") or []})
    env.context = {**env.context, "skip_backorder": True}
    if cancel:
        env.context["picking_ids_not_to_backorder"] = pick_ids
    return _validate(env, env.browse("stock.picking", picking_ids))


def _do_scrap(env, scraps: list[dict]) -> bool:
    for scrap in scraps:
        if scrap["state"] == "done":
            continue
        if _tracking(env, scrap["product_id"]) != "none" and not scrap.get("lot_id"):
            raise _missing_lot_error(env, [scrap["product_id"]])
        if scrap["name"] in (None, "New"):
            scrap["name"] = _next_name(env, "SP/", 5)
        move = env.create("stock.move", {
            "name": scrap["name"], "origin": scrap.get("origin") or scrap["name"], "product_id": scrap["product_id"],
            "product_uom": scrap["product_uom_id"], "product_uom_qty": scrap["scrap_qty"],
            "location_id": scrap["location_id"], "location_dest_id": scrap["scrap_location_id"],
            "scrapped": True, "scrap_id": scrap["id"]})
        line = env.create("stock.move.line", _line_values(env, move, scrap["scrap_qty"], scrap.get("lot_id")))
        _done_line(env, line)
        move["state"] = "done"
        move["picked"] = True
        scrap["state"] = "done"
        scrap["date_done"] = now_text()
    return True


def _inventory_location(env) -> int:
    for loc in env.model("stock.location").records.values():
        if loc["usage"] == "inventory" and loc["name"] == "Inventory adjustment":
            return loc["id"]
    raise UserError("No inventory adjustment location")


def _apply_inventory(env, quants: list[dict]) -> None:
    adjustment = _inventory_location(env)
    for quant in quants:
        diff = (quant["inventory_quantity"] or 0.0) - (quant["quantity"] or 0.0)
        name = env.context.get("inventory_name") or ("Product Quantity Confirmed" if not diff
                                                     else "Product Quantity Updated")
        if quant.get("user_id") and quant["user_id"] != 1:
            name += f" ({env.get('res.users', quant['user_id'])['name']})"
        source, dest = (adjustment, quant["location_id"]) if diff > 0 else (quant["location_id"], adjustment)
        move = env.create("stock.move", {"name": name, "product_id": quant["product_id"],
                                         "product_uom_qty": abs(diff), "location_id": source,
                                         "location_dest_id": dest, "is_inventory": True})
        if diff:
            line = env.create("stock.move.line", _line_values(env, move, abs(diff), quant.get("lot_id")))
            _done_line(env, line)
        move["state"] = "done"
        move["picked"] = True
        env.write("stock.quant", [quant], {"inventory_quantity": 0.0, "inventory_quantity_set": False,
                                           "inventory_date": now_text()[:10], "user_id": None})


def quant_create(env, vals_list: list[dict]) -> list[int]:
    """stock.quant.create: in inventory mode a count lands on the existing quant of product/location/lot."""
    allowed = {"product_id", "location_id", "lot_id", "package_id", "owner_id", "inventory_quantity",
               "inventory_quantity_auto_apply", "inventory_date", "user_id", "inventory_quantity_set"}
    ids = []
    for vals in vals_list:
        if env.context.get("inventory_mode") and ("inventory_quantity" in vals or
                                                   "inventory_quantity_auto_apply" in vals):
            if set(vals) - allowed:
                raise UserError("Quant's creation is restricted, you can't do this operation.")
            vals = dict(vals)
            auto = "inventory_quantity_auto_apply" in vals
            quantity = vals.pop("inventory_quantity_auto_apply", False) or vals.pop("inventory_quantity", False) or 0
            found = [q for q in env.model("stock.quant").records.values()
                     if q["product_id"] == vals["product_id"] and q["location_id"] == vals["location_id"]
                     and (q.get("lot_id") or None) == (vals.get("lot_id") or None)]
            quant = found[0] if found else env.create("stock.quant", vals)
            env.write("stock.quant", [quant], {"inventory_quantity": quantity, "inventory_quantity_set": True,
                                               "user_id": vals.get("user_id", env.uid)})
            if auto:
                saved = env.context
                env.context = {"set_inventory_quantity_auto_apply": True}  # Odoo replaces the context here
                _apply_inventory(env, [quant])
                env.context = saved
            ids.append(quant["id"])
        else:
            ids.append(env.create("stock.quant", vals)["id"])
    return ids


# Accounting

def _invoice_lines(env, move: dict) -> list[dict]:
    return [line for line in env.model("account.move.line").records.values()
            if line.get("move_id") == move["id"] and line.get("display_type") == "product"]


def _subtotal(env, line: dict) -> float:
    return round((line.get("quantity") or 0.0) * (line.get("price_unit") or 0.0), 2)


def _check_invoice_line(env, rec) -> None:
    move = env.get("account.move", rec.get("move_id"))
    if move and move["state"] == "posted":
        raise UserError("You cannot modify the following readonly fields on a posted move: invoice_line_ids")


def _invoice_line_default(env, vals: dict, name: str):
    product = env.get("product.product", vals.get("product_id"))
    if not product:
        return None if name == "name" else 0.0
    return _product_display(env, product) if name == "name" else product.get("list_price") or 0.0


def _define_account(env: Registry) -> None:
    env.define(Model("account.journal", {"name": F(required=True), "code": F(required=True),
                                         "type": F("selection", selection=("sale", "purchase", "cash", "bank", "general"),
                                                   required=True), "active": F("boolean", default=True),
                                         "company_id": _m2o("res.company", default=1)}))
    env.define(Model("account.analytic.plan", {"name": F(required=True)}))
    env.define(Model("account.analytic.account", {"name": F(required=True), "code": F(),
                                                  "plan_id": _m2o("account.analytic.plan", required=True),
                                                  "active": F("boolean", default=True),
                                                  "company_id": _m2o("res.company")}))
    env.define(Model("account.move", {
        "name": F(), "move_type": F("selection", default="entry",
                                    selection=("entry", "out_invoice", "out_refund", "in_invoice", "in_refund")),
        "partner_id": _m2o("res.partner"), "state": F("selection", selection=("draft", "posted", "cancel"),
                                                      default="draft"),
        "invoice_origin": F(), "ref": F(), "narration": F("html"),
        "journal_id": _m2o("account.journal", default=lambda env, vals: _sale_journal(env, vals)),
        "invoice_line_ids": _o2m("account.move.line", "move_id"), "line_ids": _o2m("account.move.line", "move_id"),
        "amount_untaxed": F("float", compute=lambda env, rec: round(sum(_subtotal(env, l) for l in _invoice_lines(env, rec)), 2)),
        "amount_total": F("float", compute=lambda env, rec: round(sum(_subtotal(env, l) for l in _invoice_lines(env, rec)), 2)),
        "invoice_date": F("date"), "company_id": _m2o("res.company", default=1),
    }, display=lambda env, rec: rec.get("name") or "Draft Invoice", order="id desc"))
    env.define(Model("account.move.line", {
        "move_id": _m2o("account.move", required=True, string="Journal Entry"),
        "product_id": _m2o("product.product"),
        "name": F(default=lambda env, vals: _invoice_line_default(env, vals, "name")),
        "quantity": F("float", default=1.0),
        "price_unit": F("float", default=lambda env, vals: _invoice_line_default(env, vals, "price_unit")),
        "analytic_distribution": F("json"), "display_type": F("selection", default="product",
                                                              selection=("product", "tax", "payment_term",
                                                                         "line_section", "line_note")),
        "price_subtotal": F("float", compute=_subtotal),
        "parent_state": F(compute=lambda env, rec: env.get("account.move", rec["move_id"])["state"]),
        "partner_id": _m2o("res.partner"), "tax_ids": _m2m("account.journal"),
        "company_id": _m2o("res.company", default=1),
    }, check=_check_invoice_line))

    @env.method("account.move", "action_post")
    def action_post(env, ids, **_):
        for move in env.browse("account.move", ids):
            if move["state"] == "posted":
                raise UserError("The entry is already posted.")
            if move["move_type"] == "out_invoice" and not move.get("partner_id"):
                raise UserError("The field 'Customer' is required, please complete it to validate the Customer "
                                "Invoice.")
            move["state"] = "posted"
            move["name"] = _next_name(env, f"INV/{datetime.now(timezone.utc).year}/", 5)
        return False

    @env.method("account.move", "button_draft")
    def button_draft(env, ids, **_):
        for move in env.browse("account.move", ids):
            move["state"] = "draft"
        return None


def _sale_journal(env, vals: dict):
    if vals.get("move_type") not in ("out_invoice", "out_refund"):
        return None
    for journal in env.model("account.journal").records.values():
        if journal["type"] == "sale" and journal.get("active", True):
            return journal["id"]
    raise UserError("No journal could be found in company My Company for any of those types: sale")


# The fresh database: what a new Odoo 18 with stock and accounting holds before anyone configures it.

def _seed_minimum(env: Registry) -> None:
    env.create("res.company", {"name": "My Company"})
    env.model("res.users").next_id = 1
    env.create("res.users", {"name": "OdooBot", "login": "__system__", "active": False})
    env.create("res.users", {"name": "Administrator", "login": "admin"})
    env.create("uom.uom", {"name": "Units", "rounding": 0.01})
    env.create("uom.uom", {"name": "Dozens", "rounding": 0.01})
    locations = env.model("stock.location")
    locations.next_id = 1

    def loc(name, usage, parent=None, **kw):
        return env.create("stock.location", {"name": name, "usage": usage, "location_id": parent, **kw})["id"]
    physical = loc("Physical Locations", "view")
    partners = loc("Partners", "view")
    virtual = loc("Virtual Locations", "view")
    vendors = loc("Vendors", "supplier", partners)
    customers = loc("Customers", "customer", partners)
    locations.next_id = 7
    view = loc("WH", "view", physical)
    stock = loc("Stock", "internal", view, barcode="WHSTOCK")
    locations.next_id = 14
    loc("Inventory adjustment", "inventory", virtual)
    loc("Production", "production", virtual)
    loc("Scrap", "inventory", virtual, scrap_location=True)
    for xmlid, res_id in (("stock_location_stock", stock), ("stock_location_suppliers", vendors),
                          ("stock_location_customers", customers), ("stock_location_locations_virtual", virtual),
                          ("stock_location_locations_partner", partners)):
        env.create("ir.model.data", {"module": "stock", "name": xmlid, "model": "stock.location", "res_id": res_id})
    warehouse = env.create("stock.warehouse", {"name": "My Company", "code": "WH", "lot_stock_id": stock,
                                               "view_location_id": view})
    types = env.model("stock.picking.type")
    receipts = env.create("stock.picking.type", {
        "name": "Receipts", "code": "incoming", "sequence_code": "IN", "warehouse_id": warehouse["id"],
        "default_location_src_id": vendors, "default_location_dest_id": stock, "use_create_lots": True,
        "use_existing_lots": False})
    env.create("stock.picking.type", {
        "name": "Delivery Orders", "code": "outgoing", "sequence_code": "OUT", "warehouse_id": warehouse["id"],
        "default_location_src_id": stock, "default_location_dest_id": customers, "use_create_lots": False})
    types.next_id = 7
    internal = env.create("stock.picking.type", {
        "name": "Internal Transfers", "code": "internal", "sequence_code": "INT", "warehouse_id": warehouse["id"],
        "default_location_src_id": stock, "default_location_dest_id": stock, "use_create_lots": False})
    warehouse.update(in_type_id=receipts["id"], int_type_id=internal["id"], out_type_id=2)
    env.create("account.journal", {"name": "Customer Invoices", "code": "INV", "type": "sale"})
    env.create("account.journal", {"name": "Vendor Bills", "code": "BILL", "type": "purchase"})
    env.create("res.partner", {"name": "My Company", "is_company": True})
    env.create("res.partner", {"name": "Administrator"})


def rpc_create(env, model_name: str, vals_list) -> object:
    """`create` as Odoo's RPC answers it: one id for one dict, a list of ids for a list."""
    single = isinstance(vals_list, dict)
    vals_list = [vals_list] if single else list(vals_list)
    if model_name == "stock.quant":
        ids = quant_create(env, vals_list)
    else:
        ids = [env.create(model_name, vals)["id"] for vals in vals_list]
    return ids[0] if single else ids
