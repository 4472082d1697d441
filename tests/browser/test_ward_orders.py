"""Requisition to par, My requisitions, Confirm arrival and Waste, end to end in Debian's Chromium: the nurse works
by scans alone (a keyboard-wedge scanner), offline or online; the tablet's outbox replays into the journal, the sync
engine pushes into the Odoo double (or a real Odoo, with ODOO_* set), and the catalog pull brings Odoo's picture
back to the tablet. The tests read Odoo's own records: the transfer and its moves, the validated transfer and its
backorder, the scraps and their reasons. Screenshots of each screen at tablet and phone size land in
test-artifacts/."""
from __future__ import annotations

import math
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from app import create_app
from pwa import db, journal as store
from pwa.models import Action
from pwa.transfers import TransferReport, record_transfers
from tests.conftest import Api, new_action
from tests.sync.conftest import odoo  # noqa: F401  (the Odoo these tests sync into)
from tests.sync.world import unique

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SIZES = {"tablet": (1024, 768), "phone": (390, 844)}
BANDAGE, BANDAGE_BOX = "07612340000737", "17612340000734"  # BAN-5CM, box of 12
GLOVES_BOX = "17612340000161"  # GLV-N-M, box of 200
SALINE, SALINE_BOX = "07612340000669", "17612340000666"  # SAL-100MLBAG (lot-tracked), box of 20
SYRINGE = "07612340000041"  # SYR-10ML (lot-tracked)
TUBE = "07612340000577"  # ETT-7.0MM (serial-tracked)
GAUZE = "07612340000331"  # GAU-5X5CM (lot-tracked)


@pytest.fixture
def app(database_url, odoo):  # noqa: F811
    """The test's app, syncing with the test run's Odoo."""
    app = create_app({"SQLALCHEMY_DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key-not-for-production",
                      "TESTING": True, "ODOO": odoo.settings, "LOGIN_FAILURES_ALLOWED": 5})
    yield app
    app.extensions["journal_engine"].dispose()


@pytest.fixture
def world(odoo):  # noqa: F811
    return odoo.world


@pytest.fixture
def csp_violations(page: Page):
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield seen
    assert seen == []


# The tablet

def sign_in(page: Page, live_server: str, login: str = "nurse") -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="What would you like to do?")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-device-ready", "true", timeout=20000)


def open_screen(page: Page, tile: str, heading: str) -> None:
    page.get_by_role("link", name=tile).first.click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-scan-ready", "true")


def wedge(page: Page, raw: str) -> None:
    """A handheld scanner's read, handed to the page's scan pipeline as the wedge reader hands it over once it has
    told a burst from typing (tests/browser/test_scanning.py drives the keystrokes themselves)."""
    page.evaluate("raw => window.wardScan.pipeline.submit(raw, {source: 'wedge'})", raw)


def expect_pending(page: Page, count: int) -> None:
    expect(page.locator("#device-status")).to_have_attribute("data-pending", str(count), timeout=15000)


def snap(page: Page, name: str) -> None:
    """The whole screen at tablet and at phone size, into test-artifacts/. The viewport is stretched to the page's
    height, so what sticks to the bottom of the screen (the confirm buttons) is drawn at the bottom, as a nurse
    scrolling down sees it."""
    ARTIFACTS.mkdir(exist_ok=True)
    before = page.viewport_size
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        full = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": width, "height": max(height, full)})
        page.screenshot(path=ARTIFACTS / f"{name}-{size}.png", animations="disabled")
    page.set_viewport_size(before)


# The server and Odoo

def sync(runner) -> None:
    result = runner.invoke(args=["sync", "run", "--once", "--retry-base", "0"])
    assert result.exit_code == 0, result.output


def pull(runner) -> None:
    result = runner.invoke(args=["sync", "pull"])
    assert result.exit_code == 0, result.output


