"""Receiving, counting with a stock freeze, and an exception fixed from the supervisor's queue, end to end in
Debian's Chromium against the Odoo double (or a real Odoo with ODOO_* set): the devices work by scans, offline or
online; the outbox replays into the journal, the sync engine pushes into Odoo, and the tests read Odoo's records —
the validated receipt and its backorder with their lots, the quants a count applied, the scrap a corrected action
made. Screenshots at tablet and phone size land in test-artifacts/."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from pwa import db
from pwa.models import Action, CountSession, Location, Rejection, User
from tests.browser.test_ward_orders import (ARTIFACTS, BANDAGE, arrived, expect_pending, journaled, pull, sign_in,  # noqa: F401
                                            snap, sync, synced, wedge)
from tests.browser.test_ward_orders import app, csp_violations, world  # noqa: F401  (fixtures)
from tests.conftest import Api, new_action
from tests.sync.conftest import odoo  # noqa: F401
from tests.sync.world import unique

SYRINGE_BOX = "17612340000048"  # SYR-10ML, box of 100, lot-tracked
SYRINGE = "07612340000041"
GLOVES_BOX = "17612340000161"  # GLV-N-M, box of 200
SALINE = "07612340000669"  # SAL-100MLBAG, lot-tracked


def gs1(gtin: str, lot: str, expiry: date) -> str:
    return f"]d201{gtin}17{expiry:%y%m%d}10{lot}"


def open_receive(page: Page) -> None:
    page.get_by_role("link", name="Receive").first.click()
    expect(page.get_by_role("heading", name="Receive", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-scan-ready", "true")
    expect(page.locator("html")).to_have_attribute("data-receive-ready", "true")


def settle(runner, app, times: int = 4) -> None:
    """Sync until nothing is left to push (each run takes the head of every location's queue)."""
    for _ in range(times):
        sync(runner)


# Receiving

def test_offline_a_receipt_with_lots_is_received_by_scans_and_odoo_validates_it_with_a_backorder(
        page: Page, context: BrowserContext, live_server, app, runner, world, csp_violations):
    receipt = world.open_receipt({"SYR-10ML": 300, "GLV-N-M": 200}, origin=unique("PO"))
    pull(runner)
    sign_in(page, live_server, "receiver")
    context.set_offline(True)
    page.reload()
    open_receive(page)
    page.get_by_label("Receiving at").select_option("WH-STOCK")
    card = page.locator(".receipt-card", has_text=receipt["name"])
    expect(card).to_contain_text("2 item(s), 500 units expected")
    card.get_by_role("button", name="Check in").click()
    check = page.locator("[data-rcv-check]")
    expect(check).to_contain_text(f"Receiving {receipt['name']}")

    good, soon = date.today() + timedelta(days=400), date.today() + timedelta(days=20)
    lot_a, lot_b, lot_c = unique("A"), unique("B"), unique("C")
    wedge(page, gs1(SYRINGE_BOX, lot_a, good))  # a box of 100 with its lot and expiry
    syringes = check.locator("[data-rcv-row]", has_text="Syringe Luer lock 10ml")
    expect(syringes.locator("[data-rcv-received]")).to_have_text("100")
    expect(syringes).to_have_attribute("data-state", "short")
    wedge(page, gs1(SYRINGE_BOX, lot_b, soon))  # expires in 20 days: said at once, in words
    expect(page.locator("#rcv-scanned")).to_contain_text("expires soon")
    expect(syringes.locator(".rcv-lot", has_text=lot_b)).to_contain_text("expires soon")
    # A single syringe scanned without its lot: the lot is asked for before it counts.
    wedge(page, SYRINGE)
    item = page.locator("form[data-receive-item]")
    expect(item).to_contain_text("tracked by lot and the scan carried none")
    item.get_by_role("button", name="Add to the receipt").click()
    expect(item.locator("[data-item-error]")).to_have_text("Type the lot printed on the box.")
    item.get_by_label("Lot").fill(lot_c)
    item.get_by_label("Expiry").fill(good.isoformat())
    item.get_by_role("button", name="Add to the receipt").click()
    expect(syringes.locator("[data-rcv-received]")).to_have_text("201")
    expect(syringes).to_contain_text("99 short: left on a backorder")
    # Gloves: a box of 200, then one box too many, taken back.
    wedge(page, GLOVES_BOX)
    gloves = check.locator("[data-rcv-row]", has_text="Nitrile examination gloves size M")
    expect(gloves).to_have_attribute("data-state", "complete")
    wedge(page, "07612340000737")  # bandages: not on this receipt
    bandages = check.locator("[data-rcv-row]", has_text="Elastic bandage 5cm")
    expect(bandages).to_have_attribute("data-state", "extra")
    expect(bandages).to_contain_text("Not on the receipt: 1 received")
    snap(page, "receive")
    page.get_by_role("button", name="Undo last scan").click()
    expect(bandages).to_have_count(0)

    page.get_by_role("button", name="Receive", exact=True).click()
    expect(page.locator("#rcv-result")).to_contain_text(f"Saved. {receipt['name']} at")
    expect(page.locator("#rcv-result")).to_contain_text("1 item(s) short, left on a backorder")
    expect_pending(page, 1)
    assert journaled(app, "receive") == []

    context.set_offline(False)
    expect_pending(page, 0)
    [received] = arrived(app, "receive", 1, timeout=30)
    assert received.user == "receiver" and received.location == "WH-STOCK"
    assert sorted(received.lines) == [("GLV-N-M", 200.0), ("SYR-10ML", 1.0), ("SYR-10ML", 100.0),
                                      ("SYR-10ML", 100.0)]

    settle(runner, app)
    assert synced(app, received.id).status == "synced"
    done = world.gateway.read("stock.picking", [receipt["id"]], ["state"])[0]
    assert done["state"] == "done"
    lots = {line["lot_id"][1]: line["quantity"] for line in world.move_lines(receipt["id"]) if line["lot_id"]}
    assert lots == {lot_a: 100, lot_b: 100, lot_c: 1}
    assert world.lot("SYR-10ML", lot_b)["expiration_date"].startswith(soon.isoformat())
    backorder, = world.gateway.search_read("stock.picking", [("backorder_id", "=", receipt["id"])], ["state"])
    assert sum(m["product_uom_qty"] for m in world.moves(backorder["id"])) == 99


def test_what_came_over_the_receipt_goes_to_the_supervisor_and_an_expired_lot_is_said(
        page: Page, browser: Browser, live_server, app, runner, world, csp_violations):
    receipt = world.open_receipt({"GLV-N-M": 200}, origin=unique("PO"))
    pull(runner)
    sign_in(page, live_server, "receiver")
    open_receive(page)
    page.get_by_label("Receiving at").select_option("WH-STOCK")
    page.locator(".receipt-card", has_text=receipt["name"]).get_by_role("button", name="Check in").click()
    wedge(page, GLOVES_BOX)
    wedge(page, "07612340000737")  # bandages, not on the receipt
    expired = date.today() - timedelta(days=3)
    wedge(page, gs1(SYRINGE_BOX, unique("X"), expired))
    expect(page.locator("#rcv-scanned")).to_contain_text("EXPIRED")
    expect(page.locator("[data-rcv-row]", has_text="Syringe Luer lock 10ml").locator(".rcv-lot")
           ).to_contain_text("EXPIRED")
    snap(page, "receive-expired")
    page.get_by_role("button", name="Receive", exact=True).click()
    expect(page.locator("#rcv-result")).to_contain_text("2 over or not on the receipt, passed to your supervisor")
    expect_pending(page, 0)
    main, extras = arrived(app, "receive", 2, timeout=30)
    assert main.lines == [("GLV-N-M", 200.0)] and sorted(extras.lines) == [("BAN-5CM", 1.0), ("SYR-10ML", 100.0)]
    settle(runner, app)
    assert synced(app, main.id).status == "synced"
    assert synced(app, extras.id).status == "needs_attention"
    office = browser.new_context()
    desk = office.new_page()
    sign_in(desk, live_server, "supervisor")
    desk.goto(f"{live_server}/supervisor/exceptions")
    expect(desk.locator(f"#exception-action-{extras.id}")).to_contain_text("Odoo did not take it")
    office.close()


# Counting with a stock freeze

def clear_location(world, code: str) -> None:
    """Counts every quant of a location down to zero: the shelf holds only what the test puts there."""
    quants = world.gateway.search_read("stock.quant", [("location_id", "=", world.locations[code]),
                                                       ("quantity", "!=", 0)], ["product_id", "lot_id"])
    vals = [{"product_id": q["product_id"][0], "location_id": world.locations[code], "inventory_quantity": 0,
             **({"lot_id": q["lot_id"][0]} if q["lot_id"] else {})} for q in quants]
    if vals:
        ids = world.gateway.create("stock.quant", vals, context={"inventory_mode": True})
        world.gateway.execute("stock.quant", "action_apply_inventory", ids, context={"inventory_mode": True})


def add_user(app, login: str, roles: str, *codes: str) -> None:
    with app.app_context():
        session = db.session()
        demo = session.scalar(select(User.password_hash).where(User.login == "nurse"))
        session.add(User(login=login, password_hash=demo, roles=roles,
                         locations=list(session.scalars(select(Location).where(Location.code.in_(codes))))))
        session.commit()


def open_count(page: Page) -> None:
    page.get_by_role("link", name="Count").first.click()
    expect(page.get_by_role("heading", name="Count", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-scan-ready", "true")
    expect(page.locator("html")).to_have_attribute("data-count-ready", "true")


def count(page: Page, raw: str, qty: int) -> None:
    wedge(page, raw)
    card = page.locator("#count-item form")
    card.get_by_label("How many on the shelf").fill(str(qty))
    card.get_by_role("button", name="Add to the count").click()


def save_count(page: Page, lines: int) -> None:
    page.get_by_role("button", name="Save count").click()
    expect(page.locator("#count-result")).to_contain_text(f"Saved. {lines} line(s) counted at Emergency department")


def test_two_counters_count_blind_during_a_freeze_reconciled_with_a_recount_and_an_approval_into_odoo_quants(
        page: Page, browser: Browser, live_server, app, runner, world, csp_violations):
    clear_location(world, "ED")
    world.put_stock("GLV-N-M", "ED", 50)
    world.put_stock("BAN-5CM", "ED", 20)
    saline_lot = unique("S")
    world.put_stock("SAL-100MLBAG", "ED", 40, lot=saline_lot, expiry="2028-06-30")
    pull(runner)
    add_user(app, "nurse-ed", "requester", "ED")
    add_user(app, "counter2", "counter", "ED")

    # On the ward, offline: two bandages issued before the count starts, still on the tablet.
    ward = browser.new_context(viewport={"width": 1024, "height": 768})
    nurse = ward.new_page()
    sign_in(nurse, live_server, "nurse-ed")
    ward.set_offline(True)
    nurse.goto(f"{live_server}/issue/")
    expect(nurse.locator("html")).to_have_attribute("data-ward-ready", "true")
    wedge(nurse, "ENC-2026-004711")
    wedge(nurse, BANDAGE)
    card = nurse.locator("#issue-item form")
    card.get_by_role("button", name="One more").click()
    card.get_by_role("button", name="Add line").click()
    nurse.get_by_role("button", name="Confirm issue").click()
    expect(nurse.locator("#issue-result")).to_contain_text("Saved")

    # The supervisor freezes the emergency department from the desk.
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/supervisor/counts")
    page.get_by_label("Emergency department").check()
    page.get_by_role("button", name="Freeze and start counting").click()
    expect(page.get_by_text("Counting — frozen")).to_be_visible()

    # The ward tablet comes back online: the issue made before the freeze is accepted, and will be accounted for.
    ward.set_offline(False)
    expect_pending(nurse, 0)
    [issue] = arrived(app, "issue", 1, timeout=30)
    assert issue.status == "received"

    # Two counters, each on a tablet of their own, count blind.
    first = browser.new_context(viewport={"width": 390, "height": 844})
    counter = first.new_page()
    sign_in(counter, live_server, "counter")
    open_count(counter)
    expect(counter.locator("body")).not_to_contain_text("Expected")
    count(counter, "GLV-N-M", 30)
    count(counter, BANDAGE, 10)
    expect(counter.locator("#count-lines li")).to_have_count(2)
    snap(counter, "count")
    save_count(counter, 2)

    second = browser.new_context(viewport={"width": 1024, "height": 768})
    other = second.new_page()
    sign_in(other, live_server, "counter2")
    open_count(other)
    count(other, "GLV-N-M", 20)
    count(other, gs1(SALINE, saline_lot, date(2028, 6, 30)), 25)
    save_count(other, 2)
    expect_pending(counter, 0)
    expect_pending(other, 0)
    assert len(arrived(app, "count", 2, timeout=30)) == 2

    # Reconcile: gloves agree (30 + 20); bandages 10 against 18 (20, less the 2 issued before the count): recount;
    # the saline lot 25 against 40: approved.
    page.get_by_role("button", name="Stop counting and reconcile").click()
    bandages = page.locator("tr", has_text="BAN-5CM")
    expect(bandages).to_contain_text("-2 before")
    expect(bandages).to_contain_text("-8")
    gloves = page.locator("tr", has_text="GLV-N-M")
    expect(gloves).to_contain_text("Use the count")
    expect(gloves).to_contain_text("counter 30; counter2 20")
    bandages.get_by_role("button", name="Recount").click()
    expect(page.locator("tr", has_text="BAN-5CM")).to_contain_text("Recount asked")

    counter.reload()
    expect(counter.locator("#recount-list")).to_contain_text("BAN-5CM")
    count(counter, BANDAGE, 18)
    save_count(counter, 1)
    expect_pending(counter, 0)

    page.get_by_role("button", name="Bring the reconciliation up to date").click()
    expect(page.locator("tr", has_text="BAN-5CM")).to_contain_text("Use the count")
    saline = page.locator("tr", has_text=saline_lot)
    expect(saline).to_contain_text("-15")
    saline.get_by_role("button", name="Approve, use count").click()
    expect(page.locator("tr", has_text=saline_lot)).to_contain_text("(supervisor)")
    snap(page, "count-reconcile")
    page.get_by_role("button", name="Apply the count").click()
    expect(page.get_by_text("Count applied")).to_be_visible()
    with app.app_context():
        assert db.session().scalar(select(CountSession.status)) == "applied"

    settle(runner, app)
    assert synced(app, issue.id).status == "synced"
    [result] = [a for a in journaled(app, "count") if '"generated_by":"count_session"' in a.payload]
    assert synced(app, result.id).status == "synced"
    assert world.quantity("GLV-N-M", "ED") == 50
    assert world.quantity("BAN-5CM", "ED") == 18
    assert world.quantity("SAL-100MLBAG", "ED", saline_lot) == 25
    for context in (ward, first, second):
        context.close()


# An exception fixed from the queue

def test_an_unknown_box_barcode_is_mapped_from_the_queue_retried_and_synced(
        page: Page, live_server, app, runner, world, csp_violations):
    world.put_stock("BAN-5CM", "WARD-4B", 100)
    handheld = Api(app.test_client(), "ward-4b-handheld").login("nurse")
    new_box = "17612340999991"  # the supplier's new box of 12 bandages: not in the catalog yet
    waste = new_action("waste", "WARD-4B", [{"scan": f"01{new_box}", "qty": 2, "reason": "damaged"}])
    assert handheld.results(waste)[0]["reason"] == "unknown_item"

    sign_in(page, live_server, "supervisor")
    page.get_by_role("link", name="Supervisor's desk").click()
    page.get_by_role("link", name="Exceptions").first.click()
    with app.app_context():
        key = db.session().scalar(select(Rejection.id).where(Rejection.action_id == waste["id"]))
    row = page.locator(f"#exception-rejection-{key}")
    expect(row).to_contain_text("An item is not in the catalog")
    expect(row).to_contain_text(f"01{new_box}")
    row.get_by_label("Product reference").fill("BAN-5CM")
    row.get_by_label("units per scan").fill("12")
    row.get_by_role("button", name="Map").click()
    expect(row).to_contain_text("Mapped to BAN-5CM")
    snap(page, "exception-mapped")
    row.get_by_role("button", name="Retry").click()
    expect(row).to_contain_text("Accepted into the journal")

    settle(runner, app)
    with app.app_context():
        stored = db.session().scalar(select(Action).where(Action.id == waste["id"]))
        assert stored.status == "synced" and stored.user.login == "nurse"
    scrap, = world.scraps(waste["id"])
    assert scrap["state"] == "done" and scrap["scrap_qty"] == 24 and scrap["product_id"][0] == \
        world.product_id("BAN-5CM")
