"""The transfers pull: a requisition's transfer reaches the journal (and the wards' catalog) with its state in the
wards' words as the store works on it in Odoo — sent, picked, on its way — then arrived when the ward confirms it,
its backorder still on its way; finished ones linger a while, then go."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from pwa.models import Transfer
from pwa.transfers import on_order
from sync.mapping import load_mapping
from sync.transfers import pull_transfers
from sync.worker import app_locations

from .conftest import new_action, record, sync


def pull(runner):
    result = runner.invoke(args=["sync", "transfers"])
    assert result.exit_code == 0, result.output
    return result.output


def transfers_of(journal, requisition_id: str) -> dict[str, tuple[str, list]]:
    journal.expire_all()
    rows = journal.scalars(select(Transfer).where(Transfer.requisition_id == requisition_id, Transfer.active))
    return {row.name: (row.status, sorted((line["ref"], line["qty"]) for line in row.lines)) for row in rows}


def mark_picked(world, picking_id: int, refs: set[str]) -> None:
    """The store's picker ticks moves as they go on the trolley."""
    for move in world.moves(picking_id):
        if move["product_id"][0] in {world.product_id(ref) for ref in refs}:
            world.gateway.write("stock.move", [move["id"]], {"picked": True})


def on_order_besides(journal, baseline: dict, location: str) -> dict:
    """What is on order for a location beyond what other tests left open in the same Odoo."""
    now = on_order(journal, location)
    return {ref: now[ref] - baseline.get(ref, 0.0) for ref in now if now[ref] != baseline.get(ref, 0.0)}


def test_a_requisition_is_followed_from_sent_to_arrived(supervisor, runner, journal, world):
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

    mark_picked(world, picking["id"], {"BAN-5CM"})
    pull(runner)
    assert transfers_of(journal, requisition["id"])[picking["name"]][0] == "picked"
    mark_picked(world, picking["id"], {"GLV-N-M"})
    pull(runner)
    assert transfers_of(journal, requisition["id"])[picking["name"]][0] == "on_its_way"
    page = supervisor.get("/api/v1/catalog").get_json()
    [served] = [row for row in page["transfers"] if row["name"] == picking["name"]]
    assert (served["location"], served["requisition"], served["status"]) == ("OR", requisition["id"], "on_its_way")

    # Six bandages and both boxes arrive; four bandages follow on a backorder.
    confirm, = record(supervisor, new_action("transfer_confirm", "OR", [{"product": "BAN-5CM", "qty": 6},
                                                                       {"product": "GLV-N-M", "qty": 400}],
                                             transfer=picking["name"]))
    sync(runner)
    pull(runner)
    backorder, = world.gateway.search_read("stock.picking", [("backorder_id", "=", picking["id"])], ["name"])
    assert transfers_of(journal, requisition["id"]) == {
        picking["name"]: ("arrived", [("BAN-5CM", 6.0), ("GLV-N-M", 400.0)]),
        backorder["name"]: ("sent", [("BAN-5CM", 4.0)])}
    assert on_order_besides(journal, baseline, "OR") == {"BAN-5CM": 4.0}

    # A fortnight later Odoo no longer reports the finished one: the wards drop it.
    later = datetime.now(timezone.utc) + timedelta(days=15)
    counts = pull_transfers(world.gateway, load_mapping(world.gateway, app_locations(journal)), journal, now=later)
    assert counts["archived"] >= 1
    assert list(transfers_of(journal, requisition["id"])) == [backorder["name"]]


def test_a_cancelled_transfer_says_so_and_transfers_made_in_odoo_have_no_requisition(supervisor, runner, journal,
                                                                                    world):
    requisition, = record(supervisor, new_action("requisition", "ED", [{"product": "BAN-5CM", "qty": 3}]))
    sync(runner)
    picking, = world.pickings(requisition["id"])
    world.gateway.execute("stock.picking", "action_cancel", [picking["id"]])
    store_made = world.gateway.create("stock.picking", [{
        "picking_type_id": world.internal_type, "location_id": world.locations["WH-STOCK"],
        "location_dest_id": world.locations["ED"], "origin": "Restock by the store",
        "move_ids": [[0, 0, {"name": "gauze", "product_id": world.product_id("GAU-5X5CM"), "product_uom_qty": 5,
                             "location_id": world.locations["WH-STOCK"], "location_dest_id": world.locations["ED"]}]]}])
    world.gateway.execute("stock.picking", "action_confirm", store_made)
    pull(runner)
    assert transfers_of(journal, requisition["id"]) == {picking["name"]: ("cancelled", [])}
    name = world.gateway.read("stock.picking", store_made, ["name"])[0]["name"]
    row = journal.scalar(select(Transfer).where(Transfer.name == name))
    assert (row.requisition_id, row.status, row.lines) == (None, "sent", [{"ref": "GAU-5X5CM", "qty": 5.0}])