def journaled(app, action_type: str) -> list[SimpleNamespace]:
    with app.app_context():
        rows = db.session().scalars(select(Action).where(Action.type == action_type).order_by(Action.seq)).all()
        return [SimpleNamespace(id=row.id, user=row.user.login, location=row.location_code, status=row.status,
                                last_error=row.last_error, payload=row.payload,
                                lines=[(line["ref"], line["units"]) for line in row.lines]) for row in rows]


def arrived(app, action_type: str, count: int, timeout: float = 15) -> list[SimpleNamespace]:
    """The journal's actions of a type once the tablet's replay has brought `count` of them."""
    deadline = time.monotonic() + timeout
    while len(rows := journaled(app, action_type)) < count:
        assert time.monotonic() < deadline, f"{count} {action_type} action(s) did not reach the journal in time"
        time.sleep(0.05)
    assert len(rows) == count
    return rows


def synced(app, action_id: str):
    with app.app_context():
        return store.find(db.session(), action_id)


def par_level(world, ref: str, code: str, minimum: float, maximum: float) -> None:
    """A reordering rule in Odoo: the par level the catalog pull brings to the ward."""
    gateway = world.gateway
    domain = [("product_id", "=", world.product_id(ref)), ("location_id", "=", world.locations[code]),
              ("active", "in", [True, False])]
    values = {"product_min_qty": minimum, "product_max_qty": maximum, "active": True}
    found = gateway.search_read("stock.warehouse.orderpoint", domain, ["id"])
    if found:
        gateway.write("stock.warehouse.orderpoint", [found[0]["id"]], values)
    else:
        gateway.create("stock.warehouse.orderpoint", [{"product_id": world.product_id(ref),
                                                       "location_id": world.locations[code], **values}])


def requisition_in_odoo(app, runner, world, lines: list[dict]) -> dict:
    """A requisition the nurse sent earlier, in Odoo as a transfer the store has reserved: returns the picking."""
    for ref in ("BAN-5CM", "GLV-N-M"):
        world.put_stock(ref, "WH-STOCK", 5000)
    nurse = Api(app.test_client(), "ward-4b-desk").login("nurse")
    action = new_action("requisition", "WARD-4B", lines)
    assert nurse.results(action)[0]["status"] == "accepted"
    sync(runner)
    picking, = world.pickings(action["id"])
    return picking


def gs1(gtin: str, lot: str, expiry: date) -> str:
    return f"]d201{gtin}17{expiry:%y%m%d}10{lot}"


# Requisition

