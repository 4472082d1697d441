"""The contract suite: every action type pushed into Odoo, checked in Odoo's own records. It runs unchanged
against the double and, with ODOO_* set, against a real Odoo.
"""
from __future__ import annotations

from datetime import date, timedelta

from pwa import journal as store

from .conftest import app_only_product, new_action, record, sync
from .world import unique


def action_row(journal, action_id):
    journal.expire_all()
    return store.find(journal, action_id)


def test_requisition_becomes_a_confirmed_transfer_from_the_central_store(supervisor, runner, journal, world):
    action, = record(supervisor, new_action("requisition", "WARD-4B", [{"product": "17612340000161", "qty": 3},
                                                                      {"product": "BAN-5CM", "qty": 24}]))
    sync(runner)
    row = action_row(journal, action["id"])
    assert row.status == "synced", row.last_error
    picking, = world.pickings(action["id"])
    assert picking["origin"] == f"WS:{action['id']}"
    assert picking["state"] in ("confirmed", "assigned")
    assert picking["location_id"][0] == world.locations["WH-STOCK"]
    assert picking["location_dest_id"][0] == world.locations["WARD-4B"]
    assert picking["picking_type_id"][0] == world.internal_type
    moves = world.moves(picking["id"])
    assert {(m["product_id"][0], m["product_uom_qty"]) for m in moves} == {
        (world.product_id("GLV-N-M"), 600.0), (world.product_id("BAN-5CM"), 24.0)}  # box barcode: 3 x 200 gloves
    assert row.odoo_refs == {"picking": picking["id"], "picking_name": picking["name"]}


def test_issue_to_a_patient_consumes_the_scanned_lot_and_charges_the_encounter(supervisor, runner, journal, world):
    encounter, lot = unique("ENC"), unique("L")
    action, = record(supervisor, new_action("issue", "WARD-4B", [
        {"product": "SYR-10ML", "qty": 2, "lot": lot, "expiry": "2028-06-30"},
        {"product": "GLV-N-M", "qty": 1},
        {"product": "BAN-5CM", "qty": 1}], encounter=encounter))
    sync(runner)
    row = action_row(journal, action["id"])
    assert row.status == "synced", row.last_error
    picking, = world.pickings(action["id"])
    assert picking["state"] == "done"
    assert picking["location_id"][0] == world.locations["WARD-4B"]
    assert picking["location_dest_id"][0] == world.locations["CONSUMED"]
    lines = world.move_lines(picking["id"])
    assert sorted((l["product_id"][0], l["lot_id"][1] if l["lot_id"] else None, l["quantity"]) for l in lines) == sorted([
        (world.product_id("SYR-10ML"), lot, 2.0), (world.product_id("GLV-N-M"), None, 1.0),
        (world.product_id("BAN-5CM"), None, 1.0)])
    assert world.lot("SYR-10ML", lot)["expiration_date"].startswith("2028-06-30")
    charged = world.invoice_lines(action["id"])
    # gloves are not billable (sale_ok off): only the syringes and the bandage are charged
    assert sorted((l["product_id"][0], l["quantity"]) for l in charged) == sorted([
        (world.product_id("SYR-10ML"), 2.0), (world.product_id("BAN-5CM"), 1.0)])
    invoice, = world.invoices(encounter)
    assert invoice["state"] == "draft"
    assert {l["move_id"][0] for l in charged} == {invoice["id"]}
    assert all(l["analytic_distribution"] == {str(world.analytic["WARD-4B"]): 100} for l in charged)
    assert row.odoo_refs["picking"] == picking["id"] and row.odoo_refs["invoice"] == invoice["id"]
    assert sorted(row.odoo_refs["invoice_lines"]) == sorted(l["id"] for l in charged)


def test_issues_of_one_encounter_share_its_draft_invoice(supervisor, runner, journal, world):
    encounter = unique("ENC")
    first, second = record(supervisor,
                           new_action("issue", "WARD-4B", [{"product": "BAN-5CM", "qty": 1}], encounter=encounter),
                           new_action("issue", "ICU", [{"product": "BAN-5CM", "qty": 2}], encounter=encounter))
    sync(runner)
    invoice, = world.invoices(encounter)
    lines = world.invoice_lines(first["id"]) + world.invoice_lines(second["id"])
    assert {l["move_id"][0] for l in lines} == {invoice["id"]}
    assert sorted(l["quantity"] for l in lines) == [1.0, 2.0]
    partner = world.gateway.read("res.partner", [invoice["partner_id"][0]], ["name", "ref"])[0]
    assert (partner["name"], partner["ref"]) == (encounter, encounter)  # the encounter number and nothing else


