"""Issue to a patient and Return, end to end in Debian's Chromium: the nurse scans the wristband and the items (with a
keyboard-wedge scanner, offline or online), the tablet's outbox replays into the journal, the sync engine pushes into
the Odoo double (or a real Odoo, with ODOO_* set), and the tests read Odoo's own records: the picking, the shelf's
quantity and the lines on the encounter's draft invoice. Screenshots of each screen at tablet and phone size land in
test-artifacts/."""
from __future__ import annotations

import random
import string
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect
from sqlalchemy import select

from app import create_app
from pwa import db, journal as store
from pwa.models import Action, AuditEntry
from tests.browser.test_scanning import write_y4m
from tests.conftest import CHROMIUM_ARGS, Api
from tests.scanning.symbols import on_canvas, symbol
from tests.sync.conftest import odoo  # noqa: F401  (the Odoo these tests sync into)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WRISTBAND = "ENC-2026-000777"
SIZES = {"tablet": (1024, 768), "phone": (390, 844)}


@pytest.fixture
def app(database_url, odoo):  # noqa: F811
    """The test's app, syncing with the test run's Odoo."""
    app = create_app({"SQLALCHEMY_DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key-not-for-production",
                      "TESTING": True, "ODOO": odoo.settings, "LOGIN_FAILURES_ALLOWED": 5})
    yield app
    app.extensions["journal_engine"].dispose()


@pytest.fixture(scope="module")
def wristband_camera(playwright: Playwright, tmp_path_factory) -> Browser:
    """Chromium whose camera sees a patient's wristband: the encounter number as a QR code."""
    label = on_canvas(symbol(WRISTBAND, "qr_code", scale=5), size=(640, 480))
    clip = write_y4m(tmp_path_factory.mktemp("camera") / "wristband.y4m", label)
    browser = playwright.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=CHROMIUM_ARGS + ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                              f"--use-file-for-fake-video-capture={clip}"])
    yield browser
    browser.close()


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


def new_encounter() -> str:
    return f"ENC-2026-{random.randrange(10**6):06d}"


def new_lot() -> str:
    """Letters only: a lot ending in digits could also read as a further element (e.g. "30" + count) when the
    label's last separator is missing, and the parsers then rightly leave the lot to be asked for."""
    return "L" + "".join(random.choices(string.ascii_uppercase, k=7))


def gs1(gtin: str, lot: str, expiry: str = "280630") -> str:
    """A GS1 DataMatrix as a wedge scanner sends it: the symbology prefix, then GTIN, expiry and lot."""
    return f"]d201{gtin}17{expiry}10{lot}"


def wedge(page: Page, raw: str) -> None:
    """A handheld scanner's read, handed to the page's scan pipeline as the wedge reader hands it over once it has
    told a burst from typing (tests/browser/test_scanning.py drives the keystrokes themselves; here the timing of a
    busy test machine must not decide what was scanned)."""
    page.evaluate("raw => window.wardScan.pipeline.submit(raw, {source: 'wedge'})", raw)


