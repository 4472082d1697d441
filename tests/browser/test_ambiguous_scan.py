"""Waste offline in Debian's Chromium: a label scanned without its GS separators asks which reading is on the
label, and the reading picked is the lot and serial of the saved line, in the outbox and in the journal."""
from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from pwa import db
from pwa.models import Action

# SYR-10ML, expiry 2026-12-31, then "LOT4221SN9": one lot, or lot LOT42 and serial SN9.
AMBIGUOUS = "]d201076123400000411726123110LOT4221SN9"
OUTBOX_LINES = """async () => {
  const outbox = await import('/static/js/outbox.js');
  const db = await outbox.openDevice();
  const all = await outbox.entries(db);
  db.close();
  return all.map((e) => e.action.lines);
}"""


def waste_screen_offline(page: Page, context: BrowserContext, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Login").fill("nurse")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="What would you like to do?")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-device-ready", "true", timeout=20000)
    context.set_offline(True)
    page.reload()
    page.get_by_role("link", name="Waste").first.click()
    expect(page.get_by_role("heading", name="Record waste")).to_be_visible()


def test_waste_offline_asks_which_reading_and_saves_the_split_lot_and_serial(
        page: Page, context: BrowserContext, live_server, app):
    waste_screen_offline(page, context, live_server)

    page.get_by_label("Scan or type the item").fill(AMBIGUOUS)
    page.get_by_role("button", name="Find").click()

    item = page.locator("#waste-item")
    expect(item).to_contain_text("Which is on the label?", timeout=5000)
    whole = page.get_by_role("radio", name=re.compile(r"All of it, as scanned — lot LOT4221SN9"))
    split = page.get_by_role("radio", name=re.compile(r"^lot LOT42\s+serial SN9"))
    expect(whole).to_be_checked()
    expect(split).not_to_be_checked()
    assert page.locator("label.reading").first.bounding_box()["height"] >= 48

    split.check()
    page.get_by_role("button", name="Add line").click()
    expect(page.locator("#waste-lines")).to_contain_text("serial SN9")
    page.get_by_role("button", name="Confirm waste").click()
    expect(page.locator("#waste-result")).to_contain_text("Saved.")

    [[line]] = page.evaluate(OUTBOX_LINES)
    assert (line["scan"], line["lot"], line["serial"], line["expiry"]) == (AMBIGUOUS, "LOT42", "SN9", "2026-12-31")

    context.set_offline(False)
    expect(page.locator("#device-status")).to_have_attribute("data-pending", "0", timeout=15000)
    with app.app_context():
        [action] = db.session().scalars(select(Action).where(Action.type == "waste")).all()
        [journaled] = action.lines
    assert (journaled["ref"], journaled["lot"], journaled["serial"], journaled["expiry"]) == (
        "SYR-10ML", "LOT42", "SN9", "2026-12-31")