def test_floor_charge_goes_to_the_department_account(supervisor, runner, journal, world):
    action, = record(supervisor, new_action("issue", "ED", [{"product": "BAN-5CM", "qty": 3}], floor_charge=True))
    sync(runner)
    assert action_row(journal, action["id"]).status == "synced"
    line, = world.invoice_lines(action["id"])
    invoice = [i for i in world.invoices("FLOOR-ED") if i["id"] == line["move_id"][0]]
    assert invoice and invoice[0]["state"] == "draft"
    assert line["quantity"] == 3.0


def test_issue_without_a_lot_takes_the_first_expiring_lot_odoo_holds(supervisor, runner, journal, world):
    soon, later = unique("SOON"), unique("LATER")
    world.clear_stock("SAL-100MLBAG", "OR")
    world.put_stock("SAL-100MLBAG", "OR", 2, lot=soon, expiry="2027-01-31")
    world.put_stock("SAL-100MLBAG", "OR", 5, lot=later, expiry="2029-01-31")
    action, = record(supervisor, new_action("issue", "OR", [{"product": "SAL-100MLBAG", "qty": 3}],
                                            encounter=unique("ENC")))
    sync(runner)
    assert action_row(journal, action["id"]).status == "synced"
    picking, = world.pickings(action["id"])
    taken = sorted((l["lot_id"][1], l["quantity"]) for l in world.move_lines(picking["id"]))
    assert taken == sorted([(soon, 2.0), (later, 1.0)])
    assert world.quantity("SAL-100MLBAG", "OR", soon) == 0
    assert world.quantity("SAL-100MLBAG", "OR", later) == 4


def test_return_puts_stock_back_and_credits_the_encounter(supervisor, runner, journal, world):
    encounter, lot = unique("ENC"), unique("L")
    before = world.quantity("SYR-10ML", "ICU", lot)
    issue, giveback = record(supervisor,
                             new_action("issue", "ICU", [{"product": "SYR-10ML", "qty": 3, "lot": lot}],
                                        encounter=encounter),
                             new_action("return", "ICU", [{"product": "SYR-10ML", "qty": 1, "lot": lot,
                                                            "reason": "unopened"}], encounter=encounter))
    sync(runner)
    assert action_row(journal, giveback["id"]).status == "synced"
    picking, = world.pickings(giveback["id"])
    assert picking["state"] == "done"
    assert picking["location_id"][0] == world.locations["CONSUMED"]
    assert picking["location_dest_id"][0] == world.locations["ICU"]
    assert world.quantity("SYR-10ML", "ICU", lot) == before - 3 + 1
    credit, = world.invoice_lines(giveback["id"])
    charge, = world.invoice_lines(issue["id"])
    assert credit["quantity"] == -1.0 and charge["quantity"] == 3.0
    assert credit["move_id"] == charge["move_id"]


def test_waste_is_a_done_scrap_with_its_reason(supervisor, runner, journal, world):
    lot = unique("L")
    world.put_stock("SAL-100MLBAG", "ED", 4, lot=lot)
    action, = record(supervisor, new_action("waste", "ED", [{"product": "SAL-100MLBAG", "qty": 2, "lot": lot,
                                                              "reason": "expired"},
                                                             {"product": "GLV-N-M", "qty": 5, "reason": "torn"}]))
    sync(runner)
    row = action_row(journal, action["id"])
    assert row.status == "synced", row.last_error
    scraps = world.scraps(action["id"])
    assert [s["state"] for s in scraps] == ["done", "done"]
    assert sorted((s["product_id"][0], s["scrap_qty"], s["lot_id"][1] if s["lot_id"] else None) for s in scraps) == \
        sorted([(world.product_id("SAL-100MLBAG"), 2.0, lot), (world.product_id("GLV-N-M"), 5.0, None)])
    assert {s["location_id"][0] for s in scraps} == {world.locations["ED"]}
    assert {s["scrap_location_id"][0] for s in scraps} == {world.locations["SCRAP"]}
    assert world.quantity("SAL-100MLBAG", "ED", lot) == 2
    tags = world.gateway.search_read("stock.scrap", [("id", "in", [s["id"] for s in scraps])],
                                     ["scrap_reason_tag_ids"])
    names = {t["name"] for t in world.gateway.read("stock.scrap.reason.tag",
                                                    sorted({i for s in tags for i in s["scrap_reason_tag_ids"]}),
                                                    ["name"])}
    assert names == {"expired", "torn"}
    assert row.odoo_refs["scraps"] == [s["id"] for s in scraps]