def test_offline_the_nurse_requisitions_to_par_by_scans_and_follows_it_through_odoo(
        page: Page, context: BrowserContext, live_server, app, runner, world, csp_violations):
    lot = unique("S")
    world.put_stock("SAL-100MLBAG", "WARD-4B", 3, lot=lot)
    saline = world.quantity("SAL-100MLBAG", "WARD-4B")  # what other tests left on this shelf counts too
    par_level(world, "SAL-100MLBAG", "WARD-4B", saline + 2, saline + 30)  # at par minimum: order 30 more
    world.put_stock("GAU-5X5CM", "WARD-4B", 8, lot=unique("G"))
    par_level(world, "GAU-5X5CM", "WARD-4B", 0, world.quantity("GAU-5X5CM", "WARD-4B") + 10)  # above par
    pull(runner)
    sign_in(page, live_server)
    context.set_offline(True)
    page.reload()
    open_screen(page, "Requisition", "Requisition to par")

    # The par list from the tablet's catalog: saline below par, 30 suggested in boxes of 20 → 2 boxes.
    row = page.locator("#req-low .par-row", has_text="Sodium chloride 0.9% 100ml bag")
    expect(row).to_contain_text(f"On hand {saline:g}")
    quantity = row.get_by_label("Order quantity of Sodium chloride 0.9% 100ml bag, in box of 20")
    expect(quantity).to_have_value(str(math.ceil(30 / 20)))
    row.get_by_role("button", name="One more Sodium chloride 0.9% 100ml bag").click()
    expect(quantity).to_have_value("3")
    page.get_by_text("At or above par").click()
    expect(page.locator("#req-rest .par-row", has_text="Gauze swab sterile 5x5cm").get_by_role("spinbutton")
           ).to_have_value("0")

    # Anything else, by scan: two bandages; a tube scanned by mistake is undone before sending.
    wedge(page, BANDAGE)
    card = page.locator("#req-item form")
    card.get_by_role("button", name="One more").click()
    expect(card.get_by_label("Quantity")).to_have_value("2")
    card.get_by_role("button", name="Add line").click()
    wedge(page, TUBE)
    page.locator("#req-item form").get_by_role("button", name="Add line").click()
    expect(page.locator("#req-lines li")).to_have_count(2)
    page.get_by_role("button", name="Undo last line").click()
    expect(page.locator("#req-lines li")).to_have_count(1)
    expect(page.locator("#req-lines")).to_contain_text("2 × Elastic bandage 5cm")
    snap(page, "requisition")

    page.get_by_role("button", name="Send requisition").click()
    expect(page.locator("#req-result")).to_contain_text("Saved. A requisition of 2 line(s) for Ward 4B")
    expect_pending(page, 1)
    assert journaled(app, "requisition") == []

    context.set_offline(False)
    expect_pending(page, 0)
    [requisition] = journaled(app, "requisition")
    assert (requisition.user, requisition.location) == ("nurse", "WARD-4B")
    assert sorted(requisition.lines) == [("BAN-5CM", 2.0), ("SAL-100MLBAG", 60.0)]

    sync(runner)
    assert synced(app, requisition.id).status == "synced"
    picking, = world.pickings(requisition.id)
    assert picking["state"] in ("confirmed", "assigned")
    assert (picking["location_id"][0], picking["location_dest_id"][0]) == (
        world.locations["WH-STOCK"], world.locations["WARD-4B"])
    assert sorted((m["product_id"][0], m["product_uom_qty"]) for m in world.moves(picking["id"])) == sorted([
        (world.product_id("SAL-100MLBAG"), 60.0), (world.product_id("BAN-5CM"), 2.0)])

    # My requisitions: the state Odoo reports with each catalog update.
    pull(runner)
    page.get_by_role("link", name="Ward Supply").click()
    page.get_by_role("link", name="My requisitions").first.click()
    mine = page.locator(".req-card", has_text=picking["name"])
    expect(mine).to_contain_text("2 item(s): Elastic bandage 5cm × 2, Sodium chloride 0.9% 100ml bag × 60")
    expect(mine.locator(".req-state")).to_have_text("Sent" if picking["state"] == "confirmed" else "Picked")
    # The store has it, sets it aside and ticks every line picked: it is on its way.
    world.put_stock("SAL-100MLBAG", "WH-STOCK", 100, lot=unique("S"))
    world.put_stock("BAN-5CM", "WH-STOCK", 5000)
    world.gateway.execute("stock.picking", "action_assign", [picking["id"]])
    world.gateway.write("stock.move", [m["id"] for m in world.moves(picking["id"])], {"picked": True})
    pull(runner)
    page.reload()
    expect(mine.locator(".req-state")).to_have_text("On its way")
    expect(mine).to_have_attribute("data-state", "on_its_way")
    snap(page, "my-requisitions")


# Confirm arrival

