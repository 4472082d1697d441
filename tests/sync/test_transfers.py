"""A requisition followed through the catalog pull as the store works on it in Odoo, in the wards' words: sent
(waiting for stock), picked (set aside in the store), on its way (every line ticked picked), arrived when the ward
confirms it with its backorder still to come; cancelled says so; transfers the store makes itself carry no
requisition; finished ones linger a fortnight, then leave the wards' catalog."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from pwa.models import Transfer
from pwa.transfers import on_order
from sync import catalog

from .conftest import new_action, record, sync


def pull(runner) -> None:
    result = runner.invoke(args=["sync", "pull"])
    assert result.exit_code == 0, result.output


def transfers_of(journal, requisition_id: str) -> dict[str, tuple[str, list]]:
    journal.expire_all()
    rows = journal.scalars(select(Transfer).where(Transfer.requisition_id == requisition_id, Transfer.active))
    return {row.name: (row.status, sorted((line["ref"], line["qty"]) for line in row.lines)) for row in rows}


def on_order_besides(journal, baseline: dict, location: str) -> dict:
    """What is on order for a location beyond what other tests left open in the same Odoo."""
    now = on_order(journal, location)
    return {ref: now[ref] - baseline.get(ref, 0.0) for ref in now if now[ref] != baseline.get(ref, 0.0)}


def test_a_requisition_is_followed_from_sent_to_arrived(supervisor, runner, journal, world):
    for ref in ("BAN-5CM", "GLV-N-M"):
        world.put_stock(ref, "WH-STOCK", 0)  # nothing in the store yet: the transfer waits for stock
    pull(runner)
    baseline = on_order(journal, "OR")
    requisition, = record(supervisor, new_action("requisition", "OR", [{"product": "BAN-5CM", "qty": 10},
                                                                      {"product": "17612340000161", "qty": 2}]))
    sync(runner)
    picking, = world.pickings(requisition["id"])
    pull(runner)
    assert transfers_of(journal, requisition["id"]) == {
        picking["name"]: ("sent", [("BAN-5CM", 10.0), ("GLV-N-M", 400.0)])}
    assert on_order_besides(journal, baseline, "OR") == {"BAN-5CM": 10.0, "GLV-N-M": 400.0}

    world.put_stock("BAN-5CM", "WH-STOCK", 100)
    world.put_stock("GLV-N-M", "WH-STOCK", 1000)
    world.gateway.execute("stock.picking", "action_assign", [picking["id"]])
    pull(runner)
    assert transfers_of(journal, requisition["id"])[picking["name"]][0] == "picked"
    world.gateway.write("stock.move", [move["id"] for move in world.moves(picking["id"])], {"picked": True})
    pull(runner)
    assert transfers_of(journal, requisition["id"])[picking["name"]][0] == "on_its_way"
    served, = [row for row in supervisor.get("/api/v1/catalog").get_json()["transfers"]
               if row["name"] == picking["name"]]
    assert (served["location"], served["requisition"], served["status"]) == ("OR", requisition["id"], "on_its_way")

    # Six bandages and both boxes arrive; four bandages follow on a backorder.
    record(supervisor, new_action("transfer_confirm", "OR", [{"product": "BAN-5CM", "qty": 6},
                                                            {"product": "GLV-N-M", "qty": 400}],
                                  transfer=picking["name"]))
    sync(runner)
    pull(runner)
    backorder, = world.gateway.search_read("stock.picking", [("backorder_id", "=", picking["id"])], ["name"])
    states = transfers_of(journal, requisition["id"])
    assert states[picking["name"]] == ("arrived", [("BAN-5CM", 6.0), ("GLV-N-M", 400.0)])
    assert states[backorder["name"]][1] == [("BAN-5CM", 4.0)] and states[backorder["name"]][0] in ("sent", "picked")
    assert on_order_besides(journal, baseline, "OR") == {"BAN-5CM": 4.0}

    # A fortnight on, Odoo no longer reports the finished one: the wards' devices drop it.
    catalog.pull(world.gateway, journal, now=datetime.now(timezone.utc) + timedelta(days=15))
    assert list(transfers_of(journal, requisition["id"])) == [backorder["name"]]


def test_a_cancelled_transfer_says_so_and_one_the_store_made_names_no_requisition(supervisor, runner, journal, world):
    requisition, = record(supervisor, new_action("requisition", "ED", [{"product": "BAN-5CM", "qty": 3}]))
    sync(runner)
    picking, = world.pickings(requisition["id"])
    world.gateway.execute("stock.picking", "action_cancel", [picking["id"]])
    stock, ward = world.locations["WH-STOCK"], world.locations["ED"]
    made = world.gateway.create("stock.picking", [{
        "picking_type_id": world.internal_type, "location_id": stock, "location_dest_id": ward,
        "origin": "Restock by the store",
        "move_ids": [[0, 0, {"name": "gauze", "product_id": world.product_id("GAU-5X5CM"), "product_uom_qty": 5,
                             "location_id": stock, "location_dest_id": ward}]]}])
    world.gateway.execute("stock.picking", "action_confirm", made)
    pull(runner)
    assert transfers_of(journal, requisition["id"]) == {picking["name"]: ("cancelled", [])}
    name = world.gateway.read("stock.picking", made, ["name"])[0]["name"]
    row = journal.scalar(select(Transfer).where(Transfer.name == name))
    assert (row.requisition_id, row.status, row.lines) == (None, row.status, [{"ref": "GAU-5X5CM", "qty": 5.0}])
    assert row.status in ("sent", "picked")
