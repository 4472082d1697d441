"""The catalog pull: Odoo's products, locations, par levels, stock, open receipts and transfers reach the devices,
first whole, then as deltas; what Odoo archives leaves the devices."""
from __future__ import annotations

import random

from sqlalchemy import select

from pwa.models import Location, ParLevel, Product, StockLevel
from pwa.seed import gs1_check_digit
from tests.conftest import Api

from .conftest import app_only_product, new_action, record, sync
from .world import unique


def pull(runner, *extra):
    result = runner.invoke(args=["sync", "pull", *extra])
    assert result.exit_code == 0, result.output
    return result


def catalog(device: Api, since: str | None = None) -> dict:
    response = device.get(f"/api/v1/catalog{'?since=' + since if since else ''}")
    assert response.status_code == 200
    return response.get_json()


def new_gtin() -> str:
    body = "0" + "".join(random.choice("0123456789") for _ in range(12))
    return body + gs1_check_digit(body)


def new_product(world, **values) -> dict:
    ref = unique("TST")
    vals = {"name": f"Test dressing {ref}", "default_code": ref, "barcode": new_gtin(), "tracking": "lot",
            "sale_ok": True, "list_price": 3.5, **world.gateway.dialect.storable_values(), **values}
    pid = world.gateway.create("product.product", [vals])[0]
    return {**vals, "id": pid}


def test_first_pull_brings_odoos_catalog_and_archives_what_odoo_lacks(runner, journal, world, client):
    local = app_only_product(journal)
    result = pull(runner)
    assert "Full pull" in result.output
    journal.expire_all()
    syringe = journal.scalar(select(Product).where(Product.ref == "SYR-10ML"))
    assert (syringe.odoo_id, syringe.tracking, syringe.billable, syringe.active) == (
        world.product_id("SYR-10ML"), "lot", True, True)
    assert float(syringe.price) == world.products["SYR-10ML"]["list_price"]
    assert sorted((b.code, b.qty) for b in syringe.barcodes) == [("07612340000041", 1.0), ("17612340000048", 100.0)]
    gloves = journal.scalar(select(Product).where(Product.ref == "GLV-N-M"))
    assert gloves.billable is False and gloves.uom == "Units"
    assert journal.scalar(select(Product).where(Product.ref == local)).active is False  # Odoo does not have it
    ward = journal.scalar(select(Location).where(Location.code == "WARD-4B"))
    assert (ward.odoo_id, ward.kind, ward.active) == (world.locations["WARD-4B"], "department", True)
    kinds = {loc.code: loc.kind for loc in journal.scalars(select(Location).where(
        Location.code.in_(["WH-STOCK", "CONSUMED", "SCRAP"])))}
    assert kinds == {"WH-STOCK": "store", "CONSUMED": "consumption", "SCRAP": "scrap"}
    nurse = Api(client).login("nurse")
    refs = {p["ref"] for p in catalog(nurse)["products"]}
    assert "SYR-10ML" in refs and local not in refs


def test_later_pulls_bring_only_changes_and_drop_what_odoo_archives(runner, journal, world, client):
    pull(runner)
    nurse = Api(client).login("nurse")
    cursor = catalog(nurse)["cursor"]
    product = new_product(world)
    world.gateway.create("product.packaging", [{"name": "Box of 10", "product_id": product["id"], "qty": 10,
                                                "barcode": new_gtin()}])
    assert "Delta pull" in pull(runner).output
    delta = catalog(nurse, cursor)
    item, = [p for p in delta["products"] if p["ref"] == product["default_code"]]
    assert (item["name"], item["price"], item["tracking"], item["barcodes"]) == (
        product["name"], 3.5, "lot", [product["barcode"]])
    assert [pack["qty"] for pack in item["packs"]] == [10.0]
    assert all(p["ref"] != "SYR-10ML" for p in delta["products"])  # unchanged in Odoo: not sent again
    cursor = delta["cursor"]
    world.gateway.write("product.product", [product["id"]], {"name": "Renamed dressing", "list_price": 4.25})
    pull(runner)
    renamed, = catalog(nurse, cursor)["products"]
    assert (renamed["name"], renamed["price"]) == ("Renamed dressing", 4.25)
    cursor = catalog(nurse, cursor)["cursor"]
    world.gateway.write("product.product", [product["id"]], {"active": False})
    pull(runner)
    gone, = catalog(nurse, cursor)["products"]
    assert (gone["ref"], gone["active"]) == (product["default_code"], False)
    assert product["default_code"] not in {p["ref"] for p in catalog(nurse)["products"]}