def test_count_sets_the_counted_quantities_per_lot(supervisor, runner, journal, world):
    lot_a, lot_b = unique("A"), unique("B")
    world.put_stock("SYR-10ML", "OR", 10, lot=lot_a)
    action, = record(supervisor, new_action("count", "OR", [{"product": "SYR-10ML", "qty": 7, "lot": lot_a},
                                                             {"product": "SYR-10ML", "qty": 4, "lot": lot_b},
                                                             {"product": "GLV-N-M", "qty": 55}]))
    sync(runner)
    row = action_row(journal, action["id"])
    assert row.status == "synced", row.last_error
    assert world.quantity("SYR-10ML", "OR", lot_a) == 7
    assert world.quantity("SYR-10ML", "OR", lot_b) == 4
    assert world.quantity("GLV-N-M", "OR") == 55
    moves = world.gateway.search_read("stock.move", [("name", "like", f"WS:{action['id']}")],
                                      ["is_inventory", "state"])
    assert moves and all(m["is_inventory"] and m["state"] == "done" for m in moves)


def test_receive_fills_the_receipt_with_lots_and_leaves_a_backorder(supervisor, runner, journal, world):
    receipt = world.open_receipt({"SYR-10ML": 300, "GLV-N-M": 400})
    lot = unique("R")
    expiry = (date.today() + timedelta(days=700)).isoformat()
    before = world.quantity("SYR-10ML", "WH-STOCK", lot)
    action, = record(supervisor, new_action("receive", "WH-STOCK", [
        {"product": "17612340000048", "qty": 2, "lot": lot, "expiry": expiry, "receipt": receipt["name"]}]))
    sync(runner)
    row = action_row(journal, action["id"])
    assert row.status == "synced", row.last_error
    done = world.gateway.read("stock.picking", [receipt["id"]], ["state", "origin"])[0]
    assert done["state"] == "done"
    assert f"WS:{action['id']}" in done["origin"]
    assert world.quantity("SYR-10ML", "WH-STOCK", lot) == before + 200  # two boxes of 100
    assert world.lot("SYR-10ML", lot)["expiration_date"].startswith(expiry)
    backorder, = world.gateway.search_read("stock.picking", [("backorder_id", "=", receipt["id"])], ["name", "state"])
    rest = {(m["product_id"][0], m["product_uom_qty"]) for m in world.moves(backorder["id"])}
    assert rest == {(world.product_id("SYR-10ML"), 100.0), (world.product_id("GLV-N-M"), 400.0)}
    assert row.odoo_refs["backorder"] == backorder["id"]


def test_receiving_more_than_ordered_or_an_item_not_ordered_needs_attention(supervisor, runner, journal, world):
    receipt = world.open_receipt({"GLV-N-M": 200})
    over, stranger = record(supervisor,
                            new_action("receive", "WH-STOCK", [{"product": "17612340000161", "qty": 2,
                                                                 "receipt": receipt["name"]}]),
                            new_action("receive", "WH-STOCK", [{"product": "BAN-5CM", "qty": 1,
                                                                 "receipt": receipt["name"]}]))
    sync(runner)
    over_row, stranger_row = action_row(journal, over["id"]), action_row(journal, stranger["id"])
    assert over_row.status == stranger_row.status == "needs_attention"
    assert "More GLV-N-M arrived (400)" in over_row.last_error
    assert "BAN-5CM is not on receipt" in stranger_row.last_error
    assert world.gateway.read("stock.picking", [receipt["id"]], ["state"])[0]["state"] == "assigned"