def test_online_a_delivery_short_and_with_an_extra_is_recorded_as_it_came(
        page: Page, live_server, app, runner, world, csp_violations):
    picking = requisition_in_odoo(app, runner, world, [{"product": BANDAGE_BOX, "qty": 2},
                                                       {"product": GLOVES_BOX, "qty": 1}])
    pull(runner)
    sign_in(page, live_server)
    open_screen(page, "Confirm arrival", "Confirm arrival")
    wedge(page, picking["name"])  # the delivery note: the server knows it, though the tablet's items do not
    check = page.locator("[data-check]")
    expect(check).to_be_visible()
    expect(page.locator("[data-scan-report]")).to_be_hidden()  # not taken for an unknown item
    expect(page.locator(".transfer-card[aria-current=true]")).to_contain_text("Checking in now")
    expect(check).to_contain_text(f"Checking in {picking['name']} to Ward 4B")
    bandages = check.locator("[data-check-row]", has_text="Elastic bandage 5cm")
    expect(bandages).to_contain_text("Expected 24 (2 × box of 12)")
    expect(bandages).to_contain_text("None yet: 24 short")

    page.get_by_role("button", name="All arrived as listed").click()
    expect(check.locator("[data-check-summary]")).to_have_text("Everything as expected.")
    bandages.get_by_label("Received of Elastic bandage 5cm").fill("20")
    bandages.get_by_label("Received of Elastic bandage 5cm").press("Tab")
    expect(bandages).to_contain_text("4 short")
    expect(bandages).to_have_attribute("data-state", "short")
    wedge(page, SALINE)  # a saline bag came too: not on this transfer
    extra = check.locator("[data-check-row]", has_text="Sodium chloride 0.9% 100ml bag")
    expect(extra).to_contain_text("Not on the transfer: 1 extra")
    page.get_by_role("button", name="Undo last change").click()
    expect(extra).to_have_count(0)
    page.get_by_role("button", name="Undo last change").click()
    expect(bandages.get_by_label("Received of Elastic bandage 5cm")).to_have_value("24")
    bandages.get_by_role("button", name="One less Elastic bandage 5cm").click()
    for _ in range(3):
        bandages.get_by_role("button", name="One less Elastic bandage 5cm").click()
    expect(bandages).to_contain_text("4 short")
    wedge(page, GAUZE)  # and a pack of gauze, not on the transfer either
    expect(check.locator("[data-check-row]", has_text="Gauze swab sterile 5x5cm")).to_have_attribute(
        "data-state", "extra")
    expect(check.locator("[data-check-summary]")).to_have_text(
        "1 item(s) short, 1 with extras: recorded as counted when you confirm.")
    snap(page, "arrival")

    page.get_by_role("button", name="Confirm arrival").click()
    expect(page.locator("#arr-result")).to_contain_text(
        f"Saved. Arrival of {picking['name']} at Ward 4B: 2 item(s) confirmed; 1 short, left on a backorder; "
        "1 extra, passed to your supervisor.")
    expect(page.locator("#arr-list")).not_to_contain_text(picking["name"])  # confirmed: no longer to check in
    confirm, extras = arrived(app, "transfer_confirm", 2)
    assert confirm.lines == [("BAN-5CM", 20.0), ("GLV-N-M", 200.0)]
    assert extras.lines == [("GAU-5X5CM", 1.0)]
    assert f'"transfer":"{picking["name"]}"' in confirm.payload and "supervisor" in extras.payload
    before = world.quantity("BAN-5CM", "WARD-4B")
    sync(runner)
    assert synced(app, confirm.id).status == "synced", synced(app, confirm.id).last_error
    done = world.gateway.read("stock.picking", [picking["id"]], ["state"])[0]
    assert done["state"] == "done"
    assert sorted((m["product_id"][0], m["quantity"]) for m in world.moves(picking["id"]) if m["state"] == "done") == \
        sorted([(world.product_id("BAN-5CM"), 20.0), (world.product_id("GLV-N-M"), 200.0)])
    backorder, = world.gateway.search_read("stock.picking", [("backorder_id", "=", picking["id"])], ["name"])
    assert [(m["product_id"][0], m["product_uom_qty"]) for m in world.moves(backorder["id"])] == [
        (world.product_id("BAN-5CM"), 4.0)]
    assert world.quantity("BAN-5CM", "WARD-4B") == before + 20
    extra_row = synced(app, extras.id)
    assert extra_row.status == "needs_attention"  # the supervisor settles it with the store