def test_par_levels_and_stock_come_from_odoo(runner, journal, world):
    lot = unique("L")
    world.put_stock("SAL-100MLBAG", "WARD-4B", 17, lot=lot)
    rule = world.reorder_rule("BAN-5CM", "WARD-4B", 6, 24)
    pull(runner)
    journal.expire_all()
    par = journal.scalar(select(ParLevel).join(ParLevel.product).join(ParLevel.location)
                         .where(Product.ref == "BAN-5CM", Location.code == "WARD-4B"))
    assert (par.min_qty, par.max_qty, par.active) == (6.0, 24.0, True)
    level = journal.scalar(select(StockLevel).join(StockLevel.product).join(StockLevel.location)
                           .where(Product.ref == "SAL-100MLBAG", Location.code == "WARD-4B", StockLevel.lot == lot))
    assert level.qty == 17.0
    world.gateway.write("stock.warehouse.orderpoint", [rule], {"active": False})
    pull(runner)
    journal.expire_all()
    assert journal.get(ParLevel, par.id).active is False


def test_open_receipts_reach_the_receivers_and_leave_when_received(runner, journal, world, client, supervisor):
    receipt = world.open_receipt({"SYR-10ML": 200, "BAN-5CM": 24}, origin=unique("P"))
    pull(runner)
    receiver = Api(client, device_id="dock-scanner").login("receiver")
    shown, = [r for r in catalog(receiver)["receipts"] if r["name"] == receipt["name"]]
    assert shown["location"] == "WH-STOCK" and shown["origin"] == receipt["origin"]
    assert sorted((line["ref"], line["qty"]) for line in shown["lines"]) == [("BAN-5CM", 24.0), ("SYR-10ML", 200.0)]
    assert "receipts" not in catalog(Api(client).login("nurse"))  # nurses do not receive deliveries
    cursor = catalog(receiver)["cursor"]
    record(supervisor, new_action("receive", "WH-STOCK", [
        {"product": "SYR-10ML", "qty": 200, "lot": unique("R"), "receipt": receipt["name"]},
        {"product": "BAN-5CM", "qty": 24, "receipt": receipt["name"]}]))
    sync(runner)
    pull(runner)
    delta = {r["name"]: r["active"] for r in catalog(receiver, cursor)["receipts"]}
    assert delta.get(receipt["name"]) is False


def test_transfers_to_a_ward_follow_the_requisition_in_odoo(runner, journal, world, client, supervisor):
    requisition, = record(supervisor, new_action("requisition", "WARD-4B", [{"product": "BAN-5CM", "qty": 12}]))
    sync(runner)
    pull(runner)
    nurse = Api(client).login("nurse")
    transfer, = [t for t in catalog(nurse)["transfers"] if t["requisition"] == requisition["id"]]
    assert transfer["status"] in ("sent", "picked") and transfer["lines"] == [{"ref": "BAN-5CM", "qty": 12.0}]
    cursor = catalog(nurse)["cursor"]
    record(supervisor, new_action("transfer_confirm", "WARD-4B", [{"product": "BAN-5CM", "qty": 12}],
                                  transfer=transfer["name"]))
    sync(runner)
    pull(runner)
    arrived, = [t for t in catalog(nurse, cursor)["transfers"] if t["name"] == transfer["name"]]
    assert arrived["status"] == "arrived" and arrived["done_at"]
