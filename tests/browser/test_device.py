"""The offline-first device in Debian's Chromium: the app loads from its service worker with no network, actions
wait in the IndexedDB outbox and reach the journal exactly once, in order, whatever happens to the network, the
server, the page or the app's version in between."""
from __future__ import annotations

import json
import threading
import time

import pytest
from playwright.sync_api import BrowserContext, Error as PlaywrightError, Page, expect
from sqlalchemy import select

from pwa import db
from pwa.models import Action, Rejection

OUTBOX = """async () => {
  const outbox = await import('/static/js/outbox.js');
  const db = await outbox.openDevice();
  const all = await outbox.entries(db);
  db.close();
  return all.map((e) => ({id: e.id, state: e.state, type: e.action.type, user: e.user, reason: e.reason}));
}"""
RECORD = """async (fields) => (await (await import('/static/js/device.js')).recordAction(fields)).id"""
SEND_NOW = """async () => (await import('/static/js/device.js')).sendNow({force: true})"""


class ActionsFault:
    """Stands between the live server and the app on POST /api/v1/actions: answers 500, loses the answer after
    the journal committed, or holds the answer back until released."""

    def __init__(self, app):
        self.app, self.inner, self.mode, self.calls = app, app.wsgi_app, None, 0
        self.held, self.release = threading.Event(), threading.Event()
        app.wsgi_app = self

    def __call__(self, environ, start_response):
        if self.mode is None or environ["PATH_INFO"] != "/api/v1/actions" or environ["REQUEST_METHOD"] != "POST":
            return self.inner(environ, start_response)
        self.calls += 1
        if self.mode == "error":
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "application/json")])
            return [b'{"error": {"code": "server_error", "message": "down"}}']
        answer = {}
        body = b"".join(self.inner(environ, lambda status, headers, exc_info=None: answer.update(
            status=status, headers=headers)))
        if self.mode == "lose":
            start_response("502 BAD GATEWAY", [("Content-Type", "text/plain")])
            return [b"the answer was lost"]
        self.held.set()
        self.release.wait(30)
        start_response(answer["status"], answer["headers"])
        return [body]

    def off(self):
        self.mode = None
        self.release.set()


@pytest.fixture
def fault(app):
    fault = ActionsFault(app)
    yield fault
    fault.off()
    app.wsgi_app = fault.inner


@pytest.fixture
def csp_violations(page: Page):
    """Every page must run under the strict CSP: no inline script or style, no eval."""
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield seen
    assert seen == []


def rejections(app, action_id: str) -> int:
    with app.app_context():
        return len(db.session().scalars(select(Rejection).where(Rejection.action_id == action_id)).all())


def journal_rows(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session().scalars(select(Action).order_by(Action.seq)).all()
        return [(row.id, row.type, row.user.login) for row in rows]


def eventually(check, timeout: float = 15) -> None:
    """Waits for a condition the page cannot show (the journal, the caches), polling briefly."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the condition was not met in time"
        time.sleep(0.05)


def outbox(page: Page) -> list[dict]:
    return page.evaluate(OUTBOX)


def sign_in(page: Page, live_server: str, login: str = "nurse") -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="What would you like to do?")).to_be_visible()
    device_ready(page)


def device_ready(page: Page) -> None:
    """The service worker controls the page, the user's screens are stored and the catalog is on the device."""
    expect(page.locator("html")).to_have_attribute("data-device-ready", "true", timeout=20000)


def expect_pending(page: Page, count: int) -> None:
    expect(page.locator("#device-status")).to_have_attribute("data-pending", str(count), timeout=15000)


def record_waste(page: Page, scan: str, qty: int, reason: str = "Expired", detail: str = "") -> None:
    """The whole Waste screen: scan, quantity and reason, add the line, confirm, and see it saved."""
    page.get_by_label("Scan or type the item").fill(scan)
    page.get_by_role("button", name="Find").click()
    page.get_by_label("Quantity").fill(str(qty))
    page.get_by_label("Reason").select_option(label=reason)
    if detail:
        page.get_by_label("Details").fill(detail)
    page.get_by_role("button", name="Add line").click()
    page.get_by_role("button", name="Confirm waste").click()
    expect(page.locator("#waste-result")).to_contain_text("Saved.")


def open_waste(page: Page) -> None:
    page.get_by_role("link", name="Waste").first.click()
    expect(page.get_by_role("heading", name="Record waste")).to_be_visible()


def test_offline_actions_survive_closing_the_page_and_arrive_once_in_order(
        page: Page, context: BrowserContext, live_server, app, csp_violations):
    sign_in(page, live_server)
    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="What would you like to do?")).to_be_visible()
    expect(page.locator("#device-status")).to_contain_text("Offline")

    open_waste(page)
    page.get_by_label("Scan or type the item").fill("07612340000041")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#waste-item")).to_contain_text("SYR-10ML", timeout=5000)
    page.get_by_role("button", name="Add line").click()
    page.get_by_role("button", name="Confirm waste").click()
    expect(page.locator("#waste-result")).to_contain_text("Saved.")
    record_waste(page, "SYR-10ML", 3, "Other", "dropped on the floor")
    requisition = page.evaluate(RECORD, {"type": "requisition", "location": "WARD-4B",
                                         "lines": [{"product": "GLV-N-M", "qty": 200}]})
    issue = page.evaluate(RECORD, {"type": "issue", "location": "WARD-4B", "encounter": "ENC-2026-000123",
                                   "lines": [{"scan": "(01)07612340000041(17)271231(10)AB12", "qty": 2}]})
    expect_pending(page, 4)
    made = outbox(page)
    assert [entry["type"] for entry in made] == ["waste", "waste", "requisition", "issue"]
    assert [entry["id"] for entry in made][2:] == [requisition, issue]
    page.close()

    later = context.new_page()
    later.goto(f"{live_server}/outbox")
    expect(later.locator("[data-outbox-rows] tr")).to_have_count(4)
    expect(later.locator("[data-outbox-rows]")).not_to_contain_text("Sent")
    assert journal_rows(app) == []

    context.set_offline(False)
    expect_pending(later, 0)
    assert journal_rows(app) == [(entry["id"], entry["type"], "nurse") for entry in made]
    expect(later.locator('[data-outbox-rows] tr[data-state="sent"]')).to_have_count(4)
    with app.app_context():
        waste = db.session().scalar(select(Action).where(Action.id == made[1]["id"]))
        assert waste.lines[0]["reason"] == "other: dropped on the floor"
        assert waste.lines[0]["units"] == 3