def test_offline_a_delivery_is_checked_in_from_its_delivery_note_by_scans_alone(
        page: Page, context: BrowserContext, live_server, app, runner, world, csp_violations):
    picking = requisition_in_odoo(app, runner, world, [{"product": GLOVES_BOX, "qty": 1},
                                                       {"product": "BAN-5CM", "qty": 12}])
    pull(runner)
    sign_in(page, live_server)
    context.set_offline(True)
    page.reload()
    open_screen(page, "Confirm arrival", "Confirm arrival")
    expect(page.locator("#arr-list")).to_contain_text(picking["name"])

    wedge(page, picking["name"])  # the delivery note's barcode opens its transfer
    check = page.locator("[data-check]")
    expect(check).to_contain_text(f"Checking in {picking['name']}")
    expect(page.locator("[data-scan-report]")).to_be_hidden()
    wedge(page, GLOVES_BOX)
    expect(page.locator("#arr-scanned")).to_contain_text("Nitrile examination gloves size M: 200 of 200 received.")
    wedge(page, BANDAGE_BOX)
    expect(check.locator("[data-check-summary]")).to_have_text("Everything as expected.")
    page.get_by_role("button", name="Confirm arrival").click()
    expect(page.locator("#arr-result")).to_contain_text(f"Saved. Arrival of {picking['name']} at Ward 4B: 2 item(s)")
    expect_pending(page, 1)

    context.set_offline(False)
    expect_pending(page, 0)
    [confirm] = journaled(app, "transfer_confirm")
    assert confirm.lines == [("GLV-N-M", 200.0), ("BAN-5CM", 12.0)]
    sync(runner)
    assert synced(app, confirm.id).status == "synced"
    assert world.gateway.read("stock.picking", [picking["id"]], ["state"])[0]["state"] == "done"
    assert world.gateway.search_read("stock.picking", [("backorder_id", "=", picking["id"])], ["name"]) == []


def test_a_ward_being_counted_is_said_at_once_and_a_supervisor_lets_one_arrival_through(
        page: Page, live_server, app, csp_violations):
    name = f"WH/INT/T{uuid.uuid4().hex[:6]}"
    with app.app_context():
        record_transfers(db.session(), [TransferReport(name, "WARD-4B", "on_its_way", [{"ref": "BAN-5CM", "qty": 12}])])
        db.session().commit()
    supervisor = Api(app.test_client(), "supervisor-desk").login("supervisor")
    response = supervisor.client.post("/api/v1/count-sessions", json={"locations": ["WARD-4B"], "blind": True},
                                      headers=supervisor.headers)
    assert response.status_code == 201, response.get_json()
    sign_in(page, live_server)
    open_screen(page, "Waste", "Record waste")
    message = "Ward 4B is being counted — ask your supervisor to override."
    expect(page.locator("[data-freeze]")).to_contain_text(message)  # before anything is scanned

    page.get_by_role("link", name="Ward Supply").click()
    open_screen(page, "Confirm arrival", "Confirm arrival")
    expect(page.locator("[data-freeze]")).to_contain_text(message)
    page.get_by_role("button", name=f"Check in {name}").click()
    expect(page.locator("[data-check]")).to_contain_text(f"Checking in {name}")
    page.get_by_role("button", name="All arrived as listed").click()
    page.get_by_role("button", name="Confirm arrival").click()
    expect(page.locator("#arr-result")).to_have_text(message)
    assert journaled(app, "transfer_confirm") == []

    page.get_by_role("button", name="Supervisor override").click()
    page.get_by_label("Supervisor login").fill("supervisor")
    page.get_by_label("Password").fill("demo")
    page.get_by_label("Why it cannot wait for the count").fill("Delivery for the trauma bay, count can wait")
    page.get_by_role("button", name="Allow this arrival").click()
    expect(page.locator("[data-override-on]")).to_contain_text("Override by supervisor")
    page.get_by_role("button", name="Confirm arrival").click()
    expect(page.locator("#arr-result")).to_contain_text(f"Saved. Arrival of {name} at Ward 4B")
    [confirm] = arrived(app, "transfer_confirm", 1)
    assert '"override":{"by":"supervisor","reason":"Delivery for the trauma bay, count can wait"}' in confirm.payload
    expect(page.locator("[data-override-on]")).to_be_hidden()  # for that one arrival only
    expect(page.locator("[data-freeze]")).to_be_visible()


