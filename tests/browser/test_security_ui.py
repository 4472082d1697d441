"""Roles and scope through the UI, in Debian's Chromium: a nurse and a counter meet "Not allowed" on the desk, a
supervisor voids an exception in place (htmx with its CSRF header), an administrator revokes a lost tablet."""
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from pwa import db
from pwa.models import Action, Device
from tests.conftest import Api, new_action


@pytest.fixture
def csp_violations(page: Page):
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield seen
    assert seen == []


def sign_in(page: Page, live_server: str, login: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="What would you like to do?")).to_be_visible()


@pytest.mark.parametrize("login", ["nurse", "counter"])
def test_the_desk_is_not_offered_and_not_allowed_to_a_nurse_or_a_counter(page: Page, live_server, login,
                                                                          csp_violations):
    sign_in(page, live_server, login)
    expect(page.get_by_role("link", name="Supervisor's desk")).to_have_count(0)
    for path in ("/supervisor/exceptions", "/supervisor/counts", "/admin/users"):
        page.goto(f"{live_server}{path}")
        expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_a_supervisor_voids_an_exception_in_place(page: Page, live_server, app, client, csp_violations):
    nurse = Api(client).login("nurse")
    action = new_action("issue")
    nurse.results(action)
    with app.app_context():
        db.session().scalar(select(Action).where(Action.id == action["id"])).status = "needs_attention"
        db.session().commit()
    sign_in(page, live_server, "supervisor")
    page.get_by_role("link", name="Supervisor's desk").click()
    page.get_by_role("link", name="Exceptions").first.click()
    row = page.locator(f"#exception-action-{action['id']}")
    row.get_by_placeholder("Why void it (required)").fill("Entered on the wrong patient; re-issued")
    row.get_by_role("button", name="Void").click()
    expect(page.locator(f"#exception-action-{action['id']}")).to_contain_text("Voided: it will never reach Odoo")
    with app.app_context():
        assert db.session().scalar(select(Action.status).where(Action.id == action["id"])) == "voided"


def test_an_administrator_revokes_a_lost_tablet(page: Page, live_server, app, client, csp_violations):
    tablet = Api(client, "lost-tablet").login("nurse")
    sign_in(page, live_server, "admin")
    page.get_by_role("link", name="Users and devices").click()
    page.get_by_role("link", name="Devices").click()
    page.get_by_role("link", name="lost-tablet").click()
    page.get_by_label("Revoke").fill("Lost on the night shift")
    page.get_by_role("button", name="Revoke").click()
    # What the device page says once revoked (the flash above it may be taken by the service worker's warm-up).
    expect(page.get_by_text("by admin")).to_be_visible()
    expect(page.get_by_role("button", name="Reinstate")).to_be_visible()
    assert tablet.get("/api/v1/catalog").status_code == 401
    with app.app_context():
        assert db.session().get(Device, "lost-tablet").revoked_by == "admin"


def test_a_nurse_takes_over_a_shared_tablet_with_her_badge_and_pin(page: Page, live_server, app, csp_violations):
    from pwa.badges import set_pin
    from pwa.models import AuditEntry, User
    with app.app_context():
        set_pin(db.session().scalar(select(User).where(User.login == "nurse")), "2468")
        db.session().commit()
    sign_in(page, live_server, "counter")
    expect(page.locator("html")).to_have_attribute("data-device-ready", "true", timeout=20000)
    page.get_by_role("link", name="Switch user").click()
    page.get_by_label("Badge").fill("BADGE:nurse")
    page.get_by_label("PIN").fill("1111")
    page.get_by_role("button", name="Switch").click()
    expect(page.locator("[data-switch-error]")).to_have_text("Badge or PIN not accepted.")
    page.get_by_label("PIN").fill("2468")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_text("nurse · requester")).to_be_visible()
    with app.app_context():
        events = {(e.event, e.actor, e.subject) for e in db.session().scalars(select(AuditEntry))}
    assert ("login", "nurse", "api badge") in events  # the tablet holds her device token for replay
    assert ("badge_switch", "nurse", "pages") in events