def test_an_outbox_replayed_again_after_a_lost_answer_journals_nothing_twice(
        page: Page, context: BrowserContext, live_server, app, fault):
    sign_in(page, live_server)
    open_waste(page)
    context.set_offline(True)
    record_waste(page, "SYR-10ML", 1)
    record_waste(page, "NDL-21G", 2, "Damaged")
    fault.mode = "lose"
    context.set_offline(False)
    eventually(lambda: len(journal_rows(app)) == 2)
    rows = journal_rows(app)
    eventually(lambda: fault.calls >= 1 and all(entry["state"] == "pending" for entry in outbox(page)))

    fault.off()
    page.evaluate(SEND_NOW)
    expect_pending(page, 0)
    # The same outbox once more, as a device that lost its marks would send it.
    page.evaluate("""async () => {
      const outbox = await import('/static/js/outbox.js');
      const db = await outbox.openDevice();
      for (const entry of await outbox.entries(db)) await db.put('outbox', {...entry, state: 'pending'});
      db.close();
    }""")
    report = page.evaluate(SEND_NOW)
    assert report["sent"] == 2
    assert journal_rows(app) == rows


def test_a_failing_server_marks_nothing_sent_and_everything_arrives_once_after_it_recovers(
        page: Page, live_server, app, fault):
    sign_in(page, live_server)
    fault.mode = "error"
    open_waste(page)
    record_waste(page, "SYR-10ML", 1)
    page.evaluate(RECORD, {"type": "return", "location": "WARD-4B", "lines": [{"product": "SYR-10ML", "qty": 1}]})
    page.evaluate(SEND_NOW)
    assert fault.calls >= 1
    assert [entry["state"] for entry in outbox(page)] == ["pending", "pending"]
    expect_pending(page, 2)
    assert journal_rows(app) == []

    fault.off()
    page.evaluate(SEND_NOW)
    expect_pending(page, 0)
    assert [row[0] for row in journal_rows(app)] == [entry["id"] for entry in outbox(page)]


def test_a_rejected_action_stays_visible_with_its_reason_and_does_not_block_the_rest(
        page: Page, live_server, app):
    sign_in(page, live_server)
    first = page.evaluate(RECORD, {"type": "waste", "location": "WARD-4B",
                                   "lines": [{"product": "SYR-10ML", "qty": 1, "reason": "expired"}]})
    unknown = page.evaluate(RECORD, {"type": "waste", "location": "WARD-4B",
                                     "lines": [{"product": "NO-SUCH-ITEM", "qty": 1, "reason": "expired"}]})
    last = page.evaluate(RECORD, {"type": "waste", "location": "WARD-4B",
                                  "lines": [{"product": "NDL-21G", "qty": 1, "reason": "damaged"}]})
    expect_pending(page, 0)
    assert [row[0] for row in journal_rows(app)] == [first, last]
    expect(page.locator("#device-status")).to_contain_text("1 not accepted")

    page.get_by_role("link", name="1 not accepted").click()
    row = page.locator(f'[data-outbox-rows] tr[data-id="{unknown}"]')
    expect(row).to_have_attribute("data-state", "failed")
    expect(row).to_contain_text("is not in the catalog")
    expect(row).to_contain_text("Ask your supervisor to add or map the item, then retry.")
    expect(page.locator('[data-outbox-rows] tr[data-state="sent"]')).to_have_count(2)
    # Retrying sends it unchanged; still unknown, it comes back failed and stays on the tablet.
    row.get_by_role("button", name="Retry").click()
    eventually(lambda: rejections(app, unknown) == 2)
    expect(row).to_have_attribute("data-state", "failed")
    assert [e["state"] for e in outbox(page) if e["id"] == unknown] == ["failed"]