def eventually(check, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the condition was not met in time"
        time.sleep(0.05)


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
    expect(page.locator("html")).to_have_attribute("data-ward-ready", "true")


def scan_item(page: Page, raw: str, qty: int = 1, item_box: str = "#issue-item",
              screenshot: str | None = None) -> None:
    """A wedge scan, the item card, the quantity by its + button, then Add line. The same code scanned again within
    a moment is a question ("another item?"), answered yes. `screenshot`: the screen with the card, before adding."""
    wedge(page, raw)
    card = page.locator(f"{item_box} form")
    again = page.get_by_role("button", name="Add again")
    expect(card.or_(again).first).to_be_visible(timeout=5000)
    if again.is_visible():
        again.click()
    expect(card).to_be_visible(timeout=5000)
    for _ in range(qty - 1):
        card.get_by_role("button", name="One more").click()
    expect(card.get_by_label("Quantity")).to_have_value(str(qty))
    if screenshot:
        snap(page, screenshot)
    card.get_by_role("button", name="Add line").click()
    expect(card).to_have_count(0)


def expect_pending(page: Page, count: int) -> None:
    expect(page.locator("#device-status")).to_have_attribute("data-pending", str(count), timeout=15000)


def outbox(page: Page) -> list[dict]:
    """The tablet's outbox: each action's type, state and, for one the server did not accept, its reason."""
    return page.evaluate("""async () => {
      const outbox = await import('/static/js/outbox.js');
      const db = await outbox.openDevice();
      const all = await outbox.entries(db);
      db.close();
      return all.map((e) => ({type: e.action.type, state: e.state, reason: e.reason, message: e.message}));
    }""")


def expect_sent(page: Page, count: int) -> None:
    """The tablet's `count` actions have all been accepted by the server (the outbox's own word, not the status
    bar's, which may not have counted a save of a moment ago yet)."""
    deadline = time.monotonic() + 15
    while True:
        entries = outbox(page)
        assert not [e for e in entries if e["state"] == "failed"], f"refused by the server: {entries}"
        if len(entries) == count and all(e["state"] == "sent" for e in entries):
            return
        assert time.monotonic() < deadline, f"not all sent: {entries}"
        time.sleep(0.05)


def snap(page: Page, name: str) -> None:
    """The screen as it is now, full page, at tablet and at phone size, into test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    before = page.viewport_size
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=ARTIFACTS / f"{name}-{size}.png", full_page=True, animations="disabled")
    page.set_viewport_size(before)


def sync(runner) -> None:
    result = runner.invoke(args=["sync", "run", "--once", "--retry-base", "0"])
    assert result.exit_code == 0, result.output


def journaled(app, action_type: str) -> list[SimpleNamespace]:
    """The journal's actions of a type, in order: id, who, where, encounter and the lines as the server read them."""
    with app.app_context():
        rows = db.session().scalars(select(Action).where(Action.type == action_type).order_by(Action.seq)).all()
        return [SimpleNamespace(id=row.id, user=row.user.login, location_code=row.location_code,
                                encounter=row.encounter, lines=row.lines) for row in rows]


def synced(app, action_id: str):
    with app.app_context():
        return store.find(db.session(), action_id)


def start_count(app, *codes: str) -> str:
    supervisor = Api(app.test_client(), "supervisor-desk").login("supervisor")
    response = supervisor.client.post("/api/v1/count-sessions", json={"locations": list(codes), "blind": True},
                                      headers=supervisor.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_offline_the_nurse_issues_and_returns_by_scans_alone_and_odoo_charges_the_encounter_once(
        page: Page, context: BrowserContext, live_server, app, runner, world, csp_violations):
    encounter, lot = new_encounter(), new_lot()
    world.put_stock("SYR-10ML", "WARD-4B", 50, lot=lot, expiry="2028-06-30")
    before = {ref: world.quantity(ref, "WARD-4B") for ref in ("SYR-10ML", "GLV-N-M", "BAN-5CM")}
    sign_in(page, live_server)
    context.set_offline(True)
    page.reload()
    open_screen(page, "Issue to patient", "Issue to a patient")
    expect(page.get_by_text("Scan the patient's encounter first, then each item.")).to_be_visible()

    # An item before the patient is refused: nothing is added to nobody.
    wedge(page, "07612340000669")
    expect(page.locator("[data-scan-status]")).to_contain_text("Scan the patient's wristband")
    expect(page.locator("#issue-item form")).to_have_count(0)

    wedge(page, encounter)
    expect(page.locator("[data-encounter-chosen]")).to_contain_text(encounter)
    scan_item(page, gs1("07612340000041", lot), qty=2)           # syringes, lot and expiry from the label
    scan_item(page, "17612340000161")                           # a box of 200 gloves: not billable
    scan_item(page, "07612340000737", qty=3, screenshot="issue")  # bandages
    scan_item(page, "07612340000737")                           # one too many…
    page.get_by_role("button", name="Undo last line").click()   # …taken back before confirming
    lines = page.locator("#issue-lines li")
    expect(lines).to_have_count(3)
    expect(lines.nth(0)).to_contain_text(f"lot {lot}")
    expect(lines.nth(0)).to_contain_text("Billable")
    expect(lines.nth(1)).to_contain_text("pack of 200 units")
    expect(lines.nth(1)).not_to_contain_text("Billable")

    # The patient cannot change under lines not yet confirmed.
    other = new_encounter()
    wedge(page, other)
    expect(page.locator("[data-scan-status]")).to_have_text(
        f"3 lines are waiting for encounter {encounter}: confirm or undo them before changing the patient.")
    expect(page.locator("[data-encounter-held]")).to_be_visible()
    expect(page.locator("[data-encounter-shown]")).to_have_text(encounter)

    page.get_by_role("button", name="Confirm issue").click()
    expect(page.locator("#issue-result")).to_contain_text(f"Saved. 3 line(s) issued at Ward 4B to encounter {encounter}")
    expect(page.locator("[data-encounter-form]")).to_be_visible()
    expect(page.get_by_role("button", name=encounter)).to_be_visible()  # earlier this shift, one tap away
    snap(page, "issue-saved")
    expect_pending(page, 1)

    # Still offline: one syringe comes back unopened, against the same patient, by scans alone.
    page.get_by_role("link", name="Ward Supply").click()
    open_screen(page, "Return", "Return to the shelf")
    page.get_by_role("button", name=encounter).click()
    scan_item(page, gs1("07612340000041", lot), item_box="#return-item")  # the lot from the label: nothing to type
    expect(page.locator("#return-lines li")).to_contain_text(f"lot {lot} — Not used, still sealed")
    page.get_by_role("button", name="Confirm return").click()
    expect(page.locator("#return-result")).to_contain_text(f"the charge to encounter {encounter} is reversed")
    expect_pending(page, 2)
    assert journaled(app, "issue") == journaled(app, "return") == []

    context.set_offline(False)
    expect_sent(page, 2)
    [issue], [giveback] = journaled(app, "issue"), journaled(app, "return")
    assert (issue.encounter, issue.user) == (encounter, "nurse")
    assert [(line["ref"], line["units"], line.get("lot"), line["billable"]) for line in issue.lines] == [
        ("SYR-10ML", 2.0, lot, True), ("GLV-N-M", 200.0, None, False), ("BAN-5CM", 3.0, None, True)]

    assert (giveback.encounter, [(line["ref"], line["units"], line["lot"], line["reason"]) for line in giveback.lines]) \
        == (encounter, [("SYR-10ML", 1.0, lot, "unused")])

    sync(runner)
    for action in (issue, giveback):
        row = synced(app, action.id)
        assert row.status == "synced", row.last_error
    [picking] = world.pickings(issue.id)
    assert picking["state"] == "done"
    assert picking["location_dest_id"][0] == world.locations["CONSUMED"]
    [back] = world.pickings(giveback.id)
    assert (back["state"], back["location_dest_id"][0]) == ("done", world.locations["WARD-4B"])
    assert {ref: before[ref] - world.quantity(ref, "WARD-4B") for ref in before} == {
        "SYR-10ML": 1, "GLV-N-M": 200, "BAN-5CM": 3}
    assert world.quantity("SYR-10ML", "WARD-4B", lot) == 49
    [invoice] = world.invoices(encounter)
    assert invoice["state"] == "draft"
    charged = world.invoice_lines(issue.id)
    assert sorted((line["product_id"][0], line["quantity"]) for line in charged) == sorted([
        (world.product_id("SYR-10ML"), 2.0), (world.product_id("BAN-5CM"), 3.0)])
    [credit] = world.invoice_lines(giveback.id)
    assert (credit["product_id"][0], credit["quantity"]) == (world.product_id("SYR-10ML"), -1.0)
    assert {line["move_id"][0] for line in charged + [credit]} == {invoice["id"]}


def test_a_cancelled_procedure_three_billable_items_issued_one_returned_charges_two(
        page: Page, live_server, app, runner, world, csp_violations):
    encounter, lot = new_encounter(), new_lot()
    world.put_stock("SAL-100MLBAG", "WARD-4B", 10, lot=lot, expiry="2028-06-30")
    world.put_stock("BAN-5CM", "WARD-4B", 10)
    before = {ref: world.quantity(ref, "WARD-4B") for ref in ("SAL-100MLBAG", "BAN-5CM")}
    sign_in(page, live_server)

    open_screen(page, "Issue to patient", "Issue to a patient")
    page.get_by_label("Encounter number").fill(encounter.lower())
    page.get_by_role("button", name="Use").click()
    expect(page.locator("[data-encounter-shown]")).to_have_text(encounter)
    scan_item(page, gs1("07612340000669", lot))  # a saline bag of a known lot
    scan_item(page, "07612340000737", qty=2)     # two bandages
    page.get_by_role("button", name="Confirm issue").click()
    expect(page.locator("#issue-result")).to_contain_text("Saved. 2 line(s) issued at Ward 4B")
    expect_sent(page, 1)

    # The procedure is cancelled: the saline bag comes back, sealed, against the same encounter.
    page.get_by_role("link", name="Ward Supply").click()
    open_screen(page, "Return", "Return to the shelf")
    page.get_by_role("button", name=encounter).click()  # earlier this shift
    expect(page.locator("[data-encounter-shown]")).to_have_text(encounter)
    wedge(page, "07612340000669")  # the bag's own barcode carries no lot: the card asks for it
    card = page.locator("#return-item form")
    expect(card.get_by_label("Lot number (printed on the pack)")).to_be_visible(timeout=5000)
    card.get_by_label("Reason").select_option(label="Procedure cancelled")
    snap(page, "return")
    card.get_by_role("button", name="Add line").click()
    expect(card).to_have_count(1)  # refused: the lot is needed
    assert "lot" in card.get_by_label("Lot number (printed on the pack)").evaluate("f => f.validationMessage")
    card.get_by_label("Lot number (printed on the pack)").fill(lot)
    card.get_by_role("button", name="Add line").click()
    expect(page.locator("#return-lines li")).to_contain_text(f"lot {lot} — Procedure cancelled")
    page.get_by_role("button", name="Confirm return").click()
    expect(page.locator("#return-result")).to_contain_text(
        f"Saved. 1 line(s) back on the shelf at Ward 4B; the charge to encounter {encounter} is reversed")
    expect_sent(page, 2)

    [issue], [giveback] = journaled(app, "issue"), journaled(app, "return")
    assert (giveback.encounter, giveback.lines[0]["lot"], giveback.lines[0]["reason"]) == (
        encounter, lot, "procedure-cancelled")
    sync(runner)
    assert synced(app, issue.id).status == synced(app, giveback.id).status == "synced"
    [invoice] = world.invoices(encounter)
    lines = world.invoice_lines(issue.id) + world.invoice_lines(giveback.id)
    assert {line["move_id"][0] for line in lines} == {invoice["id"]}
    assert sum(line["quantity"] for line in lines) == 2  # charged for 3, credited 1
    assert sorted((line["product_id"][0], line["quantity"]) for line in world.invoice_lines(giveback.id)) == [
        (world.product_id("SAL-100MLBAG"), -1.0)]
    taken = {ref: before[ref] - world.quantity(ref, "WARD-4B") for ref in before}
    assert taken == {"SAL-100MLBAG": 0, "BAN-5CM": 2} and sum(taken.values()) == 2
    assert world.quantity("SAL-100MLBAG", "WARD-4B", lot) == 10


def test_a_ward_being_counted_refuses_the_issue_offline_and_online_until_a_supervisor_overrides(
        page: Page, context: BrowserContext, live_server, app, csp_violations):
    encounter = new_encounter()
    sign_in(page, live_server)
    open_screen(page, "Issue to patient", "Issue to a patient")
    start_count(app, "WARD-4B")
    message = "Ward 4B is being counted — ask your supervisor to override."

    # Online: the freeze is learnt before anything is saved.
    wedge(page, encounter)
    scan_item(page, "07612340000737")
    page.get_by_role("button", name="Confirm issue").click()
    expect(page.locator("#issue-result")).to_have_text(message)
    expect(page.locator("[data-freeze]")).to_contain_text(message)
    expect(page.locator("#issue-lines li")).to_have_count(1)
    snap(page, "issue-frozen")

    # Offline: the freeze the catalog brought refuses it too, and an override needs the network.
    context.set_offline(True)
    page.locator("#issue-result").evaluate("node => node.replaceChildren()")
    page.get_by_role("button", name="Confirm issue").click()
    expect(page.locator("#issue-result")).to_have_text(message)
    page.get_by_role("button", name="Supervisor override").click()
    page.get_by_label("Supervisor login").fill("supervisor")
    page.get_by_label("Password").fill("demo")
    page.locator("[data-override-form]").get_by_label("Reason").fill("Bandage for a bleeding patient, count can wait")
    page.get_by_role("button", name="Allow this issue").click()
    expect(page.locator("[data-override-error]")).to_contain_text("An override needs the network")
    assert journaled(app, "issue") == []

    # Online again: a nurse is not a supervisor; the supervisor signs in on the tablet and lets this one through.
    context.set_offline(False)
    page.get_by_label("Supervisor login").fill("nurse")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Allow this issue").click()
    expect(page.locator("[data-override-error]")).to_contain_text("nurse is not a supervisor of Ward 4B")
    page.get_by_label("Supervisor login").fill("supervisor")
    page.get_by_label("Password").fill("demo")
    page.locator("[data-override-form]").get_by_label("Reason").fill("Bandage for a bleeding patient, count can wait")
    page.get_by_role("button", name="Allow this issue").click()
    expect(page.locator("[data-override-on]")).to_contain_text("Override by supervisor")
    expect(page.locator("[data-freeze]")).to_be_hidden()
    snap(page, "issue-override")
    page.get_by_role("button", name="Confirm issue").click()
    expect(page.locator("#issue-result")).to_contain_text("Saved. 1 line(s) issued at Ward 4B")
    expect_sent(page, 1)
    expect(page.locator("[data-override-on]")).to_be_hidden()  # for that one issue only
    expect(page.locator("[data-freeze]")).to_be_visible()

    [issue] = journaled(app, "issue")
    assert issue.user == "nurse"
    with app.app_context():
        [entry] = db.session().scalars(select(AuditEntry).where(AuditEntry.event == "freeze_override")).all()
        assert (entry.actor, entry.reason, entry.subject) == (
            "supervisor", "Bandage for a bleeding patient, count can wait", f"action {issue.id}")


def test_floor_charge_only_where_the_policy_allows_it_and_a_shift_ends_with_its_encounters(
        page: Page, live_server, app, runner, world):
    app.config["FLOOR_CHARGE_ROLES"] = ("supervisor",)
    sign_in(page, live_server, "nurse")
    open_screen(page, "Issue to patient", "Issue to a patient")
    expect(page.get_by_role("button", name="Floor charge: the department, no patient")).to_have_count(0)
    page.get_by_role("button", name="Confirm issue").click()
    expect(page.locator("#issue-result")).to_have_text(
        "Scan the patient's wristband or type the encounter number first.")
    page.get_by_label("Encounter number").fill("123")
    page.get_by_role("button", name="Use").click()
    expect(page.locator("[data-encounter-error]")).to_have_text(
        "“123” is not an encounter number. Scan the wristband, or type the number printed on it.")
    encounter = new_encounter()
    page.get_by_label("Encounter number").fill(encounter)
    page.get_by_role("button", name="Use").click()
    page.get_by_role("button", name="Change patient").click()
    expect(page.get_by_role("button", name=encounter)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("localStorage.getItem('ws-recent-encounters')") is None

    sign_in(page, live_server, "supervisor")
    open_screen(page, "Issue to patient", "Issue to a patient")
    expect(page.get_by_role("button", name=encounter)).to_have_count(0)
    page.get_by_label("Issued from").select_option(label="Emergency department")
    page.get_by_role("button", name="Floor charge: the department, no patient").click()
    expect(page.locator("[data-encounter-chosen]")).to_contain_text("Floor charge: Emergency department, no patient")
    scan_item(page, "07612340000737", qty=4)
    page.get_by_role("button", name="Confirm issue").click()
    expect(page.locator("#issue-result")).to_contain_text("as a floor charge to the department")
    expect_sent(page, 1)
    [issue] = journaled(app, "issue")
    assert (issue.encounter, issue.location_code) == (None, "ED")
    sync(runner)
    [line] = world.invoice_lines(issue.id)
    assert line["quantity"] == 4.0
    assert line["move_id"][0] in {invoice["id"] for invoice in world.invoices("FLOOR-ED")}


def test_the_camera_reads_the_wristband_and_holding_it_there_changes_nothing(wristband_camera: Browser, live_server):
    context = wristband_camera.new_context(permissions=["camera"])
    page = context.new_page()
    sign_in(page, live_server)
    open_screen(page, "Issue to patient", "Issue to a patient")
    page.get_by_role("button", name="Camera").click()
    expect(page.locator("[data-encounter-shown]")).to_have_text(WRISTBAND, timeout=20000)
    expect(page.locator("[data-scan-status]")).to_have_text(f"Encounter {WRISTBAND}: now scan the items.")
    # The wristband still in view is seen again and again: no "another item?" question, no repeat signal.
    page.evaluate("raw => window.wardScan.pipeline.submit(raw, {source: 'camera'})", WRISTBAND)
    assert page.locator("body").get_attribute("data-scan-signal") == "ok"
    expect(page.locator("[data-scan-confirm]")).to_be_hidden()
    scan_item(page, "07612340000737")
    expect(page.locator("#issue-lines li")).to_have_count(1)
    page.get_by_role("button", name="Close camera").click()
    context.close()