def test_receiving_on_a_closed_receipt_needs_attention(supervisor, runner, journal, world):
    receipt = world.open_receipt({"BAN-5CM": 12})
    first, late = record(supervisor,
                         new_action("receive", "WH-STOCK", [{"product": "BAN-5CM", "qty": 12,
                                                              "receipt": receipt["name"]}]),
                         new_action("receive", "WH-STOCK", [{"product": "BAN-5CM", "qty": 1,
                                                              "receipt": receipt["name"]}]))
    sync(runner)
    assert action_row(journal, first["id"]).status == "synced"
    late_row = action_row(journal, late["id"])
    assert late_row.status == "needs_attention"
    assert f"Receipt {receipt['name']} is done" in late_row.last_error


def test_transfer_confirm_validates_what_arrived_and_backorders_the_rest(supervisor, runner, journal, world):
    requisition, = record(supervisor, new_action("requisition", "ICU", [{"product": "BAN-5CM", "qty": 10},
                                                                       {"product": "17612340000161", "qty": 2}]))
    sync(runner)
    picking, = world.pickings(requisition["id"])
    confirm, = record(supervisor, new_action("transfer_confirm", "ICU", [{"product": "BAN-5CM", "qty": 6}],
                                             transfer=picking["name"]))
    sync(runner)
    row = action_row(journal, confirm["id"])
    assert row.status == "synced", row.last_error
    done = world.gateway.read("stock.picking", [picking["id"]], ["state", "origin"])[0]
    assert done["state"] == "done"
    assert [(m["product_id"][0], m["quantity"]) for m in world.moves(picking["id"]) if m["state"] == "done"] == [
        (world.product_id("BAN-5CM"), 6.0)]
    backorder, = world.gateway.search_read("stock.picking", [("backorder_id", "=", picking["id"])], ["name", "state"])
    assert sorted((m["product_id"][0], m["product_uom_qty"]) for m in world.moves(backorder["id"])) == sorted([
        (world.product_id("BAN-5CM"), 4.0), (world.product_id("GLV-N-M"), 400.0)])
    # the rest arrives later, confirmed by naming the requisition itself
    rest, = record(supervisor, new_action("transfer_confirm", "ICU", [{"product": "BAN-5CM", "qty": 4},
                                                                     {"product": "17612340000161", "qty": 2}],
                                          transfer=requisition["id"]))
    sync(runner)
    assert action_row(journal, rest["id"]).status == "synced"
    assert world.gateway.read("stock.picking", [backorder["id"]], ["state"])[0]["state"] == "done"


def test_a_product_odoo_does_not_know_needs_attention_with_the_reason(supervisor, runner, journal, world):
    local = app_only_product(journal)
    action, other = record(supervisor, new_action("issue", "WARD-4B", [{"product": local, "qty": 1}],
                                                  encounter=unique("ENC")),
                           new_action("issue", "WARD-4B", [{"product": "BAN-5CM", "qty": 1}],
                                      encounter=unique("ENC")))
    sync(runner)
    row = action_row(journal, action["id"])
    assert row.status == "needs_attention"
    assert f"{local} is not a product in Odoo" in row.last_error
    assert world.pickings(action["id"]) == []
    assert action_row(journal, other["id"]).status == "synced"  # one bad action never holds up the others


def test_a_serial_numbered_item_is_issued_and_returned_by_its_serial(supervisor, runner, journal, world):
    serial, encounter = unique("SN"), unique("ENC")
    issued, returned = record(supervisor,
                              new_action("issue", "OR", [{"product": "ETT-7.0MM", "qty": 1, "serial": serial}],
                                         encounter=encounter),
                              new_action("return", "OR", [{"product": "ETT-7.0MM", "qty": 1, "serial": serial,
                                                            "reason": "unopened"}], encounter=encounter))
    sync(runner)
    for action in (issued, returned):
        row = action_row(journal, action["id"])
        assert row.status == "synced", row.last_error
    picking, = world.pickings(issued["id"])
    line, = world.move_lines(picking["id"])
    assert (line["lot_id"][1], line["quantity"]) == (serial, 1.0)
    assert world.quantity("ETT-7.0MM", "OR", serial) == 0  # out and back in
    assert [l["quantity"] for l in world.invoice_lines(issued["id"]) + world.invoice_lines(returned["id"])] == [1, -1]