def test_closing_the_page_in_the_middle_of_a_replay_loses_and_duplicates_nothing(
        page: Page, context: BrowserContext, live_server, app, fault):
    sign_in(page, live_server)
    context.set_offline(True)
    made = [page.evaluate(RECORD, {"type": "waste", "location": "WARD-4B",
                                   "lines": [{"product": "SYR-10ML", "qty": n, "reason": "expired"}]})
            for n in (1, 2, 3)]
    fault.mode = "hold"
    context.set_offline(False)
    assert fault.held.wait(15), "the replay reached the server"
    page.close()
    fault.off()

    later = context.new_page()
    later.goto(f"{live_server}/outbox")
    expect_pending(later, 0)
    expect(later.locator('[data-outbox-rows] tr[data-state="sent"]')).to_have_count(3)
    assert [row[0] for row in journal_rows(app)] == made


def test_actions_waiting_in_the_outbox_survive_a_new_app_version(
        page: Page, context: BrowserContext, live_server, app, fault):
    app.config["DEVICE_VERSION"] = "release-1"
    sign_in(page, live_server)
    fault.mode = "error"
    open_waste(page)
    record_waste(page, "SYR-10ML", 2)
    made = [entry["id"] for entry in outbox(page)]

    app.config["DEVICE_VERSION"] = "release-2"
    page.reload()
    update = page.get_by_role("button", name="Update available — reload")
    if not update.is_visible():
        page.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")
    expect(update).to_be_visible(timeout=15000)
    update.click()

    def shells() -> list[str]:
        try:
            return [name for name in page.evaluate("caches.keys()") if name.startswith("ws-shell-")]
        except PlaywrightError:  # the page is reloading onto the new version
            return []

    eventually(lambda: shells() == ["ws-shell-release-2"], timeout=30)
    expect(page.get_by_role("heading", name="Record waste")).to_be_visible()
    assert [entry["id"] for entry in outbox(page)] == made
    assert journal_rows(app) == []

    fault.off()
    page.evaluate(SEND_NOW)
    expect_pending(page, 0)
    assert [row[0] for row in journal_rows(app)] == made


def test_on_a_shared_tablet_signing_out_keeps_each_queued_action_with_its_author(
        page: Page, live_server, app, fault):
    fault.mode = "error"
    sign_in(page, live_server, "nurse")
    open_waste(page)
    record_waste(page, "SYR-10ML", 1)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("#device-status")).to_contain_text("1 waiting to send")

    sign_in(page, live_server, "supervisor")
    open_waste(page)
    page.get_by_label("Location").select_option(label="Ward 4B")
    record_waste(page, "NDL-21G", 1, "Damaged")
    assert [entry["user"] for entry in outbox(page)] == ["nurse", "supervisor"]

    fault.off()
    page.evaluate(SEND_NOW)
    expect_pending(page, 0)
    assert [(row[1], row[2]) for row in journal_rows(app)] == [("waste", "nurse"), ("waste", "supervisor")]


def test_waste_online_shows_the_servers_fragment_and_saves_before_sending(page: Page, live_server, app,
                                                                            csp_violations):
    sign_in(page, live_server)
    open_waste(page)
    page.get_by_label("Scan or type the item").fill("NOT-A-REAL-CODE")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#waste-item")).to_contain_text("is not in the catalog")
    page.get_by_label("Scan or type the item").fill("17612340000048")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#waste-item")).to_contain_text("pack of 100 units")
    page.get_by_role("button", name="Add line").click()
    record_waste(page, "NDL-21G", 4, "Contaminated")
    # Online, the pending count can read 0 before the save is counted: wait on the journal itself.
    eventually(lambda: len(journal_rows(app)) == 1)
    expect_pending(page, 0)
    (row,) = journal_rows(app)
    with app.app_context():
        action = db.session().scalar(select(Action).where(Action.id == row[0]))
        payload = json.loads(action.payload)
    assert payload["type"] == "waste" and payload["location"] == "WARD-4B" and payload["user"] == "nurse"
    assert [(line["ref"], line["units"], line["reason"]) for line in action.lines] == [
        ("SYR-10ML", 100.0, "expired"), ("NDL-21G", 4.0, "contaminated")]


def test_waste_undo_removes_the_last_line_and_other_needs_a_detail(page: Page, live_server):
    sign_in(page, live_server)
    open_waste(page)
    for scan in ("SYR-10ML", "NDL-21G"):
        page.get_by_label("Scan or type the item").fill(scan)
        page.get_by_role("button", name="Find").click()
        page.get_by_role("button", name="Add line").click()
    expect(page.locator("#waste-lines li")).to_have_count(2)
    page.get_by_role("button", name="Undo last line").click()
    expect(page.locator("#waste-lines li")).to_have_count(1)
    expect(page.locator("#waste-lines")).to_contain_text("Syringe")
    page.get_by_label("Scan or type the item").fill("NDL-21G")
    page.get_by_role("button", name="Find").click()
    page.get_by_label("Reason").select_option(label="Other")
    page.get_by_role("button", name="Add line").click()
    expect(page.locator("#waste-lines li")).to_have_count(1)