# Waste

def test_expired_lots_are_wasted_as_expired_online_and_offline_and_scrapped_in_odoo(
        page: Page, context: BrowserContext, live_server, app, runner, world, csp_violations):
    yesterday, next_year = date.today() - timedelta(days=1), date.today() + timedelta(days=365)
    old, older, good = unique("X"), unique("Y"), unique("G")
    world.put_stock("SYR-10ML", "WARD-4B", 10, lot=old, expiry=yesterday.isoformat())
    world.put_stock("SYR-10ML", "WARD-4B", 10, lot=older, expiry=yesterday.isoformat())
    world.put_stock("SYR-10ML", "WARD-4B", 10, lot=good, expiry=next_year.isoformat())
    sign_in(page, live_server)
    open_screen(page, "Waste", "Record waste")

    wedge(page, gs1(SYRINGE, old, yesterday))  # online: the server's fragment
    card = page.locator("#waste-item form")
    expect(card).to_contain_text(f"Expired on {yesterday.isoformat()}: the reason is set to Expired.")
    expect(card.get_by_label("Reason")).to_have_value("expired")
    card.get_by_label("Quantity").fill("4")
    snap(page, "waste")
    expect(card.get_by_label("Quantity")).to_have_value("4")
    card.get_by_role("button", name="Add line").click()
    expect(page.locator("#waste-lines li")).to_have_count(1)
    expect(page.locator("#waste-lines li")).to_contain_text("Syringe Luer lock 10ml × 4")
    wedge(page, gs1(SYRINGE, good, next_year))
    card = page.locator("#waste-item form")
    expect(card).to_contain_text(f"Good until {next_year.isoformat()} — not expired")
    card.get_by_label("Reason").select_option(label="Damaged")
    card.get_by_role("button", name="Add line").click()
    page.get_by_role("button", name="Confirm waste").click()
    expect(page.locator("#waste-result")).to_contain_text("Saved. 2 line(s) of waste at Ward 4B")
    arrived(app, "waste", 1)

    context.set_offline(True)  # offline: the tablet's own date says the lot has expired
    wedge(page, gs1(SYRINGE, older, yesterday))
    card = page.locator("#waste-item form")
    expect(card).to_contain_text(f"Expired on {yesterday.isoformat()}: the reason is set to Expired.")
    expect(card.get_by_label("Reason")).to_have_value("expired")
    card.get_by_role("button", name="Add line").click()
    page.get_by_role("button", name="Confirm waste").click()
    expect(page.locator("#waste-result")).to_contain_text("Saved. 1 line(s) of waste at Ward 4B")
    expect_pending(page, 1)
    context.set_offline(False)
    first, second = arrived(app, "waste", 2)
    sync(runner)
    assert synced(app, first.id).status == synced(app, second.id).status == "synced"
    scraps = world.scraps(first.id) + world.scraps(second.id)
    assert sorted((s["lot_id"][1], s["scrap_qty"], s["state"]) for s in scraps) == sorted([
        (old, 4.0, "done"), (good, 1.0, "done"), (older, 1.0, "done")])
    tags = {s["id"]: s for s in world.gateway.search_read("stock.scrap", [("id", "in", [s["id"] for s in scraps])],
                                                          ["lot_id", "scrap_reason_tag_ids"])}
    names = {t["id"]: t["name"] for t in world.gateway.read(
        "stock.scrap.reason.tag", sorted({i for s in tags.values() for i in s["scrap_reason_tag_ids"]}), ["name"])}
    assert sorted((s["lot_id"][1], [names[i] for i in s["scrap_reason_tag_ids"]]) for s in tags.values()) == sorted([
        (old, ["expired"]), (good, ["damaged"]), (older, ["expired"])])
    assert world.quantity("SYR-10ML", "WARD-4B", old) == 6
